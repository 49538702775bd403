"""The course's cell and architecture diagrams, drawn in one style from matplotlib patches and text.

Every ``draw_*`` function shows its figure and returns it. Hangul and mathtext never share one string:
mathtext draws its plain parts in the math font, which has no Hangul glyphs.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Colormap, Normalize
from matplotlib.patches import Circle, FancyBboxPatch

# One palette for every picture: red inputs, green hidden states, blue outputs, yellow context/state.
INPUT_COLOR, HIDDEN_COLOR, OUTPUT_COLOR, CONTEXT_COLOR = "#f4b6b6", "#b9e4b0", "#b7cdf0", "#f3df9b"
GATE_COLOR, CANDIDATE_COLOR, NODE_COLOR = "#d7c6ee", "#f7cfa6", "#ffffff"
FUTURE_COLOR, INK, FADED_INK, HIGHLIGHT = "#eeeeee", "#333333", "#bbbbbb", "#c62828"
GATE_CMAP, CANDIDATE_CMAP = "YlGnBu", "RdBu_r"   # gate values in [0, 1]; candidate values in [-1, 1]


def _box(ax: plt.Axes, cx: float, cy: float, text: str, color: str, *, math: str = "", width: float = 0.8,
         height: float = 0.5, future: bool = False, highlight: bool = False, fontsize: float = 9,
         ink: str | None = None) -> None:
    """A rounded box with a label; ``math`` (mathtext) goes on its own line, never mixed with Hangul."""
    face = FUTURE_COLOR if future else color
    edge = HIGHLIGHT if highlight else ("#aaaaaa" if future else INK)
    ax.add_patch(FancyBboxPatch((cx - width / 2, cy - height / 2), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.08", facecolor=face,
                                edgecolor=edge, linewidth=2.2 if highlight else 1.0,
                                linestyle="--" if future else "-"))
    ink = ink or ("#999999" if future else "black")
    if text and math:
        ax.text(cx, cy + height * 0.18, text, ha="center", va="center", fontsize=fontsize, color=ink)
        ax.text(cx, cy - height * 0.2, math, ha="center", va="center", fontsize=fontsize, color=ink)
    elif text or math:
        ax.text(cx, cy, text or math, ha="center", va="center", fontsize=fontsize, color=ink)


def _arrow(ax: plt.Axes, start: tuple[float, float], end: tuple[float, float], label: str = "", *,
           dashed: bool = False, faded: bool = False, rad: float = 0.0, label_offset=(0.0, 0.0),
           label_at: tuple[float, float] | None = None, fontsize: float = 9, lw: float = 1.3,
           color: str | None = None, alpha: float = 1.0, head: bool = True) -> None:
    """An arrow from ``start`` to ``end`` (a plain line when ``head`` is False), optionally labelled."""
    color = color or (FADED_INK if faded else INK)
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>" if head else "-", color=color, lw=lw, alpha=alpha,
                                linestyle="--" if dashed else "-", shrinkA=0, shrinkB=0,
                                connectionstyle=f"arc3,rad={rad}"))
    if label:
        mx = (start[0] + end[0]) / 2 + label_offset[0]
        my = (start[1] + end[1]) / 2 + label_offset[1]
        if label_at is not None:
            mx, my = label_at
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize, color=color,
                bbox=dict(facecolor="white", edgecolor="none", pad=1.0))


def _node(ax: plt.Axes, cx: float, cy: float, symbol: str, *, radius: float = 0.22, fontsize: float = 11) -> None:
    """A round operation node (⊙, +, tanh, 1−) on a data line."""
    ax.add_patch(Circle((cx, cy), radius, facecolor=NODE_COLOR, edgecolor=INK, linewidth=1.1, zorder=3))
    ax.text(cx, cy, symbol, ha="center", va="center", fontsize=fontsize, zorder=4)


def _clean(ax: plt.Axes) -> None:
    ax.set_aspect("equal")
    ax.axis("off")


def draw_context_networks() -> plt.Figure:
    """Elman's and Jordan's simple recurrent networks side by side: where the context units copy from."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    for ax, kind in zip(axes, ("elman", "jordan")):
        _box(ax, 1.5, 0.0, "입력", INPUT_COLOR, math="$x_t$", width=1.3, height=0.6)
        _box(ax, 1.5, 1.5, "은닉", HIDDEN_COLOR, math="$h_t$", width=1.3, height=0.6)
        _box(ax, 1.5, 3.0, "출력", OUTPUT_COLOR, math="$y_t$", width=1.3, height=0.6)
        _box(ax, -0.6, 0.0, "문맥 유닛", CONTEXT_COLOR,
             math="$c_t = h_{t-1}$" if kind == "elman" else r"$s_t = \sigma(y_{t-1})$", width=1.5, height=0.75)
        _arrow(ax, (1.5, 0.25), (1.5, 1.25), "W")
        _arrow(ax, (1.5, 1.75), (1.5, 2.75), "V")
        _arrow(ax, (-0.2, 0.38), (0.85, 1.4), "U", label_offset=(-0.1, 0.1))
        if kind == "elman":
            _arrow(ax, (0.85, 1.55), (-0.9, 0.38), "복사(가중치 1)\n한 시점 늦게", dashed=True, rad=0.45,
                   label_at=(-1.4, 1.6), fontsize=8)
            ax.set_title("엘만 신경망: 문맥 = 이전 은닉 상태", fontsize=11)
        else:
            _arrow(ax, (0.85, 3.0), (-0.9, 0.38), "복사(출력값)\n한 시점 늦게", dashed=True, rad=0.45,
                   label_at=(0.2, 2.25), fontsize=8)
            ax.set_title("조르단 신경망: 문맥 = 이전 출력", fontsize=11)
        ax.set_xlim(-2.2, 2.6)
        ax.set_ylim(-0.6, 3.5)
        _clean(ax)
    fig.suptitle("단순 순환망(SRN)의 두 가지: 문맥 유닛이 어디서 값을 받아 오는가", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    plt.show()
    return fig


# (key, inputs, outputs, first output step, title, example) for the Karpathy-style picture
SHAPES = [
    ("one_to_one", 1, 1, 0, "일대일", "사진 한 장을\n라벨 하나로 (순방향 신경망)"),
    ("one_to_many", 1, 3, 0, "일대다", "사진 한 장을\n'나무, 따스함, 저녁'으로"),
    ("many_to_one", 3, 1, 2, "다대일", "단어 여러 개를\n감정 하나('화남')로"),
    ("seq2seq", 3, 3, 3, "다대다 (인코더-디코더)", "'I, am, student'를\n'나, 는, 학생'으로 (번역)"),
    ("synced", 3, 3, 0, "다대다 (시점마다)", "비디오의 프레임마다\n장면 분류"),
]


def draw_sequence_shapes() -> plt.Figure:
    """The input/output shapes of recurrent models: red inputs, green hidden states, blue outputs."""
    fig, axes = plt.subplots(1, len(SHAPES), figsize=(13, 3.3))
    for ax, (_, n_in, n_out, first_out, title, example) in zip(axes, SHAPES):
        steps = max(n_in, first_out + n_out)
        shift = (steps - 1) / 2  # centre each picture in its panel
        for s in range(steps):
            _box(ax, s - shift, 1.0, "", HIDDEN_COLOR, width=0.6, height=0.45)
            cx = s - shift
            if s < n_in:
                _box(ax, cx, 0.0, "", INPUT_COLOR, width=0.6, height=0.45)
                _arrow(ax, (cx, 0.23), (cx, 0.77))
            if first_out <= s < first_out + n_out:
                _box(ax, cx, 2.0, "", OUTPUT_COLOR, width=0.6, height=0.45)
                _arrow(ax, (cx, 1.23), (cx, 1.77))
            if s > 0:
                _arrow(ax, (cx - 0.7, 1.0), (cx - 0.3, 1.0))
        ax.set_xlim(-3.1, 3.1)
        ax.set_ylim(-1.55, 2.4)
        ax.text(0.0, -0.95, example, ha="center", va="center", fontsize=9)
        ax.set_title(title, fontsize=11)
        _clean(ax)
    fig.suptitle("입력과 출력의 모양 (빨강: 입력, 초록: 은닉 상태, 파랑: 출력, 가로 화살표: 시간)", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    plt.show()
    return fig
