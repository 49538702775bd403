"""Pieces the three cells share: initialisation, a stable sigmoid, the truncation rule and the affine-map gradients."""
from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse.env import rng as env_rng

from ._validate import N_GATES, check_sizes


def init_params(kind: str, input_size: int, hidden_size: int, rng: Any, dtype: Any) -> dict[str, np.ndarray]:
    """Draw every parameter from U(-1/sqrt(H), 1/sqrt(H)), PyTorch's default for its recurrent layers."""
    dtype = check_sizes(input_size, hidden_size, dtype)
    rng = rng if isinstance(rng, np.random.Generator) else env_rng(0 if rng is None else int(rng))
    rows = N_GATES[kind] * hidden_size
    bound = 1.0 / np.sqrt(hidden_size)
    shapes = {"W_ih": (rows, input_size), "W_hh": (rows, hidden_size), "b_ih": (rows,), "b_hh": (rows,)}
    return {key: rng.uniform(-bound, bound, shape).astype(dtype) for key, shape in shapes.items()}


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function written with tanh, so large |a| never overflows and the dtype is kept."""
    return 0.5 * (np.tanh(0.5 * a) + 1)


def cut_before(t: int, truncate: int | None) -> bool:
    """True when truncated BPTT stops the gradient flowing from step t back into the state of step t-1."""
    return truncate is not None and t > 0 and t % truncate == 0


def affine_grads(da_x: np.ndarray, da_h: np.ndarray, cache: dict[str, Any]) -> dict[str, np.ndarray]:
    """Gradients of W_ih x_t + b_ih and W_hh h_{t-1} + b_hh, given the gradients of those two sums at every step."""
    x, h_prev = cache["x"], cache["h"][:-1]
    over_time_and_batch = ([0, 1], [0, 1])
    return {
        "W_ih": np.tensordot(da_x, x, axes=over_time_and_batch),
        "W_hh": np.tensordot(da_h, h_prev, axes=over_time_and_batch),
        "b_ih": da_x.sum(axis=(0, 1)),
        "b_hh": da_h.sum(axis=(0, 1)),
        "x": da_x @ cache["params"]["W_ih"],
    }
