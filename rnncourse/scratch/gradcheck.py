"""Finite-difference gradient checks: the independent evidence that each hand-written backward pass is right."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnncourse.env import rng as env_rng

from ._validate import as_float, check_kind, check_nonlinearity, check_params, check_truncate
from .gru import gru_backward, gru_forward
from .lstm import lstm_backward, lstm_forward
from .rnn import rnn_backward, rnn_forward


def numerical_grad(f: Callable[[], float], arr: np.ndarray, eps: float = 1e-3) -> np.ndarray:
    """Derivative of the scalar f() with respect to every element of arr, by fourth-order central differences
    [8(f(a+e) - f(a-e)) - (f(a+2e) - f(a-2e))] / 12e, perturbing arr in place and restoring it.

    Fourth order lets eps be large enough that rounding in f stays near 1e-12, where the two-point formula
    with eps=1e-6 leaves errors near 1e-10 that swamp small gradient entries. Keep kinks (ReLU at 0) 2*eps away.
    """
    grad = np.zeros(arr.shape, np.float64)
    for index in np.ndindex(arr.shape):
        original = arr[index]
        values = {}
        for step in (2, 1, -1, -2):
            arr[index] = original + step * eps
            values[step] = f()
        arr[index] = original
        grad[index] = (8 * (values[1] - values[-1]) - (values[2] - values[-2])) / (12 * eps)
    return grad


def _forward(kind: str, x: np.ndarray, states: list[np.ndarray], params: dict, nonlinearity: str):
    """Run one cell type; return out, the list of final states and the cache."""
    if kind == "rnn":
        out, h, cache = rnn_forward(x, states[0], params, nonlinearity)
        return out, [h], cache
    if kind == "lstm":
        out, (h, c), cache = lstm_forward(x, states[0], states[1], params)
        return out, [h, c], cache
    out, h, cache = gru_forward(x, states[0], params)
    return out, [h], cache


def _backward(kind: str, d_out: np.ndarray, d_finals: list[np.ndarray], cache: dict, truncate: int | None):
    backward = {"rnn": rnn_backward, "lstm": lstm_backward, "gru": gru_backward}[kind]
    return backward(d_out, *d_finals, cache, truncate=truncate)


def check_gradients(
    kind: str,
    params: dict[str, np.ndarray],
    x: np.ndarray,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    *,
    nonlinearity: str = "tanh",
    truncate: int | None = None,
    seed: int = 0,
    eps: float = 1e-3,
) -> dict[str, float]:
    """Max relative error |a - n| / max(|a| + |n|, tiny) between backward's gradient a and the numerical one n,
    per parameter and for "x", "h0" (and "c0"), for the random loss sum(out * R) + sum(h_T * S) (+ sum(c_T * U)).

    Works on float64 copies of the inputs. With truncate=k the numerical side differentiates the truncated
    objective: each chunk restarts from the (unperturbed) state the full forward pass reached at its start.
    """
    check_kind(kind)
    check_nonlinearity(nonlinearity)
    check_truncate(truncate)
    if kind != "lstm" and c0 is not None:
        raise ValueError(f"c0 is only used by kind='lstm'; got a c0 for kind={kind!r}")
    params = {key: value.astype(np.float64) for key, value in check_params(params, kind).items()}
    x = as_float("x", x).astype(np.float64)
    state_keys = ["h", "c"] if kind == "lstm" else ["h"]
    given = [None if s is None else as_float(f"{key}0", s).astype(np.float64) for key, s in zip(state_keys, (h0, c0))]
    _, _, cache = _forward(kind, x, given, params, nonlinearity)
    states = [cache[key][0].copy() for key in state_keys]

    rng = env_rng(seed)
    R = rng.standard_normal(cache["h"][1:].shape)
    finals_weights = [rng.standard_normal(state.shape) for state in states]
    analytic = _backward(kind, R, finals_weights, cache, truncate)

    chunk = truncate or max(len(x), 1)
    starts = range(0, len(x), chunk)
    frozen = {start: [cache[key][start].copy() for key in state_keys] for start in starts[1:]}

    def loss() -> float:
        total, finals = 0.0, states
        for start in starts:
            initial = states if start == 0 else frozen[start]
            out, finals, _ = _forward(kind, x[start : start + chunk], initial, params, nonlinearity)
            total += np.sum(out * R[start : start + chunk])
        return total + sum(np.sum(final * w) for final, w in zip(finals, finals_weights))

    inputs = {**params, "x": x, **{key + "0": state for key, state in zip(state_keys, states)}}
    errors = {}
    for key, arr in inputs.items():
        numeric = numerical_grad(loss, arr, eps)
        denominator = np.maximum(np.abs(analytic[key]) + np.abs(numeric), np.finfo(np.float64).tiny)
        errors[key] = float(np.max(np.abs(analytic[key] - numeric) / denominator, initial=0.0))
    return errors
