"""Lesson 09's tuning dashboard: pick hyperparameters with widgets, press "학습 시작", watch the curves grow.

The experiment is the lesson's overfitting task (:func:`rnncourse.tuning.sign_of_sum_task`): a small LSTM
classifies few training sequences, and the plot shows training and validation loss after every epoch.
Every callback is a plain function (:func:`run_training`, :func:`draw_history`, :func:`on_start`), so tests
call them without a browser; the widgets only collect values and show pictures.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import matplotlib.pyplot as plt
import torch

from rnncourse import tuning
from rnncourse.env import seed_everything

DEFAULTS: dict[str, Any] = {
    "hidden_size": 32, "num_layers": 1, "dropout": 0.0, "l1": 0.0, "l2": 0.0, "lr": 1e-2,
    "optimizer": "adam", "epochs": 150, "n_train": 32, "seed": 0,
}
"""The lesson's overfitting run: 32 training sequences, a 32-unit LSTM, no regularisation."""

def check_config(config: dict[str, Any]) -> dict[str, Any]:
    """The defaults updated with ``config``; raises ValueError naming any unknown key."""
    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown hyperparameters {unknown}; expected some of {sorted(DEFAULTS)}")
    return {**DEFAULTS, **config}


def run_training(config: dict[str, Any], on_epoch: Callable[[tuning.History], None] | None = None,
                 device: torch.device | str = "cpu", progress: bool = False) -> tuning.History:
    """Train one model with ``config`` (see :data:`DEFAULTS`); ``on_epoch`` gets the history after each epoch."""
    cfg = check_config(config)
    data = tuning.sign_of_sum_split(int(cfg["n_train"]), seed=int(cfg["seed"]))
    seed_everything(int(cfg["seed"]))  # dropout masks come from the global generator
    model = tuning.SequenceModel(1, int(cfg["hidden_size"]), num_layers=int(cfg["num_layers"]),
                                 dropout=float(cfg["dropout"])).to(device)
    return tuning.fit(model, data.train, data.val, epochs=int(cfg["epochs"]), lr=float(cfg["lr"]),
                      optimizer=str(cfg["optimizer"]), l1=float(cfg["l1"]), l2=float(cfg["l2"]),
                      on_epoch=on_epoch, progress=progress, desc="대시보드 학습")


def draw_history(history: tuning.History | None, config: dict[str, Any] | None = None,
                 epochs: int | None = None) -> plt.Figure:
    """Training and validation loss per epoch, the best validation epoch marked; a hint when nothing ran yet."""
    cfg = check_config(config or {})
    total = epochs or int(cfg["epochs"])
    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    ax.set_xlim(0, max(total, 1))
    ax.set_xlabel("에폭")
    ax.set_ylabel("손실 (이진 교차 엔트로피)")
    if history is None or not history.train:
        ax.set_ylim(0, 1)
        ax.text(0.5, 0.5, "'학습 시작' 버튼을 누르면\n여기에 학습 곡선이 그려집니다", ha="center", va="center",
                transform=ax.transAxes, fontsize=12, color="#555555")
        ax.set_title("학습 곡선 (아직 학습하지 않았습니다)")
        return fig
    epochs_run = range(1, len(history.train) + 1)
    ax.plot(epochs_run, history.train, label="학습 데이터", color="#1f77b4")
    if history.val:
        ax.plot(epochs_run, history.val, label="검증 데이터", color="#d62728")
        best = min(range(len(history.val)), key=history.val.__getitem__)
        ax.plot([best + 1], [history.val[best]], "o", color="#d62728", label=f"최저 검증 손실 (에폭 {best + 1})")
    ax.axhline(math.log(2), color="gray", linestyle=":", label="우연 수준 ln 2")
    top = max([math.log(2)] + [v for v in history.train + history.val if math.isfinite(v)])
    ax.set_ylim(0, min(top * 1.05, 4.0))
    ax.set_title(f"은닉 {cfg['hidden_size']}, {cfg['num_layers']}층, 드롭아웃 {cfg['dropout']:g}, "
                 f"L1 {cfg['l1']:g}, L2 {cfg['l2']:g}, 학습률 {cfg['lr']:.0e}, {cfg['optimizer']}", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    return fig


def summary(history: tuning.History) -> str:
    """One Korean line: epochs run, last training loss, best validation loss and its epoch."""
    if not history.val:
        return f"{len(history.train)} 에폭 학습했습니다."
    best = min(range(len(history.val)), key=history.val.__getitem__)
    return (f"{len(history.train)} 에폭 학습: 마지막 학습 손실 {history.train[-1]:.3f}, "
            f"최저 검증 손실 {history.val[best]:.3f} (에폭 {best + 1}), 마지막 검증 손실 {history.val[-1]:.3f}")


@dataclass
class Dashboard:
    """The widgets, the output area, and the last run's history and figure (tests read these)."""

    controls: dict[str, Any]
    button: Any
    status: Any
    output: Any
    widget: Any
    history: tuning.History | None = None
    figure: plt.Figure | None = None
    redraws: int = 0
    device: Any = "cpu"
    log: list[str] = field(default_factory=list)

    def config(self) -> dict[str, Any]:
        """The hyperparameters the widgets show now."""
        return config_from_controls(self.controls)


def config_from_controls(controls: dict[str, Any]) -> dict[str, Any]:
    """Read every control's value into a config dict (keys as in :data:`DEFAULTS`)."""
    cfg = check_config({name: control.value for name, control in controls.items()})
    for name in ("l1", "l2"):  # a log slider cannot reach 0: its left end stands for "off"
        if cfg[name] <= 1.001e-6:
            cfg[name] = 0.0
    return cfg


def show_figure(dash: Dashboard, fig: plt.Figure) -> None:
    """Replace what the output area shows by ``fig`` (and remember it as the dashboard's figure)."""
    from IPython.display import clear_output, display

    with dash.output:
        clear_output(wait=True)
        display(fig)
    if dash.figure is not None and dash.figure is not fig:
        plt.close(dash.figure)
    dash.figure = fig
    plt.close(fig)  # keep it out of pyplot's list so the notebook does not draw it twice
    dash.redraws += 1


DONE = "학습을 마쳤습니다."
"""The status line of a finished run starts with this (tests and the browser check read it)."""
ERROR = "학습 중 오류가 났습니다"
"""The status line of a run that raised starts with this."""
RUNNING = "학습 중입니다…"


def on_start(dash: Dashboard, _button: Any = None, *, redraw_every: int | None = None) -> tuning.History:
    """The "학습 시작" handler: train with the widgets' values, redrawing the plot as epochs pass.

    The status says the run is done only after the last redraw (or shows the error if training raised).
    """
    cfg = dash.config()
    every = redraw_every or max(1, int(cfg["epochs"]) // 10)
    dash.button.disabled = True
    dash.status.value = RUNNING

    def live(history: tuning.History) -> None:
        if len(history.train) % every == 0 and len(history.train) < int(cfg["epochs"]):
            show_figure(dash, draw_history(history, cfg))
            dash.status.value = f"{RUNNING} ({len(history.train)}/{cfg['epochs']} 에폭)"

    try:
        dash.history = run_training(cfg, on_epoch=live, device=dash.device)
        show_figure(dash, draw_history(dash.history, cfg))
        dash.status.value = f"{DONE} {summary(dash.history)}"
    except Exception as err:  # show the learner what went wrong instead of a silent button
        dash.status.value = f"{ERROR}: {type(err).__name__}: {err}"
        raise
    finally:
        dash.button.disabled = False
    dash.log.append(dash.status.value)
    return dash.history


def build_dashboard(*, run_default: bool = False, device: Any = "cpu", **overrides: Any) -> Dashboard:
    """Sliders and menus for the hyperparameters, a "학습 시작" button and a live plot.

    Laid out for a laptop-wide notebook (about 1280 px): the controls in a three-column grid, each with
    its value shown beside it, then the button and the status line, then the plot, all at most 980 px wide.
    With ``run_default`` one run with the shown values trains at once (drawn only at the end), so a
    notebook executed without a browser still shows real curves; otherwise the plot shows a hint.
    Works with ipywidgets 7.7 and 8.
    """
    import ipywidgets as widgets

    cfg = check_config(overrides)
    style = {"description_width": "96px"}

    def common(**extra: Any) -> dict[str, Any]:
        return dict(style=style, layout=widgets.Layout(width="auto", min_width="0"), **extra)

    slider = dict(continuous_update=False, readout=True)
    controls = {
        "hidden_size": widgets.IntSlider(value=cfg["hidden_size"], min=2, max=64, step=2, description="은닉 크기",
                                         **common(**slider)),
        "num_layers": widgets.IntSlider(value=cfg["num_layers"], min=1, max=3, description="층 수",
                                        **common(**slider)),
        "dropout": widgets.FloatSlider(value=cfg["dropout"], min=0.0, max=0.8, step=0.05, description="드롭아웃 비율",
                                       readout_format=".2f", **common(**slider)),
        "l1": widgets.FloatLogSlider(value=max(cfg["l1"], 1e-6), base=10, min=-6, max=-1, step=0.25,
                                     description="L1 세기", readout_format=".0e", **common(**slider)),
        "l2": widgets.FloatLogSlider(value=max(cfg["l2"], 1e-6), base=10, min=-6, max=0, step=0.25,
                                     description="L2 세기", readout_format=".0e", **common(**slider)),
        "lr": widgets.FloatLogSlider(value=cfg["lr"], base=10, min=-4, max=0, step=0.25, description="학습률",
                                     readout_format=".0e", **common(**slider)),
        "epochs": widgets.IntSlider(value=cfg["epochs"], min=10, max=400, step=10, description="에폭 수",
                                    **common(**slider)),
        "optimizer": widgets.Dropdown(options=[(label, key) for key, label in tuning.OPTIMIZER_NAMES.items()],
                                      value=cfg["optimizer"], description="최적화 기법", **common()),
        "n_train": widgets.Dropdown(options=[16, 32, 64, 128, 256, 512], value=cfg["n_train"],
                                    description="학습 데이터 수", **common()),
        "seed": widgets.IntText(value=cfg["seed"], description="시드", **common()),
    }
    grid = widgets.GridBox(list(controls.values()), layout=widgets.Layout(
        grid_template_columns="repeat(3, minmax(0, 1fr))", grid_gap="4px 16px", width="100%"))
    button = widgets.Button(description="학습 시작", button_style="primary", icon="play",
                            layout=widgets.Layout(width="120px", min_width="120px"))
    status = widgets.HTML(value="값을 고른 뒤 '학습 시작'을 누르세요. (L1, L2는 가장 왼쪽 1e-6이 사실상 0입니다)",
                          layout=widgets.Layout(flex="1 1 auto", min_width="0"))
    status.add_class("rnncourse-dashboard-status")
    output = widgets.Output(layout=widgets.Layout(width="100%"))
    widget = widgets.VBox([grid, widgets.HBox([button, status], layout=widgets.Layout(align_items="center",
                                                                                        width="100%")), output],
                          layout=widgets.Layout(width="100%", max_width="980px"))
    widget.add_class("rnncourse-dashboard")
    dash = Dashboard(controls=controls, button=button, status=status, output=output, widget=widget, device=device)
    button.on_click(functools.partial(on_start, dash))
    if run_default:
        dash.history = run_training(dash.config(), device=device)
        show_figure(dash, draw_history(dash.history, dash.config()))
        dash.status.value = f"{DONE} 기본값으로 한 번 학습한 결과입니다. {summary(dash.history)}"
    else:
        show_figure(dash, draw_history(None, dash.config()))
    return dash
