"""rnncourse.gradients: ‖∂h_T/∂h_t‖ for any torch recurrent model, checked against brute-force Jacobians."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import rnncourse as rc  # noqa: E402
from rnncourse import gradients as gr  # noqa: E402
from rnncourse.viz import missing_glyph_warnings  # noqa: E402

MODULES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


def _brute_force(model: nn.RNNBase, x_tm: torch.Tensor, wrt: str = "state", norm="spectral") -> np.ndarray:
    """Per-sample Jacobians of h_T with respect to the state after t inputs, by torch.autograd.functional."""
    length, batch, _ = x_tm.shape
    is_lstm = isinstance(model, nn.LSTM)
    layers, hid = model.num_layers, model.hidden_size
    out = np.empty((batch, length + 1))
    for b in range(batch):
        xs = x_tm[:, b:b + 1]
        if model.batch_first:
            xs = xs.transpose(0, 1)
        zeros = torch.zeros(layers, 1, hid, dtype=torch.float64)
        for t in range(length + 1):
            # state after the first t inputs
            with torch.no_grad():
                st = (zeros, zeros) if is_lstm else zeros
                if t > 0:
                    _, st = model(xs[:, :t] if model.batch_first else xs[:t], st)
            st_parts = st if is_lstm else (st,)
            flat = torch.cat([p.reshape(-1) for p in st_parts])

            def h_T(v, t=t, st_parts=st_parts):
                parts = list(st_parts)
                chunks = v.split([p.numel() for p in st_parts])
                full = [c.reshape(p.shape) for c, p in zip(chunks, st_parts)]
                if wrt == "h":
                    parts[0] = full[0]
                elif wrt == "c":
                    parts[1] = full[1]
                else:
                    parts = full
                state = tuple(parts) if is_lstm else parts[0]
                if t == length:
                    return state[0][-1, 0] if is_lstm else state[-1, 0]
                rest = xs[:, t:] if model.batch_first else xs[t:]
                _, new = model(rest, state)
                return (new[0] if is_lstm else new)[-1, 0]

            jac = torch.autograd.functional.jacobian(h_T, flat)
            n = hid * layers
            if wrt == "h":
                jac = jac[:, :n]
            elif wrt == "c":
                jac = jac[:, n:]
            out[b, length - t] = torch.linalg.matrix_norm(jac, ord=2 if norm == "spectral" else "fro").item()
    return out


@pytest.mark.parametrize("kind", list(MODULES))
@pytest.mark.parametrize("batch_first", [False, True])
def test_matches_brute_force_jacobians(kind, batch_first):
    torch.manual_seed(3)
    model = MODULES[kind](2, 4, num_layers=2, batch_first=batch_first).double()
    x_tm = torch.randn(7, 3, 2, dtype=torch.float64)
    x = x_tm.transpose(0, 1) if batch_first else x_tm
    got = gr.state_gradient_norms(model, x, reduce="none")
    assert got.shape == (3, 8)
    np.testing.assert_allclose(got, _brute_force(model, x_tm), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("wrt", ["h", "c"])
@pytest.mark.parametrize("norm", ["spectral", "frobenius"])
def test_lstm_partial_jacobians(wrt, norm):
    torch.manual_seed(4)
    model = nn.LSTM(2, 3).double()
    x = torch.randn(5, 2, 2, dtype=torch.float64)
    got = gr.state_gradient_norms(model, x, wrt=wrt, norm=norm, reduce="none")
    np.testing.assert_allclose(got, _brute_force(model, x, wrt=wrt, norm=norm), rtol=1e-9, atol=1e-12)


def test_linear_rnn_is_exactly_scale_to_the_power_of_distance():
    for s in (0.8, 1.0, 1.2):
        res = gr.scale_experiment(s, length=40, hidden_size=16, batch=3)
        np.testing.assert_allclose(res["linear"], s ** np.arange(41), rtol=2e-5)
        np.testing.assert_allclose(res["theory"], s ** np.arange(41))


def test_scale_experiment_decays_below_and_grows_above_one():
    below, at, above = (gr.scale_experiment(s, length=50) for s in (0.8, 1.0, 1.2))
    assert below["linear"][50] < 1e-3 and below["tanh"][50] < 1e-3
    assert at["linear"][50] == pytest.approx(1.0, rel=1e-4)
    assert at["tanh"][50] < 0.5  # saturation adds vanishing on top of |eigenvalue| = 1
    assert above["linear"][50] > 1e3
    assert above["tanh"][50] < above["linear"][50] / 10  # saturation holds the growth back


def test_batch_first_and_time_major_agree():
    torch.manual_seed(5)
    a = nn.GRU(2, 4)
    b = nn.GRU(2, 4, batch_first=True)
    b.load_state_dict(a.state_dict())
    x = torch.randn(6, 3, 2)
    np.testing.assert_allclose(gr.state_gradient_norms(a, x), gr.state_gradient_norms(b, x.transpose(0, 1)),
                               rtol=1e-5)


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_cells_match_their_layers(kind):
    torch.manual_seed(6)
    layer = MODULES[kind](2, 4).double()
    cell = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}[kind](2, 4).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(layer, name + "_l0"))
    x = torch.randn(6, 3, 2, dtype=torch.float64)
    np.testing.assert_allclose(gr.state_gradient_norms(cell, x), gr.state_gradient_norms(layer, x), rtol=1e-10)
    xb = x.transpose(0, 1)
    np.testing.assert_allclose(gr.state_gradient_norms(cell, xb, batch_first=True),
                               gr.state_gradient_norms(layer, x), rtol=1e-10)


def test_step_function_and_unbatched_input():
    W = 0.5 * torch.eye(3)

    def step(x_t, h):
        return h @ W.T + x_t

    norms = gr.state_gradient_norms(step, torch.zeros(4, 3), h0=torch.zeros(1, 3))
    np.testing.assert_allclose(norms, 0.5 ** np.arange(5), rtol=1e-6)


def test_reductions_and_parameters_untouched():
    torch.manual_seed(7)
    model = nn.RNN(1, 5)
    x = torch.randn(8, 4, 1)
    full = gr.state_gradient_norms(model, x, reduce="none")
    np.testing.assert_allclose(gr.state_gradient_norms(model, x), full.mean(axis=0))
    np.testing.assert_allclose(gr.state_gradient_norms(model, x, reduce="median"), np.median(full, axis=0))
    assert np.allclose(full[:, 0], 1.0)
    assert all(p.grad is None for p in model.parameters())


def test_explicit_h0_is_used():
    model = nn.RNN(1, 1).double()
    with torch.no_grad():
        model.weight_hh_l0.fill_(0.9)
        model.weight_ih_l0.fill_(0.5)
        model.bias_hh_l0.zero_()
        model.bias_ih_l0.zero_()
    x = torch.tensor([[[0.3]]], dtype=torch.float64)  # T = 1, B = 1
    for start in (0.0, 2.0):
        h0 = torch.full((1, 1, 1), start, dtype=torch.float64)
        h1 = np.tanh(0.5 * 0.3 + 0.9 * start)
        assert gr.state_gradient_norms(model, x, h0)[1] == pytest.approx(0.9 * (1 - h1 ** 2), rel=1e-12)
    np.testing.assert_allclose(gr.state_gradient_norms(model, x, torch.zeros(1, 1, 1, dtype=torch.float64)),
                               gr.state_gradient_norms(model, x))


def test_errors_are_clear():
    x = torch.zeros(3, 2, 1)
    with pytest.raises(ValueError, match="unidirectional"):
        gr.state_gradient_norms(nn.RNN(1, 2, bidirectional=True), x)
    with pytest.raises(ValueError, match="norm must be one of"):
        gr.state_gradient_norms(nn.RNN(1, 2), x, norm="max")
    with pytest.raises(ValueError, match="reduce must be one of"):
        gr.state_gradient_norms(nn.RNN(1, 2), x, reduce="sum")
    with pytest.raises(ValueError, match="wrt='c' needs an LSTM"):
        gr.state_gradient_norms(nn.GRU(1, 2), x, wrt="c")
    with pytest.raises(ValueError, match="explicit h0"):
        gr.state_gradient_norms(lambda x_t, h: h, x)
    with pytest.raises(ValueError, match="contradicts"):
        gr.state_gradient_norms(nn.RNN(1, 2), x, batch_first=True)
    with pytest.raises(ValueError, match="got shape"):
        gr.state_gradient_norms(nn.RNN(1, 2), torch.zeros(3))
    with pytest.raises(TypeError, match="got int"):
        gr.state_gradient_norms(3, x)
    with pytest.raises(ValueError, match="scale must be"):
        gr.scaled_rnn(-1.0)
    with pytest.raises(ValueError, match="nonlinearity"):
        gr.scaled_rnn(1.0, nonlinearity="relu")


def test_orthogonal_matrix_is_orthogonal_and_reproducible():
    q = gr.orthogonal_matrix(10, seed=2)
    np.testing.assert_allclose((q @ q.T).numpy(), np.eye(10), atol=1e-12)
    assert torch.equal(q, gr.orthogonal_matrix(10, seed=2))
    eig = torch.linalg.eigvals(1.2 * q).abs()
    np.testing.assert_allclose(eig.numpy(), 1.2, rtol=1e-10)


def test_widget_callback_and_plots_render_korean():
    rc.use_korean_font()
    gr.show_scale_experiment(1.1, length=20)
    fig = plt.gcf()
    assert fig.axes[0].get_yscale() == "log"
    assert missing_glyph_warnings(fig) == []
    plt.close("all")
    ax = gr.plot_state_gradient_norms({"RNN": [1.0, 0.5, 0.0], "LSTM": [1.0, 0.9, 0.8]})
    assert len(ax.lines) == 3  # two curves and the line at 1
    assert missing_glyph_warnings(ax.figure) == []
    plt.close("all")
