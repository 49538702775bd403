import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

import rnncourse as rc
from rnncourse import diagrams, widgets
from rnncourse.viz import missing_glyph_warnings


@pytest.fixture(autouse=True)
def korean_font():
    rc.use_korean_font()
    yield
    plt.close("all")


def sigmoid(a):
    return 1 / (1 + math.exp(-a))


def test_unroll_scalar_by_hand():
    trace = widgets.unroll_scalar([1.0, 0.0, 2.0], w=2.0, u=-1.0, bias=0.5)
    b1 = sigmoid(2.5)
    b2 = sigmoid(-b1 + 0.5)
    b3 = sigmoid(4.0 - b2 + 0.5)
    assert np.allclose(trace["a"], [2.5, -b1 + 0.5, 4.0 - b2 + 0.5])
    assert np.allclose(trace["b"], [b1, b2, b3])


def test_no_recurrent_weight_means_no_memory():
    trace = widgets.unroll_scalar([1.0, 0.0, 1.0, 0.0], w=3.0, u=0.0)
    assert trace["b"][0] == trace["b"][2] and trace["b"][1] == trace["b"][3] == 0.5


def all_strings(fig):
    from matplotlib.text import Text
    return [t.get_text() for t in fig.findobj(Text)]


def has_hangul(text):
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def no_hangul_in_mathtext(fig):
    """Mathtext draws the plain parts of a '$...$' string in the math font, which has no Hangul."""
    return [t for t in all_strings(fig) if "$" in t and has_hangul(t)] == []


def texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts) + " " + \
        " ".join(ax.get_title() for ax in fig.axes)


@pytest.mark.parametrize("t", range(1, len(widgets.DEFAULT_XS) + 1))
def test_draw_unrolled_writes_values_up_to_t(t):
    fig = widgets.draw_unrolled(t)
    trace = widgets.unroll_scalar(widgets.DEFAULT_XS, widgets.DEFAULT_W, widgets.DEFAULT_U)
    written = texts(fig)
    assert f"t = {t}까지" in written
    for s in range(1, t + 1):
        assert f"= {trace['a'][s - 1]:.2f}" in written and f"= {trace['b'][s - 1]:.2f}" in written
    assert written.count("= ?") == 2 * (len(widgets.DEFAULT_XS) - t)
    assert missing_glyph_warnings(fig) == []
    assert no_hangul_in_mathtext(fig)


@pytest.mark.parametrize("t", [0, 7, 2.5])
def test_draw_unrolled_refuses_bad_steps(t):
    with pytest.raises(ValueError):
        widgets.draw_unrolled(t)


def test_widget_default_and_slider():
    w = widgets.unrolled_widget()
    w.update()  # ipywidgets 7 calls the function only once the widget is displayed, 8 already when built
    t_slider, w_slider, u_slider = w.children[:3]
    assert t_slider.value == widgets.DEFAULT_T and t_slider.max == len(widgets.DEFAULT_XS)
    assert isinstance(w.result, matplotlib.figure.Figure)
    t_slider.value = 5
    assert "t = 5까지" in texts(w.result)
    u_slider.value = 0.0
    assert "u=0" in texts(w.result)


@pytest.mark.parametrize("draw", [diagrams.draw_context_networks, diagrams.draw_sequence_shapes])
def test_diagrams_render_korean(draw):
    fig = draw()
    assert missing_glyph_warnings(fig) == []
    assert no_hangul_in_mathtext(fig)
    assert texts(fig).strip()
