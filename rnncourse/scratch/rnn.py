"""Vanilla (Elman) RNN, h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), with backpropagation through time."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._common import affine_grads, cut_before, init_params
from ._validate import check_inputs, check_nonlinearity, check_truncate, upstream_grad

Params = dict[str, np.ndarray]


def init_rnn_params(input_size: int, hidden_size: int, rng: Any = None, dtype: Any = np.float64) -> Params:
    """Random RNN parameters from U(-1/sqrt(H), 1/sqrt(H)), as torch.nn.RNN initialises them.

    rng is a seed (through rc.rng, so the seed shift moves it), a np.random.Generator, or None (seed 0).
    """
    return init_params("rnn", input_size, hidden_size, rng, dtype)


def _cell(xw_t: np.ndarray, h_prev: np.ndarray, params: Params, nonlinearity: str) -> np.ndarray:
    """One step given the input term xw_t = W_ih x_t + b_ih, which the forward pass computes for all t at once."""
    a = xw_t + h_prev @ params["W_hh"].T + params["b_hh"]
    return np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)


def rnn_step(
    x_t: np.ndarray, h_prev: np.ndarray | None, params: Params, nonlinearity: str = "tanh"
) -> np.ndarray:
    """One time step for a batch: x_t (B, D) and h_prev (B, H) or None (zeros) give h_t (B, H)."""
    check_nonlinearity(nonlinearity)
    params, x_t, (h_prev,) = check_inputs("rnn", params, x_t, {"h_prev": h_prev}, step=True)
    return _cell(x_t @ params["W_ih"].T + params["b_ih"], h_prev, params, nonlinearity)


def rnn_forward(
    x: np.ndarray, h0: np.ndarray | None, params: Params, nonlinearity: str = "tanh"
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Run the RNN over x (T, B, D) from h0 (B, H) or None (zeros); return out (T, B, H), h_T and a cache.

    Cache keys: "x" (T, B, D); "h" (T+1, B, H) with h[0] = h0 and h[t+1] = out[t]; "params"; "nonlinearity".
    """
    check_nonlinearity(nonlinearity)
    params, x, (h0,) = check_inputs("rnn", params, x, {"h0": h0})
    xw = x @ params["W_ih"].T + params["b_ih"]
    h = np.empty((len(x) + 1, *h0.shape), h0.dtype)
    h[0] = h0
    for t in range(len(x)):
        h[t + 1] = _cell(xw[t], h[t], params, nonlinearity)
    cache = {"x": x, "h": h, "params": params, "nonlinearity": nonlinearity}
    return h[1:].copy(), h[-1].copy(), cache


def rnn_backward(
    d_out: np.ndarray | None, d_hT: np.ndarray | None, cache: dict[str, Any], truncate: int | None = None
) -> dict[str, np.ndarray]:
    """Backpropagation through time from dL/d_out (T, B, H) and dL/dh_T (B, H), either None for zeros.

    Returns gradients for "W_ih", "W_hh", "b_ih", "b_hh", "x" and "h0". With truncate=k the sequence is cut
    into chunks [0, k), [k, 2k), ... and no gradient crosses a chunk boundary through the hidden state, which
    is what PyTorch computes when h is detached every k steps; h0 enters chunk 0 and gets that chunk's gradient.
    """
    check_truncate(truncate)
    h, W_hh = cache["h"], cache["params"]["W_hh"]
    d_out = upstream_grad("d_out", d_out, h[1:].shape, h.dtype)
    dh = upstream_grad("d_hT", d_hT, h[0].shape, h.dtype)
    da = np.empty_like(d_out)
    for t in reversed(range(len(d_out))):
        dh = dh + d_out[t]
        slope = 1 - h[t + 1] ** 2 if cache["nonlinearity"] == "tanh" else h[t + 1] > 0
        da[t] = dh * slope
        dh = np.zeros_like(dh) if cut_before(t, truncate) else da[t] @ W_hh
    grads = affine_grads(da, da, cache)
    grads["h0"] = dh
    return grads
