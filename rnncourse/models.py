"""Small teaching models, written out step by step so a learner can read every line.

Shapes are batch-first like the lessons: ``x`` is (batch, time, features). This module is the one home
of the course's sequence models: :class:`SequenceModel` (a recurrent layer stack with a linear read-out,
used by every experiment), the step-by-step :class:`CustomLSTM`, Elman's and Jordan's networks, and the
helpers :func:`make_recurrent`, :func:`set_forget_bias`, :func:`init_from_seed`, :func:`count_parameters`,
and :func:`gate_trace`, which records every gate of a trained one-layer LSTM or GRU.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from rnncourse import scratch
from rnncourse.env import generator

Tensor = torch.Tensor
KINDS = ("rnn", "lstm", "gru")
RECURRENT = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

NONLINEARITIES = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}


def _nonlinearity(name: str):
    if name not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {sorted(NONLINEARITIES)}; got {name!r}")
    return NONLINEARITIES[name]


def _check_input(x: torch.Tensor, input_size: int) -> None:
    if x.dim() != 3 or x.shape[-1] != input_size:
        raise ValueError(f"x must have shape (batch, time, {input_size}); got {tuple(x.shape)}")


class StepwiseMLP(nn.Module):
    """A feedforward net applied to every time step on its own: y_t = V tanh(W x_t + b) + c.

    It sees only the current input, so it has no memory of earlier steps.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int = 1) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(input_size, hidden_size), nn.Tanh(),
                                 nn.Linear(hidden_size, output_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, D) → outputs (B, T, O); step t depends on x[:, t] alone."""
        return self.net(x)


class SequenceTagger(nn.Module):
    """``nn.RNN`` followed by a linear read-out at every step (a many-to-many model)."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int = 1) -> None:
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size, batch_first=True)
        self.readout = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, T, D) → (outputs (B, T, O), hidden states (B, T, H))."""
        hidden, _ = self.rnn(x, h0)
        return self.readout(hidden), hidden


class ElmanRNN(nn.Module):
    """Elman's simple recurrent network (1990).

    The context units hold an exact copy (fixed weight 1) of the previous hidden state, and the hidden
    layer reads the input and the context: ``h_t = φ(W x_t + U c_t + b)`` with ``c_t = h_{t-1}``.
    ``W`` and ``U`` each carry a bias, like ``nn.RNN`` (``b = b_ih + b_hh``), so :meth:`copy_from`
    makes the two compute the same thing. An optional read-out gives ``y_t = V h_t + c``.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int | None = None,
                 nonlinearity: str = "tanh") -> None:
        super().__init__()
        self.phi = _nonlinearity(nonlinearity)
        self.nonlinearity = nonlinearity
        self.input_size, self.hidden_size = input_size, hidden_size
        self.W = nn.Linear(input_size, hidden_size)  # input → hidden (bias b_ih)
        self.U = nn.Linear(hidden_size, hidden_size)  # context → hidden (bias b_hh)
        self.V = nn.Linear(hidden_size, output_size) if output_size else None

    def step(self, x_t: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """One time step: x_t (B, D) and the context (B, H) give the new hidden state (B, H)."""
        return self.phi(self.W(x_t) + self.U(context))

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, T, D) → (outputs (B, T, O), or the hidden states if there is no read-out; hidden (B, T, H))."""
        _check_input(x, self.input_size)
        context = x.new_zeros(x.shape[0], self.hidden_size) if h0 is None else h0
        states = []
        for t in range(x.shape[1]):
            h = self.step(x[:, t], context)
            states.append(h)
            context = h  # the context units copy the hidden layer
        hidden = torch.stack(states, dim=1)
        return (self.V(hidden) if self.V is not None else hidden), hidden

    @torch.no_grad()
    def copy_from(self, rnn: nn.RNN, readout: nn.Linear | None = None) -> "ElmanRNN":
        """Take the weights of a one-layer ``nn.RNN`` (and of a read-out ``nn.Linear``); returns self."""
        if rnn.num_layers != 1 or rnn.bidirectional or not rnn.bias:
            raise ValueError("copy_from expects a one-layer, unidirectional nn.RNN with biases")
        if (rnn.input_size, rnn.hidden_size) != (self.input_size, self.hidden_size):
            raise ValueError(f"nn.RNN sizes {(rnn.input_size, rnn.hidden_size)} differ from "
                             f"{(self.input_size, self.hidden_size)}")
        if rnn.nonlinearity != self.nonlinearity:
            raise ValueError(f"nn.RNN uses {rnn.nonlinearity!r}, this model {self.nonlinearity!r}")
        self.W.weight.copy_(rnn.weight_ih_l0)
        self.W.bias.copy_(rnn.bias_ih_l0)
        self.U.weight.copy_(rnn.weight_hh_l0)
        self.U.bias.copy_(rnn.bias_hh_l0)
        if readout is not None:
            if self.V is None or self.V.weight.shape != readout.weight.shape:
                raise ValueError("the read-out's shape does not match this model's V")
            self.V.weight.copy_(readout.weight)
            self.V.bias.copy_(readout.bias)
        return self


class JordanRNN(nn.Module):
    """Jordan's network (1986): the context (state) units hold the previous *output*, not the hidden state.

    ``h_t = tanh(W x_t + U s_t + b)``, ``y_t = V h_t + c`` (logits), and the state units
    ``s_t = μ s_{t-1} + σ(y_{t-1})`` receive the output units' activations (logistic, as in Jordan's
    network); ``μ`` (``decay``) is the fixed self-connection of the state units, 0 by default.
    Whatever the network remembers must therefore pass through what it outputs.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int = 1, decay: float = 0.0) -> None:
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1); got {decay}")
        self.input_size, self.output_size, self.decay = input_size, output_size, decay
        self.W = nn.Linear(input_size, hidden_size)
        self.U = nn.Linear(output_size, hidden_size, bias=False)
        self.V = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, T, D) → (output logits (B, T, O), hidden states (B, T, H))."""
        _check_input(x, self.input_size)
        state = x.new_zeros(x.shape[0], self.output_size)
        outputs, states = [], []
        for t in range(x.shape[1]):
            h = torch.tanh(self.W(x[:, t]) + self.U(state))
            y = self.V(h)
            outputs.append(y)
            states.append(h)
            state = self.decay * state + torch.sigmoid(y)  # the state units read the output
        return torch.stack(outputs, dim=1), torch.stack(states, dim=1)


def _positive(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")


def count_parameters(model: nn.Module) -> int:
    """Number of trainable numbers in ``model``: sum(p.numel())."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@torch.no_grad()
def init_from_seed(model: nn.Module, seed: int) -> nn.Module:
    """Redraw every parameter exactly as PyTorch's default initialisation does, from ``rc.generator(seed)``.

    nn.RNN/LSTM/GRU (and :class:`CustomLSTM`) draw U(-1/√H, 1/√H), nn.Linear its Kaiming-uniform weight and
    U(-1/√fan_in, 1/√fan_in) bias, module by module in the same order; so with no seed shift the numbers
    equal seeding the global generator with ``seed`` and then building the model, while the global RNG is left alone.
    Returns the model.
    """
    gen = generator(seed)
    for module in model.modules():
        if isinstance(module, (nn.RNNBase, CustomLSTM)):
            bound = 1.0 / math.sqrt(module.hidden_size)
            for p in module.parameters(recurse=False):
                nn.init.uniform_(p, -bound, bound, generator=gen)
        elif isinstance(module, nn.Linear):
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=gen)
            if module.bias is not None:
                bound = 1.0 / math.sqrt(module.in_features) if module.in_features > 0 else 0.0
                nn.init.uniform_(module.bias, -bound, bound, generator=gen)
    return model


def set_forget_bias(lstm: nn.LSTM, value: float) -> nn.LSTM:
    """Make the forget gate's total bias b_ih + b_hh equal ``value`` in every layer; returns the module.

    PyTorch's LSTM has two bias vectors; the forget block is rows H..2H of each. b_ih gets ``value``
    and b_hh gets 0, so the gate starts at sigmoid(value) when its weighted inputs are 0.
    """
    if not isinstance(lstm, (nn.LSTM, CustomLSTM)):
        raise ValueError(f"expected a torch.nn.LSTM; got {type(lstm).__name__}")
    H = lstm.hidden_size
    with torch.no_grad():
        for name, tensor in lstm.named_parameters():
            if name.startswith(("bias_ih", "b_ih")):
                tensor[H:2 * H] = value
            elif name.startswith(("bias_hh", "b_hh")):
                tensor[H:2 * H] = 0.0
    return lstm


def make_recurrent(kind: str, input_size: int, hidden_size: int, *, forget_bias: float | None = None,
                   num_layers: int = 1, dropout: float = 0.0, seed: int | None = None) -> nn.Module:
    """A batch-first nn.RNN (tanh), nn.LSTM or nn.GRU with PyTorch's default initialisation.

    ``seed`` draws the weights from ``rc.generator(seed)`` (see :func:`init_from_seed`) instead of the global
    RNG; ``forget_bias`` (LSTM only) then sets the forget gate's total bias, see :func:`set_forget_bias`.
    """
    if kind not in RECURRENT:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    module = RECURRENT[kind](input_size, hidden_size, num_layers=num_layers, dropout=dropout, batch_first=True)
    if seed is not None:
        init_from_seed(module, seed)
    if forget_bias is not None:
        if kind != "lstm":
            raise ValueError(f"forget_bias applies only to kind='lstm'; got kind={kind!r}")
        set_forget_bias(module, forget_bias)
    return module


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|), written out the way torch.nn.functional.softsign computes it."""
    return x / (1 + x.abs())


def identity(x: Tensor) -> Tensor:
    """No squashing at all; only for timing (how much of an LSTM step do the activations cost?)."""
    return x


SQUASH: dict[str, Callable[[Tensor], Tensor]] = {"tanh": torch.tanh, "softsign": softsign, "identity": identity}


class CustomLSTM(nn.Module):
    """One LSTM layer written step by step, with the squashing function as a choice: tanh or softsign.

    Gates stay sigmoid; ``activation`` replaces tanh on the candidate g_t and on the cell output, as in
    DL4J's GravesLSTM ``.activation(...)``. Parameters and gate order (i, f, g, o) follow ``nn.LSTM``,
    and so does the initialisation, so the two activations are compared like with like.
    """

    def __init__(self, input_size: int, hidden_size: int, activation: str = "tanh") -> None:
        super().__init__()
        if activation not in SQUASH:
            raise ValueError(f"activation must be one of {sorted(SQUASH)}; got {activation!r}")
        self.hidden_size, self.activation = hidden_size, activation
        self.W_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.W_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.b_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.b_hh = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x (B, T, D) → (all h_t (B, T, H), (h_T, c_T)), like ``nn.LSTM(batch_first=True)``."""
        batch, steps, _ = x.shape
        squash = SQUASH[self.activation]
        if state is None:
            h = x.new_zeros(batch, self.hidden_size)
            c = x.new_zeros(batch, self.hidden_size)
        else:
            h, c = state
        xw = x @ self.W_ih.T + (self.b_ih + self.b_hh)  # input terms of all steps at once
        outputs = []
        for t in range(steps):
            i, f, g, o = (xw[:, t] + h @ self.W_hh.T).chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * squash(g)
            h = torch.sigmoid(o) * squash(c)
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h, c)


CELLS = ("lstm", "gru", "rnn", "lstm-tanh", "lstm-softsign")
OUTPUTS = ("identity", "tanh", "sigmoid")


class SequenceModel(nn.Module):
    """A recurrent layer stack with a linear read-out: the configurable model every experiment uses.

    ``cell`` is "lstm", "gru" or "rnn" (PyTorch's modules) or "lstm-tanh" / "lstm-softsign" (the
    step-by-step :class:`CustomLSTM`, one layer). ``dropout`` drops inputs of the recurrent layer, of the
    read-out and (with ``num_layers`` > 1) between layers: the non-recurrent connections only, as Zaremba
    et al. (2014) recommend; the recurrent connections h_{t-1} -> h_t are never dropped. ``many_to_one``
    reads out only the last step; ``output`` is "identity", "tanh" or "sigmoid" (applied after the read-out).
    ``seed`` draws every weight from ``rc.generator(seed)`` (otherwise from the global RNG, PyTorch's way);
    ``forget_bias`` (LSTM cells) then sets the forget gate's total bias. ``bidirectional`` reads the sequence
    both ways (PyTorch's modules; the read-out sees [forward, backward] states, so use it many-to-many).
    """

    def __init__(self, input_size: int = 1, hidden_size: int = 16, *, cell: str = "lstm", num_layers: int = 1,
                 dropout: float = 0.0, output_size: int = 1, many_to_one: bool = True,
                 output: str = "identity", forget_bias: float | None = None, bidirectional: bool = False,
                 seed: int | None = None) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {dropout!r}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}; got {output!r}")
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}; got {cell!r}")
        _positive("input_size", input_size)
        _positive("hidden_size", hidden_size)
        _positive("num_layers", num_layers)
        _positive("output_size", output_size)
        self.config = dict(input_size=input_size, hidden_size=hidden_size, cell=cell, num_layers=num_layers,
                           dropout=dropout, output_size=output_size, many_to_one=many_to_one, output=output,
                           bidirectional=bidirectional)
        self.kind = cell
        between = dropout if num_layers > 1 else 0.0
        if cell in RECURRENT:
            self.rnn = RECURRENT[cell](input_size, hidden_size, num_layers=num_layers, batch_first=True,
                                       dropout=between, bidirectional=bidirectional)
        else:
            if num_layers != 1 or bidirectional:
                raise ValueError(f"cell {cell!r} has one forward layer only; got num_layers={num_layers}, "
                                 f"bidirectional={bidirectional}")
            self.rnn = CustomLSTM(input_size, hidden_size, activation=cell.split("-")[1])
        self.drop = nn.Dropout(dropout)
        self.readout = nn.Linear(hidden_size * (2 if bidirectional else 1), output_size)
        self.many_to_one, self.output = many_to_one, output
        if seed is not None:
            init_from_seed(self, seed)
        if forget_bias is not None:
            if not cell.startswith("lstm"):
                raise ValueError(f"forget_bias applies only to LSTM cells; got cell={cell!r}")
            set_forget_bias(self.rnn, forget_bias)

    def forward(self, x: Tensor, state=None, *, return_state: bool = False):
        """x (B, T, D) → (B, output_size) if many_to_one else (B, T, output_size).

        ``state`` starts the recurrence from a carried state (truncated BPTT); with ``return_state`` the
        call returns ``(output, final state)``.
        """
        hidden, last = self.rnn(self.drop(x), state)
        if self.many_to_one:
            hidden = hidden[:, -1]
        out = self.readout(self.drop(hidden))
        if self.output == "tanh":
            out = torch.tanh(out)
        elif self.output == "sigmoid":
            out = torch.sigmoid(out)
        return (out, last) if return_state else out


@dataclass(frozen=True)
class GateTrace:
    """Every gate's value at every step of one sequence through a one-layer nn.LSTM or nn.GRU.

    ``gates`` maps "i", "f", "g", "o" (LSTM) or "r", "z", "n" (GRU) to (T, H) arrays; ``h`` holds h_1..h_T
    (T, H), ``c`` the LSTM's c_1..c_T (None for a GRU), ``x`` the inputs (T, D); all float64.
    """

    kind: str
    x: np.ndarray
    gates: dict[str, np.ndarray]
    h: np.ndarray
    c: np.ndarray | None

    @property
    def steps(self) -> int:
        """Sequence length T."""
        return self.h.shape[0]

    @property
    def hidden_size(self) -> int:
        """Number of hidden units H."""
        return self.h.shape[1]

    def values_at(self, t: int, unit: int) -> dict[str, float]:
        """Gate and state values of one unit at step ``t`` (1-based, like x_1..x_T), keyed as the diagrams expect."""
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 1 <= t <= self.steps:
            raise ValueError(f"t must be an int in 1..{self.steps}; got {t!r}")
        if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)) or not 0 <= unit < self.hidden_size:
            raise ValueError(f"unit must be an int in 0..{self.hidden_size - 1}; got {unit!r}")
        values = {name: float(g[t - 1, unit]) for name, g in self.gates.items()}
        values["h_prev"] = float(self.h[t - 2, unit]) if t > 1 else 0.0
        values["h"] = float(self.h[t - 1, unit])
        if self.c is not None:
            values["c_prev"] = float(self.c[t - 2, unit]) if t > 1 else 0.0
            values["c"] = float(self.c[t - 1, unit])
        return values


def gate_values(module: nn.Module, x: Tensor | np.ndarray) -> dict[str, np.ndarray]:
    """Gates and states of a one-layer, unidirectional nn.LSTM or nn.GRU on a batch ``x`` (B, T, D), from zero state.

    Recomputed from the module's weights by the NumPy engine (:mod:`rnncourse.scratch`) in float64, so the values
    are the ones the module itself computes (to its dtype's rounding). Returns batch-first (B, T, H) arrays:
    "i", "f", "g", "o", "c", "h" for an LSTM; "r", "z", "n", "h" for a GRU.
    """
    if not isinstance(module, (nn.LSTM, nn.GRU)):
        raise ValueError(f"module must be a torch.nn.LSTM or nn.GRU (for a SequenceModel pass model.rnn); "
                         f"got {type(module).__name__}")
    batch = x.detach().cpu().double().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, dtype=np.float64)
    if batch.ndim != 3 or min(batch.shape[:2]) < 1 or batch.shape[2] != module.input_size:
        raise ValueError(f"x must have shape (B, T, {module.input_size}) with B, T >= 1; got {batch.shape}")
    if not np.all(np.isfinite(batch)):
        raise ValueError("x must be finite")
    params = {k: v.astype(np.float64) for k, v in scratch.from_torch(module).items()}
    xt = np.transpose(batch, (1, 0, 2))                     # the engine is time-first: (T, B, D)
    if isinstance(module, nn.LSTM):
        _, _, cache = scratch.lstm_forward(xt, None, None, params)
        out = {name: cache["gates"][name] for name in ("i", "f", "g", "o")}
        out["c"] = cache["c"][1:]
    else:
        _, _, cache = scratch.gru_forward(xt, None, params)
        out = {name: cache["gates"][name] for name in ("r", "z", "n")}
    out["h"] = cache["h"][1:]
    return {name: np.ascontiguousarray(np.transpose(v, (1, 0, 2))) for name, v in out.items()}


def gate_trace(module: nn.Module, x: Tensor | np.ndarray) -> GateTrace:
    """Record the gates of a one-layer, unidirectional nn.LSTM or nn.GRU on one sequence, from zero state.

    ``x`` is one sequence (T, D), or (1, T, D) for a batch-first module ((T, 1, D) otherwise). The values come
    from :func:`gate_values`, so ``trace.h`` equals the module's own output (to rounding of the module's dtype).
    """
    if not isinstance(module, (nn.LSTM, nn.GRU)):
        raise ValueError(f"module must be a torch.nn.LSTM or nn.GRU (for a SequenceModel pass model.rnn); "
                         f"got {type(module).__name__}")
    seq = x.detach().cpu().double().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, dtype=np.float64)
    if seq.ndim == 3:
        batch_axis = 0 if module.batch_first else 1
        if seq.shape[batch_axis] != 1:
            raise ValueError(f"x must hold one sequence; got shape {seq.shape} (batch size "
                             f"{seq.shape[batch_axis]}, batch_first={module.batch_first})")
        seq = seq[0] if module.batch_first else seq[:, 0]
    if seq.ndim != 2 or seq.shape[0] < 1 or seq.shape[1] != module.input_size:
        raise ValueError(f"x must have shape (T, {module.input_size}) with T >= 1; got {seq.shape}")
    values = {name: v[0] for name, v in gate_values(module, seq[None]).items()}
    kind = "lstm" if isinstance(module, nn.LSTM) else "gru"
    h, c = values.pop("h"), values.pop("c", None)
    return GateTrace(kind, seq.copy(), values, h, c)
