import math

import pytest
import torch

from rnncourse.train import train


def linear_problem():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    return model, (lambda step: (x, y)), (lambda m, b: torch.mean((m(b[0]) - b[1]) ** 2))


def test_training_reduces_the_loss():
    model, batch, loss = linear_problem()
    history = train(model, batch, loss, steps=200, lr=0.05, progress=False)
    assert len(history) == 200 and history[-1] < 0.01 * history[0]


def test_clipping_bounds_each_update():
    model, batch, loss = linear_problem()
    before = [p.detach().clone() for p in model.parameters()]
    train(model, batch, loss, steps=1, lr=1.0, optimizer="sgd", clip=1e-3, progress=False)
    moved = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert moved <= 1e-3 + 1e-9


def test_diverging_run_stops_at_nan():
    model, batch, _ = linear_problem()
    history = train(model, batch, lambda m, b: m(b[0]).sum() * float("nan"), steps=50, lr=0.1, progress=False)
    assert len(history) == 1 and math.isnan(history[0])


def test_bad_arguments():
    model, batch, loss = linear_problem()
    with pytest.raises(ValueError, match="optimizer"):
        train(model, batch, loss, steps=1, lr=0.1, optimizer="lbfgs")
    with pytest.raises(ValueError, match="steps"):
        train(model, batch, loss, steps=0, lr=0.1)


# ---------------------------------------------------------------- seed ensembles and the loop's options
import numpy as np  # noqa: E402

from rnncourse.models import SequenceModel  # noqa: E402
from rnncourse.train import Ensemble, Reset, cross_entropy, evaluate, fit, mse  # noqa: E402


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype,tol", [(torch.float32, 1e-6), (torch.float64, 1e-12)])
@pytest.mark.parametrize("many_to_one", [True, False])
def test_ensemble_members_equal_standalone_models(cell, dtype, tol, many_to_one):
    ens = Ensemble(cell, 3, 8, 2, seeds=[1, 2, 3], many_to_one=many_to_one, dtype=dtype)
    x = torch.randn(4, 7, 3, dtype=dtype)
    out = ens(x)
    for k, s in enumerate(ens.seeds):
        alone = SequenceModel(3, 8, cell=cell, output_size=2, many_to_one=many_to_one, seed=s).to(dtype)
        assert (out[k] - alone(x)).abs().max() < tol
        assert torch.equal(ens.member(k)(x), alone(x))
        assert isinstance(ens.member(k).rnn, {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell])


def test_ensemble_seeds_follow_the_seed_shift(monkeypatch):
    first = Ensemble("gru", 2, 4, seeds=[0]).weight_hh.detach().clone()
    monkeypatch.setenv("RNNCOURSE_SEED_SHIFT", "1")
    shifted = Ensemble("gru", 2, 4, seeds=[0]).weight_hh.detach()
    assert not torch.equal(first, shifted)
    monkeypatch.delenv("RNNCOURSE_SEED_SHIFT")
    assert torch.equal(shifted, Ensemble("gru", 2, 4, seeds=[1000]).weight_hh.detach())


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_ensemble_training_follows_each_members_own_trajectory(cell):
    gen = torch.Generator().manual_seed(0)
    data = [(torch.randn(8, 6, 2, generator=gen, dtype=torch.float64),
             torch.randn(8, 1, generator=gen, dtype=torch.float64)) for _ in range(12)]
    loss = lambda m, b: mse(m(b[0]), b[1])  # noqa: E731
    ens = Ensemble(cell, 2, 5, seeds=[5, 6], dtype=torch.float64)
    hist = fit(ens, lambda s: data[s], loss, steps=12, lr=2e-2, clip=0.3, progress=False)
    assert hist.losses.shape == (12, 2) and hist.grad_norms.shape == (12, 2)
    for k, s in enumerate(ens.seeds):
        alone = SequenceModel(2, 5, cell=cell, seed=s).double()
        ref = fit(alone, lambda s: data[s], loss, steps=12, lr=2e-2, clip=0.3, progress=False)
        assert np.abs(hist.losses[:, k] - ref.losses).max() < 1e-12
        assert np.abs(hist.grad_norms[:, k] - ref.grad_norms).max() < 1e-12
        for a, b in zip(ens.member(k).parameters(), alone.parameters()):
            assert (a - b).abs().max() < 1e-12
    per_member = evaluate(ens, lambda m: mse(m(data[0][0]), data[0][1]))
    assert per_member.shape == (2,)


def test_ensemble_with_own_batches_per_member():
    ens = Ensemble("rnn", 1, 4, 3, seeds=range(3), many_to_one=False)
    def batch(step, k):
        g = torch.Generator().manual_seed(100 * k + step)
        return torch.randn(5, 6, 1, generator=g), torch.randint(0, 3, (5, 6), generator=g)
    hist = fit(ens, batch, lambda m, b: cross_entropy(m(b[0]), b[1], members=True), steps=3, lr=1e-2,
               share_batches=False, progress=False)
    assert hist.losses.shape == (3, 3) and len(set(hist.losses[0].round(8))) == 3
    with pytest.raises(ValueError, match="one loss per member"):
        fit(ens, lambda s: batch(s, 0), lambda m, b: cross_entropy(m(b[0]), b[1]), steps=1, progress=False)


def test_early_stopping_restores_the_best_weights():
    model, batch, loss = linear_problem()
    seen = []
    def val(m):
        seen.append({k: v.clone() for k, v in m.state_dict().items()})
        return [3.0, 1.0, 2.0, 4.0, 5.0, 6.0][len(seen) - 1]  # best at the second check
    hist = fit(model, batch, loss, steps=20, lr=0.05, val_fn=val, patience=3, progress=False)
    assert hist.stopped == "early stopping" and hist.best_step == 1 and len(hist.losses) == 5
    assert all(torch.equal(v, seen[1][k]) for k, v in model.state_dict().items())


def test_stateful_fit_carries_and_detaches_the_state():
    rnn = torch.nn.RNN(1, 3, batch_first=True)
    chunks = [torch.randn(2, 4, 1) for _ in range(3)]
    states = []
    def loss(m, x, state):
        states.append(state)
        out, h = m(x, state)
        return out.pow(2).mean(), h
    fit(rnn, chunks, loss, epochs=2, lr=1e-2, stateful=True, progress=False)
    assert states[0] is None and states[3] is None  # a new pass starts fresh
    assert all(s is not None and not s.requires_grad for i, s in enumerate(states) if i % 3)


def test_epochs_and_steps_are_exclusive():
    model, batch, loss = linear_problem()
    with pytest.raises(ValueError, match="exactly one"):
        fit(model, batch, loss, steps=3, epochs=1)
    assert isinstance(Reset(1).batch, int)
