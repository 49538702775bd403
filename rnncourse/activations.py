"""Activation functions the course uses (sigmoid, tanh, softsign, ReLU), their derivatives, and their plots.

Everything is plain NumPy so a learner can read it; ``torch_fn`` gives the PyTorch twin for checking.
The widget callback :func:`show_activation` is a plain function, so tests can call it without a browser.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
import torch

Array = np.ndarray


def sigmoid(x: Array) -> Array:
    """Logistic sigmoid 1 / (1 + e^-x), written so that large |x| neither overflows nor warns."""
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -x))


def sigmoid_grad(x: Array) -> Array:
    """d sigmoid / dx = sigmoid(x) (1 - sigmoid(x)); largest (1/4) at x = 0."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x: Array) -> Array:
    """Hyperbolic tangent; equals 2 sigmoid(2x) - 1."""
    return np.tanh(np.asarray(x, dtype=np.float64))


def tanh_grad(x: Array) -> Array:
    """d tanh / dx = 1 - tanh(x)^2; largest (1) at x = 0, decays like 4 e^(-2|x|)."""
    t = tanh(x)
    return 1.0 - t * t


def softsign(x: Array) -> Array:
    """Softsign x / (1 + |x|): tanh's shape with polynomial instead of exponential tails."""
    x = np.asarray(x, dtype=np.float64)
    return x / (1.0 + np.abs(x))


def softsign_grad(x: Array) -> Array:
    """d softsign / dx = 1 / (1 + |x|)^2; decays like 1/x^2."""
    x = np.asarray(x, dtype=np.float64)
    return 1.0 / (1.0 + np.abs(x)) ** 2


def relu(x: Array) -> Array:
    """Rectified linear unit max(0, x)."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def relu_grad(x: Array) -> Array:
    """1 where x > 0, else 0 (at x = 0 we take 0, as PyTorch does)."""
    return (np.asarray(x) > 0).astype(np.float64)


@dataclass(frozen=True)
class Activation:
    """One activation function with its derivative, formulas for display, and its PyTorch twin."""

    name: str
    label: str  # Korean display name
    fn: Callable[[Array], Array]
    grad: Callable[[Array], Array]
    formula: str  # matplotlib mathtext
    grad_formula: str
    torch_fn: Callable[[torch.Tensor], torch.Tensor]


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", "시그모이드", sigmoid, sigmoid_grad,
                          r"$\sigma(x)=1/(1+e^{-x})$", r"$\sigma'(x)=\sigma(x)(1-\sigma(x))$", torch.sigmoid),
    "tanh": Activation("tanh", "하이퍼볼릭 탄젠트", tanh, tanh_grad,
                       r"$\tanh(x)$", r"$\tanh'(x)=1-\tanh^2(x)$", torch.tanh),
    "softsign": Activation("softsign", "소프트사인", softsign, softsign_grad,
                           r"$x/(1+|x|)$", r"$1/(1+|x|)^2$", torch.nn.functional.softsign),
    "relu": Activation("relu", "ReLU", relu, relu_grad,
                       r"$\max(0,x)$", r"$1\ (x>0),\ 0\ (x\leq 0)$", torch.relu),
}


def get(name: str) -> Activation:
    """The registered activation called ``name`` (one of :data:`ACTIVATIONS`)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise KeyError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") from None


def plot_activation(name: str, x_max: float = 6.0, ax: plt.Axes | None = None) -> plt.Axes:
    """Draw one activation and its derivative on [-x_max, x_max], marking the derivative's maximum."""
    if not x_max > 0:
        raise ValueError(f"x_max must be positive; got {x_max!r}")
    act = get(name)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.8))
    x = np.linspace(-x_max, x_max, 801)
    d = act.grad(x)
    ax.plot(x, act.fn(x), label=f"함수 {act.formula}", linewidth=2)
    ax.plot(x, d, "--", label=f"도함수 {act.grad_formula}", linewidth=2)
    top = int(np.argmax(d))
    ax.plot([x[top]], [d[top]], "o", color="C1")
    ax.annotate(f"최대 기울기 {d[top]:.3g}", (x[top], d[top]), textcoords="offset points", xytext=(9, -14))
    ax.axhline(0, color="gray", linewidth=0.6)
    ax.axvline(0, color="gray", linewidth=0.6)
    ax.set_title(f"{act.label} ({act.name})와 도함수")
    ax.set_xlabel("입력 x")
    ax.set_ylabel("출력과 기울기")
    ax.legend(loc="upper left", fontsize=9)
    return ax


def plot_all(x_max: float = 6.0) -> plt.Figure:
    """All registered activations in a grid, each with its derivative."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    for ax, name in zip(axes.ravel(), ACTIVATIONS):
        plot_activation(name, x_max, ax=ax)
    fig.suptitle("활성화 함수(실선)와 그 도함수(점선)")
    fig.tight_layout()
    return fig


def show_activation(name: str = "tanh", x_max: float = 6.0) -> None:
    """Widget callback: draw the chosen activation and its derivative, then show the figure."""
    plot_activation(name, x_max)
    plt.show()


def widget_options() -> list[tuple[str, str]]:
    """(Korean label, name) pairs for a Dropdown that picks an activation."""
    return [(f"{a.label} ({a.name})", a.name) for a in ACTIVATIONS.values()]
