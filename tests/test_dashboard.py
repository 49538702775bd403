"""Lesson 09's dashboard: plain callbacks, a programmatic button press, Korean plots without missing glyphs."""
import ipywidgets
import matplotlib.pyplot as plt
import pytest

import rnncourse as rc
from rnncourse import dashboard
from rnncourse.viz import missing_glyph_warnings

SHORT = {"epochs": 20}


@pytest.fixture(autouse=True)
def korean_font():
    rc.use_korean_font()
    yield
    plt.close("all")


def curve_data(fig):
    return [tuple(line.get_ydata()) for line in fig.axes[0].get_lines()]


def test_run_training_is_a_plain_function_and_reports_each_epoch():
    seen = []
    history = dashboard.run_training(SHORT, on_epoch=lambda h: seen.append(len(h.val)))
    assert seen == list(range(1, 21)) and len(history.train) == 20


def test_config_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown hyperparameters"):
        dashboard.run_training({"learning_rate": 0.1})


def test_draw_history_without_and_with_a_run():
    empty = dashboard.draw_history(None)
    assert "학습 시작" in " ".join(t.get_text() for t in empty.axes[0].texts)
    assert missing_glyph_warnings(empty) == []
    history = dashboard.run_training(SHORT)
    fig = dashboard.draw_history(history, SHORT)
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() == "에폭" and ax.get_ylabel()
    assert len(ax.get_lines()[0].get_ydata()) == 20
    assert missing_glyph_warnings(fig) == []


def test_build_without_default_run_shows_the_hint():
    dash = dashboard.build_dashboard()
    assert dash.history is None and dash.redraws == 1
    assert "학습 시작" in " ".join(t.get_text() for t in dash.figure.axes[0].texts)
    assert isinstance(dash.widget, ipywidgets.VBox)
    assert dash.button.description == "학습 시작"


def test_layout_shows_every_value_and_fits_a_laptop_notebook():
    dash = dashboard.build_dashboard()
    grid = dash.widget.children[0]
    assert isinstance(grid, ipywidgets.GridBox) and list(grid.children) == list(dash.controls.values())
    assert dash.widget.layout.max_width == "980px" and dash.widget.layout.width == "100%"
    sliders = [c for c in dash.controls.values() if isinstance(c, (ipywidgets.IntSlider, ipywidgets.FloatSlider,
                                                                   ipywidgets.FloatLogSlider))]
    assert len(sliders) == 7 and all(s.readout for s in sliders)
    assert {name: dash.controls[name].readout_format for name in ("l1", "l2", "lr")} == dict.fromkeys(
        ("l1", "l2", "lr"), ".0e")
    assert all(c.style.description_width == "96px" and c.layout.width == "auto" for c in dash.controls.values())
    width, height = dash.figure.get_size_inches()
    assert (width, height) == pytest.approx((8.5, 3.6))


def test_default_run_reproduces_the_lesson_overfitting_curve():
    dash = dashboard.build_dashboard(run_default=True, **SHORT)
    again = dashboard.run_training(SHORT)
    assert dash.history.val == again.val
    assert "기본값" in dash.status.value and dash.status.value.startswith(dashboard.DONE)


def test_button_click_trains_with_the_widget_values_and_redraws_live():
    dash = dashboard.build_dashboard(run_default=True, **SHORT)
    before = curve_data(dash.figure)
    redraws = dash.redraws
    dash.controls["dropout"].value = 0.3
    dash.controls["l2"].value = 0.01
    dash.controls["epochs"].value = 30
    dash.controls["optimizer"].value = "nesterov"
    dash.controls["lr"].value = 0.1
    dash.button.click()                                # ipywidgets 7.7 and 8 both have Button.click()
    assert dash.config()["optimizer"] == "nesterov" and dash.config()["l2"] == pytest.approx(0.01)
    assert len(dash.history.train) == 30
    assert curve_data(dash.figure) != before
    assert dash.redraws >= redraws + 10                 # about ten live redraws, then the final picture
    assert not dash.button.disabled and "30 에폭" in dash.status.value
    assert dash.status.value.startswith(dashboard.DONE)          # set after the last redraw, not "학습 중"
    assert missing_glyph_warnings(dash.figure) == []


def test_log_slider_left_end_means_off():
    dash = dashboard.build_dashboard()
    dash.controls["l1"].value = 1e-6
    assert dash.config()["l1"] == 0.0 and dash.config()["l2"] == 0.0


def test_on_start_is_callable_without_the_button():
    dash = dashboard.build_dashboard(epochs=10)
    history = dashboard.on_start(dash, redraw_every=5)
    assert len(history.val) == 10 and dash.redraws == 1 + 1 + 1   # hint, epoch 5, final (epoch 10 drawn once)
    assert dash.log and "10 에폭" in dash.log[-1] and dash.status.value.startswith(dashboard.DONE)


def test_status_says_running_while_training_and_done_after_the_last_redraw(monkeypatch):
    dash = dashboard.build_dashboard(epochs=10)
    seen = []
    shown = dashboard.show_figure
    monkeypatch.setattr(dashboard, "show_figure", lambda d, fig: (shown(d, fig), seen.append(d.status.value)))
    dashboard.on_start(dash, redraw_every=2)
    assert all(v.startswith(dashboard.RUNNING) for v in seen)   # every redraw, the last one included, ran first
    assert dash.status.value.startswith(dashboard.DONE) and dashboard.RUNNING not in dash.status.value


def test_errors_are_shown_and_the_button_comes_back(monkeypatch):
    dash = dashboard.build_dashboard(epochs=10)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard, "run_training", broken)
    with pytest.raises(RuntimeError):
        dashboard.on_start(dash)
    assert dash.status.value.startswith(dashboard.ERROR) and "boom" in dash.status.value
    assert not dash.button.disabled
