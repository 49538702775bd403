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
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
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
    ax.legend(loc="upper right", fontsize=8)
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


def on_start(dash: Dashboard, _button: Any = None, *, redraw_every: int | None = None) -> tuning.History:
    """The "학습 시작" handler: train with the widgets' values, redrawing the plot as epochs pass."""
    cfg = dash.config()
    every = redraw_every or max(1, int(cfg["epochs"]) // 10)
    dash.button.disabled = True
    dash.status.value = "학습 중입니다…"

    def live(history: tuning.History) -> None:
        if len(history.train) % every == 0:
            show_figure(dash, draw_history(history, cfg))

    try:
        dash.history = run_training(cfg, on_epoch=live, device=dash.device)
        show_figure(dash, draw_history(dash.history, cfg))
        dash.status.value = summary(dash.history)
    except Exception as err:  # show the learner what went wrong instead of a silent button
        dash.status.value = f"학습 중 오류가 났습니다: {type(err).__name__}: {err}"
        raise
    finally:
        dash.button.disabled = False
    dash.log.append(dash.status.value)
    return dash.history


def build_dashboard(*, run_default: bool = False, device: Any = "cpu", **overrides: Any) -> Dashboard:
    """Sliders and menus for the hyperparameters, a "학습 시작" button and a live plot.

    With ``run_default`` one run with the shown values trains at once (drawn only at the end), so a
    notebook executed without a browser still shows real curves; otherwise the plot shows a hint.
    Works with ipywidgets 7.7 and 8.
    """
    import ipywidgets as widgets

    cfg = check_config(overrides)
    wide = {"description_width": "initial"}
    layout = widgets.Layout(width="360px")
    controls = {
        "hidden_size": widgets.IntSlider(value=cfg["hidden_size"], min=2, max=64, step=2,
                                         description="은닉 크기", style=wide, layout=layout,
                                         continuous_update=False),
        "num_layers": widgets.IntSlider(value=cfg["num_layers"], min=1, max=3, description="층 수", style=wide,
                                        layout=layout, continuous_update=False),
        "dropout": widgets.FloatSlider(value=cfg["dropout"], min=0.0, max=0.8, step=0.05,
                                       description="드롭아웃 비율", style=wide, layout=layout,
                                       continuous_update=False),
        "l1": widgets.FloatLogSlider(value=max(cfg["l1"], 1e-6), base=10, min=-6, max=-1, step=0.25,
                                     description="L1 세기", style=wide, layout=layout, continuous_update=False),
        "l2": widgets.FloatLogSlider(value=max(cfg["l2"], 1e-6), base=10, min=-6, max=0, step=0.25,
                                     description="L2 세기", style=wide, layout=layout, continuous_update=False),
        "lr": widgets.FloatLogSlider(value=cfg["lr"], base=10, min=-4, max=0, step=0.25,
                                     description="학습률", style=wide, layout=layout, continuous_update=False),
        "optimizer": widgets.Dropdown(options=[(label, key) for key, label in tuning.OPTIMIZER_NAMES.items()],
                                      value=cfg["optimizer"], description="최적화 기법", style=wide, layout=layout),
        "epochs": widgets.IntSlider(value=cfg["epochs"], min=10, max=400, step=10, description="에폭 수",
                                    style=wide, layout=layout, continuous_update=False),
        "n_train": widgets.Dropdown(options=[16, 32, 64, 128, 256, 512], value=cfg["n_train"],
                                    description="학습 데이터 수", style=wide, layout=layout),
        "seed": widgets.IntText(value=cfg["seed"], description="시드", style=wide, layout=layout),
    }
    button = widgets.Button(description="학습 시작", button_style="primary", icon="play")
    status = widgets.HTML(value="값을 고른 뒤 '학습 시작'을 누르세요. (L1, L2는 가장 왼쪽 1e-6이 사실상 0입니다)")
    output = widgets.Output()
    left = widgets.VBox(list(controls.values()) + [button, status])
    dash = Dashboard(controls=controls, button=button, status=status, output=output,
                     widget=widgets.HBox([left, output]), device=device)
    button.on_click(functools.partial(on_start, dash))
    if run_default:
        dash.history = run_training(dash.config(), device=device)
        show_figure(dash, draw_history(dash.history, dash.config()))
        dash.status.value = "기본값으로 한 번 학습한 결과입니다. " + summary(dash.history)
    else:
        show_figure(dash, draw_history(None, dash.config()))
    return dash
