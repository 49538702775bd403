"""Lesson 01's pictures and its step-through widget: the recurrence unrolled in time, Elman and Jordan
context units, and the four input/output shapes. Every widget callback is a plain function tests can call.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

# The seed's animation: x is the input, w its weight, a the activation before the squashing, b = σ(a).
DEFAULT_XS: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 1.0, 0.0)
DEFAULT_W, DEFAULT_U, DEFAULT_T = 2.0, 1.5, 3

INPUT_COLOR, HIDDEN_COLOR, OUTPUT_COLOR, CONTEXT_COLOR = "#f4b6b6", "#b9e4b0", "#b7cdf0", "#f3df9b"
FUTURE_COLOR = "#eeeeee"


def unroll_scalar(xs: Sequence[float], w: float, u: float, bias: float = 0.0, b0: float = 0.0
                  ) -> dict[str, np.ndarray]:
    """One sigmoid unit unrolled: a_t = w·x_t + u·b_{t-1} + bias, b_t = σ(a_t); returns arrays "x", "a", "b"."""
    x = np.asarray(xs, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"xs must be a non-empty 1-D sequence; got shape {x.shape}")
    a, b = np.empty_like(x), np.empty_like(x)
    prev = float(b0)
    for t, x_t in enumerate(x):
        a[t] = w * x_t + u * prev + bias
        b[t] = 1.0 / (1.0 + np.exp(-a[t]))
        prev = b[t]
    return {"x": x, "a": a, "b": b}


def _box(ax: plt.Axes, cx: float, cy: float, text: str, color: str, *, math: str = "", width: float = 0.8,
         height: float = 0.5, future: bool = False, highlight: bool = False, fontsize: float = 9) -> None:
    """A rounded box with a label; ``math`` (mathtext) goes on its own line, never mixed with Hangul,
    because mathtext draws its plain parts in the math font, which has no Hangul glyphs."""
    face = FUTURE_COLOR if future else color
    edge = "#c62828" if highlight else ("#aaaaaa" if future else "#333333")
    ax.add_patch(FancyBboxPatch((cx - width / 2, cy - height / 2), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.08", facecolor=face,
                                edgecolor=edge, linewidth=2.2 if highlight else 1.0,
                                linestyle="--" if future else "-"))
    ink = "#999999" if future else "black"
    if text and math:
        ax.text(cx, cy + height * 0.18, text, ha="center", va="center", fontsize=fontsize, color=ink)
        ax.text(cx, cy - height * 0.2, math, ha="center", va="center", fontsize=fontsize, color=ink)
    elif text or math:
        ax.text(cx, cy, text or math, ha="center", va="center", fontsize=fontsize, color=ink)


def _arrow(ax: plt.Axes, start: tuple[float, float], end: tuple[float, float], label: str = "", *,
           dashed: bool = False, faded: bool = False, rad: float = 0.0, label_offset=(0.0, 0.0),
           label_at: tuple[float, float] | None = None, fontsize: float = 9) -> None:
    color = "#bbbbbb" if faded else "#333333"
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=1.3, linestyle="--" if dashed else "-",
                                shrinkA=0, shrinkB=0, connectionstyle=f"arc3,rad={rad}"))
    if label:
        mx = (start[0] + end[0]) / 2 + label_offset[0]
        my = (start[1] + end[1]) / 2 + label_offset[1]
        if label_at is not None:
            mx, my = label_at
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize, color=color,
                bbox=dict(facecolor="white", edgecolor="none", pad=1.0))


def _clean(ax: plt.Axes) -> None:
    ax.set_aspect("equal")
    ax.axis("off")


def draw_unrolled(t: int = DEFAULT_T, w: float = DEFAULT_W, u: float = DEFAULT_U,
                  xs: Sequence[float] = DEFAULT_XS, bias: float = 0.0) -> plt.Figure:
    """Draw the unit unrolled over all steps, with x_s, a_s, b_s written on steps 1..t and later steps greyed.

    The lower panel plots the inputs and the outputs b_s computed so far. Returns the figure.
    """
    trace = unroll_scalar(xs, w, u, bias)
    steps = len(trace["x"])
    if not isinstance(t, (int, np.integer)) or not 1 <= t <= steps:
        raise ValueError(f"t must be an int in 1..{steps}; got {t!r}")
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(10, 6.2), gridspec_kw={"height_ratios": [3, 1.6]})
    dx, y_in, y_hid = 1.6, 0.0, 1.6
    # the initial state b_0 on the left
    _box(ax, 0.0, y_hid, "$b_0$ = 0", CONTEXT_COLOR, width=0.9)
    for s in range(1, steps + 1):
        cx, future, now = s * dx, s > t, s == t
        x_s, a_s, b_s = trace["x"][s - 1], trace["a"][s - 1], trace["b"][s - 1]
        _box(ax, cx, y_in, f"$x_{{{s}}}$ = {x_s:g}", INPUT_COLOR, width=0.9, future=future, highlight=now)
        hidden_text = (f"$a_{{{s}}}$ = ?\n$b_{{{s}}}$ = ?" if future
                       else f"$a_{{{s}}}$ = {a_s:.2f}\n$b_{{{s}}}$ = {b_s:.2f}")
        _box(ax, cx, y_hid, hidden_text, HIDDEN_COLOR, width=1.05, height=0.8, future=future, highlight=now)
        _arrow(ax, (cx, y_in + 0.25), (cx, y_hid - 0.4), f"w={w:g}", faded=future)
        _arrow(ax, (cx - dx + (0.45 if s == 1 else 0.525), y_hid), (cx - 0.525, y_hid), f"u={u:g}",
               faded=future, label_offset=(0.0, 0.28))
        ax.text(cx, y_hid + 0.62, f"t = {s}", ha="center", fontsize=9,
                color="#c62828" if now else ("#aaaaaa" if future else "#333333"))
    ax.set_xlim(-0.6, steps * dx + 0.7)
    ax.set_ylim(-0.45, 2.85)
    _clean(ax)
    ax.set_title(f"시간 펼치기: t = {t}까지 계산했습니다", fontsize=11)
    ax.text(steps * dx + 0.7, 2.8, r"$a_t = w\,x_t + u\,b_{t-1}$,   $b_t = \sigma(a_t)$", ha="right", va="top",
            fontsize=10)
    times = np.arange(1, steps + 1)
    ax2.bar(times[:t], trace["x"][:t], width=0.35, color=INPUT_COLOR, edgecolor="#333333", label="입력 x")
    ax2.plot(times[:t], trace["b"][:t], "o-", color="#2e7d32", label="은닉 출력 b")
    ax2.set_xlim(0.5, steps + 0.5)
    ax2.set_ylim(0, 1.1)
    ax2.set_xticks(times)
    ax2.set_xlabel("시점 t")
    ax2.set_ylabel("값")
    ax2.set_title("지금까지의 입력과 은닉 출력", fontsize=10)
    ax2.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    plt.show()
    return fig


def unrolled_widget(xs: Sequence[float] = DEFAULT_XS):
    """A slider for the time step t (and for w and u) that redraws :func:`draw_unrolled`."""
    import ipywidgets as widgets

    steps = len(xs)
    t_slider = widgets.IntSlider(value=min(DEFAULT_T, steps), min=1, max=steps, step=1, description="시점 t")
    w_slider = widgets.FloatSlider(value=DEFAULT_W, min=-4.0, max=4.0, step=0.5, description="가중치 w",
                                   continuous_update=False)
    u_slider = widgets.FloatSlider(value=DEFAULT_U, min=-4.0, max=4.0, step=0.5, description="순환 가중치 u",
                                   continuous_update=False)
    return widgets.interactive(draw_unrolled, t=t_slider, w=w_slider, u=u_slider,
                               xs=widgets.fixed(tuple(xs)), bias=widgets.fixed(0.0))


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


# (inputs, outputs, first output step, title, example) for the Karpathy-style picture
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
