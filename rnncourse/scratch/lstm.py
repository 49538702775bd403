"""LSTM with PyTorch's gate order i, f, g, o, with backpropagation through time.

i, f, o = sigmoid(.), g = tanh(.) of W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (one row block each);
c_t = f * c_{t-1} + i * g and h_t = o * tanh(c_t).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._common import affine_grads, cut_before, init_params, sigmoid
from ._validate import check_inputs, check_truncate, upstream_grad

Params = dict[str, np.ndarray]
GATES = ("i", "f", "g", "o")


def init_lstm_params(input_size: int, hidden_size: int, rng: Any = None, dtype: Any = np.float64) -> Params:
    """Random LSTM parameters from U(-1/sqrt(H), 1/sqrt(H)), as torch.nn.LSTM initialises them.

    rng is a seed (through rc.rng, so the seed shift moves it), a np.random.Generator, or None (seed 0).
    """
    return init_params("lstm", input_size, hidden_size, rng, dtype)


def _cell(
    xw_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, params: Params
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """One step given the input term xw_t = W_ih x_t + b_ih, which the forward pass computes for all t at once."""
    a_i, a_f, a_g, a_o = np.split(xw_t + h_prev @ params["W_hh"].T + params["b_hh"], 4, axis=1)
    gates = {"i": sigmoid(a_i), "f": sigmoid(a_f), "g": np.tanh(a_g), "o": sigmoid(a_o)}
    c = gates["f"] * c_prev + gates["i"] * gates["g"]
    h = gates["o"] * np.tanh(c)
    return h, c, gates


def lstm_step(
    x_t: np.ndarray, h_prev: np.ndarray | None, c_prev: np.ndarray | None, params: Params
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """One time step for a batch: returns h_t, c_t (B, H) and the activated gates {"i", "f", "g", "o"}, each (B, H)."""
    params, x_t, (h_prev, c_prev) = check_inputs("lstm", params, x_t, {"h_prev": h_prev, "c_prev": c_prev}, step=True)
    return _cell(x_t @ params["W_ih"].T + params["b_ih"], h_prev, c_prev, params)


def lstm_forward(
    x: np.ndarray, h0: np.ndarray | None, c0: np.ndarray | None, params: Params
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], dict[str, Any]]:
    """Run the LSTM over x (T, B, D) from h0, c0 (B, H) or None (zeros); return out (T, B, H), (h_T, c_T) and a cache.

    Cache keys: "x" (T, B, D); "h" and "c" (T+1, B, H) with index 0 the initial state and h[t+1] = out[t];
    "gates" a dict "i", "f", "g", "o" -> (T, B, H) activated gate values, for plotting; "params".
    """
    params, x, (h0, c0) = check_inputs("lstm", params, x, {"h0": h0, "c0": c0})
    T, (B, H) = len(x), h0.shape
    xw = x @ params["W_ih"].T + params["b_ih"]
    h, c = np.empty((T + 1, B, H), h0.dtype), np.empty((T + 1, B, H), h0.dtype)
    h[0], c[0] = h0, c0
    gates = {name: np.empty((T, B, H), h0.dtype) for name in GATES}
    for t in range(T):
        h[t + 1], c[t + 1], step_gates = _cell(xw[t], h[t], c[t], params)
        for name in GATES:
            gates[name][t] = step_gates[name]
    cache = {"x": x, "h": h, "c": c, "gates": gates, "params": params}
    return h[1:].copy(), (h[-1].copy(), c[-1].copy()), cache


def lstm_backward(
    d_out: np.ndarray | None,
    d_hT: np.ndarray | None,
    d_cT: np.ndarray | None,
    cache: dict[str, Any],
    truncate: int | None = None,
) -> dict[str, np.ndarray]:
    """Backpropagation through time from dL/d_out (T, B, H), dL/dh_T and dL/dc_T (B, H), any of them None for zeros.

    Returns gradients for "W_ih", "W_hh", "b_ih", "b_hh", "x", "h0" and "c0". With truncate=k the sequence is
    cut into chunks [0, k), [k, 2k), ... and no gradient crosses a chunk boundary through h or c, which is what
    PyTorch computes when (h, c) is detached every k steps; (h0, c0) enter chunk 0 and get that chunk's gradient.
    """
    check_truncate(truncate)
    h, c, gates, W_hh = cache["h"], cache["c"], cache["gates"], cache["params"]["W_hh"]
    d_out = upstream_grad("d_out", d_out, h[1:].shape, h.dtype)
    dh = upstream_grad("d_hT", d_hT, h[0].shape, h.dtype)
    dc = upstream_grad("d_cT", d_cT, c[0].shape, c.dtype)
    T, B, H = d_out.shape
    da = np.empty((T, B, 4 * H), h.dtype)
    for t in reversed(range(T)):
        i, f, g, o = (gates[name][t] for name in GATES)
        tanh_c = np.tanh(c[t + 1])
        dh = dh + d_out[t]
        dc = dc + dh * o * (1 - tanh_c**2)
        np.concatenate(
            [dc * g * i * (1 - i), dc * c[t] * f * (1 - f), dc * i * (1 - g**2), dh * tanh_c * o * (1 - o)],
            axis=1,
            out=da[t],
        )
        if cut_before(t, truncate):
            dh, dc = np.zeros_like(dh), np.zeros_like(dc)
        else:
            dh, dc = da[t] @ W_hh, dc * f
    grads = affine_grads(da, da, cache)
    grads["h0"], grads["c0"] = dh, dc
    return grads
