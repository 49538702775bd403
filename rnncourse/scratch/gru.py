"""GRU with PyTorch's gate order r, z, n and reset placement, with backpropagation through time.

r, z = sigmoid(W_i{r,z} x_t + b_i{r,z} + W_h{r,z} h_{t-1} + b_h{r,z});
n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn)); h_t = (1 - z) * n + z * h_{t-1}.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._common import affine_grads, cut_before, init_params, sigmoid
from ._validate import check_inputs, check_truncate, upstream_grad

Params = dict[str, np.ndarray]
GATES = ("r", "z", "n")


def init_gru_params(input_size: int, hidden_size: int, rng: Any = None, dtype: Any = np.float64) -> Params:
    """Random GRU parameters from U(-1/sqrt(H), 1/sqrt(H)), as torch.nn.GRU initialises them.

    rng is a seed (through rc.rng, so the seed shift moves it), a np.random.Generator, or None (seed 0).
    """
    return init_params("gru", input_size, hidden_size, rng, dtype)


def _cell(
    xw_t: np.ndarray, h_prev: np.ndarray, params: Params
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """One step given xw_t = W_ih x_t + b_ih; also returns hn = W_hn h_prev + b_hn, which the backward pass needs."""
    x_r, x_z, x_n = np.split(xw_t, 3, axis=1)
    h_r, h_z, hn = np.split(h_prev @ params["W_hh"].T + params["b_hh"], 3, axis=1)
    r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
    n = np.tanh(x_n + r * hn)
    h = (1 - z) * n + z * h_prev
    return h, {"r": r, "z": z, "n": n}, hn


def gru_step(
    x_t: np.ndarray, h_prev: np.ndarray | None, params: Params
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One time step for a batch: returns h_t (B, H) and the activated gates {"r", "z", "n"}, each (B, H)."""
    params, x_t, (h_prev,) = check_inputs("gru", params, x_t, {"h_prev": h_prev}, step=True)
    h, gates, _ = _cell(x_t @ params["W_ih"].T + params["b_ih"], h_prev, params)
    return h, gates


def gru_forward(
    x: np.ndarray, h0: np.ndarray | None, params: Params
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Run the GRU over x (T, B, D) from h0 (B, H) or None (zeros); return out (T, B, H), h_T and a cache.

    Cache keys: "x" (T, B, D); "h" (T+1, B, H) with h[0] = h0 and h[t+1] = out[t]; "gates" a dict
    "r", "z", "n" -> (T, B, H) activated gate values, for plotting; "hn" (T, B, H) = W_hn h_{t-1} + b_hn; "params".
    """
    params, x, (h0,) = check_inputs("gru", params, x, {"h0": h0})
    T, (B, H) = len(x), h0.shape
    xw = x @ params["W_ih"].T + params["b_ih"]
    h, hn = np.empty((T + 1, B, H), h0.dtype), np.empty((T, B, H), h0.dtype)
    h[0] = h0
    gates = {name: np.empty((T, B, H), h0.dtype) for name in GATES}
    for t in range(T):
        h[t + 1], step_gates, hn[t] = _cell(xw[t], h[t], params)
        for name in GATES:
            gates[name][t] = step_gates[name]
    cache = {"x": x, "h": h, "gates": gates, "hn": hn, "params": params}
    return h[1:].copy(), h[-1].copy(), cache


def gru_backward(
    d_out: np.ndarray | None, d_hT: np.ndarray | None, cache: dict[str, Any], truncate: int | None = None
) -> dict[str, np.ndarray]:
    """Backpropagation through time from dL/d_out (T, B, H) and dL/dh_T (B, H), either None for zeros.

    Returns gradients for "W_ih", "W_hh", "b_ih", "b_hh", "x" and "h0". With truncate=k the sequence is cut
    into chunks [0, k), [k, 2k), ... and no gradient crosses a chunk boundary through the hidden state, which
    is what PyTorch computes when h is detached every k steps; h0 enters chunk 0 and gets that chunk's gradient.
    """
    check_truncate(truncate)
    h, gates, hn, W_hh = cache["h"], cache["gates"], cache["hn"], cache["params"]["W_hh"]
    d_out = upstream_grad("d_out", d_out, h[1:].shape, h.dtype)
    dh = upstream_grad("d_hT", d_hT, h[0].shape, h.dtype)
    T, B, H = d_out.shape
    da_x, da_h = np.empty((T, B, 3 * H), h.dtype), np.empty((T, B, 3 * H), h.dtype)
    for t in reversed(range(T)):
        r, z, n = (gates[name][t] for name in GATES)
        dh = dh + d_out[t]
        d_n = dh * (1 - z) * (1 - n**2)
        d_z = dh * (h[t] - n) * z * (1 - z)
        d_r = d_n * hn[t] * r * (1 - r)
        np.concatenate([d_r, d_z, d_n], axis=1, out=da_x[t])
        np.concatenate([d_r, d_z, d_n * r], axis=1, out=da_h[t])
        dh = np.zeros_like(dh) if cut_before(t, truncate) else dh * z + da_h[t] @ W_hh
    grads = affine_grads(da_x, da_h, cache)
    grads["h0"] = dh
    return grads
