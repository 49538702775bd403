"""Move parameters between the NumPy engine and single-layer torch.nn.RNN / LSTM / GRU modules.

torch is imported inside the functions so that importing the engine stays fast.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._validate import PARAM_KEYS, check_kind, check_nonlinearity, check_params

if TYPE_CHECKING:
    from torch import nn

_TORCH_NAMES = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0", "b_hh": "bias_hh_l0"}
_MODULES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def to_torch(params: dict[str, np.ndarray], kind: str, nonlinearity: str = "tanh") -> nn.Module:
    """Build a single-layer, time-major nn.RNN/LSTM/GRU of the arrays' dtype holding copies of params."""
    import torch

    check_kind(kind)
    check_nonlinearity(nonlinearity)
    if kind != "rnn" and nonlinearity != "tanh":
        raise ValueError(
            f"nonlinearity applies only to kind='rnn'; got nonlinearity={nonlinearity!r} for kind={kind!r}"
        )
    params = check_params(params, kind)
    input_size, hidden_size = params["W_ih"].shape[1], params["W_hh"].shape[1]
    dtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[params["W_ih"].dtype]
    options = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    module = getattr(torch.nn, _MODULES[kind])(input_size, hidden_size, dtype=dtype, **options)
    with torch.no_grad():
        for key in PARAM_KEYS:
            getattr(module, _TORCH_NAMES[key]).copy_(torch.tensor(params[key]))
    return module


def from_torch(module: Any) -> dict[str, np.ndarray]:
    """Copy the weights of a single-layer, unidirectional nn.RNN/LSTM/GRU into a NumPy params dict.

    A module built with bias=False gives zero biases; the RNN's activation is module.nonlinearity.
    """
    import torch

    if not isinstance(module, (torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU)):
        raise ValueError(f"module must be a torch.nn.RNN, nn.LSTM or nn.GRU; got {type(module).__name__}")
    name = type(module).__name__
    if module.num_layers != 1:
        raise ValueError(f"only single-layer modules convert; got {name} with num_layers={module.num_layers}")
    if module.bidirectional:
        raise ValueError(f"only unidirectional modules convert; got {name} with bidirectional=True")
    if getattr(module, "proj_size", 0):
        raise ValueError(f"LSTM projections are not supported; got {name} with proj_size={module.proj_size}")
    weight = module.weight_ih_l0
    if weight.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"module weights must be float32 or float64; got {weight.dtype}")
    params = {}
    for key in PARAM_KEYS:
        tensor = getattr(module, _TORCH_NAMES[key], None)
        if tensor is None:
            tensor = torch.zeros(weight.shape[0], dtype=weight.dtype)
        params[key] = tensor.detach().cpu().numpy().copy()
    return params
