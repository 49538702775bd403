"""rnncourse.timescales: time constants, forget gates, the Bayes tracker, bidirectional and stacked layers."""
import math

import matplotlib
import numpy as np
import pytest
import torch
from torch import nn

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from rnncourse import tasks, timescales as ts  # noqa: E402
from rnncourse.env import use_korean_font  # noqa: E402
from rnncourse.viz import missing_glyph_warnings  # noqa: E402

PERIODS = (2, 16, 128)


# ---------------------------------------------------------------- time constants
def test_time_constant_values_and_types():
    assert ts.time_constant(0.99) == pytest.approx(99.4992, rel=1e-5)
    assert ts.time_constant(0.5) == pytest.approx(1 / math.log(2))
    arr = ts.time_constant(np.array([0.5, 0.9]))
    assert isinstance(arr, np.ndarray) and arr.shape == (2,)
    ten = ts.time_constant(torch.tensor([0.5, 0.9]))
    assert isinstance(ten, torch.Tensor) and torch.allclose(ten, torch.tensor(arr, dtype=torch.float32))


@pytest.mark.parametrize("tau", [0.5, 1.0, 16.0, 128.0, 1000.0])
def test_forget_value_inverts_time_constant(tau):
    assert ts.time_constant(ts.forget_value(tau)) == pytest.approx(tau, rel=1e-9)


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5, -0.1])
def test_time_constant_rejects_values_outside_the_open_interval(bad):
    with pytest.raises(ValueError):
        ts.time_constant(bad)


def test_forget_value_rejects_nonpositive():
    with pytest.raises(ValueError):
        ts.forget_value(0)


def manual_lstm(lstm: nn.LSTM, x: torch.Tensor, layer: int = 0):
    """Step-by-step LSTM of one layer on its own input x: returns h (B, T, H) and f (B, T, H)."""
    w_ih, w_hh = getattr(lstm, f"weight_ih_l{layer}"), getattr(lstm, f"weight_hh_l{layer}")
    b = getattr(lstm, f"bias_ih_l{layer}") + getattr(lstm, f"bias_hh_l{layer}")
    h = x.new_zeros(x.shape[0], lstm.hidden_size)
    c = torch.zeros_like(h)
    hs, fs = [], []
    for t in range(x.shape[1]):
        i, f, g, o = (x[:, t] @ w_ih.T + h @ w_hh.T + b).chunk(4, dim=-1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        hs.append(h)
        fs.append(f)
    return torch.stack(hs, 1), torch.stack(fs, 1)


@torch.no_grad()
def test_forget_gates_match_a_manual_lstm_in_every_layer():
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 5, num_layers=2, batch_first=True).double()
    x = torch.randn(4, 9, 3, dtype=torch.float64)
    h1, f1 = manual_lstm(lstm, x, 0)
    _, f2 = manual_lstm(lstm, h1, 1)
    assert torch.allclose(ts.forget_gates(lstm, x, layer=0), f1, atol=1e-12)
    assert torch.allclose(ts.forget_gates(lstm, x, layer=1), f2, atol=1e-12)


def test_forget_gates_rejects_unsupported_modules():
    x = torch.randn(2, 3, 1)
    with pytest.raises(ValueError):
        ts.forget_gates(nn.GRU(1, 4, batch_first=True), x)
    with pytest.raises(ValueError):
        ts.forget_gates(nn.LSTM(1, 4), x)  # not batch-first
    with pytest.raises(ValueError):
        ts.forget_gates(nn.LSTM(1, 4, batch_first=True, bidirectional=True), x)
    with pytest.raises(ValueError):
        ts.forget_gates(nn.LSTM(1, 4, batch_first=True), x, layer=1)


@torch.no_grad()
def test_chrono_init_spreads_time_constants_up_to_t_max():
    torch.manual_seed(0)
    lstm = ts.chrono_init_(nn.LSTM(1, 64, num_layers=2, batch_first=True), t_max=128)
    size = lstm.hidden_size
    for layer in range(2):
        b_ih, b_hh = getattr(lstm, f"bias_ih_l{layer}"), getattr(lstm, f"bias_hh_l{layer}")
        u = torch.exp(b_ih[size:2 * size])
        assert torch.all((u >= 1) & (u <= 127))
        assert torch.allclose(b_ih[:size], -b_ih[size:2 * size])
        assert torch.all(b_hh[:2 * size] == 0)
        tau = ts.time_constant(torch.sigmoid(b_ih[size:2 * size]))
        assert torch.allclose(tau, u + 0.5, atol=0.1)  # τ = 1/ln(1 + 1/u) ≈ u + 1/2
    with pytest.raises(ValueError):
        ts.chrono_init_(nn.LSTM(1, 4), t_max=2)
    with pytest.raises(ValueError):
        ts.chrono_init_(nn.GRU(1, 4), t_max=10)


# ---------------------------------------------------------------- the Bayes tracker
def brute_force_posterior(x_seq, periods):
    """P(component k = +1 | x_1..x_t) and | x_1..x_T by enumerating every path of a short sequence."""
    import itertools

    steps, n = len(x_seq), len(periods)
    patterns = list(itertools.product((-1, 1), repeat=n))
    filt = np.zeros((steps, n))
    smooth = np.zeros((steps, n))
    for t_end in range(1, steps + 1):
        weights, states_at = [], []
        for path in itertools.product(patterns, repeat=t_end):
            if any(sum(s) != x for s, x in zip(path, x_seq[:t_end])):
                continue
            w = (0.5 ** n)
            for a, b in zip(path, path[1:]):
                for k in range(n):
                    w *= (1 / periods[k]) if a[k] != b[k] else (1 - 1 / periods[k])
            weights.append(w)
            states_at.append(path)
        weights = np.array(weights) / sum(weights)
        filt[t_end - 1] = [sum(w for w, p in zip(weights, states_at) if p[-1][k] > 0) for k in range(n)]
        if t_end == steps:
            for t in range(steps):
                smooth[t] = [sum(w for w, p in zip(weights, states_at) if p[t][k] > 0) for k in range(n)]
    return filt, smooth


def test_bayes_tracker_equals_enumeration_on_a_short_sequence():
    periods = (2, 4)
    x_seq = [0, 2, 0, 0, -2, 0]
    x = torch.tensor(x_seq, dtype=torch.float32).view(1, -1, 1)
    filt, smooth = brute_force_posterior(x_seq, periods)
    assert np.allclose(ts.bayes_tracker(x, periods)[0].numpy(), filt, atol=1e-6)
    assert np.allclose(ts.bayes_tracker(x, periods, smooth=True)[0].numpy(), smooth, atol=1e-6)


def test_bayes_tracker_is_certain_when_the_sum_reveals_every_sign():
    x, c = tasks.multi_timescale_signal(200, batch=8, periods=PERIODS, seed=3)
    post = ts.bayes_tracker(x, PERIODS)
    revealed = x[..., 0].abs() == 3
    assert torch.allclose(post[revealed], (c[revealed] + 1) / 2)


def test_bayes_tracker_ceilings_are_ordered():
    x, c = tasks.multi_timescale_signal(256, batch=64, periods=PERIODS, seed=11)
    memoryless = ts.sign_accuracy(x.expand_as(c), c)
    filt = ts.sign_accuracy(ts.bayes_tracker(x, PERIODS), c, threshold=0.5)
    smooth = ts.sign_accuracy(ts.bayes_tracker(x, PERIODS, smooth=True), c, threshold=0.5)
    assert torch.all(memoryless < filt) and torch.all(filt < smooth)
    assert torch.allclose(memoryless, torch.full((3,), tasks.memoryless_tracking_accuracy(3)), atol=0.02)


def test_bayes_tracker_rejects_bad_inputs():
    with pytest.raises(ValueError):
        ts.bayes_tracker(torch.zeros(2, 5), PERIODS)
    with pytest.raises(ValueError):
        ts.bayes_tracker(torch.full((1, 4, 1), 2.0), PERIODS)  # three ±1 components never sum to 2


def test_sign_accuracy_counts_ties_as_half_and_checks_shapes():
    comps = torch.tensor([[[1.0], [-1.0], [1.0], [-1.0]]])
    score = torch.tensor([[[2.0], [-1.0], [0.0], [3.0]]])
    assert ts.sign_accuracy(score, comps).item() == pytest.approx((1 + 1 + 0.5 + 0) / 4)
    with pytest.raises(ValueError):
        ts.sign_accuracy(score[:, :2], comps)


def test_switch_intervals_match_the_periods():
    _, c = tasks.multi_timescale_signal(512, batch=128, periods=PERIODS, seed=5)
    gaps = ts.switch_intervals(c)
    for gap, period in zip(gaps.tolist(), PERIODS):
        assert abs(gap - period) < 0.12 * period


# ---------------------------------------------------------------- layers
@pytest.mark.parametrize("kind", [nn.RNN, nn.GRU, nn.LSTM])
@torch.no_grad()
def test_split_directions_and_bidirectional_run_rebuild_the_module(kind):
    torch.manual_seed(1)
    both = kind(3, 4, batch_first=True, bidirectional=True)
    x = torch.randn(2, 6, 3)
    fwd, bwd = ts.split_directions(both)
    assert not fwd.bidirectional and not bwd.bidirectional
    assert torch.allclose(ts.bidirectional_run(x, fwd, bwd), both(x)[0], atol=1e-6)


@pytest.mark.parametrize("kind", [nn.RNN, nn.GRU, nn.LSTM])
@torch.no_grad()
def test_split_layers_chain_equals_the_stacked_module(kind):
    torch.manual_seed(2)
    stacked = kind(3, 5, num_layers=3, batch_first=True)
    x = torch.randn(2, 7, 3)
    out = x
    for layer in ts.split_layers(stacked):
        out, _ = layer(out)
    assert torch.allclose(out, stacked(x)[0], atol=1e-6)


def test_split_helpers_reject_wrong_modules():
    with pytest.raises(ValueError):
        ts.split_directions(nn.GRU(1, 2, batch_first=True))
    with pytest.raises(ValueError):
        ts.split_layers(nn.GRU(1, 2, batch_first=True, bidirectional=True))
    with pytest.raises(ValueError):
        ts.split_layers(nn.Linear(2, 2))


@pytest.mark.parametrize("d, h, layers, bi", [(1, 32, 1, False), (1, 32, 2, False), (3, 8, 2, True),
                                              (5, 6, 3, True), (10, 1, 1, False)])
def test_lstm_num_params_matches_torch(d, h, layers, bi):
    module = nn.LSTM(d, h, num_layers=layers, bidirectional=bi)
    assert ts.lstm_num_params(d, h, layers, bi) == ts.count_params(module)


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_tagger_shapes(kind):
    model = ts.Tagger(kind, 2, 6, 3, num_layers=2, bidirectional=True)
    assert model(torch.randn(4, 5, 2)).shape == (4, 5, 3)
    with pytest.raises(ValueError):
        ts.Tagger("transformer", 2, 6, 3)


# ---------------------------------------------------------------- plots
def test_plots_have_korean_titles_and_no_missing_glyphs():
    use_korean_font()
    x, c = tasks.multi_timescale_signal(64, batch=2, periods=PERIODS, seed=0)
    fig = ts.plot_signal(x, c, ["위치 (주기 2)", "전화 (주기 16)", "선거 (주기 128)"], title="세 성분과 그 합")
    assert missing_glyph_warnings(fig) == []
    assert fig.axes[-1].get_xlabel() == "시점 t"
    plt.close(fig)

    ax = ts.plot_time_constants({"학습 전": torch.rand(100) * 3, "학습 후": np.array([0.0, 1.0, 50.0, np.inf])},
                                PERIODS, period_names=("위치", "전화", "선거"), title="시간 상수 분포")
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert missing_glyph_warnings(ax.figure) == []
    plt.close(ax.figure)

    ax = ts.plot_accuracy_bars({"최선": torch.tensor([0.9, 0.8, 0.85]), "LSTM": [0.88, 0.79, 0.84]},
                               ["위치", "전화", "선거"], title="정확도", baseline=0.75)
    assert ax.get_title() == "정확도" and ax.get_xlabel() and ax.get_ylabel()
    assert missing_glyph_warnings(ax.figure) == []
    plt.close(ax.figure)
