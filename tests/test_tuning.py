"""rnncourse.tuning: tasks, splits, the configurable model, penalties, optimizers, early stopping, measurements."""
import math

import numpy as np
import pytest
import torch

from rnncourse import tuning as tu


# ---------------------------------------------------------------- tasks and splits
def test_sign_of_sum_labels_follow_the_rule_up_to_the_flips():
    x, y = tu.sign_of_sum_task(4000, 10, flip=0.1, seed=3)
    assert x.shape == (4000, 10, 1) and y.shape == (4000,)
    clean = (x.sum(dim=(1, 2)) > 0).float()
    assert abs(float((clean != y).float().mean()) - 0.1) < 0.015
    x0, y0 = tu.sign_of_sum_task(50, 10, flip=0.0, seed=3)
    assert torch.equal(y0, (x0.sum(dim=(1, 2)) > 0).float())


@pytest.mark.parametrize("bad", [dict(n=0), dict(n=5, flip=0.5), dict(n=5, length=0)])
def test_sign_of_sum_refuses_bad_arguments(bad):
    with pytest.raises(ValueError):
        tu.sign_of_sum_task(**bad)


def test_sign_of_sum_split_keeps_val_and_test_when_train_grows():
    small, big = tu.sign_of_sum_split(32, seed=5), tu.sign_of_sum_split(512, seed=5)
    assert small.train[0].shape == (32, 10, 1) and big.train[0].shape == (512, 10, 1)
    for a, b in zip(small.val + small.test, big.val + big.test):
        assert torch.equal(a, b)
    assert small.val[0].shape[0] == 64 and small.test[0].shape[0] == 2000
    assert not torch.equal(tu.sign_of_sum_split(32, seed=6).val[0], small.val[0])


def test_split_data_is_a_disjoint_shuffled_partition():
    x = torch.arange(20).float().unsqueeze(-1)
    parts = tu.split_data(x, x * 2, sizes=[10, 5, 5], seed=1)
    rows = torch.cat([p[0] for p in parts]).squeeze(-1)
    assert sorted(rows.tolist()) == list(range(20)) and rows[:10].tolist() != list(range(10))
    for xs, ys in parts:
        assert torch.equal(ys, xs * 2)
    with pytest.raises(ValueError):
        tu.split_data(x, sizes=[10, 10, 10])
    with pytest.raises(ValueError):
        tu.split_data(x, x[:5], sizes=[1, 1, 1])


def test_parity_task_targets():
    x, y, mask = tu.parity_task(8, 12, window=3, seed=2)
    bits = x[..., 0]
    for t in range(2, 12):
        assert torch.equal(y[:, t], (bits[:, t] + bits[:, t - 1] + bits[:, t - 2]) % 2)
    assert not mask[:, :2].any() and mask[:, 2:].all()


def test_sine_regression_is_in_raw_units():
    x, y = tu.sine_regression_task(200, 16, seed=0)
    assert x.shape == (200, 16, 1) and y.shape == (200, 1)
    assert 450 < float(x.mean()) < 550 and 60 < float(x.std()) < 110


def test_standardizer_and_normalize_targets_use_training_statistics():
    y_train, y_test = torch.tensor([1.0, 2.0, 3.0, 6.0]), torch.tensor([10.0, 0.0])
    scaler = tu.Standardizer.fit(y_train)
    assert scaler.mean == 3.0 and math.isclose(scaler.std, float(y_train.std(unbiased=False)), rel_tol=1e-6)
    assert torch.allclose(scaler.inverse(scaler(y_test)), y_test)
    z_train, z_test, mean, std = tu.normalize_targets(y_train, y_test)
    assert abs(float(z_train.mean())) < 1e-6 and math.isclose(float(z_train.std(unbiased=False)), 1.0, rel_tol=1e-6)
    assert np.allclose(scaler.invert(scaler(y_test.numpy())), y_test.numpy())  # arrays work too
    assert torch.allclose(z_test, (y_test - 3.0) / std)
    with pytest.raises(ValueError):
        tu.Standardizer.fit(torch.ones(5))


# ---------------------------------------------------------------- models
def test_custom_lstm_with_tanh_equals_torch_lstm():
    torch.manual_seed(0)
    custom = tu.CustomLSTM(3, 5, activation="tanh")
    torch.manual_seed(0)
    ref = torch.nn.LSTM(3, 5, batch_first=True)       # same init order and bounds: same parameters
    for mine, theirs in zip(custom.parameters(), ref.parameters()):
        assert torch.equal(mine, theirs)
    x = torch.randn(2, 7, 3)
    out, (h, c) = custom(x)
    out_ref, (h_ref, c_ref) = ref(x)
    assert torch.allclose(out, out_ref, atol=1e-6) and torch.allclose(c, c_ref[0], atol=1e-6)


def test_custom_lstm_softsign_changes_only_the_squashing():
    torch.manual_seed(1)
    soft = tu.CustomLSTM(1, 4, activation="softsign")
    out, (h, c) = soft(torch.randn(3, 5, 1))
    assert out.shape == (3, 5, 4) and torch.all(out.abs() < 1)
    with pytest.raises(ValueError):
        tu.CustomLSTM(1, 4, activation="relu")


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn", "lstm-tanh", "lstm-softsign"])
def test_sequence_model_shapes(cell):
    many = tu.SequenceModel(2, 6, cell=cell, many_to_one=False)
    one = tu.SequenceModel(2, 6, cell=cell, output="tanh")
    x = torch.randn(3, 4, 2)
    assert many(x).shape == (3, 4, 1) and one(x).shape == (3, 1) and one(x).abs().max() < 1


def test_sequence_model_refuses_bad_options():
    for bad in [dict(cell="transformer"), dict(dropout=1.0), dict(output="relu"),
                dict(cell="lstm-tanh", num_layers=2), dict(hidden_size=0)]:
        with pytest.raises(ValueError):
            tu.SequenceModel(1, **{"hidden_size": 4, **bad})


def test_dropout_acts_only_in_training():
    torch.manual_seed(0)
    model = tu.SequenceModel(1, 8, dropout=0.5)
    x = torch.randn(4, 6, 1)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))


def test_weight_penalty_skips_biases():
    model = tu.SequenceModel(1, 3)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.fill_(0.0 if "bias" in name else 2.0)
    n_weights = sum(p.numel() for n, p in model.named_parameters() if "bias" not in n)
    assert tu.weight_penalty(model, l1=0.5).item() == pytest.approx(0.5 * 2 * n_weights)
    assert tu.weight_penalty(model, l2=0.1).item() == pytest.approx(0.1 * 4 * n_weights)
    custom = tu.SequenceModel(1, 3, cell="lstm-tanh")
    names = [n for n, _ in custom.named_parameters()]
    assert "rnn.b_ih" in names
    with torch.no_grad():
        for name, p in custom.named_parameters():
            p.fill_(1.0 if "b_" in name or "bias" in name else 0.0)
    assert tu.weight_penalty(custom, l1=1.0, l2=1.0).item() == 0.0


@pytest.mark.parametrize("name", sorted(tu.OPTIMIZER_NAMES))
def test_make_optimizer(name):
    opt = tu.make_optimizer(name, [torch.nn.Parameter(torch.ones(2))], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1
    if name == "nesterov":
        assert opt.param_groups[0]["nesterov"] and opt.param_groups[0]["momentum"] == 0.9
    with pytest.raises(ValueError):
        tu.make_optimizer(name, [torch.nn.Parameter(torch.ones(2))], lr=0.0)


def test_make_optimizer_refuses_unknown():
    with pytest.raises(ValueError):
        tu.make_optimizer("lbfgs", [torch.nn.Parameter(torch.ones(1))], lr=0.1)


# ---------------------------------------------------------------- training and early stopping
def test_fit_records_losses_and_learns():
    split = tu.sign_of_sum_split(64, seed=0)
    torch.manual_seed(0)
    model = tu.SequenceModel(1, 8)
    seen = []
    history = tu.fit(model, split.train, split.val, epochs=30, lr=1e-2, progress=False,
                     on_epoch=lambda h: seen.append(len(h.train)))
    assert len(history.train) == len(history.val) == 30 and seen == list(range(1, 31))
    assert history.train[-1] < history.train[0]
    assert history.best_epoch == min(range(30), key=history.val.__getitem__)
    assert history.best_val == min(history.val)


def test_fit_with_minibatches_and_penalty():
    split = tu.sign_of_sum_split(40, seed=1)
    torch.manual_seed(0)
    model = tu.SequenceModel(1, 4)
    history = tu.fit(model, split.train, split.val, epochs=3, lr=1e-2, batch_size=16, l1=1e-3, l2=1e-3,
                     optimizer="rmsprop", progress=False, seed=2)
    assert len(history.train) == 3 and all(math.isfinite(v) for v in history.val)


def test_fit_early_stopping_matches_the_replay_and_restores_the_best_weights():
    split = tu.sign_of_sum_split(32, seed=0)
    torch.manual_seed(0)
    full = tu.fit(tu.SequenceModel(1, 32), split.train, split.val, epochs=80, lr=1e-2, progress=False)
    torch.manual_seed(0)
    model = tu.SequenceModel(1, 32)
    stopped = tu.fit(model, split.train, split.val, epochs=80, lr=1e-2, patience=10, progress=False)
    best, stop = tu.early_stopping(full.val, 10)
    assert (stopped.best_epoch, len(stopped.val) - 1) == (best, stop)
    assert stopped.val == full.val[:stop + 1]
    assert tu.evaluate(model, split.val) == pytest.approx(full.val[best], abs=1e-6)


def test_early_stopping_object_tracks_the_best():
    stopper = tu.EarlyStopping(2)
    decisions = [stopper.update(v) for v in [1.0, 0.5, 0.5, 0.7]]
    assert decisions == [False, False, False, True] and stopper.best_epoch == 1
    with pytest.raises(ValueError):
        tu.EarlyStopping(0)


def test_train_stream_and_masked_loss():
    torch.manual_seed(0)
    model = tu.SequenceModel(1, 8, many_to_one=False)

    def loss(m, batch):
        x, y, mask = batch
        return tu.masked_bce(m(x), y, mask)

    history = tu.train_stream(model, lambda s: tu.parity_task(16, 8, window=2, seed=s), loss, steps=20, lr=1e-2,
                              optimizer="nesterov", progress=False)
    assert len(history) == 20 and all(math.isfinite(v) for v in history)


def test_train_stream_stops_on_divergence():
    model = torch.nn.Linear(1, 1)
    history = tu.train_stream(model, lambda s: (torch.ones(4, 1), torch.ones(4, 1)),
                              lambda m, b: (m(b[0]) * float("nan")).sum(), steps=10, lr=0.1, progress=False)
    assert len(history) == 1 and math.isnan(history[0])


def test_accuracy_and_count_parameters():
    model = tu.SequenceModel(1, 32)
    assert tu.count_parameters(model) == 4 * 32 * (1 + 32) + 2 * 4 * 32 + 33
    split = tu.sign_of_sum_split(8, seed=0)
    assert 0.0 <= tu.accuracy(model, split.val) <= 1.0


# ---------------------------------------------------------------- softsign vs tanh measurements
def test_timings_are_positive_and_named():
    assert tu.squash_seconds("softsign", size=10_000, repeats=2) > 0
    times = tu.lstm_step_seconds(["tanh", "softsign", "identity"], hidden_size=4, batch=2, length=3, repeats=2)
    assert set(times) == {"tanh", "softsign", "identity"} and all(t > 0 for t in times.values())


def test_forward_backward_seconds_grow_with_depth():
    torch.manual_seed(0)
    models = {layers: tu.SequenceModel(1, 16, num_layers=layers, many_to_one=False) for layers in (1, 3)}
    seconds = tu.forward_backward_seconds(models, torch.randn(32, 20, 1), repeats=10)
    assert seconds[3] > seconds[1] > 0
    assert all(p.grad is None for m in models.values() for p in m.parameters())


def test_input_gradient_norms_decay_with_lag():
    norms = tu.input_gradient_norms("tanh", hidden_size=8, length=30, batch=4, seeds=[0, 1])
    assert norms.shape == (30,) and norms[0] > norms[10] > norms[25] > 0


@pytest.mark.parametrize("optimizer", ["adam", "nesterov", "rmsprop", "adagrad"])
def test_lr_sweep_equals_one_run_per_learning_rate_and_seed(optimizer):
    from rnncourse.tasks import adding_task
    from rnncourse.train import mse

    lrs, seeds = [1e-3, 3e-2], [3, 4]
    batches = lambda step: adding_task(16, 6, seed=step)  # noqa: E731
    ens, histories = tu.lr_sweep(lrs, batches, lambda m, b: mse(m(b[0]), b[1]), input_size=2, hidden_size=8,
                                 steps=15, seeds=seeds, optimizer=optimizer)
    assert len(histories) == 4 and all(len(h) == 15 for h in histories)
    for k, (lr, seed) in enumerate([(lr, s) for lr in lrs for s in seeds]):
        alone = tu.SequenceModel(2, 8, seed=seed)
        losses = tu.train_stream(alone, batches, lambda m, b: tu.mse_loss(m(b[0]), b[1]), steps=15, lr=lr,
                                 optimizer=optimizer, progress=False)
        np.testing.assert_allclose(histories[k], losses, rtol=1e-4, atol=1e-6)
        for name, source in ens._pairs():
            torch.testing.assert_close(getattr(ens, name)[k], alone.get_parameter(source), rtol=1e-4, atol=1e-5)


def test_lr_sweep_needs_a_seed():
    with pytest.raises(ValueError, match="at least one seed"):
        tu.lr_sweep([0.1], lambda s: None, lambda m, b: None, input_size=2, hidden_size=4, steps=1, seeds=[])


def test_member_learning_rates_refuse_what_they_cannot_scale():
    from rnncourse.train import Ensemble, fit, mse

    with pytest.raises(ValueError, match="positive"):
        tu.MemberLearningRates([0.1, 0.0])
    x, y = torch.randn(4, 5, 2), torch.randn(4, 1)
    loss = lambda m, b: mse(m(b[0]), b[1])  # noqa: E731
    with pytest.raises(ValueError, match="Ensemble of 3"):
        fit(Ensemble("lstm", 2, 4, seeds=[0, 0]), lambda s: (x, y), loss, steps=1, lr=1.0,
            callbacks=[tu.MemberLearningRates([0.1, 0.2, 0.3])], progress=False)
    with pytest.raises(ValueError, match="lr 1"):
        fit(Ensemble("lstm", 2, 4, seeds=[0, 0]), lambda s: (x, y), loss, steps=1, lr=0.5,
            callbacks=[tu.MemberLearningRates([0.1, 0.2])], progress=False)
