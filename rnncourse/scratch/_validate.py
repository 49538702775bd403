"""Argument checks shared by every cell, so that wrong input fails early with a message saying what was expected."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

PARAM_KEYS = ("W_ih", "W_hh", "b_ih", "b_hh")
N_GATES = {"rnn": 1, "lstm": 4, "gru": 3}
NONLINEARITIES = ("tanh", "relu")
_CELL_NAMES = {"rnn": "an RNN", "lstm": "an LSTM", "gru": "a GRU"}
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def check_kind(kind: Any) -> None:
    """Accept only the three cell names the engine implements."""
    if kind not in N_GATES:
        raise ValueError(f"kind must be one of 'rnn', 'lstm', 'gru'; got {kind!r}")


def check_nonlinearity(nonlinearity: Any) -> None:
    """Accept the two activations nn.RNN supports."""
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}")


def check_truncate(truncate: Any) -> None:
    """Accept None (full BPTT) or a chunk length k >= 1."""
    is_int = isinstance(truncate, (int, np.integer)) and not isinstance(truncate, bool)
    if truncate is not None and not (is_int and truncate >= 1):
        raise ValueError(f"truncate must be None or a positive int (chunk length in steps); got {truncate!r}")


def check_sizes(input_size: Any, hidden_size: Any, dtype: Any) -> np.dtype:
    """Validate the arguments of the init_*_params functions and return the dtype."""
    for name, size in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
            raise ValueError(f"{name} must be a positive int; got {size!r}")
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype must be float32 or float64; got {dtype!r}") from None
    if resolved not in _FLOATS:
        raise ValueError(f"dtype must be float32 or float64; got {resolved}")
    return resolved


def as_float(name: str, value: Any) -> np.ndarray:
    """Convert to an array and insist on float32/float64, the dtypes the engine computes in."""
    array = np.asarray(value)
    if array.dtype not in _FLOATS:
        raise ValueError(f"{name} must be a float32 or float64 array; got dtype {array.dtype}")
    return array


def _same_dtype(name: str, array: np.ndarray, dtype: np.dtype) -> None:
    if array.dtype != dtype:
        raise ValueError(
            f"{name} has dtype {array.dtype} but the parameters are {dtype}; all arrays must share one floating dtype"
        )


def check_params(params: Any, kind: str) -> dict[str, np.ndarray]:
    """Check keys, dtypes and shapes of a parameter dict; the hidden size H is read from W_hh's columns."""
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a dict of NumPy arrays; got {type(params).__name__}")
    missing = [key for key in PARAM_KEYS if key not in params]
    unexpected = sorted(str(key) for key in params if key not in PARAM_KEYS)
    if missing or unexpected:
        raise ValueError(
            f"params must have exactly the keys {list(PARAM_KEYS)} (PyTorch's names without '_l0'); "
            f"missing {missing}, unexpected {unexpected}"
        )
    arrays = {key: as_float(f"params[{key!r}]", params[key]) for key in PARAM_KEYS}
    if len({a.dtype for a in arrays.values()}) > 1:
        found = ", ".join(f"{key} {a.dtype}" for key, a in arrays.items())
        raise ValueError(f"params must share one floating dtype; got {found}")

    gates = N_GATES[kind]
    rows = "H" if gates == 1 else f"{gates}H"
    W_hh, W_ih = arrays["W_hh"], arrays["W_ih"]
    if W_hh.ndim != 2 or W_hh.shape[1] == 0:
        raise ValueError(f"params['W_hh'] must be 2-D with shape ({rows}, H), H >= 1; got shape {W_hh.shape}")
    H = W_hh.shape[1]
    D = W_ih.shape[1] if W_ih.ndim == 2 else "D"
    expected = {
        "W_ih": (f"({rows}, D)", (gates * H, D)),
        "W_hh": (f"({rows}, H)", (gates * H, H)),
        "b_ih": (f"({rows},)", (gates * H,)),
        "b_hh": (f"({rows},)", (gates * H,)),
    }
    for key, (formula, shape) in expected.items():
        if arrays[key].shape != shape:
            raise ValueError(
                f"params[{key!r}] must have shape {formula} = {_fmt(shape)} for {_CELL_NAMES[kind]} "
                f"with H={H} from the columns of W_hh; got shape {arrays[key].shape}"
            )
    return arrays


def check_inputs(
    kind: str, params: Any, x: Any, states: dict[str, Any], *, step: bool = False
) -> tuple[dict[str, np.ndarray], np.ndarray, list[np.ndarray]]:
    """Check params, the input (x of shape (T, B, D), or x_t of shape (B, D) when step) and the
    (B, H) states; return them as arrays, with zeros for states given as None."""
    params = check_params(params, kind)
    dtype = params["W_ih"].dtype
    D, H = params["W_ih"].shape[1], params["W_hh"].shape[1]
    name, layout = ("x_t", "(B, D)") if step else ("x", "(T, B, D)")
    x = as_float(name, x)
    if x.ndim != (2 if step else 3) or x.shape[-1] != D:
        raise ValueError(f"{name} must have shape {layout} with D={D} from W_ih ({D} columns); got shape {x.shape}")
    _same_dtype(name, x, dtype)
    B = x.shape[-2]
    arrays = []
    for state_name, state in states.items():
        if state is None:
            arrays.append(np.zeros((B, H), dtype))
            continue
        state = as_float(state_name, state)
        if state.shape != (B, H):
            raise ValueError(
                f"{state_name} must have shape (B, H) = ({B}, {H}) with B from {name} and H from W_hh; "
                f"got shape {state.shape}"
            )
        _same_dtype(state_name, state, dtype)
        arrays.append(state)
    return params, x, arrays


def upstream_grad(name: str, value: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Return the incoming gradient, or zeros when it is None, after checking its shape and dtype."""
    if value is None:
        return np.zeros(shape, dtype)
    array = as_float(name, value)
    if array.shape != shape:
        layout = "(T, B, H)" if len(shape) == 3 else "(B, H)"
        raise ValueError(
            f"{name} must have shape {layout} = {_fmt(shape)} as in the forward pass; got shape {array.shape}"
        )
    _same_dtype(name, array, dtype)
    return array


def _fmt(shape: tuple[Any, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
