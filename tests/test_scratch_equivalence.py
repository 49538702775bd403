"""The NumPy engine against PyTorch: outputs, final states and every gradient, with and without truncated BPTT."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncourse.scratch import (
    from_torch,
    gru_backward,
    gru_forward,
    gru_step,
    init_gru_params,
    init_lstm_params,
    init_rnn_params,
    lstm_backward,
    lstm_forward,
    lstm_step,
    rnn_backward,
    rnn_forward,
    rnn_step,
    to_torch,
)

INIT = {"rnn": init_rnn_params, "lstm": init_lstm_params, "gru": init_gru_params}
TORCH_NAMES = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0", "b_hh": "bias_hh_l0"}
TOLERANCE = 1e-10


def rel_err(a, b) -> float:
    """max|a - b| / max(max|b|, tiny): one number per array, relative to the reference b."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b), initial=0.0) / max(np.max(np.abs(b), initial=0.0), np.finfo(np.float64).tiny))


def engine(kind, params, x, states, d_out, d_finals, nonlinearity="tanh", truncate=None):
    """Run the engine; return outputs and gradients as one flat dict."""
    if kind == "rnn":
        out, h, cache = rnn_forward(x, states[0], params, nonlinearity)
        finals, grads = [h], rnn_backward(d_out, d_finals[0], cache, truncate)
    elif kind == "lstm":
        out, (h, c), cache = lstm_forward(x, states[0], states[1], params)
        finals, grads = [h, c], lstm_backward(d_out, d_finals[0], d_finals[1], cache, truncate)
    else:
        out, h, cache = gru_forward(x, states[0], params)
        finals, grads = [h], gru_backward(d_out, d_finals[0], cache, truncate)
    return {"out": out, **{f"final{i}": f for i, f in enumerate(finals)}, **{f"d_{k}": g for k, g in grads.items()}}


def torch_reference(kind, params, x, states, d_out, d_finals, nonlinearity="tanh", truncate=None):
    """PyTorch's answer: the full nn module run chunk by chunk, detaching (h, c) between chunks."""
    module_class = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    options = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    module = module_class(x.shape[2], params["W_hh"].shape[1], dtype=torch.float64, **options)
    with torch.no_grad():
        for key, name in TORCH_NAMES.items():
            getattr(module, name).copy_(torch.from_numpy(params[key]))
    x_t = torch.tensor(x, requires_grad=True)
    leaves = [torch.tensor(s, requires_grad=True) for s in states]
    state = [s.unsqueeze(0) for s in leaves]
    chunk = truncate or len(x)
    outs = []
    for start in range(0, len(x), chunk):
        if start > 0:
            state = [s.detach() for s in state]
        out, new_state = module(x_t[start : start + chunk], tuple(state) if kind == "lstm" else state[0])
        state = list(new_state) if kind == "lstm" else [new_state]
        outs.append(out)
    out, finals = torch.cat(outs), [s.squeeze(0) for s in state]
    weights = [getattr(module, TORCH_NAMES[k]) for k in TORCH_NAMES]
    grads = torch.autograd.grad(
        [out, *finals], [*weights, x_t, *leaves], [torch.from_numpy(d_out), *map(torch.from_numpy, d_finals)]
    )
    names = [*TORCH_NAMES, "x", "h0", "c0"][: len(grads)]
    result = {"out": out, **{f"final{i}": f for i, f in enumerate(finals)}}
    result.update({f"d_{name}": grad for name, grad in zip(names, grads)})
    return {key: value.detach().numpy() for key, value in result.items()}


def random_case(kind, T, B, D, H, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    n_states = 2 if kind == "lstm" else 1
    params = INIT[kind](D, H, rng, dtype)
    x = rng.standard_normal((T, B, D)).astype(dtype)
    states = [(0.5 * rng.standard_normal((B, H))).astype(dtype) for _ in range(n_states)]
    d_out = rng.standard_normal((T, B, H)).astype(dtype)
    d_finals = [rng.standard_normal((B, H)).astype(dtype) for _ in range(n_states)]
    return params, x, states, d_out, d_finals


def to64(value):
    """The float64 copy of an array, list of arrays or params dict."""
    if isinstance(value, dict):
        return {k: v.astype(np.float64) for k, v in value.items()}
    if isinstance(value, list):
        return [v.astype(np.float64) for v in value]
    return value.astype(np.float64)


@st.composite
def cases(draw, kind):
    T = draw(st.integers(1, 8))
    sizes = {"T": T, "B": draw(st.integers(1, 4)), "D": draw(st.integers(1, 5)), "H": draw(st.integers(1, 5))}
    nonlinearity = draw(st.sampled_from(["tanh", "relu"])) if kind == "rnn" else "tanh"
    truncate = draw(st.sampled_from([None, *range(1, T + 2)]))
    return sizes, nonlinearity, truncate, draw(st.integers(0, 2**32 - 1))


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@settings(max_examples=100, deadline=None, database=None)
@given(data=st.data())
def test_matches_pytorch(kind, data):
    sizes, nonlinearity, truncate, seed = data.draw(cases(kind))
    params, x, states, d_out, d_finals = random_case(kind, **sizes, seed=seed)
    ours = engine(kind, params, x, states, d_out, d_finals, nonlinearity, truncate)
    ref = torch_reference(kind, params, x, states, d_out, d_finals, nonlinearity, truncate)
    assert ours.keys() == ref.keys()
    for key in ref:
        assert ours[key].dtype == np.float64
        assert rel_err(ours[key], ref[key]) <= TOLERANCE, key


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_float32_matches_pytorch_loosely(kind):
    params, x, states, d_out, d_finals = random_case(kind, T=6, B=3, D=4, H=5, seed=1, dtype=np.float32)
    ours = engine(kind, params, x, states, d_out, d_finals, truncate=2)
    ref = torch_reference(kind, *(to64(v) for v in (params, x, states, d_out, d_finals)), truncate=2)
    for key in ref:
        assert ours[key].dtype == np.float32
        assert rel_err(ours[key], ref[key]) <= 1e-4, key


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_missing_upstream_gradients_mean_zeros(kind):
    params, x, states, d_out, d_finals = random_case(kind, T=4, B=2, D=3, H=3, seed=2)
    zeros = [np.zeros_like(d) for d in d_finals]
    with_none = engine(kind, params, x, states, None, [None] * len(d_finals))
    with_zeros = engine(kind, params, x, states, np.zeros_like(d_out), zeros)
    for key in with_zeros:
        np.testing.assert_array_equal(with_none[key], with_zeros[key])
        if key.startswith("d_"):
            assert not with_none[key].any()


def test_steps_match_forward_and_expose_gates():
    params, x, states, *_ = random_case("lstm", T=5, B=2, D=3, H=4, seed=3)
    out, _, cache = lstm_forward(x, *states, params)
    h, c = states
    for t in range(len(x)):
        h, c, gates = lstm_step(x[t], h, c, params)
        np.testing.assert_allclose(h, out[t], rtol=1e-14, atol=1e-15)
        for name in "ifgo":
            np.testing.assert_allclose(gates[name], cache["gates"][name][t], rtol=1e-14, atol=1e-15)

    params, x, (h0,), *_ = random_case("gru", T=5, B=2, D=3, H=4, seed=4)
    out, _, cache = gru_forward(x, h0, params)
    h = h0
    for t in range(len(x)):
        h, gates = gru_step(x[t], h, params)
        np.testing.assert_allclose(h, out[t], rtol=1e-14, atol=1e-15)
        assert set(gates) == {"r", "z", "n"}
        np.testing.assert_allclose(gates["z"], cache["gates"]["z"][t], rtol=1e-14, atol=1e-15)

    params, x, (h0,), *_ = random_case("rnn", T=5, B=2, D=3, H=4, seed=5)
    out, _, _ = rnn_forward(x, None, params, "relu")
    h = None
    for t in range(len(x)):
        h = rnn_step(x[t], h, params, "relu")
        np.testing.assert_allclose(h, out[t], rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_through_torch_is_exact(kind, dtype):
    params = INIT[kind](3, 4, rng=0, dtype=dtype)
    back = from_torch(to_torch(params, kind))
    assert back.keys() == params.keys()
    for key in params:
        assert back[key].dtype == dtype
        np.testing.assert_array_equal(back[key], params[key])


def test_to_torch_keeps_relu():
    assert to_torch(init_rnn_params(2, 3, rng=0), "rnn", "relu").nonlinearity == "relu"


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_engine_runs_a_torch_module(kind):
    torch.manual_seed(0)
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](3, 5, dtype=torch.float64)
    x = torch.randn(7, 2, 3, dtype=torch.float64)
    expected, _ = module(x)
    params = from_torch(module)
    states = [None, None] if kind == "lstm" else [None]
    out = engine(kind, params, x.numpy(), states, None, [None] * len(states))["out"]
    assert rel_err(out, expected.detach().numpy()) <= TOLERANCE


def test_a_wrong_gradient_is_caught():
    """Mutation check: swapping the input- and forget-gate blocks of dW_ih must show up as a large error."""

    def swapped_gate_backward(*args, **kwargs):
        grads = lstm_backward(*args, **kwargs)
        H = grads["h0"].shape[1]
        grads["W_ih"] = np.concatenate([grads["W_ih"][H : 2 * H], grads["W_ih"][:H], grads["W_ih"][2 * H :]])
        return grads

    params, x, states, d_out, d_finals = random_case("lstm", T=5, B=2, D=3, H=4, seed=6)
    _, _, cache = lstm_forward(x, *states, params)
    ref = torch_reference("lstm", params, x, states, d_out, d_finals)
    assert rel_err(lstm_backward(d_out, *d_finals, cache)["W_ih"], ref["d_W_ih"]) <= TOLERANCE
    assert rel_err(swapped_gate_backward(d_out, *d_finals, cache)["W_ih"], ref["d_W_ih"]) > 1e-3
