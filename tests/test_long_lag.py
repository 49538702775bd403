"""rnncourse.long_lag: models, training helpers for the adding problem and the embedded Reber grammar, gate read-outs."""
import math

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import rnncourse as rc  # noqa: E402
from rnncourse import long_lag as ll  # noqa: E402
from rnncourse import reber, tasks  # noqa: E402
from rnncourse.viz import missing_glyph_warnings  # noqa: E402


@pytest.mark.parametrize("kind, module", [("rnn", torch.nn.RNN), ("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)])
def test_make_recurrent_builds_batch_first_modules(kind, module):
    m = ll.make_recurrent(kind, 3, 5)
    assert isinstance(m, module) and m.batch_first and m.num_layers == 1
    out, _ = m(torch.zeros(2, 7, 3))
    assert out.shape == (2, 7, 5)


def test_make_recurrent_rejects_unknown_kind_and_misplaced_forget_bias():
    with pytest.raises(ValueError, match="kind"):
        ll.make_recurrent("transformer", 3, 5)
    with pytest.raises(ValueError, match="forget_bias"):
        ll.make_recurrent("gru", 3, 5, forget_bias=1.0)
    with pytest.raises(ValueError, match="LSTM"):
        ll.set_forget_bias(torch.nn.GRU(3, 5), 1.0)


@pytest.mark.parametrize("value", [0.0, 1.0, 5.0])
def test_forget_bias_sets_the_total_forget_bias_only(value):
    torch.manual_seed(0)
    m = ll.make_recurrent("lstm", 3, 4, forget_bias=value)
    total = (m.bias_ih_l0 + m.bias_hh_l0).detach()
    assert torch.equal(total[4:8], torch.full((4,), value))
    torch.manual_seed(0)
    plain = ll.make_recurrent("lstm", 3, 4)
    others = torch.cat([torch.arange(0, 4), torch.arange(8, 16)])
    assert torch.equal(total[others], (plain.bias_ih_l0 + plain.bias_hh_l0).detach()[others])
    # with zero input and state, the forget gate starts at sigmoid(value)
    gates = ll.gate_values(m, torch.zeros(1, 1, 3))
    np.testing.assert_allclose(gates["f"][0, 0], 1 / (1 + math.exp(-value)), rtol=1e-6)


def test_model_shapes_and_parameter_counts():
    x = torch.randn(4, 9, 2)
    assert ll.SequenceRegressor("lstm", 2, 8)(x).shape == (4, 1)
    assert ll.SequenceTagger("gru", 2, 8, 7)(x).shape == (4, 9, 7)
    counts = [ll.count_parameters(ll.make_recurrent(k, 5, 6)) for k in ("rnn", "gru", "lstm")]
    assert counts[1] == 3 * counts[0] and counts[2] == 4 * counts[0]


def test_train_adding_is_seeded_and_learns_a_short_lag():
    first = ll.train_adding("lstm", length=10, steps=300, hidden=16, batch=32, lr=2e-2, seed=3, progress=False)
    again = ll.train_adding("lstm", length=10, steps=300, hidden=16, batch=32, lr=2e-2, seed=3, progress=False)
    assert first.losses == again.losses and first.metric == again.metric
    assert len(first.losses) == len(first.grad_norms) == first.steps == 300
    assert first.metric < 0.25 * tasks.ADDING_BASELINE_MSE
    assert first.cpu_seconds > 0 and first.wall_seconds > 0 and first.kind == "lstm"
    assert first.extra == {"length": 10, "hidden": 16, "batch": 32}


def test_train_adding_with_several_seeds_keeps_the_first_to_reach_the_target():
    kw = dict(length=10, steps=310, hidden=16, batch=32, lr=2e-2, target_mse=2e-3, progress=False)
    many = ll.train_adding("lstm", seed=[3, 4, 5], **kw)
    members = many.extra["members"]
    assert [m["seed"] for m in members] == [3, 4, 5] and many.extra["seed"] in (3, 4, 5)
    # the kept model is exactly the one-seed run of its seed: same batches, same updates, same stop
    alone = ll.train_adding("lstm", seed=many.extra["seed"], **kw)
    assert many.losses == alone.losses and many.grad_norms == alone.grad_norms and many.metric == alone.metric
    assert many.steps == alone.steps < 310 and np.mean(many.losses[-25:]) < 2e-3
    # the others trained in turn, 25 steps at a time, and stopped after the same round; none before it had won
    assert all(m["steps"] == many.steps and len(m["losses"]) == m["steps"] for m in members)
    before = [m for m in members if m["seed"] < many.extra["seed"]]
    assert all(np.mean(m["losses"][-25:]) >= 2e-3 for m in before)
    assert many.cpu_seconds >= alone.cpu_seconds * 0.5


def test_train_adding_with_several_seeds_needs_a_target_and_seeds():
    with pytest.raises(ValueError, match="target_mse"):
        ll.train_adding("lstm", length=10, steps=30, seed=[1, 2], progress=False)
    with pytest.raises(ValueError, match="non-empty"):
        ll.train_adding("lstm", length=10, steps=30, seed=[], target_mse=0.1, progress=False)


def test_adding_mse_of_a_constant_answer_is_the_baseline():
    class Constant(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bias = torch.nn.Parameter(torch.ones(1))

        def forward(self, x):
            return self.bias.expand(x.shape[0], 1)

    assert ll.adding_mse(Constant(), 20, size=20_000) == pytest.approx(tasks.ADDING_BASELINE_MSE, abs=0.01)


class Oracle(torch.nn.Module):
    """Reads the one-hot strings back and answers the legal next-symbol sets with confident logits."""

    def __init__(self, wrong_long_lag: bool = False):
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(1))
        self.wrong_long_lag = wrong_long_lag

    def forward(self, x):
        strings = ["".join(reber.SYMBOLS[i] for i in row.argmax(-1)[row.sum(-1) > 0]) for row in x]
        _, lengths, targets = reber.encode(strings)
        if self.wrong_long_lag:
            rows = torch.arange(len(strings))
            targets[rows, lengths - 3] = 1 - targets[rows, lengths - 3]
        logits = 20 * (2 * targets - 1)
        padded = torch.full((x.shape[0], x.shape[1], 7), -20.0)
        padded[:, : logits.shape[1]] = logits
        return padded + self.dummy


def test_reber_scores_of_an_oracle_and_of_one_that_forgets_the_long_lag():
    assert ll.reber_scores(Oracle(), size=100) == {"solved": 1.0, "penultimate": 1.0, "grammar": 1.0}
    assert ll.reber_scores(Oracle(wrong_long_lag=True), size=100) == {"solved": 0.0, "penultimate": 0.0,
                                                                        "grammar": 1.0}


def test_train_reber_reports_its_budget():
    run = ll.train_reber("gru", steps=30, hidden=8, batch=4, seed=1, stop_when_solved=False, progress=False)
    assert run.steps == 30 and run.extra["strings_seen"] == 120
    assert 0.0 <= run.metric <= min(run.extra["penultimate"], run.extra["grammar"]) <= 1.0
    assert set(run.extra) == {"penultimate", "grammar", "strings_seen", "hidden"}
    assert all(math.isfinite(v) for v in run.losses)


def test_gate_read_outs_match_torch_modules():
    torch.manual_seed(0)
    x = torch.randn(3, 6, 2)
    lstm = ll.make_recurrent("lstm", 2, 4, forget_bias=1.0)
    gates = ll.gate_values(lstm, x)
    out, (h_T, c_T) = lstm(x)
    assert set(gates) == {"i", "f", "g", "o", "c", "h"} and gates["i"].shape == (3, 6, 4)
    np.testing.assert_allclose(gates["h"], out.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(gates["c"][:, -1], c_T[0].detach().numpy(), atol=1e-6)
    assert ((gates["f"] > 0) & (gates["f"] < 1)).all() and (np.abs(gates["g"]) < 1).all()
    gru = ll.make_recurrent("gru", 2, 4)
    g = ll.gate_values(gru, x)
    np.testing.assert_allclose(g["h"], gru(x)[0].detach().numpy(), atol=1e-6)
    assert set(g) == {"r", "z", "n", "h"}


def test_gate_timeline_draws_korean_without_missing_glyphs():
    rc.use_korean_font()
    torch.manual_seed(0)
    x, _ = tasks.adding_task(2, 30, seed=0)
    gates = ll.gate_values(ll.make_recurrent("lstm", 2, 5), x)
    fig = ll.plot_gate_timeline(gates, sequence=1, unit=2, marks=x[1, :, 1].numpy() > 0, title="게이트")
    assert missing_glyph_warnings(fig) == []
    assert len(fig.axes) == 3  # symbols, values, and the cell state's twin axis
    plt.close(fig)


# ---------------------------------------------------------------- lesson 05: T = 1000 and document boundaries

def test_chrono_init_spreads_forget_biases_and_mirrors_the_input_bias():
    model = ll.SequenceRegressor("lstm", 2, 64, seed=0)
    ll.chrono_init(model, 1000, seed=3)
    H, rnn = 64, model.rnn
    b_f = (rnn.bias_ih_l0 + rnn.bias_hh_l0)[H:2 * H].detach()
    b_i = (rnn.bias_ih_l0 + rnn.bias_hh_l0)[:H].detach()
    assert torch.all(b_f >= 0) and torch.all(b_f <= math.log(999) + 1e-5)
    torch.testing.assert_close(b_i, -b_f)
    assert b_f.std() > 0.5  # spread over time scales, not one value
    again = ll.chrono_init(ll.SequenceRegressor("lstm", 2, 64, seed=0), 1000, seed=3)
    torch.testing.assert_close(again.rnn.bias_ih_l0, rnn.bias_ih_l0)
    with pytest.raises(ValueError, match="nn.LSTM"):
        ll.chrono_init(ll.SequenceRegressor("gru", 2, 4), 100)
    with pytest.raises(ValueError, match="t_max"):
        ll.chrono_init(model, 2)


def test_document_stream_counts_ones_since_the_last_boundary():
    x, y, boundary = ll.document_stream(4, 80, seed=1)
    assert x.shape == (4, 80, 3) and y.shape == (4, 80, 1) and boundary.shape == (4, 80)
    tokens = x.argmax(-1)
    assert torch.equal(tokens == 2, boundary) and torch.all(x.sum(-1) == 1)
    for b in range(4):
        count = 0
        for t in range(80):
            count = 0 if boundary[b, t] else count + int(tokens[b, t] == 1)
            assert y[b, t, 0] == count
        starts = torch.nonzero(boundary[b]).flatten()
        gaps = torch.diff(starts) - 1
        assert len(starts) >= 4 and torch.all((gaps >= 4) & (gaps <= 15))
    x2, y2, _ = ll.document_stream(4, 80, seed=1)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    with pytest.raises(ValueError, match="max_doc"):
        ll.document_stream(2, 10, min_doc=5, max_doc=3)


def test_remove_forget_gate_keeps_f_at_one_through_training():
    run = ll.train_documents(forget=False, length=20, steps=5, hidden=4, batch=4, progress=False)
    x, _, _ = ll.document_stream(3, 20, seed=2)
    gates = ll.gate_values(run.model.rnn, x)
    assert np.all(gates["f"] > 1 - 1e-12)  # sigmoid(30) in float64; exactly 1 in float32
    H = 4
    assert torch.all(run.model.rnn.weight_hh_l0[H:2 * H] == 0) and torch.all(run.model.rnn.weight_ih_l0[H:2 * H] == 0)
    assert run.metric > 0 and run.steps == 5 and not run.extra["forget"]
    with pytest.raises(ValueError, match="nn.LSTM"):
        ll.remove_forget_gate(torch.nn.GRU(2, 3))


def test_shipped_adding1000_checkpoint_loads_and_beats_the_baseline():
    model, meta = ll.load_adding1000()
    assert model.config["hidden_size"] == meta["recipe"]["hidden"] and not model.training
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert meta["recipe"]["lengths"][-1] == 1000 and meta["sequences_seen"] > meta["sequences_seen_at_final_length"]
    assert {"train_cpu_s", "train_wall_s", "torch", "command", "curve"} <= set(meta)
    x, y = tasks.adding_task(64, 1000, seed=123)
    with torch.no_grad():
        mse = float(((model(x) - y) ** 2).mean())
    assert mse < 0.5 * tasks.ADDING_BASELINE_MSE
