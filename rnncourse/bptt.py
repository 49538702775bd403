"""Truncated backpropagation through time for torch RNNs, in DL4J's terms, and what it costs.

DL4J configures truncated BPTT with two numbers: ``tbpttForwardLength`` (how many steps each
forward segment runs before one parameter update) and ``tbpttBackwardLength`` (how many of those
steps, counted back from the segment's end, the gradient flows through). :func:`tbptt` does the
same for a ``torch.nn.RNN``/``GRU``/``LSTM`` followed by a per-step read-out; :func:`train_lag`
and :func:`lag_accuracy` run lesson 03's lag experiment; :class:`SavedTensorMeter` and
:func:`bptt_cost` measure the memory autograd keeps for the backward pass; :func:`gradient_reach` and
:func:`plot_unrolled` show where the gradient goes.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from rnncourse.env import rng as env_rng
from rnncourse.models import init_from_seed, make_recurrent
from rnncourse.scratch import init_rnn_params, rnn_backward, rnn_forward
from rnncourse.tasks import lag_task
from rnncourse.train import fit, make_optimizer

State = Any  # a tensor (RNN, GRU) or a tuple of tensors (LSTM), or None for zeros
LossFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor | None], torch.Tensor]


def detach_state(state: State) -> State:
    """The carried state cut from the graph: the next segment starts from its value, not its history."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def masked_bce(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Binary cross-entropy with logits averaged over the steps where mask is True (0 if there are none).

    logits may carry a trailing size-1 output dimension; y and mask are (batch, time).
    """
    if logits.dim() == y.dim() + 1 and logits.shape[-1] == 1:
        logits = logits.squeeze(-1)
    losses = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
    if mask is None:
        return losses.mean()
    weights = mask.to(losses.dtype)
    return (losses * weights).sum() / weights.sum().clamp(min=1.0)


@dataclass
class TbpttResult:
    """What one call of :func:`tbptt` did: one loss per parameter update, and the carried state."""

    losses: list[float]
    state: State
    saved_bytes: list[int] = field(default_factory=list)

    @property
    def updates(self) -> int:
        """Number of parameter updates (one per forward segment)."""
        return len(self.losses)


def _check_lengths(forward_length: int, backward_length: int | None) -> int:
    """Validate DL4J's two lengths and return the backward length (equal to the forward one if None)."""
    for name, value in (("forward_length", forward_length), ("backward_length", backward_length)):
        if value is None and name == "backward_length":
            continue
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}")
    backward_length = forward_length if backward_length is None else backward_length
    if backward_length > forward_length:
        raise ValueError(f"backward_length must not exceed forward_length (as in DL4J); "
                         f"got backward_length={backward_length}, forward_length={forward_length}")
    return backward_length


def _check_module(rnn: nn.Module) -> None:
    if not isinstance(rnn, nn.RNNBase):
        raise ValueError(f"rnn must be a torch.nn.RNN, GRU or LSTM; got {type(rnn).__name__}")
    if not rnn.batch_first:
        raise ValueError("rnn must be built with batch_first=True (x is (batch, time, features))")


def tbptt(rnn: nn.Module, readout: nn.Module, x: torch.Tensor, y: torch.Tensor, *, forward_length: int,
          backward_length: int | None = None, optimizer: torch.optim.Optimizer,
          loss_fn: LossFn = masked_bce, mask: torch.Tensor | None = None, state: State = None,
          carry_state: bool = True, meter: SavedTensorMeter | None = None) -> TbpttResult:
    """Truncated BPTT over one batch of long sequences x (batch, T, D) with targets y (batch, T, ...).

    The sequence is cut into segments of ``forward_length`` steps; each segment is one forward pass,
    one backward pass and one optimizer step, and its final state is carried (detached) into the next.
    Inside a segment the gradient flows back through its last ``backward_length`` steps only: the
    state is detached before them, and the read-out of the earlier steps trains the read-out alone,
    as in DL4J. With forward_length = backward_length = T this is full BPTT (one update).
    carry_state=False starts every segment from ``state`` instead (independent chunks, no memory
    across them). ``meter`` (a :class:`SavedTensorMeter`) records the bytes each segment saves.
    """
    _check_module(rnn)
    backward_length = _check_lengths(forward_length, backward_length)
    initial = state
    result = TbpttResult(losses=[], state=state)
    starts = list(range(0, x.shape[1], forward_length))

    def segment_loss(_: nn.Module, start: int, state: State) -> tuple[torch.Tensor, State]:
        if start == 0 or not carry_state:
            state = initial
        segment = slice(start, start + forward_length)
        xs = x[:, segment]
        cut = max(xs.shape[1] - backward_length, 0)
        with meter if meter is not None else contextlib.nullcontext():
            outputs = []
            if cut:                                              # steps the gradient does not flow through
                hidden, state = rnn(xs[:, :cut], state)
                outputs.append(hidden.detach())
                state = detach_state(state)
            hidden, state = rnn(xs[:, cut:], state)
            outputs.append(hidden)
            logits = readout(outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=1))
            loss = loss_fn(logits, y[:, segment], None if mask is None else mask[:, segment])
        if meter is not None:
            result.saved_bytes.append(meter.bytes)
        result.state = detach_state(state)                       # the engine carries it on, detached
        return loss, state

    # one update per segment: the engine carries the state and cuts it from each segment's graph
    history = fit(nn.ModuleList([rnn, readout]), starts.__getitem__, segment_loss, steps=len(starts),
                  optimizer=optimizer, stateful=True, stop_on_nan=False, progress=False)
    result.losses = history.losses.tolist()
    return result


class SavedTensorMeter:
    """Count the bytes autograd saves for the backward pass while the context is active.

    Every tensor an operation keeps for backward passes through ``torch.autograd.graph.
    saved_tensors_hooks``; the meter adds up the distinct storages they live in, so a tensor saved by
    several operations counts once. Storages of the tensors in ``exclude`` (the parameters and the
    data, which exist whether or not anything is differentiated) are left out. Deterministic: it
    counts what the graph holds, not what the allocator happens to reserve. Reset on every entry.
    """

    def __init__(self, exclude: Iterable[torch.Tensor] = ()) -> None:
        self._exclude = {t.untyped_storage().data_ptr() for t in exclude}
        self._seen: dict[int, int] = {}
        self._hooks: Any = None

    @property
    def bytes(self) -> int:
        """Bytes saved for backward since the context was last entered."""
        return sum(self._seen.values())

    def _pack(self, tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in self._exclude:
            self._seen[storage.data_ptr()] = storage.nbytes()
        return tensor

    def __enter__(self) -> SavedTensorMeter:
        self._seen = {}
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda tensor: tensor)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._hooks.__exit__(*exc)
        self._hooks = None


def make_tagger(kind: str = "gru", hidden_size: int = 16, input_size: int = 1, output_size: int = 1,
                device: torch.device | str = "cpu", seed: int | None = None) -> tuple[nn.Module, nn.Linear]:
    """A batch-first one-layer nn.RNN/GRU/LSTM and a linear read-out for every step, on device.

    ``seed`` draws both from ``rc.generator(seed)`` (PyTorch's default initialisation, see
    ``models.init_from_seed``); without it they come from the global RNG.
    """
    rnn = make_recurrent(kind, input_size, hidden_size)
    readout = nn.Linear(hidden_size, output_size)
    if seed is not None:
        init_from_seed(nn.ModuleList([rnn, readout]), seed)  # one generator for both, rnn first
    return rnn.to(device), readout.to(device)


@torch.no_grad()
def lag_accuracy(rnn: nn.Module, readout: nn.Module, lag: int, *, length: int = 64, batch: int = 512,
                 seed: int = 10_000, reset_every: int | None = None) -> float:
    """Share of correct bits on held-out lag_task sequences, read with one full (untruncated) forward pass.

    reset_every=k instead restarts the state from zeros every k steps, as if memory stopped at chunk edges.
    """
    device = next(rnn.parameters()).device
    x, y, mask = (t.to(device) for t in lag_task(batch, length, lag, seed=seed))
    step = reset_every or length
    hidden = torch.cat([rnn(x[:, start:start + step])[0] for start in range(0, length, step)], dim=1)
    guesses = (readout(hidden).squeeze(-1) > 0).to(y.dtype)
    return float((guesses == y)[mask].float().mean())


def train_lag(lag: int, backward_length: int, *, kind: str = "gru", hidden_size: int = 32, batches: int = 150,
              batch_size: int = 64, length: int = 32, lr: float = 0.01, seed: int = 0,
              carry_state: bool = True, device: torch.device | str = "cpu"
              ) -> tuple[nn.Module, nn.Linear, list[float]]:
    """Train a tagger on lag_task with truncated BPTT (forward length = backward length = backward_length).

    Every configuration sees the same ``batches`` batches of fresh sequences (seeded from ``seed``);
    a shorter backward length therefore makes more, shorter updates. Returns the rnn, the read-out and
    the loss of every update.
    """
    rnn, readout = make_tagger(kind, hidden_size, device=device, seed=seed)
    optimizer = make_optimizer("adam", [*rnn.parameters(), *readout.parameters()], lr)
    losses: list[float] = []
    for step in range(batches):
        x, y, mask = (t.to(device) for t in lag_task(batch_size, length, lag, seed=seed * 100_003 + step))
        losses += tbptt(rnn, readout, x, y, mask=mask, forward_length=backward_length,
                        optimizer=optimizer, carry_state=carry_state).losses
    return rnn, readout, losses


def bptt_cost(length: int, forward_length: int | None = None, *, kind: str = "gru", hidden_size: int = 32,
              batch_size: int = 16, repeats: int = 3, seed: int = 0,
              device: torch.device | str = "cpu") -> dict[str, float]:
    """Memory and time of training on one batch of sequences of ``length`` steps.

    forward_length=None is full BPTT (one segment); otherwise truncated BPTT with equal forward and
    backward lengths. Returns "saved_bytes" (the most bytes autograd held for one backward pass, from
    :class:`SavedTensorMeter`), "seconds" (the fastest of ``repeats`` runs of the whole batch: forward,
    backward and updates) and "updates".
    """
    rnn, readout = make_tagger(kind, hidden_size, device=device, seed=seed)
    optimizer = torch.optim.Adam([*rnn.parameters(), *readout.parameters()], lr=0.0)  # time the update, move nothing
    x, y, mask = (t.to(device) for t in lag_task(batch_size, length, 1, seed=seed))
    meter = SavedTensorMeter(exclude=[*rnn.parameters(), *readout.parameters(), x, y, mask])
    segment = forward_length or length
    result = tbptt(rnn, readout, x, y, mask=mask, forward_length=segment, optimizer=optimizer, meter=meter)
    seconds = []
    for _ in range(repeats):
        _synchronize(device)
        start = time.perf_counter()
        tbptt(rnn, readout, x, y, mask=mask, forward_length=segment, optimizer=optimizer)
        _synchronize(device)
        seconds.append(time.perf_counter() - start)
    return {"saved_bytes": float(max(result.saved_bytes)), "seconds": min(seconds), "updates": float(result.updates)}


def _synchronize(device: torch.device | str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def gradient_reach(length: int, truncate: int | None = None, *, hidden_size: int = 8, seed: int = 0) -> np.ndarray:
    """reach[t, s] is True when the output at step t sends a nonzero gradient to the input x_s.

    Computed with the NumPy engine's rnn_backward (truncate=k cuts the sequence into chunks of k steps),
    one output step at a time, on a random one-input RNN.
    """
    rng = env_rng(seed)
    params = init_rnn_params(1, hidden_size, rng)
    _, _, cache = rnn_forward(rng.standard_normal((length, 1, 1)), None, params)
    reach = np.zeros((length, length), dtype=bool)
    for t in range(length):
        d_out = np.zeros((length, 1, hidden_size))
        d_out[t] = 1.0
        reach[t] = rnn_backward(d_out, None, cache, truncate=truncate)["x"][:, 0, 0] != 0.0
    return reach


def plot_unrolled(steps: int = 4, ax: plt.Axes | None = None) -> plt.Axes:
    """The RNN unrolled over ``steps`` steps: forward arrows in gray, the backward pass in red."""
    if ax is None:
        _, ax = plt.subplots(figsize=(2.3 * steps + 1.5, 4.2))
    rows = {"x": 0.0, "h": 1.0, "L": 2.0}
    box = {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "black"}

    def arrow(start: tuple[float, float], end: tuple[float, float], color: str, label: str = "",
              offset: tuple[float, float] = (0.0, 0.0), rad: float = 0.0) -> None:
        ax.annotate("", xy=end, xytext=start, arrowprops={
            "arrowstyle": "-|>", "color": color, "lw": 1.6, "shrinkA": 16, "shrinkB": 16,
            "connectionstyle": f"arc3,rad={rad}"})
        if label:
            ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], label,
                    color=color, ha="center", va="center", fontsize=10)

    ax.text(0, rows["h"], "$h_0$", ha="center", va="center", fontsize=13, bbox=box)
    for t in range(1, steps + 1):
        for name, y in rows.items():
            ax.text(t, y, f"${name}_{{{t}}}$", ha="center", va="center", fontsize=13, bbox=box)
        arrow((t, rows["x"]), (t, rows["h"]), "gray")
        arrow((t, rows["h"]), (t, rows["L"]), "gray")
        arrow((t - 1, rows["h"]), (t, rows["h"]), "gray", rad=-0.25)
        arrow((t, rows["L"]), (t, rows["h"]), "crimson", r"$\bar{o}_{" + str(t) + "}$", (0.2, 0.0), rad=-0.3)
        arrow((t, rows["h"]), (t - 1, rows["h"]), "crimson", r"$W_{hh}^{\top}\delta_{" + str(t) + "}$",
              (0.0, -0.33), rad=-0.25)
    ax.set_xlim(-0.6, steps + 0.6)
    ax.set_ylim(-0.5, 2.5)
    ax.set_xticks(range(steps + 1))
    ax.set_yticks(list(rows.values()), ["입력", "은닉 상태", "손실"])
    ax.set_xlabel("시간 단계 t")
    ax.set_ylabel("계산 그래프의 층", labelpad=8)
    ax.set_title("시간으로 펼친 RNN: 순전파(회색)와 역전파(빨간색)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
