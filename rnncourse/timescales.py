"""Lesson 07's helpers: time constants of LSTM forget gates, the best possible tracker of
``tasks.multi_timescale_signal``, bidirectional and stacked recurrent layers, and the lesson's plots.

Shapes are batch-first like the lessons: ``x`` is (batch, time, features).
"""
from __future__ import annotations

import itertools
import math
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from rnncourse.models import KINDS, SequenceModel, count_parameters

_RECURRENT = (nn.RNN, nn.GRU, nn.LSTM)


# ------------------------------------------------------------------ time constants
def time_constant(f):
    """τ = −1 / ln f: after τ steps a cell kept by a constant forget gate f holds 1/e of its content.

    Accepts a float, a NumPy array or a torch tensor of values in (0, 1) and returns the same kind.
    """
    if isinstance(f, torch.Tensor):
        return -1.0 / torch.log(f)
    if isinstance(f, np.ndarray):
        return -1.0 / np.log(f)
    value = float(f)
    if not 0.0 < value < 1.0:
        raise ValueError(f"a forget-gate value must lie strictly between 0 and 1; got {f!r}")
    return -1.0 / math.log(value)


def forget_value(tau: float) -> float:
    """The constant forget gate f = exp(−1/τ) whose time constant is ``tau`` steps (inverse of time_constant)."""
    if tau <= 0:
        raise ValueError(f"tau must be positive; got {tau!r}")
    return math.exp(-1.0 / tau)


def _check_batch_first(module: nn.Module, kinds: tuple[type, ...] = _RECURRENT) -> None:
    if not isinstance(module, kinds):
        names = ", ".join(k.__name__ for k in kinds)
        raise ValueError(f"expected a torch.nn {names} module; got {type(module).__name__}")
    if not module.batch_first:
        raise ValueError("expected a module built with batch_first=True")
    if getattr(module, "proj_size", 0):
        raise ValueError("LSTM projections (proj_size > 0) are not supported")


def split_layers(module: nn.Module) -> list[nn.Module]:
    """One single-layer copy of a stacked (batch-first, unidirectional) RNN/GRU/LSTM per layer.

    Running them one after another, each on the previous one's output sequence, reproduces the
    stacked module (without dropout): this is all ``num_layers`` means.
    """
    _check_batch_first(module)
    if module.bidirectional:
        raise ValueError("split_layers expects a unidirectional module; got bidirectional=True")
    layers = []
    for layer in range(module.num_layers):
        size = module.input_size if layer == 0 else module.hidden_size
        options = {"nonlinearity": module.nonlinearity} if isinstance(module, nn.RNN) else {}
        single = type(module)(size, module.hidden_size, batch_first=True, bias=module.bias, **options)
        single = single.to(device=module.weight_ih_l0.device, dtype=module.weight_ih_l0.dtype)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if module.bias else ()):
                getattr(single, f"{name}_l0").copy_(getattr(module, f"{name}_l{layer}"))
        layers.append(single)
    return layers


def split_directions(module: nn.Module) -> tuple[nn.Module, nn.Module]:
    """The forward and the backward half of a one-layer bidirectional RNN/GRU/LSTM, as two
    unidirectional batch-first modules (the backward one expects its input already reversed in time)."""
    _check_batch_first(module)
    if not module.bidirectional or module.num_layers != 1:
        raise ValueError("split_directions expects a one-layer bidirectional module")
    options = {"nonlinearity": module.nonlinearity} if isinstance(module, nn.RNN) else {}
    halves = []
    for suffix in ("_l0", "_l0_reverse"):
        half = type(module)(module.input_size, module.hidden_size, batch_first=True, bias=module.bias, **options)
        half = half.to(device=module.weight_ih_l0.device, dtype=module.weight_ih_l0.dtype)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if module.bias else ()):
                getattr(half, f"{name}_l0").copy_(getattr(module, f"{name}{suffix}"))
        halves.append(half)
    return halves[0], halves[1]


@torch.no_grad()
def forget_gates(lstm: nn.LSTM, x: torch.Tensor, layer: int = 0) -> torch.Tensor:
    """The forget gate f_t of every unit of one layer at every step, on input ``x`` (B, T, D): (B, T, H).

    nn.LSTM keeps its gates internal, so they are recomputed from its weights and hidden states:
    f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf), the second of PyTorch's gate blocks (i, f, g, o).
    The LSTM must be batch-first and unidirectional and start from zero states.
    """
    _check_batch_first(lstm, (nn.LSTM,))
    if lstm.bidirectional:
        raise ValueError("forget_gates expects a unidirectional LSTM; got bidirectional=True")
    if not 0 <= layer < lstm.num_layers:
        raise ValueError(f"layer must be in [0, {lstm.num_layers}); got {layer}")
    inputs = x
    for single in split_layers(lstm)[: layer + 1]:
        outputs, _ = single(inputs)
        below, inputs = inputs, outputs
    hidden = inputs
    h_prev = torch.cat([torch.zeros_like(hidden[:, :1]), hidden[:, :-1]], dim=1)
    rows = slice(lstm.hidden_size, 2 * lstm.hidden_size)
    pre = below @ getattr(lstm, f"weight_ih_l{layer}")[rows].T + h_prev @ getattr(lstm, f"weight_hh_l{layer}")[rows].T
    if lstm.bias:
        pre = pre + getattr(lstm, f"bias_ih_l{layer}")[rows] + getattr(lstm, f"bias_hh_l{layer}")[rows]
    return torch.sigmoid(pre)


@torch.no_grad()
def chrono_init_(lstm: nn.LSTM, t_max: float, *, generator: torch.Generator | None = None) -> nn.LSTM:
    """Chrono initialisation (Tallec & Ollivier 2018): forget bias log u with u ~ U(1, t_max − 1) and
    input bias −log u, so that the units start with time constants spread between about 1 and t_max.

    PyTorch adds two biases; the whole value goes into ``bias_ih`` and the ``bias_hh`` parts are zeroed.
    Applies to every layer and direction; returns the module.
    """
    if not isinstance(lstm, nn.LSTM) or not lstm.bias:
        raise ValueError("chrono_init_ expects an nn.LSTM with biases")
    if t_max <= 2:
        raise ValueError(f"t_max must be larger than 2; got {t_max!r}")
    size = lstm.hidden_size
    for name, bias in lstm.named_parameters():
        if not name.startswith("bias_"):
            continue
        if name.startswith("bias_hh"):
            bias[: 2 * size].zero_()
            continue
        u = 1.0 + (t_max - 2.0) * torch.rand(size, generator=generator)
        bias[size: 2 * size].copy_(torch.log(u))
        bias[:size].copy_(-torch.log(u))
    return lstm


# ------------------------------------------------------------------ the best possible tracker
def _telegraph_model(periods: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """All 2^K sign patterns (S, K) and the transition matrix between them (S, S), from → to."""
    states = torch.tensor(list(itertools.product((-1.0, 1.0), repeat=len(periods))), dtype=torch.float64)
    flip = 1.0 / torch.tensor([float(p) for p in periods], dtype=torch.float64)
    differ = (states[:, None, :] != states[None, :, :]).double()
    transition = torch.prod(differ * flip + (1.0 - differ) * (1.0 - flip), dim=-1)
    return states, transition


@torch.no_grad()
def bayes_tracker(x: torch.Tensor, periods: Sequence[int], *, smooth: bool = False) -> torch.Tensor:
    """P(component k is +1 | inputs) for ``tasks.multi_timescale_signal``, computed exactly: (B, T, K).

    The signal is a hidden Markov model over the 2^K sign patterns, and its sum is observed without
    noise. ``smooth=False`` runs the forward algorithm (a filter: step t sees x_1..x_t, the best any
    model reading only the past can do); ``smooth=True`` adds the backward pass (a smoother: every step
    sees the whole sequence, the best a bidirectional model can do).
    """
    if x.dim() != 3 or x.shape[-1] != 1:
        raise ValueError(f"x must have shape (batch, time, 1); got {tuple(x.shape)}")
    states, transition = _telegraph_model(periods)
    values = x[..., 0].detach().cpu().double()
    likelihood = (states.sum(-1)[None, None, :] == values[..., None]).double()  # (B, T, S)
    if not torch.all(likelihood.sum(-1) > 0):
        raise ValueError("x holds values that no sign pattern of these periods can sum to")
    batch, steps, n_states = likelihood.shape
    alpha = torch.empty(batch, steps, n_states, dtype=torch.float64)
    belief = torch.full((batch, n_states), 1.0 / n_states, dtype=torch.float64)
    for t in range(steps):
        if t > 0:
            belief = belief @ transition
        belief = belief * likelihood[:, t]
        belief = belief / belief.sum(-1, keepdim=True)
        alpha[:, t] = belief
    posterior = alpha
    if smooth:
        beta = torch.ones(batch, n_states, dtype=torch.float64)
        posterior = alpha.clone()
        for t in range(steps - 2, -1, -1):
            beta = (beta * likelihood[:, t + 1]) @ transition.T
            beta = beta / beta.sum(-1, keepdim=True)
            posterior[:, t] = alpha[:, t] * beta
        posterior = posterior / posterior.sum(-1, keepdim=True)
    return (posterior @ ((states + 1.0) / 2.0)).float()


def sign_accuracy(score: torch.Tensor, components: torch.Tensor, *, threshold: float = 0.0) -> torch.Tensor:
    """Per-component share of steps whose sign is guessed right: (K,). ``score`` (B, T, K) is a logit
    (threshold 0) or a probability (threshold 0.5); a score exactly at the threshold earns half a point."""
    if score.shape != components.shape:
        raise ValueError(f"score {tuple(score.shape)} and components {tuple(components.shape)} differ in shape")
    score, components = score.detach().cpu().float(), components.detach().cpu().float()
    right = torch.where(score > threshold, components > 0, components < 0).float()
    right = torch.where(score == threshold, torch.full_like(right, 0.5), right)
    return right.mean(dim=(0, 1))


def switch_intervals(components: torch.Tensor) -> torch.Tensor:
    """Mean number of steps between sign switches of each component of (B, T, K): (K,)."""
    flips = (components[:, 1:] != components[:, :-1]).float().sum(dim=(0, 1))
    steps = components.shape[0] * (components.shape[1] - 1)
    return steps / flips.clamp(min=1.0)


# ------------------------------------------------------------------ models and layers
def Tagger(kind: str, input_size: int, hidden_size: int, output_size: int, *,  # noqa: N802
           num_layers: int = 1, bidirectional: bool = False, seed: int | None = None) -> SequenceModel:
    """An nn.RNN / nn.GRU / nn.LSTM (batch-first) followed by a linear read-out at every step.

    ``model(x)`` returns logits (B, T, output_size); ``model.rnn`` is the recurrent module.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}; got {kind!r}")
    return SequenceModel(input_size, hidden_size, cell=kind, output_size=output_size, many_to_one=False,
                         num_layers=num_layers, bidirectional=bidirectional, seed=seed)


def bidirectional_run(x: torch.Tensor, rnn_fwd: nn.Module, rnn_bwd: nn.Module) -> torch.Tensor:
    """A bidirectional layer from two unidirectional batch-first ones: (B, T, D) → (B, T, 2H).

    ``rnn_fwd`` reads x from left to right; ``rnn_bwd`` reads it reversed in time, and its outputs are
    reversed back so that step t of both halves lines up; the two are concatenated as [forward, backward].
    """
    forward, _ = rnn_fwd(x)
    backward, _ = rnn_bwd(torch.flip(x, dims=[1]))
    return torch.cat([forward, torch.flip(backward, dims=[1])], dim=-1)


def lstm_num_params(input_size: int, hidden_size: int, num_layers: int = 1, bidirectional: bool = False) -> int:
    """Number of parameters of ``nn.LSTM(input_size, hidden_size, num_layers, bidirectional=...)``.

    Per layer and direction: four gates, each with W_ih (H × layer input), W_hh (H × H) and two biases
    of H. Layer 0 reads the input; every later layer reads the layer below, H per direction wide.
    """
    directions = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        width = input_size if layer == 0 else hidden_size * directions
        total += directions * 4 * hidden_size * (width + hidden_size + 2)
    return total


count_params = count_parameters  # lesson 07's name for models.count_parameters


# ------------------------------------------------------------------ plots
def plot_signal(x: torch.Tensor, components: torch.Tensor, names: Sequence[str], *, title: str,
                sample: int = 0) -> plt.Figure:
    """The components of one sequence stacked above their sum, one row each."""
    comps = components[sample].detach().cpu().numpy()
    total = x[sample, :, 0].detach().cpu().numpy()
    rows = comps.shape[1] + 1
    fig, axes = plt.subplots(rows, 1, figsize=(9, 1.3 * rows + 0.6), sharex=True, layout="constrained")
    steps = np.arange(len(total))
    for k, ax in enumerate(axes[:-1]):
        ax.step(steps, comps[:, k], where="mid", color=f"C{k}", lw=1.2)
        ax.set_ylim(-1.5, 1.5)
        ax.set_yticks([-1, 1])
        ax.set_ylabel(names[k], rotation=0, ha="right", va="center")
    axes[-1].step(steps, total, where="mid", color="black", lw=1.0)
    axes[-1].set_yticks([-3, -1, 1, 3])
    axes[-1].set_ylabel("합 x_t", rotation=0, ha="right", va="center")
    axes[-1].set_xlabel("시점 t")
    fig.suptitle(title)
    return fig


def plot_time_constants(taus: Mapping[str, torch.Tensor | np.ndarray], periods: Sequence[int], *,
                        title: str, period_names: Sequence[str] | None = None, ax: plt.Axes | None = None
                        ) -> plt.Axes:
    """Histograms of time constants on a log axis, one per name, with the signal's periods as lines.
    Every value is clipped into [0.1, 10^4] so that an almost-closed or almost-open gate stays visible."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.6))
    bins = np.logspace(-1, 4, 41)
    for k, (name, values) in enumerate(taus.items()):
        arr = np.asarray(values.detach().cpu().numpy() if hasattr(values, "detach") else values, dtype=float)
        arr = np.clip(arr.ravel(), 0.1, 1e4)
        ax.hist(arr, bins=bins, weights=np.full(arr.size, 100.0 / arr.size), alpha=0.55, label=name,
                color=f"C{k}")
    for k, period in enumerate(periods):
        label = f"{period_names[k]} (평균 유지 {period})" if period_names else f"평균 유지 {period}"
        ax.axvline(period, color="gray", linestyle=("--", ":", "-.")[k % 3], label=label)
    ax.set_xscale("log")
    ax.set_title(title)
    ax.set_xlabel("시간 상수 τ = −1/ln f (시점, 로그 눈금)")
    ax.set_ylabel("비율 (%)")
    ax.legend(fontsize=8)
    return ax


def plot_accuracy_bars(results: Mapping[str, torch.Tensor | Sequence[float]], labels: Sequence[str], *,
                       title: str, baseline: float | None = None, baseline_label: str = "기억 없는 모델",
                       ylim: tuple[float, float] = (0.5, 1.0), ax: plt.Axes | None = None) -> plt.Axes:
    """Grouped bars: one group per component (``labels``), one bar per name in ``results``."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6))
    names = list(results)
    width = 0.8 / len(names)
    positions = np.arange(len(labels))
    for k, name in enumerate(names):
        values = np.asarray(results[name].detach().cpu().numpy() if hasattr(results[name], "detach")
                            else results[name], dtype=float)
        bars = ax.bar(positions + (k - (len(names) - 1) / 2) * width, values, width=width * 0.95,
                      label=name, color=f"C{k}")
        ax.bar_label(bars, labels=[f"{v:.1%}" for v in values], fontsize=7, padding=1)
    if baseline is not None:
        ax.axhline(baseline, color="gray", linestyle="--", label=baseline_label)
    ax.set_xticks(positions, labels)
    ax.set_ylim(*ylim)
    ax.set_xlabel("따라갈 성분")
    ax.set_ylabel("부호를 맞힌 비율")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.figure.set_layout_engine("constrained")
    return ax
