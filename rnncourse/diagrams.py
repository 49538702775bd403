"""The course's cell and architecture diagrams, drawn in one style from matplotlib patches and text.

Every ``draw_*`` function shows its figure and returns it. Hangul and mathtext never share one string:
mathtext draws its plain parts in the math font, which has no Hangul glyphs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Colormap, Normalize
from matplotlib.patches import Circle, FancyBboxPatch

if TYPE_CHECKING:
    from rnncourse.models import GateTrace

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


# ---------------------------------------------------------------- gated cells

LSTM_GATES = {"f": (0.0, 1.0), "i": (0.0, 1.0), "g": (-1.0, 1.0), "o": (0.0, 1.0)}
GRU_GATES = {"r": (0.0, 1.0), "z": (0.0, 1.0), "n": (-1.0, 1.0)}
LSTM_STATES, GRU_STATES = ("c_prev", "c", "h_prev", "h"), ("h_prev", "h")


def _check_values(values: Mapping[str, float] | None, ranges: Mapping[str, tuple[float, float]],
                  states: Sequence[str]) -> dict[str, float]:
    """Validate a gate-name → value mapping: known keys, finite numbers, gates inside their ranges."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ValueError(f"values must be a mapping like {{'{next(iter(ranges))}': 0.5}}; "
                         f"got {type(values).__name__}")
    allowed = list(ranges) + list(states)
    unknown = [k for k in values if k not in allowed]
    if unknown:
        raise ValueError(f"values has unknown keys {unknown}; expected some of {allowed}")
    out = {}
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value):
            raise ValueError(f"values[{key!r}] must be a finite number; got {value!r}")
        if key in ranges:
            lo, hi = ranges[key]
            if not lo <= value <= hi:
                raise ValueError(f"values[{key!r}] must lie in [{lo:g}, {hi:g}]; got {value!r}")
        out[key] = float(value)
    return out


def _value_style(value: float, lo: float) -> tuple[tuple[float, ...], str]:
    """Face colour for a gate (lo = 0) or candidate (lo = -1) value, and an ink that stays readable on it."""
    cmap: Colormap = plt.get_cmap(GATE_CMAP if lo == 0.0 else CANDIDATE_CMAP)
    face = cmap(Normalize(lo, 1.0)(value))
    luminance = 0.299 * face[0] + 0.587 * face[1] + 0.114 * face[2]
    return face, ("white" if luminance < 0.5 else "black")


def _gate(ax: plt.Axes, cx: float, cy: float, name: str, math: str, color: str, values: dict[str, float],
          key: str, lo: float, *, width: float = 1.6, height: float = 1.25) -> None:
    """A gate box: Korean name, its formula, and (with a value) the value's colour and number."""
    ink = "black"
    if key in values:
        color, ink = _value_style(values[key], lo)
    ax.add_patch(FancyBboxPatch((cx - width / 2, cy - height / 2), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.1", facecolor=color, edgecolor=INK,
                                linewidth=1.1, zorder=2))
    has_value = key in values
    top = cy + height * (0.28 if has_value else 0.17)
    ax.text(cx, top, name, ha="center", va="center", fontsize=9, color=ink, zorder=3)
    ax.text(cx, cy if has_value else cy - height * 0.2, math, ha="center", va="center", fontsize=10,
            color=ink, zorder=3)
    if has_value:
        ax.text(cx, cy - height * 0.3, f"{values[key]:.2f}", ha="center", va="center", fontsize=11,
                color=ink, zorder=3)


def _layout(values: dict[str, float], size: tuple[float, float]) -> tuple[plt.Figure, plt.Axes]:
    """A figure whose main axes leave room for two colour bars when values are drawn."""
    fig = plt.figure(figsize=size)
    if not values:
        return fig, fig.add_axes((0.01, 0.01, 0.98, 0.9))
    ax = fig.add_axes((0.01, 0.15, 0.98, 0.76))
    for left, lo, label in ((0.1, 0.0, "게이트 값 (0~1)"), (0.56, -1.0, "후보 값 (-1~1)")):
        cax = fig.add_axes((left, 0.07, 0.34, 0.025))
        cmap = plt.get_cmap(GATE_CMAP if lo == 0.0 else CANDIDATE_CMAP)
        fig.colorbar(plt.cm.ScalarMappable(Normalize(lo, 1.0), cmap), cax=cax, orientation="horizontal")
        cax.set_title(label, fontsize=9)
        cax.tick_params(labelsize=8)
    return fig, ax


def _state_label(ax: plt.Axes, x: float, y: float, math: str, name: str, values: dict[str, float], key: str,
                 ha: str) -> None:
    """A state's symbol (with its value when given) and its Korean name underneath."""
    text = f"{math} = {values[key]:.2f}" if key in values else math
    ax.text(x, y, text, ha=ha, va="center", fontsize=10)
    ax.text(x, y - 0.4, name, ha=ha, va="center", fontsize=9, color="#555555")


def draw_lstm(values: Mapping[str, float] | None = None, *, title: str | None = None) -> plt.Figure:
    """The LSTM cell: the cell-state belt on top, forget/input/output gates (σ) and candidate g (tanh) below.

    ``values`` maps "f", "i", "o" (in [0, 1]) and "g" (in [-1, 1]) to numbers that colour those boxes
    (with colour bars and the numbers printed); optional "c_prev", "c", "h_prev", "h" are printed by the
    states. Without ``values`` the plain textbook diagram is drawn. Returns the figure.
    """
    vals = _check_values(values, LSTM_GATES, LSTM_STATES)
    fig, ax = _layout(vals, (10.5, 6.4 if vals else 5.4))
    belt, row, bus = 4.4, 1.6, 0.0
    xs = {"f": 2.2, "i": 4.1, "g": 6.0, "o": 7.9}
    mul_ig, out_x = (5.05, 3.15), 9.4
    # cell-state belt: c_{t-1} -> (x f) -> (+ i*g) -> c_t
    _arrow(ax, (0.3, belt), (xs["f"] - 0.22, belt), lw=2.6)
    _arrow(ax, (xs["f"] + 0.22, belt), (mul_ig[0] - 0.22, belt), lw=2.6)
    _arrow(ax, (mul_ig[0] + 0.22, belt), (10.8, belt), lw=2.6)
    _node(ax, xs["f"], belt, "⊙")
    _node(ax, mul_ig[0], belt, "+")
    ax.text(5.5, belt + 0.45, "셀 상태 (컨베이어 벨트)", ha="center", va="center", fontsize=10, color="#555555")
    _state_label(ax, 0.2, belt, "$c_{t-1}$", "셀 상태", vals, "c_prev", "right")
    _state_label(ax, 10.9, belt, "$c_t$", "셀 상태", vals, "c", "left")
    # inputs: h_{t-1} and x_t share one bus feeding every gate
    _arrow(ax, (0.3, bus), (xs["o"], bus), head=False)
    _arrow(ax, (1.0, -1.1), (1.0, bus))
    _state_label(ax, 0.2, bus, "$h_{t-1}$", "은닉 상태", vals, "h_prev", "right")
    ax.text(1.0, -1.35, "$x_t$", ha="center", va="center", fontsize=10)
    ax.text(1.35, -1.35, "입력", ha="left", va="center", fontsize=9, color="#555555")
    for key in xs:
        _arrow(ax, (xs[key], bus), (xs[key], row - 0.63))
    gates = {"f": ("망각 게이트", r"$f_t = \sigma(\cdot)$"), "i": ("입력 게이트", r"$i_t = \sigma(\cdot)$"),
             "g": ("후보 값", r"$g_t = \tanh(\cdot)$"), "o": ("출력 게이트", r"$o_t = \sigma(\cdot)$")}
    for key, (name, math) in gates.items():
        color = CANDIDATE_COLOR if key == "g" else GATE_COLOR
        _gate(ax, xs[key], row, name, math, color, vals, key, LSTM_GATES[key][0])
    # forget gate multiplies the belt; input gate times candidate is added to it
    _arrow(ax, (xs["f"], row + 0.63), (xs["f"], belt - 0.22))
    _arrow(ax, (xs["i"] + 0.3, row + 0.63), (mul_ig[0] - 0.17, mul_ig[1] - 0.15))
    _arrow(ax, (xs["g"] - 0.3, row + 0.63), (mul_ig[0] + 0.17, mul_ig[1] - 0.15))
    _node(ax, *mul_ig, "⊙")
    _arrow(ax, (mul_ig[0], mul_ig[1] + 0.22), (mul_ig[0], belt - 0.22))
    # output: h_t = o_t ⊙ tanh(c_t)
    _arrow(ax, (out_x, belt), (out_x, 3.62))
    _node(ax, out_x, 3.35, "tanh", radius=0.27, fontsize=8)
    _arrow(ax, (out_x, 3.08), (out_x, 2.52))
    _node(ax, out_x, 2.3, "⊙")
    _arrow(ax, (xs["o"] + 0.8, row + 0.2), (out_x - 0.2, 2.2))
    _arrow(ax, (out_x + 0.22, 2.3), (10.8, 2.3))
    _state_label(ax, 10.9, 2.3, "$h_t$", "은닉 상태 (출력)", vals, "h", "left")
    ax.text(5.5, -1.35, r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$,   $h_t = o_t \odot \tanh(c_t)$",
            ha="left", va="center", fontsize=10)
    ax.set_xlim(-1.5, 12.6)
    ax.set_ylim(-1.8, 5.1)
    _clean(ax)
    ax.set_title(title or "LSTM 셀: 위쪽 벨트가 셀 상태, 아래의 네 칸이 세 게이트와 후보 값입니다", fontsize=12)
    plt.show()
    return fig


def draw_gru(values: Mapping[str, float] | None = None, *, title: str | None = None) -> plt.Figure:
    """The GRU cell in PyTorch's form: h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}, r_t inside the candidate.

    ``values`` maps "r", "z" (in [0, 1]) and "n" (in [-1, 1]) to numbers that colour those boxes (with
    colour bars and the numbers printed); optional "h_prev", "h" are printed by the states. Returns the figure.
    """
    vals = _check_values(values, GRU_GATES, GRU_STATES)
    fig, ax = _layout(vals, (10.5, 6.4 if vals else 5.4))
    top, row, bus, mix = 4.4, 1.6, 0.0, 3.2
    xs = {"z": 2.4, "r": 4.6, "n": 8.3}
    mul_r, one_minus = 6.45, 7.15
    # the hidden-state line: h_{t-1} -> (x z) -> (+ (1-z) n) -> h_t
    _arrow(ax, (0.3, top), (xs["z"] - 0.22, top), lw=2.6)
    _arrow(ax, (xs["z"] + 0.22, top), (xs["n"] - 0.22, top), lw=2.6)
    _arrow(ax, (xs["n"] + 0.22, top), (10.8, top), lw=2.6)
    _node(ax, xs["z"], top, "⊙")
    _node(ax, xs["n"], top, "+")
    ax.text(5.4, top + 0.45, "은닉 상태", ha="center", va="center", fontsize=10, color="#555555")
    _state_label(ax, 0.2, top, "$h_{t-1}$", "은닉 상태", vals, "h_prev", "right")
    _state_label(ax, 10.9, top, "$h_t$", "은닉 상태 (출력)", vals, "h", "left")
    # inputs: h_{t-1} branches down to the bus that x_t joins
    _arrow(ax, (0.9, top), (0.9, bus), head=False)
    _arrow(ax, (0.9, bus), (xs["n"], bus), head=False)
    _arrow(ax, (1.5, -1.1), (1.5, bus))
    ax.text(1.5, -1.35, "$x_t$", ha="center", va="center", fontsize=10)
    ax.text(1.85, -1.35, "입력", ha="left", va="center", fontsize=9, color="#555555")
    for key in xs:
        _arrow(ax, (xs[key], bus), (xs[key], row - 0.63))
    gates = {"z": ("업데이트 게이트", r"$z_t = \sigma(\cdot)$"), "r": ("리셋 게이트", r"$r_t = \sigma(\cdot)$"),
             "n": ("후보 값", r"$n_t = \tanh(\cdot)$")}
    for key, (name, math) in gates.items():
        color = CANDIDATE_COLOR if key == "n" else GATE_COLOR
        _gate(ax, xs[key], row, name, math, color, vals, key, GRU_GATES[key][0])
    # reset gate: r_t ⊙ (W_hn h_{t-1} + b_hn) inside the candidate's tanh
    _box(ax, mul_r, 0.7, "", "#ffffff", math=r"$W_{hn} h_{t-1} + b_{hn}$", width=1.6, height=0.42, fontsize=8)
    _arrow(ax, (mul_r, bus), (mul_r, 0.49))
    _arrow(ax, (mul_r, 0.91), (mul_r, row - 0.22))
    _arrow(ax, (xs["r"] + 0.8, row), (mul_r - 0.22, row))
    _node(ax, mul_r, row, "⊙")
    _arrow(ax, (mul_r + 0.22, row), (xs["n"] - 0.8, row))
    # update gate: z_t keeps the old state, 1 - z_t lets the candidate in
    _arrow(ax, (xs["z"], row + 0.63), (xs["z"], top - 0.22))
    ax.add_patch(Circle((xs["z"], mix), 0.05, color=INK, zorder=3))
    _arrow(ax, (xs["z"], mix), (one_minus - 0.25, mix))
    _node(ax, one_minus, mix, "1−", radius=0.25, fontsize=9)
    _arrow(ax, (one_minus + 0.25, mix), (xs["n"] - 0.22, mix))
    _arrow(ax, (xs["n"], row + 0.63), (xs["n"], mix - 0.22))
    _node(ax, xs["n"], mix, "⊙")
    _arrow(ax, (xs["n"], mix + 0.22), (xs["n"], top - 0.22))
    ax.text(3.0, -1.35, r"$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$,   "
                        r"$n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))$",
            ha="left", va="center", fontsize=10)
    ax.set_xlim(-1.5, 12.6)
    ax.set_ylim(-1.8, 5.1)
    _clean(ax)
    ax.set_title(title or "GRU 셀: 업데이트 게이트가 옛 은닉 상태와 후보 값을 섞습니다", fontsize=12)
    plt.show()
    return fig


# ---------------------------------------------------------------- architectures

def _check_count(name: str, value: int, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an int in {lo}..{hi}; got {value!r}")


def _check_tokens(name: str, tokens: Sequence[str], most: int = 10) -> list[str]:
    if isinstance(tokens, str) or not isinstance(tokens, Sequence):
        raise ValueError(f"{name} must be a list of token strings, e.g. ['three', 'hundred']; got {tokens!r}")
    if not 1 <= len(tokens) <= most or not all(isinstance(t, str) and t.strip() for t in tokens):
        raise ValueError(f"{name} must hold 1..{most} non-empty strings; got {list(tokens)!r}")
    return list(tokens)


def _row_label(ax: plt.Axes, x: float, y: float, text: str) -> None:
    ax.text(x, y, text, ha="right", va="center", fontsize=10, color="#555555")


def draw_bidirectional(T: int = 4) -> plt.Figure:  # noqa: N803  (T is the course's name for the length)
    """A bidirectional RNN unrolled over ``T`` steps: one layer reads left to right, another right to left,
    and each output sees both states. Returns the figure."""
    _check_count("T", T, 1, 8)
    dx, y_in, y_fw, y_bw, y_out = 2.0, 0.0, 1.4, 2.8, 4.2
    fig, ax = plt.subplots(figsize=(2.0 * T + 4.0, 5.2))
    for s in range(T):
        cx = s * dx
        _box(ax, cx, y_in, "", INPUT_COLOR, math=f"$x_{{{s + 1}}}$", width=1.0, height=0.6, fontsize=11)
        _box(ax, cx, y_fw, "", HIDDEN_COLOR, math=rf"$\overrightarrow{{h}}_{{{s + 1}}}$", width=1.0, height=0.6, fontsize=11)
        _box(ax, cx, y_bw, "", CONTEXT_COLOR, math=rf"$\overleftarrow{{h}}_{{{s + 1}}}$", width=1.0, height=0.6, fontsize=11)
        _box(ax, cx, y_out, "", OUTPUT_COLOR, math=f"$y_{{{s + 1}}}$", width=1.0, height=0.6, fontsize=11)
        _arrow(ax, (cx, y_in + 0.3), (cx, y_fw - 0.3))
        _arrow(ax, (cx + 0.25, y_in + 0.3), (cx + 0.25, y_bw - 0.3), rad=0.4, color="#777777")
        _arrow(ax, (cx, y_bw + 0.3), (cx, y_out - 0.3))
        _arrow(ax, (cx - 0.25, y_fw + 0.3), (cx - 0.25, y_out - 0.3), rad=-0.4, color="#777777")
        if s > 0:
            _arrow(ax, (cx - dx + 0.5, y_fw), (cx - 0.5, y_fw), lw=2.0, color="#2e7d32")
            _arrow(ax, (cx - 0.5, y_bw), (cx - dx + 0.5, y_bw), lw=2.0, color="#b8860b")
    left = -1.1
    _row_label(ax, left, y_in, "입력")
    _row_label(ax, left, y_fw, "앞에서부터 읽는 층")
    _row_label(ax, left, y_bw, "뒤에서부터 읽는 층")
    _row_label(ax, left, y_out, "출력 (두 상태를 이어 붙여 읽음)")
    ax.set_xlim(-3.9, (T - 1) * dx + 1.0)
    ax.set_ylim(-0.6, 4.8)
    _clean(ax)
    ax.set_title("양방향 RNN: 시점마다 앞쪽 문맥과 뒤쪽 문맥을 함께 봅니다", fontsize=12)
    fig.tight_layout()
    plt.show()
    return fig


def draw_stacked(T: int = 4, layers: int = 2) -> plt.Figure:  # noqa: N803
    """A stacked (multi-layer) RNN unrolled over ``T`` steps: each layer's hidden states are the next
    layer's inputs. Returns the figure."""
    _check_count("T", T, 1, 8)
    _check_count("layers", layers, 1, 4)
    dx, dy = 2.0, 1.4
    fig, ax = plt.subplots(figsize=(2.0 * T + 3.0, 1.3 * (layers + 2) + 1.2))
    shades = ["#b9e4b0", "#8fd19e", "#66bb7a", "#43a35c"]
    for s in range(T):
        cx = s * dx
        _box(ax, cx, 0.0, "", INPUT_COLOR, math=f"$x_{{{s + 1}}}$", width=1.0, height=0.6, fontsize=11)
        for layer in range(1, layers + 1):
            y = layer * dy
            _box(ax, cx, y, "", shades[layer - 1], math=f"$h^{{({layer})}}_{{{s + 1}}}$", width=1.0, height=0.6, fontsize=11)
            _arrow(ax, (cx, y - dy + 0.3), (cx, y - 0.3))
            if s > 0:
                _arrow(ax, (cx - dx + 0.5, y), (cx - 0.5, y), lw=2.0, color="#2e7d32")
        y_out = (layers + 1) * dy
        _box(ax, cx, y_out, "", OUTPUT_COLOR, math=f"$y_{{{s + 1}}}$", width=1.0, height=0.6, fontsize=11)
        _arrow(ax, (cx, y_out - dy + 0.3), (cx, y_out - 0.3))
    _row_label(ax, -1.0, 0.0, "입력")
    for layer in range(1, layers + 1):
        _row_label(ax, -1.0, layer * dy, f"{layer}층")
    _row_label(ax, -1.0, (layers + 1) * dy, "출력")
    ax.set_xlim(-2.4, (T - 1) * dx + 1.0)
    ax.set_ylim(-0.6, (layers + 1) * dy + 0.6)
    _clean(ax)
    ax.set_title(f"다층 RNN ({layers}층): 아래 층의 은닉 상태가 위 층의 입력이 됩니다", fontsize=12)
    fig.tight_layout()
    plt.show()
    return fig


def draw_seq2seq(src_tokens: Sequence[str] = ("three", "hundred", "twelve"),
                 tgt_tokens: Sequence[str] = ("삼", "백", "십", "이")) -> plt.Figure:
    """An encoder-decoder: the encoder reads ``src_tokens``, its last state becomes the context vector, and
    the decoder writes ``tgt_tokens`` one at a time, reading back what it wrote. Returns the figure."""
    src, tgt = _check_tokens("src_tokens", src_tokens), _check_tokens("tgt_tokens", tgt_tokens)
    dx, y_in, y_h, y_out = 1.7, 0.0, 1.5, 3.0
    S, T = len(src), len(tgt)  # noqa: N806
    ctx_x = S * dx + 0.3
    dec0 = ctx_x + 1.9
    width = dec0 + (T - 1) * dx + 1.2
    fig, ax = plt.subplots(figsize=(max(8.0, 0.8 * (width + 1.0)), 4.8))
    for s, token in enumerate(src):
        cx = s * dx
        _box(ax, cx, y_in, "", INPUT_COLOR, width=1.35, height=0.55)
        ax.text(cx, y_in, token, ha="center", va="center", fontsize=9, parse_math=False)
        _box(ax, cx, y_h, "", HIDDEN_COLOR, math=f"$h_{{{s + 1}}}$", width=1.0, height=0.6, fontsize=11)
        _arrow(ax, (cx, y_in + 0.28), (cx, y_h - 0.3))
        if s > 0:
            _arrow(ax, (cx - dx + 0.5, y_h), (cx - 0.5, y_h))
    _box(ax, ctx_x, y_h, "문맥 벡터", CONTEXT_COLOR, math="$c = h_{%d}$" % S, width=1.3, height=0.9)
    _arrow(ax, ((S - 1) * dx + 0.5, y_h), (ctx_x - 0.65, y_h))
    _arrow(ax, (ctx_x + 0.65, y_h), (dec0 - 0.5, y_h), lw=2.0)
    inputs = ["<시작>"] + tgt[:-1]
    for j, (token, fed) in enumerate(zip(tgt, inputs)):
        cx = dec0 + j * dx
        _box(ax, cx, y_in, "", INPUT_COLOR, width=1.1, height=0.55)
        ax.text(cx, y_in, fed, ha="center", va="center", fontsize=9, parse_math=False)
        _box(ax, cx, y_h, "", HIDDEN_COLOR, math=f"$s_{{{j + 1}}}$", width=1.0, height=0.6, fontsize=11)
        _box(ax, cx, y_out, "", OUTPUT_COLOR, width=1.1, height=0.55)
        ax.text(cx, y_out, token, ha="center", va="center", fontsize=10, parse_math=False)
        _arrow(ax, (cx, y_in + 0.28), (cx, y_h - 0.3))
        _arrow(ax, (cx, y_h + 0.3), (cx, y_out - 0.28))
        if j > 0:
            _arrow(ax, (cx - dx + 0.5, y_h), (cx - 0.5, y_h))
            _arrow(ax, (cx - dx + 0.55, y_out), (cx - 0.3, y_in + 0.28), dashed=True, color="#777777")
    ax.text((S - 1) * dx / 2, -0.85, "인코더: 입력 시퀀스를 읽습니다", ha="center", va="center", fontsize=10)
    ax.text(dec0 + (T - 1) * dx / 2, -0.85, "디코더: 쓴 글자를 다시 읽으며 한 글자씩 씁니다",
            ha="center", va="center", fontsize=10)
    ax.set_xlim(-1.0, width)
    ax.set_ylim(-1.2, 3.6)
    _clean(ax)
    ax.set_title("인코더-디코더: 입력 전체가 문맥 벡터 하나로 요약되어 디코더에 넘어갑니다", fontsize=12)
    fig.tight_layout()
    plt.show()
    return fig


def _default_attention(n_tgt: int, n_src: int) -> np.ndarray:
    """An illustrative soft diagonal: target step j looks mostly at the source position in the same place."""
    centre = np.linspace(0, n_src - 1, n_tgt)[:, None]
    scores = -2.0 * np.abs(np.arange(n_src)[None, :] - centre)
    weights = np.exp(scores)
    return weights / weights.sum(axis=1, keepdims=True)


def draw_attention(src_tokens: Sequence[str] = ("three", "hundred", "twelve"),
                   tgt_tokens: Sequence[str] = ("삼", "백", "십", "이"),
                   weights: np.ndarray | Sequence[Sequence[float]] | None = None, *, step: int = 0
                   ) -> plt.Figure:
    """Attention: decoder step ``step`` (0-based index into ``tgt_tokens``) mixes every encoder state.

    Left: lines from each encoder state to the context vector, their width and opacity set by the weight,
    weights printed. Right: the whole weight matrix (rows: target tokens, columns: source tokens), the
    drawn row outlined. ``weights`` is (len(tgt_tokens), len(src_tokens)) with non-negative rows summing
    to 1, e.g. a trained model's attention weights; without it an illustrative soft diagonal is drawn.
    """
    src, tgt = _check_tokens("src_tokens", src_tokens), _check_tokens("tgt_tokens", tgt_tokens)
    S, T = len(src), len(tgt)  # noqa: N806
    _check_count("step", step, 0, T - 1)
    example = weights is None
    if example:
        w = _default_attention(T, S)
    else:
        try:
            w = np.asarray(weights, dtype=float)
        except (TypeError, ValueError) as err:
            raise ValueError(f"weights must be a ({T}, {S}) array of numbers; got {weights!r}") from err
        if w.shape != (T, S):
            raise ValueError(f"weights must have shape (len(tgt_tokens), len(src_tokens)) = ({T}, {S}); "
                             f"got {w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not np.allclose(w.sum(axis=1), 1.0, atol=1e-3):
            raise ValueError("weights must be finite, non-negative, and each row must sum to 1 "
                             f"(a softmax over source positions); row sums are {np.round(w.sum(axis=1), 4)}")
    fig, (ax, hm) = plt.subplots(1, 2, figsize=(13, 5.2), gridspec_kw={"width_ratios": [1.7, 1]})
    dx = 1.6
    enc_x = np.arange(S) * dx
    dec_x = np.arange(T) * dx + (S - T) * dx / 2   # both rows centred on each other
    y_src, y_enc, y_ctx, y_dec, y_tgt = -1.2, 0.0, 1.9, 3.3, 4.5
    for i, token in enumerate(src):
        _box(ax, enc_x[i], y_src, "", INPUT_COLOR, width=1.35, height=0.5)
        ax.text(enc_x[i], y_src, token, ha="center", va="center", fontsize=9, parse_math=False)
        _box(ax, enc_x[i], y_enc, "", HIDDEN_COLOR, math=f"$h_{{{i + 1}}}$", width=0.9, height=0.55)
        _arrow(ax, (enc_x[i], y_src + 0.25), (enc_x[i], y_enc - 0.28))
    for j, token in enumerate(tgt):
        now = j == step
        _box(ax, dec_x[j], y_dec, "", HIDDEN_COLOR, math=f"$s_{{{j + 1}}}$", width=0.9, height=0.55,
             highlight=now, future=j > step)
        _box(ax, dec_x[j], y_tgt, "", OUTPUT_COLOR, width=0.9, height=0.5, future=j > step)
        ax.text(dec_x[j], y_tgt, token, ha="center", va="center", fontsize=10, parse_math=False,
                color="#999999" if j > step else "black")
        _arrow(ax, (dec_x[j], y_dec + 0.28), (dec_x[j], y_tgt - 0.25), faded=j > step)
    ctx = (dec_x[step], y_ctx)
    for i in range(S):
        a = float(w[step, i])
        _arrow(ax, (enc_x[i], y_enc + 0.28), (ctx[0], ctx[1] - 0.25), lw=0.5 + 7.0 * a,
               color="#1565c0", alpha=0.15 + 0.85 * a, head=False)
        ax.text(enc_x[i] + 0.5, y_enc + 0.45, f"{a:.2f}", ha="left", va="center", fontsize=9, color="#1565c0")
    _node(ax, *ctx, "Σ", radius=0.25)
    ax.text(ctx[0] + 0.35, ctx[1], "문맥 벡터", ha="left", va="center", fontsize=9, color="#555555")
    _arrow(ax, (ctx[0], ctx[1] + 0.25), (dec_x[step], y_dec - 0.28), lw=2.0)
    _row_label(ax, min(enc_x[0], dec_x[0]) - 0.9, y_enc, "인코더")
    _row_label(ax, min(enc_x[0], dec_x[0]) - 0.9, y_dec, "디코더")
    ax.text((S - 1) * dx / 2, -1.9, "파란 선의 굵기와 숫자: 어텐션 가중치 α", ha="center", va="center", fontsize=9)
    lo, hi = min(enc_x[0], dec_x[0]), max(enc_x[-1], dec_x[-1])
    ax.set_xlim(lo - 2.6, hi + 1.3)
    ax.set_ylim(-2.2, 5.0)
    _clean(ax)
    ax.set_title(f"디코더의 {step + 1}번째 단계가 인코더의 모든 상태를 가중치만큼 섞습니다", fontsize=11)
    mesh = hm.pcolormesh(w, cmap="Blues", vmin=0.0, vmax=1.0, edgecolors="white", linewidth=0.5)
    hm.set_xticks(np.arange(S) + 0.5, src)
    hm.set_yticks(np.arange(T) + 0.5, tgt)
    hm.invert_yaxis()
    hm.set_aspect("equal")
    if S * T <= 144:
        for j in range(T):
            for i in range(S):
                hm.text(i + 0.5, j + 0.5, f"{w[j, i]:.2f}", ha="center", va="center", fontsize=8,
                        color="white" if w[j, i] > 0.6 else "black")
    hm.add_patch(plt.Rectangle((0, step), S, 1, fill=False, edgecolor=HIGHLIGHT, linewidth=2.2))
    hm.set_xlabel("입력 (인코더)")
    hm.set_ylabel("출력 (디코더)")
    hm.set_title("어텐션 가중치 (예시 값)" if example else "어텐션 가중치", fontsize=11)
    fig.colorbar(mesh, ax=hm, fraction=0.046, pad=0.04)
    fig.tight_layout()
    plt.show()
    return fig


# ---------------------------------------------------------------- live gates

def draw_gates_at(record: "GateTrace", t: int, unit: int = 0) -> plt.Figure:
    """Redraw the LSTM or GRU cell with the gate values of one unit at step ``t`` (1-based) of ``record``.

    ``record`` comes from :func:`rnncourse.models.gate_trace`; one hidden unit is shown (the widget lets the
    learner pick it), its number and the step's input in the title. Returns the figure.
    """
    if getattr(record, "kind", None) not in ("lstm", "gru") or not hasattr(record, "values_at"):
        raise ValueError(f"record must come from rnncourse.models.gate_trace; got {type(record).__name__}")
    values = record.values_at(t, unit)
    x_t = record.x[t - 1]
    shown = ", ".join(f"{v:.2f}" for v in x_t[:4]) + (", …" if x_t.size > 4 else "")
    title = f"시점 t = {t} / {record.steps}, 유닛 {unit}의 게이트 (입력 x = [{shown}])"
    return (draw_lstm if record.kind == "lstm" else draw_gru)(values, title=title)
