"""Plots the lessons share, and a check that Korean text renders without missing glyphs."""
from __future__ import annotations

import io
import logging
import warnings
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def missing_glyph_warnings(fig: plt.Figure) -> list[str]:
    """Render ``fig`` to PNG and return every missing-glyph report (empty when all glyphs exist).

    Matplotlib reports a glyph missing from text as a warning and from mathtext (log-axis exponents)
    as a log record; both are collected.
    """
    collect = _Collect()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(collect)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(io.BytesIO(), format="png")
    finally:
        logger.removeHandler(collect)
    reports = [str(w.message) for w in caught] + collect.messages
    return [m for m in reports if "missing from" in m or "does not have a glyph" in m]


def plot_losses(histories: Mapping[str, Sequence[float]], *, title: str, ylabel: str = "손실",
                baseline: float | None = None, baseline_label: str = "기준선", log: bool = False,
                smooth: int = 1, ax: plt.Axes | None = None) -> plt.Axes:
    """Training curves, one line per name; ``smooth`` averages over a window to calm noisy steps."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    for name, values in histories.items():
        values = np.asarray(values, dtype=float)
        if smooth > 1 and len(values) >= smooth:
            values = np.convolve(values, np.ones(smooth) / smooth, mode="valid")
        ax.plot(values, label=name)
    if baseline is not None:
        ax.axhline(baseline, color="gray", linestyle="--", label=baseline_label)
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel("학습 단계")
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_scaled_tanh(weight: float = 1.0) -> float:
    """Draw tanh(weight · x) beside tanh(x); returns the slope at the origin (equal to ``weight``).

    Lesson 00 uses it to show that sliders drive plots; it doubles as a first look at how a weight
    changes an activation.
    """
    x = np.linspace(-4, 4, 401)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(x, np.tanh(x), color="gray", linestyle="--", label="tanh(x)")
    ax.plot(x, np.tanh(weight * x), label=f"tanh({weight:g}·x)")
    ax.set_title(f"가중치 w = {weight:g}일 때의 tanh(w·x)")
    ax.set_xlabel("입력 x")
    ax.set_ylabel("출력")
    ax.set_ylim(-1.1, 1.1)
    ax.legend(loc="upper left")
    plt.show()
    return float(weight)
