"""The course's widgets: lesson 01's recurrence unrolled in time, step by step, and the live gates of a
trained LSTM or GRU. Every widget callback is a plain function tests can call; the pictures themselves
live in :mod:`rnncourse.diagrams`.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

from rnncourse.diagrams import CONTEXT_COLOR, HIDDEN_COLOR, INPUT_COLOR, _arrow, _box, _clean, draw_gates_at

# The seed's animation: x is the input, w its weight, a the activation before the squashing, b = σ(a).
DEFAULT_XS: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 1.0, 0.0)
DEFAULT_W, DEFAULT_U, DEFAULT_T = 2.0, 1.5, 3


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


def gate_widget(module, x, *, unit: int = 0):
    """A step slider (and a unit selector when H > 1) showing a trained nn.LSTM/nn.GRU's gates on sequence ``x``.

    The gates are recorded once with :func:`rnncourse.models.gate_trace`; moving the slider calls
    :func:`rnncourse.diagrams.draw_gates_at`, which draws one chosen hidden unit (not a mean over units).
    """
    import ipywidgets as widgets

    from rnncourse.models import gate_trace

    record = gate_trace(module, x)
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)) or not 0 <= unit < record.hidden_size:
        raise ValueError(f"unit must be an int in 0..{record.hidden_size - 1}; got {unit!r}")
    t_slider = widgets.IntSlider(value=1, min=1, max=record.steps, step=1, description="시점 t",
                                 continuous_update=False)
    unit_picker = (widgets.Dropdown(options=list(range(record.hidden_size)), value=int(unit), description="유닛")
                   if record.hidden_size > 1 else widgets.fixed(0))
    return widgets.interactive(draw_gates_at, record=widgets.fixed(record), t=t_slider, unit=unit_picker)
