"""How far back a gradient reaches: the norm of ∂h_T/∂h_t against the distance T − t.

:func:`state_gradient_norms` works for any PyTorch recurrent model — ``nn.RNN``, ``nn.LSTM``, ``nn.GRU``
(``batch_first`` or not, any number of layers), their ``*Cell`` versions, or a plain step function
``step(x_t, state) -> state`` — so lesson 04 (plain RNN) and lesson 05 (LSTM) draw on the same plot with
:func:`plot_state_gradient_norms`. The model is stepped one time step at a time, so every intermediate state
h_t is a node of the autograd graph, and the whole Jacobian ∂h_T/∂state_t is computed with one backward pass
(the batch is repeated once per output unit). Nothing is written into the parameters' ``.grad``.

The rest serves lesson 04's weight-scale experiment: recurrent matrices W_hh = s·Q with Q orthogonal, a
linear RNN (where theory says the norm is exactly s^(T−t)) next to a tanh RNN, and the plain widget callback
:func:`show_scale_experiment`.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence, Union

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from rnncourse.env import generator

State = Union[torch.Tensor, tuple[torch.Tensor, ...]]
StepFn = Callable[[torch.Tensor, State], State]

NORMS = ("spectral", "frobenius")
REDUCTIONS = ("mean", "median", "none")
WRT = ("state", "h", "c")


# ---------------------------------------------------------------------------------------------------------
# Measuring ‖∂h_T/∂h_t‖ for any recurrent model
# ---------------------------------------------------------------------------------------------------------

def _as_tuple(state: State) -> tuple[torch.Tensor, ...]:
    return tuple(state) if isinstance(state, (tuple, list)) else (state,)


def _like(template: State, parts: Sequence[torch.Tensor]) -> State:
    return tuple(parts) if isinstance(template, (tuple, list)) else parts[0]


def _model_device_dtype(model: Any, x: torch.Tensor) -> tuple[torch.device, torch.dtype]:
    params = list(model.parameters()) if isinstance(model, nn.Module) else []
    if params:
        return params[0].device, params[0].dtype
    return x.device, (x.dtype if x.is_floating_point() else torch.get_default_dtype())


def _stepper(model: Any, batch: int, device: torch.device, dtype: torch.dtype,
             h0: State | None) -> tuple[StepFn, State, Callable[[State], torch.Tensor]]:
    """(step, initial state, readout) for the three kinds of model; readout gives h_T (B, H) from a state."""
    if isinstance(model, nn.RNNBase):
        if model.bidirectional:
            raise ValueError("state_gradient_norms needs a unidirectional model; got bidirectional=True "
                             "(a backward direction reads the sequence from the end, so 'distance T - t' "
                             "has no single meaning)")
        is_lstm = isinstance(model, nn.LSTM)
        h_size = model.proj_size if is_lstm and model.proj_size > 0 else model.hidden_size
        if h0 is None:
            h = torch.zeros(model.num_layers, batch, h_size, device=device, dtype=dtype)
            h0 = (h, torch.zeros(model.num_layers, batch, model.hidden_size, device=device, dtype=dtype)) \
                if is_lstm else h
        layout_first = model.batch_first

        def step(x_t: torch.Tensor, state: State) -> State:
            x_in = x_t.unsqueeze(1) if layout_first else x_t.unsqueeze(0)
            _, new = model(x_in, state)
            return new

        def readout(state: State) -> torch.Tensor:
            return _as_tuple(state)[0][-1]  # top layer's h

        return step, h0, readout
    if isinstance(model, nn.RNNCellBase):
        if h0 is None:
            h = torch.zeros(batch, model.hidden_size, device=device, dtype=dtype)
            h0 = (h, h.clone()) if isinstance(model, nn.LSTMCell) else h
        return (lambda x_t, state: model(x_t, state)), h0, (lambda state: _as_tuple(state)[0])
    if callable(model):
        if h0 is None:
            raise ValueError("a step function needs an explicit h0 (its state's shape is not known); got h0=None")
        return model, h0, (lambda state: _as_tuple(state)[0])
    raise TypeError(f"model must be an nn.RNN/nn.LSTM/nn.GRU, an nn.*Cell or a callable step(x_t, state); "
                    f"got {type(model).__name__}")


def state_gradient_norms(model: Any, x: torch.Tensor, h0: State | None = None, *,
                         batch_first: bool | None = None, wrt: str = "state", norm: str = "spectral",
                         reduce: str = "mean") -> np.ndarray:
    """Norm of the Jacobian ∂h_T/∂state_t for every t; element k of the result belongs to the distance k = T − t.

    model: ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` (unidirectional, any ``num_layers``, its own ``batch_first``),
      an ``nn.RNNCell`` / ``nn.LSTMCell`` / ``nn.GRUCell``, or a callable ``step(x_t, state) -> state``
      where x_t is (B, D) and state a tensor (B, H) or a tuple whose first element is h.
    x: the input sequence, (B, T, D) if batch-first else (T, B, D); a 2-D (T, D) tensor is one sequence.
      The layout is the module's ``batch_first`` for ``nn.RNN``-type modules; for cells and step functions
      it is the ``batch_first`` argument (default False, PyTorch's time-major default).
    h0: initial state in the form the model takes (default zeros; required for a step function).
    wrt: "state" — the whole recurrent state at time t (h for RNN/GRU, h and c together for an LSTM, all
      layers); "h" — only h_t (for an LSTM the partial derivative with c_t held fixed); "c" — only an LSTM's c_t.
    norm: "spectral" (largest singular value, the most a unit change of state_t can move h_T) or "frobenius".
    reduce: "mean" or "median" over the batch gives shape (T + 1,); "none" gives (B, T + 1).
    h_T is the top layer's hidden output after the last input; index k = 0 is ∂h_T/∂h_T (norm 1 for "state").
    The model is run as it is (call ``model.eval()`` first if it has dropout); cuDNN is switched off meanwhile so
    that eval mode works on CUDA too. Cost: one forward and one backward pass over a batch of B·H sequences.
    """
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}; got {norm!r}")
    if reduce not in REDUCTIONS:
        raise ValueError(f"reduce must be one of {REDUCTIONS}; got {reduce!r}")
    if wrt not in WRT:
        raise ValueError(f"wrt must be one of {WRT}; got {wrt!r}")
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(np.asarray(x))
    if isinstance(model, nn.RNNBase):
        if batch_first is not None and batch_first != model.batch_first:
            raise ValueError(f"batch_first={batch_first} contradicts the module's batch_first={model.batch_first}; "
                             "leave batch_first=None for nn.RNN/nn.LSTM/nn.GRU")
        batch_first = model.batch_first
    batch_first = bool(batch_first)
    if x.dim() == 2:
        x = x.unsqueeze(0 if batch_first else 1)
    if x.dim() != 3:
        raise ValueError(f"x must be (B, T, D) or (T, B, D), or (T, D) for one sequence; got shape {tuple(x.shape)}")
    device, dtype = _model_device_dtype(model, x)
    x = x.to(device=device, dtype=dtype)
    if batch_first:
        x = x.transpose(0, 1)  # now (T, B, D)
    length, batch = x.shape[0], x.shape[1]
    if length < 1:
        raise ValueError("x must have at least one time step; got T = 0")

    step, state, readout = _stepper(model, batch, device, dtype, h0)
    parts = [p.to(device=device, dtype=dtype) for p in _as_tuple(state)]
    if wrt == "c" and len(parts) < 2:
        raise ValueError("wrt='c' needs an LSTM (a state with a cell c); this model's state has no c")
    # Find the batch axis of each state tensor (nn.RNN-type states are (layers, B, H), cells' (B, H)).
    batch_axis = 1 if isinstance(model, nn.RNNBase) else 0
    out_size = readout(_like(state, parts)).shape[-1]
    # Repeat every sequence once per output unit: copy j of sample b backpropagates the unit vector e_j, so
    # one backward pass gives every row of every sample's Jacobian.
    reps = out_size
    x_rep = x.repeat_interleave(reps, dim=1)
    parts = [p.detach().repeat_interleave(reps, dim=batch_axis) for p in parts]
    which = {"state": slice(None), "h": slice(0, 1), "c": slice(1, 2)}[wrt]
    inputs: list[torch.Tensor] = []
    # cuDNN refuses to backpropagate through an RNN in eval mode; the native kernels give the same values.
    with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
        for t in range(length + 1):
            # A zero "probe" added to each state coordinate as it leaves step t: the gradient with respect to
            # the probe is the partial derivative with respect to that coordinate (for a cell, c_t's path
            # into h_t inside the same step is not counted twice; the fused modules have no such path).
            probes = [torch.zeros_like(p, requires_grad=True) for p in parts]
            inputs.extend(probes[which])
            current = _like(state, [p + z for p, z in zip(parts, probes)])
            if t < length:
                parts = list(_as_tuple(step(x_rep[t], current)))
        h_T = readout(current)
        if h_T.shape != (batch * reps, out_size):
            raise ValueError(f"readout of the final state must be (B, H) = {(batch * reps, out_size)}; "
                             f"got {tuple(h_T.shape)}")
        eye = torch.eye(out_size, device=device, dtype=dtype).repeat(batch, 1)
        grads = torch.autograd.grad(h_T, inputs, grad_outputs=eye, allow_unused=True)
    per_t = len(inputs) // (length + 1)
    norms = torch.empty(batch, length + 1, dtype=torch.float64)
    for t in range(length + 1):
        blocks = []
        for g, s in zip(grads[t * per_t:(t + 1) * per_t], inputs[t * per_t:(t + 1) * per_t]):
            g = torch.zeros_like(s) if g is None else g
            g = g.movedim(batch_axis, 0).reshape(batch, reps, -1)  # (B, rows of J, state entries)
            blocks.append(g)
        jac = torch.cat(blocks, dim=2).double()
        if norm == "spectral":
            norms[:, length - t] = torch.linalg.matrix_norm(jac, ord=2).cpu()
        else:
            norms[:, length - t] = torch.linalg.matrix_norm(jac, ord="fro").cpu()
    out = norms.numpy()
    if reduce == "mean":
        return out.mean(axis=0)
    if reduce == "median":
        return np.median(out, axis=0)
    return out


def plot_state_gradient_norms(curves: Mapping[str, Sequence[float]], *, ax: plt.Axes | None = None,
                              title: str = "거리에 따른 기울기 크기", theory: Mapping[str, Sequence[float]] | None = None,
                              ylim: tuple[float, float] | None = (1e-12, 1e12)) -> plt.Axes:
    """Draw ‖∂h_T/∂h_t‖ against T − t on a log axis, one line per name; ``theory`` lines are dashed."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for i, (name, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(len(values)), np.where(values > 0, values, np.nan), label=name, color=f"C{i}", lw=2)
    for i, (name, values) in enumerate((theory or {}).items()):
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(len(values)), values, "--", label=name, color="black" if i == 0 else f"C{i + 5}", lw=1.2,
                zorder=3)
    ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.axhline(1.0, color="gray", lw=0.6, zorder=0)
    ax.set_title(title)
    ax.set_xlabel("거리 T - t (몇 단계 전의 은닉 상태인가)")
    ax.set_ylabel(r"$\|\partial h_T / \partial h_t\|$")
    ax.legend(fontsize=9)
    return ax


# ---------------------------------------------------------------------------------------------------------
# Lesson 04's experiment: W_hh = s·Q
# ---------------------------------------------------------------------------------------------------------

def orthogonal_matrix(size: int, seed: int = 0) -> torch.Tensor:
    """A random orthogonal matrix (size × size), the same for the same seed on every machine."""
    if size < 1:
        raise ValueError(f"size must be >= 1; got {size}")
    gen = generator(seed)
    q, r = torch.linalg.qr(torch.randn(size, size, generator=gen, dtype=torch.float64))
    return q * torch.sign(torch.diagonal(r))  # sign fix makes Q uniformly distributed


class LinearRNNCell(nn.Module):
    """h_t = W_ih x_t + W_hh h_{t-1}: an RNN without activation, where ∂h_T/∂h_t = W_hh^(T−t) exactly."""

    def __init__(self, W_ih: torch.Tensor, W_hh: torch.Tensor) -> None:
        super().__init__()
        if W_hh.dim() != 2 or W_hh.shape[0] != W_hh.shape[1] or W_ih.shape[0] != W_hh.shape[0]:
            raise ValueError(f"W_hh must be (H, H) and W_ih (H, D); got {tuple(W_hh.shape)} and {tuple(W_ih.shape)}")
        self.W_ih = nn.Parameter(W_ih.clone())
        self.W_hh = nn.Parameter(W_hh.clone())

    def forward(self, x_t: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return x_t @ self.W_ih.T + h @ self.W_hh.T


def scaled_rnn(scale: float, *, hidden_size: int = 32, input_size: int = 1, nonlinearity: str = "tanh",
               seed: int = 0) -> nn.Module:
    """An RNN with W_hh = scale · Q (Q orthogonal, so every eigenvalue has modulus ``scale``) and zero biases.

    nonlinearity "tanh" gives an ``nn.RNN`` (time-major); "linear" a :class:`LinearRNNCell` (a step function).
    W_ih is PyTorch's default U(-1/sqrt(H), 1/sqrt(H)), drawn from ``seed``.
    """
    if not scale >= 0:
        raise ValueError(f"scale must be >= 0; got {scale!r}")
    W_hh = (scale * orthogonal_matrix(hidden_size, seed)).float()
    gen = generator(seed + 1)
    bound = hidden_size ** -0.5
    W_ih = (torch.rand(hidden_size, input_size, generator=gen) * 2 - 1) * bound
    if nonlinearity == "linear":
        return LinearRNNCell(W_ih, W_hh)
    if nonlinearity != "tanh":
        raise ValueError(f"nonlinearity must be 'tanh' or 'linear'; got {nonlinearity!r}")
    rnn = nn.RNN(input_size, hidden_size, nonlinearity="tanh")
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(W_hh)
        rnn.weight_ih_l0.copy_(W_ih)
        rnn.bias_hh_l0.zero_()
        rnn.bias_ih_l0.zero_()
    return rnn


def scale_inputs(length: int = 60, batch: int = 8, input_size: int = 1, input_std: float = 1.0,
                 seed: int = 0) -> torch.Tensor:
    """Gaussian input sequences (T, B, D) for the weight-scale experiment."""
    gen = generator(seed + 2)
    return torch.randn(length, batch, input_size, generator=gen) * input_std


def scale_experiment(scale: float, *, length: int = 60, hidden_size: int = 32, batch: int = 8,
                     input_std: float = 1.0, seed: int = 0) -> dict[str, np.ndarray]:
    """‖∂h_T/∂h_t‖ per distance for W_hh = scale·Q: keys "linear", "tanh" (measured) and "theory" (scale^k)."""
    x = scale_inputs(length, batch, 1, input_std, seed)
    lin = scaled_rnn(scale, hidden_size=hidden_size, nonlinearity="linear", seed=seed)
    h0 = torch.zeros(batch, hidden_size)
    return {
        "linear": state_gradient_norms(lin, x, h0),
        "tanh": state_gradient_norms(scaled_rnn(scale, hidden_size=hidden_size, seed=seed), x),
        "theory": float(scale) ** np.arange(length + 1, dtype=float),
    }


def plot_scale_experiment(scale: float = 1.0, *, length: int = 60, ax: plt.Axes | None = None,
                          **kwargs: Any) -> plt.Axes:
    """The weight-scale experiment's picture for one scale: linear RNN, tanh RNN and the theory s^(T−t)."""
    res = scale_experiment(scale, length=length, **kwargs)
    return plot_state_gradient_norms(
        {"선형 RNN (활성화 없음)": res["linear"], "tanh RNN": res["tanh"]},
        theory={f"이론값 {scale:g}^(T-t)": res["theory"]}, ax=ax,
        title=f"순환 가중치 배율 s = {scale:g}일 때 기울기의 크기")


def show_scale_experiment(scale: float = 1.0, length: int = 60) -> None:
    """Widget callback: draw the weight-scale experiment for the slider's scale, then show the figure."""
    plot_scale_experiment(scale, length=length)
    plt.show()
