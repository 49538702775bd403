"""Small teaching models, written out step by step so a learner can read every line.

Shapes are batch-first like the lessons: ``x`` is (batch, time, features).
"""
from __future__ import annotations

import torch
from torch import nn

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
