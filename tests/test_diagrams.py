import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text

import rnncourse as rc
from rnncourse import diagrams, models, widgets
from rnncourse.viz import missing_glyph_warnings


@pytest.fixture(autouse=True)
def korean_font():
    rc.use_korean_font()
    yield
    plt.close("all")


def has_hangul(text):
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def strings(fig):
    return [t.get_text() for t in fig.findobj(Text)]


def titles(fig):
    return [ax.get_title() for ax in fig.axes] + [fig.get_suptitle()]


FIGURES = {
    "context": diagrams.draw_context_networks,
    "shapes": diagrams.draw_sequence_shapes,
    "lstm": diagrams.draw_lstm,
    "lstm_values": lambda: diagrams.draw_lstm({"f": 0.9, "i": 0.1, "o": 0.7, "g": -0.3, "c": 0.4, "h": -0.2}),
    "gru": diagrams.draw_gru,
    "gru_values": lambda: diagrams.draw_gru({"z": 0.95, "r": 0.2, "n": 0.8, "h_prev": 0.1}),
    "bidirectional": diagrams.draw_bidirectional,
    "bidirectional_1": lambda: diagrams.draw_bidirectional(T=1),
    "stacked": diagrams.draw_stacked,
    "stacked_4": lambda: diagrams.draw_stacked(T=3, layers=4),
    "seq2seq": diagrams.draw_seq2seq,
    "seq2seq_other": lambda: diagrams.draw_seq2seq(["I", "am", "a", "$tudent"], ["나", "는"]),
    "attention": diagrams.draw_attention,
    "attention_weights": lambda: diagrams.draw_attention(["a", "b"], ["가", "나", "다"],
                                                         [[1.0, 0.0], [0.5, 0.5], [0.2, 0.8]], step=2),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_builds_with_a_korean_title_and_no_tofu(name):
    fig = FIGURES[name]()
    assert isinstance(fig, matplotlib.figure.Figure)
    assert any(has_hangul(t) for t in titles(fig)), titles(fig)
    assert missing_glyph_warnings(fig) == []
    # mathtext draws its plain parts in the math font, which has no Hangul
    assert [s for s in strings(fig) if "$" in s and has_hangul(s)] == []


def test_tokens_are_drawn_as_plain_text():
    fig = diagrams.draw_seq2seq(["I", "$tudent"], ["삼", "백", "십", "이"])
    assert {"I", "$tudent", "<시작>", "삼", "이"} <= set(strings(fig))


def gate_faces(fig):
    """Face colours of the rounded boxes whose label is a gate name, keyed by that name."""
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    names = {"망각 게이트", "입력 게이트", "출력 게이트", "후보 값", "업데이트 게이트", "리셋 게이트"}
    faces = {}
    for text in ax.texts:
        if text.get_text() in names:
            x, y = text.get_position()
            for box in boxes:
                if box.get_x() <= x <= box.get_x() + box.get_width() and box.get_y() <= y <= box.get_y() + box.get_height():
                    faces[text.get_text()] = box.get_facecolor()
    return faces


def test_lstm_values_are_printed_and_coloured():
    low = diagrams.draw_lstm({"f": 0.1, "i": 0.1, "o": 0.1, "g": -0.9})
    high = diagrams.draw_lstm({"f": 0.9, "i": 0.1, "o": 0.1, "g": 0.9})
    assert {"0.10", "-0.90"} <= set(strings(low)) and {"0.90", "0.10"} <= set(strings(high))
    f_low, f_high = gate_faces(low), gate_faces(high)
    assert f_low["망각 게이트"] != f_high["망각 게이트"] and f_low["입력 게이트"] == f_high["입력 게이트"]
    assert f_low["후보 값"] != f_high["후보 값"]
    assert len(low.axes) == 3 and len(diagrams.draw_lstm().axes) == 1  # colour bars only with values


def test_partial_values_colour_only_the_given_gates():
    fig = diagrams.draw_gru({"z": 0.99})
    faces = gate_faces(fig)
    assert faces["업데이트 게이트"] != faces["리셋 게이트"]
    assert faces["리셋 게이트"] == matplotlib.colors.to_rgba(diagrams.GATE_COLOR)
    assert "0.99" in strings(fig) and "$h_t$" in strings(fig)


BAD_CALLS = {
    "not a mapping": lambda: diagrams.draw_lstm([0.5]),
    "unknown key": lambda: diagrams.draw_lstm({"q": 0.5}),
    "gru key in lstm": lambda: diagrams.draw_lstm({"z": 0.5}),
    "lstm key in gru": lambda: diagrams.draw_gru({"f": 0.5}),
    "gate above 1": lambda: diagrams.draw_lstm({"f": 1.5}),
    "gate below 0": lambda: diagrams.draw_gru({"z": -0.1}),
    "candidate below -1": lambda: diagrams.draw_lstm({"g": -1.2}),
    "candidate above 1": lambda: diagrams.draw_gru({"n": 1.01}),
    "not a number": lambda: diagrams.draw_lstm({"f": "0.5"}),
    "nan": lambda: diagrams.draw_gru({"r": math.nan}),
    "bool": lambda: diagrams.draw_lstm({"o": True}),
    "infinite state": lambda: diagrams.draw_lstm({"c": math.inf}),
    "T zero": lambda: diagrams.draw_bidirectional(0),
    "T too long": lambda: diagrams.draw_bidirectional(9),
    "T float": lambda: diagrams.draw_stacked(2.5),
    "layers zero": lambda: diagrams.draw_stacked(layers=0),
    "layers five": lambda: diagrams.draw_stacked(layers=5),
    "tokens as one string": lambda: diagrams.draw_seq2seq("three hundred"),
    "no tokens": lambda: diagrams.draw_seq2seq([], ["삼"]),
    "empty token": lambda: diagrams.draw_seq2seq(["a", " "], ["삼"]),
    "token not str": lambda: diagrams.draw_attention(["a", 3], ["삼"]),
    "weights shape": lambda: diagrams.draw_attention(["a", "b"], ["삼"], [[0.5, 0.5], [0.5, 0.5]]),
    "weights negative": lambda: diagrams.draw_attention(["a", "b"], ["삼"], [[1.5, -0.5]]),
    "weights not summing": lambda: diagrams.draw_attention(["a", "b"], ["삼"], [[0.5, 0.2]]),
    "weights nan": lambda: diagrams.draw_attention(["a", "b"], ["삼"], [[math.nan, 1.0]]),
    "weights not numbers": lambda: diagrams.draw_attention(["a", "b"], ["삼"], [["x", "y"]]),
    "step out of range": lambda: diagrams.draw_attention(step=4),
    "step negative": lambda: diagrams.draw_attention(step=-1),
    "record not a trace": lambda: diagrams.draw_gates_at({"f": 0.5}, 1),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_bad_input_raises_a_clear_value_error(name):
    with pytest.raises(ValueError, match="must|unknown"):
        BAD_CALLS[name]()


# ---------------------------------------------------------------- gate traces

def module(kind, dtype=torch.float64, *, input_size=3, hidden=4, seed=0, batch_first=True):
    m = models.make_recurrent(kind, input_size, hidden, seed=seed).to(dtype)
    m.batch_first = batch_first
    return m


def sequence(T=9, D=3, seed=1):
    return torch.tensor(rc.rng(seed).normal(size=(T, D)))


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gate_trace_reproduces_the_module_in_float64(kind):
    m, x = module(kind), sequence()
    trace = models.gate_trace(m, x.unsqueeze(0))
    with torch.no_grad():
        out, _ = m(x.unsqueeze(0))
    assert trace.kind == kind and trace.h.shape == (9, 4) and trace.steps == 9 and trace.hidden_size == 4
    np.testing.assert_allclose(trace.h, out[0].numpy(), rtol=0, atol=1e-12)
    # the recorded gates rebuild every state exactly, gate by gate
    g = trace.gates
    h_prev = np.vstack([np.zeros((1, 4)), trace.h[:-1]])
    if kind == "lstm":
        c_prev = np.vstack([np.zeros((1, 4)), trace.c[:-1]])
        np.testing.assert_allclose(trace.c, g["f"] * c_prev + g["i"] * g["g"], rtol=0, atol=1e-15)
        np.testing.assert_allclose(trace.h, g["o"] * np.tanh(trace.c), rtol=0, atol=1e-15)
    else:
        assert trace.c is None
        np.testing.assert_allclose(trace.h, (1 - g["z"]) * g["n"] + g["z"] * h_prev, rtol=0, atol=1e-15)
    for name, values in g.items():
        lo = -1.0 if name in ("g", "n") else 0.0
        assert values.shape == (9, 4) and values.min() >= lo and values.max() <= 1.0


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gate_trace_matches_a_float32_module_to_float32_rounding(kind):
    m, x = module(kind, torch.float32, seed=3), sequence(seed=4).float()
    trace = models.gate_trace(m, x)                         # (T, D) without the batch axis
    with torch.no_grad():
        out, _ = m(x.unsqueeze(0))
    np.testing.assert_allclose(trace.h, out[0].numpy(), rtol=0, atol=1e-5)


def test_gate_trace_reads_a_time_first_module_and_numpy_input():
    m, x = module("gru", batch_first=False), sequence()
    trace = models.gate_trace(m, x.numpy()[:, None, :])     # (T, 1, D)
    with torch.no_grad():
        out, _ = m(x[:, None, :])
    np.testing.assert_allclose(trace.h, out[:, 0].numpy(), rtol=0, atol=1e-12)


def test_values_at_picks_one_unit_and_step():
    trace = models.gate_trace(module("lstm"), sequence())
    first, later = trace.values_at(1, 2), trace.values_at(5, 2)
    assert first["h_prev"] == 0.0 and first["c_prev"] == 0.0
    assert later["f"] == trace.gates["f"][4, 2] and later["h_prev"] == trace.h[3, 2] and later["c"] == trace.c[4, 2]
    for t, unit in [(0, 0), (10, 0), (1, 4), (1, -1), (1.0, 0)]:
        with pytest.raises(ValueError, match="must be an int"):
            trace.values_at(t, unit)


BAD_TRACES = {
    "rnn": lambda: models.gate_trace(torch.nn.RNN(3, 4, batch_first=True), sequence()),
    "sequence model": lambda: models.gate_trace(models.SequenceModel(3, 4, cell="gru"), sequence()),
    "two layers": lambda: models.gate_trace(models.make_recurrent("lstm", 3, 4, num_layers=2), sequence()),
    "bidirectional": lambda: models.gate_trace(torch.nn.GRU(3, 4, bidirectional=True), sequence()),
    "batch of two": lambda: models.gate_trace(module("lstm"), torch.zeros(2, 5, 3)),
    "wrong width": lambda: models.gate_trace(module("gru"), torch.zeros(5, 2)),
    "empty": lambda: models.gate_trace(module("gru"), torch.zeros(0, 3)),
    "one dimensional": lambda: models.gate_trace(module("gru"), torch.zeros(3)),
    "nan": lambda: models.gate_trace(module("gru"), torch.full((4, 3), math.nan)),
}


@pytest.mark.parametrize("name", sorted(BAD_TRACES))
def test_gate_trace_refuses_what_it_cannot_record(name):
    with pytest.raises(ValueError):
        BAD_TRACES[name]()


BAD_BATCHES = {
    "rnn": lambda: models.gate_values(torch.nn.RNN(3, 4, batch_first=True), torch.zeros(2, 5, 3)),
    "two layers": lambda: models.gate_values(models.make_recurrent("lstm", 3, 4, num_layers=2), torch.zeros(2, 5, 3)),
    "one sequence without batch axis": lambda: models.gate_values(module("lstm"), torch.zeros(5, 3)),
    "wrong width": lambda: models.gate_values(module("gru"), torch.zeros(2, 5, 2)),
    "empty batch": lambda: models.gate_values(module("gru"), torch.zeros(0, 5, 3)),
    "nan": lambda: models.gate_values(module("gru"), torch.full((2, 4, 3), math.nan)),
}


@pytest.mark.parametrize("name", sorted(BAD_BATCHES))
def test_gate_values_refuses_what_it_cannot_record(name):
    with pytest.raises(ValueError):
        BAD_BATCHES[name]()


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gate_values_rows_are_the_traces_of_each_sequence(kind):
    m = module(kind)
    x = torch.tensor(rc.rng(2).normal(size=(3, 6, 3)))
    batch = models.gate_values(m, x)
    for b in range(3):
        trace = models.gate_trace(m, x[b])
        for name, g in trace.gates.items():        # a batch may round a last bit differently from one row
            np.testing.assert_allclose(batch[name][b], g, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(batch["h"][b], trace.h, rtol=1e-12, atol=1e-14)


def test_sequence_model_hint_names_its_recurrent_layer():
    with pytest.raises(ValueError, match="model.rnn"):
        models.gate_trace(models.SequenceModel(3, 4, cell="gru"), sequence())


# ---------------------------------------------------------------- the live widget

@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_draw_gates_at_draws_that_steps_values(kind):
    trace = models.gate_trace(module(kind), sequence())
    for t in (1, 6):
        fig = diagrams.draw_gates_at(trace, t, unit=3)
        written = set(strings(fig))
        assert any(f"t = {t} / 9" in s and "유닛 3" in s for s in titles(fig))
        for name, value in trace.values_at(t, 3).items():
            if name in trace.gates:
                assert f"{value:.2f}" in written, (name, value)
        assert missing_glyph_warnings(fig) == []


def drawn_numbers(fig):
    return sorted(s for s in strings(fig) if s.replace(".", "", 1).lstrip("-").isdigit())


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_widget_slider_and_unit_redraw_the_values(kind):
    m, x = module(kind), sequence()
    w = widgets.gate_widget(m, x.unsqueeze(0), unit=1)
    w.update()  # ipywidgets 7 calls the function only once the widget is displayed, 8 already when built
    t_slider, unit_picker = w.children[:2]
    assert t_slider.continuous_update is False and (t_slider.min, t_slider.max, t_slider.value) == (1, 9, 1)
    assert list(unit_picker.options) == [0, 1, 2, 3] and unit_picker.value == 1
    trace = models.gate_trace(m, x)
    before = drawn_numbers(w.result)
    t_slider.value = 7
    after = drawn_numbers(w.result)
    assert before != after
    expected = diagrams.draw_gates_at(trace, 7, unit=1)
    assert after == drawn_numbers(expected)
    unit_picker.value = 2
    assert any("유닛 2" in s for s in titles(w.result))
    assert drawn_numbers(w.result) == drawn_numbers(diagrams.draw_gates_at(trace, 7, unit=2))


def test_widget_with_one_unit_has_no_unit_picker():
    w = widgets.gate_widget(module("gru", hidden=1), sequence())
    w.update()
    assert w.children[0].description == "시점 t" and not any(
        getattr(c, "description", "") == "유닛" for c in w.children)
    with pytest.raises(ValueError, match="unit"):
        widgets.gate_widget(module("gru", hidden=1), sequence(), unit=1)
