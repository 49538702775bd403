"""Long-time-lag experiments shared by lessons 05-07: small RNN/LSTM/GRU models, training on the adding
problem and the embedded Reber grammar, and read-outs of a trained LSTM's gates.

Models are batch-first like the lessons; every run is seeded, so a result repeats on the same machine.
How far back a gradient reaches (‖∂h_T/∂h_t‖ against T − t) is measured by ``rnncourse.gradients``.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from importlib.resources import files

from rnncourse import reber, tasks
from rnncourse.env import generator
from rnncourse.models import KINDS, SequenceModel, count_parameters, gate_values, make_recurrent, set_forget_bias
from rnncourse.train import State, StopWhen, fit, make_optimizer

__all__ = ["ADDING1000_NAME", "DOC_SYMBOLS", "KINDS", "KIND_LABELS", "Run", "SequenceRegressor", "SequenceTagger",
           "adding_mse", "chrono_init", "count_parameters", "document_stream", "documents_mse", "gate_values",
           "load_adding1000", "make_recurrent", "plot_gate_timeline", "reber_scores",
           "remove_forget_gate", "set_forget_bias", "train_adding", "train_documents", "train_reber"]

KIND_LABELS = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")


def SequenceRegressor(kind: str, input_size: int, hidden_size: int, output_size: int = 1, *,  # noqa: N802
                      forget_bias: float | None = None, seed: int | None = None) -> SequenceModel:
    """Many-to-one: a recurrent layer reads the whole sequence, a linear layer reads its last hidden state."""
    _check_kind(kind)
    return SequenceModel(input_size, hidden_size, cell=kind, output_size=output_size, many_to_one=True,
                         forget_bias=forget_bias, seed=seed)


def SequenceTagger(kind: str, input_size: int, hidden_size: int, output_size: int, *,  # noqa: N802
                   forget_bias: float | None = None, seed: int | None = None) -> SequenceModel:
    """Many-to-many: a recurrent layer and a linear read-out at every step (logits)."""
    _check_kind(kind)
    return SequenceModel(input_size, hidden_size, cell=kind, output_size=output_size, many_to_one=False,
                         forget_bias=forget_bias, seed=seed)


@dataclass
class Run:
    """What one training run produced. ``metric`` is the test MSE (adding) or the solved fraction (Reber)."""

    kind: str
    model: nn.Module
    losses: list[float]
    grad_norms: list[float]
    metric: float
    steps: int
    cpu_seconds: float
    wall_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


def _clocks() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


# ---------------------------------------------------------------- the adding problem

def chrono_init(lstm: nn.Module, t_max: int, *, seed: int = 0) -> nn.Module:
    """Chrono initialisation (Tallec & Ollivier, 2018): forget bias b_f ~ log(U(1, t_max - 1)), input bias -b_f.

    Works on an nn.LSTM or a model whose ``.rnn`` is one (every layer). ``b_ih`` gets the values and ``b_hh``
    zeros in the input and forget blocks, so the total biases are exactly -b_f and b_f; the draw comes from
    ``rc.generator(seed)``. Returns the module it was given.
    """
    module = lstm.rnn if hasattr(lstm, "rnn") else lstm
    if not isinstance(module, nn.LSTM):
        raise ValueError(f"chrono_init needs an nn.LSTM (or a model whose .rnn is one); got {type(module).__name__}")
    if not isinstance(t_max, int) or t_max < 3:
        raise ValueError(f"t_max must be an int >= 3 (the longest time lag expected); got {t_max!r}")
    H, gen = module.hidden_size, generator(seed)
    with torch.no_grad():
        for name, tensor in module.named_parameters():
            if name.startswith("bias_ih"):
                b_f = torch.log(1 + (t_max - 2) * torch.rand(H, generator=gen, dtype=torch.float64))
                tensor[H:2 * H] = b_f.to(tensor.dtype)
                tensor[:H] = -b_f.to(tensor.dtype)
            elif name.startswith("bias_hh"):
                tensor[:2 * H] = 0.0
    return lstm


ADDING1000_NAME = "adding1000_lstm"


def load_adding1000(path: str | None = None) -> tuple[SequenceModel, dict]:
    """The shipped LSTM trained on the adding problem at T = 1000 (scripts/train_adding1000.py) and its metadata.

    The model is float32 on the CPU in eval mode; the metadata holds the recipe, the MSE curve and the clocks.
    """
    pt = files("rnncourse").joinpath("data", f"{ADDING1000_NAME}.pt") if path is None else path
    with open(pt, "rb") as fh:
        blob = torch.load(fh, map_location="cpu", weights_only=True)
    model = SequenceModel(**blob["config"])
    model.load_state_dict({k: v.float() for k, v in blob["state_dict"].items()})
    with open(str(pt)[:-3] + ".json", encoding="utf-8") as fh:
        meta = json.load(fh)
    return model.eval(), meta


def adding_mse(model: nn.Module, length: int, *, size: int = 1000, seed: int = 10_000,
               device: torch.device | str | None = None) -> float:
    """Test MSE of a SequenceRegressor on ``size`` fresh adding-problem sequences (baseline 1/6)."""
    x, y = tasks.adding_task(size, length, seed=seed)
    dev = device or next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        mse = float(((model(x.to(dev)) - y.to(dev)) ** 2).mean())
    model.train()
    return mse


def train_adding(kind: str, *, length: int, steps: int, hidden: int = 32, batch: int = 64, lr: float = 2e-2,
                 clip: float | None = 1.0, seed: int | Sequence[int] = 0, forget_bias: float | None = None,
                 target_mse: float | None = None, device: torch.device | str | None = None, test_size: int = 1000,
                 progress: bool = True, desc: str | None = None) -> Run:
    """Train a SequenceRegressor of ``kind`` on the adding problem with a fresh batch every step.

    With ``target_mse`` training ends early once the mean training loss of the last 25 steps is below it
    (checked every 25 steps). Returns a :class:`Run` whose metric is the test MSE on ``test_size`` unseen
    sequences (the baseline, always answering 1, scores ``tasks.ADDING_BASELINE_MSE`` = 1/6).

    Several seeds (``seed=[s0, s1, ...]``, with ``target_mse``): one model per seed trains in turn, 25 steps at a
    time, until the first reaches the target; that one is returned. How long a model stays on the baseline's
    plateau before it finds the marked numbers varies a lot with its initial weights, so a few starts make the
    outcome far more certain than a longer run of one. Each model sees exactly the batches it would see alone.
    ``extra["members"]`` records every model: its seed, steps, training losses and test MSE.
    """
    _check_kind(kind)
    seeds = [int(seed)] if isinstance(seed, (int, np.integer)) else [int(s) for s in seed]
    if not seeds:
        raise ValueError("seed must be an int or a non-empty list of ints")
    if len(seeds) > 1 and target_mse is None:
        raise ValueError("several seeds need target_mse: training stops when the first model reaches it")
    dev = torch.device(device) if device is not None else torch.device("cpu")

    def loss_fn(m: nn.Module, b: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return ((m(b[0]) - b[1]) ** 2).mean()

    def reached(state: State) -> bool:
        return target_mse is not None and float(np.mean(state.losses[-25:])) < target_mse

    members = []
    for s in seeds:
        model = SequenceRegressor(kind, 2, hidden, forget_bias=forget_bias, seed=s).to(dev)
        members.append({"seed": s, "model": model, "optimizer": make_optimizer("adam", model.parameters(), lr),
                        "data_seed": 1_000_003 * (s + 1), "losses": [], "grad_norms": []})
    cpu0, wall0 = _clocks()
    bar = tqdm(total=steps * len(seeds), desc=desc or f"{KIND_LABELS[kind]} 덧셈 문제 T={length}",
               disable=not progress, leave=False)
    winner = None
    for start in range(0, steps, 25):
        for m in (m for m in members if not m.get("diverged")):
            def make_batch(step: int, m: dict = m) -> tuple[torch.Tensor, torch.Tensor]:
                x, y = tasks.adding_task(batch, length, seed=m["data_seed"] + start + step)
                return x.to(dev), y.to(dev)

            hist = fit(m["model"], make_batch, loss_fn, steps=min(25, steps - start), optimizer=m["optimizer"],
                       clip=clip, progress=False, callbacks=[StopWhen(reached, every=25)])
            m["losses"] += hist.losses.tolist()
            m["grad_norms"] += hist.grad_norms.tolist()
            bar.update(len(hist.losses))
            bar.set_postfix(loss=f"{np.mean(hist.losses):.4f}")
            if hist.stopped == "stop condition":
                winner = winner or m
            elif hist.stopped != "done":
                m["diverged"] = True  # a non-finite loss ends this model's run, as it would end it alone
        if winner is not None or all(m.get("diverged") for m in members):
            break
    bar.close()
    for m in members:
        m["mse"] = adding_mse(m["model"], length, size=test_size, device=dev)
    best = winner or min(members, key=lambda m: m["mse"] if np.isfinite(m["mse"]) else np.inf)
    cpu1, wall1 = _clocks()
    extra: dict[str, Any] = {"length": length, "hidden": hidden, "batch": batch}
    if len(seeds) > 1:
        extra["seed"] = best["seed"]
        extra["members"] = [{"seed": m["seed"], "steps": len(m["losses"]), "losses": m["losses"], "mse": m["mse"]}
                            for m in members]
    return Run(kind, best["model"], best["losses"], best["grad_norms"], best["mse"], len(best["losses"]),
               cpu1 - cpu0, wall1 - wall0, extra)


# ---------------------------------------------------------------- the embedded Reber grammar

def reber_scores(model: nn.Module, *, size: int = 500, seed: int = 20_000,
                 device: torch.device | str | None = None) -> dict[str, float]:
    """How a SequenceTagger does on ``size`` unseen embedded Reber strings, as fractions of the strings.

    "solved": every predicted next-symbol set is exactly the legal one (``reber.solved``'s criterion);
    "penultimate": the long-lag position (the inner E, where only the repeat of the second symbol may
    follow) is right; "grammar": every position except that one is right, i.e. the short-lag part.
    """
    x, lengths, targets, strings = reber.embedded_reber_batch(size, seed=seed)
    dev = device or next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        probs = torch.sigmoid(model(x.to(dev))).cpu()
    model.train()
    solved, penultimate = reber.solved(probs, strings)
    steps = targets.shape[1]
    correct = ((probs[:, :steps] > 0.5) == targets.bool()).all(-1)
    has_next = torch.arange(steps) < (lengths - 1).unsqueeze(1)
    long_lag = torch.zeros_like(correct)
    long_lag[torch.arange(size), lengths - 3] = True
    grammar = (correct | ~has_next | long_lag).all(1).float().mean().item()
    return {"solved": solved, "penultimate": penultimate, "grammar": grammar}


def _reber_loss(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> torch.Tensor:
    x, lengths, targets = batch
    logits = model(x)
    steps = torch.arange(x.shape[1], device=x.device)
    mask = (steps < (lengths.to(x.device) - 1).unsqueeze(1)).unsqueeze(-1).float()  # positions with a successor
    loss = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return (loss * mask).sum() / (mask.sum() * targets.shape[-1])


def train_reber(kind: str, *, steps: int, hidden: int = 32, batch: int = 16, lr: float = 1e-2,
                clip: float | None = 1.0, seed: int = 0, forget_bias: float | None = None,
                device: torch.device | str | None = None, test_size: int = 500, check_every: int = 25,
                stop_when_solved: bool = True, progress: bool = True, desc: str | None = None) -> Run:
    """Train a SequenceTagger of ``kind`` to predict the set of legal next symbols of embedded Reber strings.

    Every ``check_every`` steps the model is scored on a held-out check set of 200 strings; with
    ``stop_when_solved`` training ends once all of them are solved. The metric is the solved fraction on
    ``test_size`` further unseen strings; ``extra`` holds ``penultimate`` (the long-lag symbol right) and
    ``strings_seen`` (training strings used).
    """
    _check_kind(kind)
    dev = torch.device(device) if device is not None else torch.device("cpu")
    model = SequenceTagger(kind, len(reber.SYMBOLS), hidden, len(reber.SYMBOLS), forget_bias=forget_bias,
                           seed=seed).to(dev)
    data_seed = 2_000_003 * (seed + 1)

    def make_batch(step: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, lengths, targets, _ = reber.embedded_reber_batch(batch, seed=data_seed + step)
        return x.to(dev), lengths, targets.to(dev)

    def solved_check_set(state: State) -> bool:
        return stop_when_solved and reber_scores(model, size=200, seed=30_000 + seed, device=dev)["solved"] == 1.0

    cpu0, wall0 = _clocks()
    hist = fit(model, make_batch, _reber_loss, steps=steps, lr=lr, clip=clip, progress=progress,
               desc=desc or f"{KIND_LABELS[kind]} 임베디드 레버 문법",
               callbacks=[StopWhen(solved_check_set, every=check_every)])
    losses, norms = hist.losses.tolist(), hist.grad_norms.tolist()
    scores = reber_scores(model, size=test_size, device=dev)
    cpu1, wall1 = _clocks()
    return Run(kind, model, losses, norms, scores["solved"], len(losses), cpu1 - cpu0, wall1 - wall0,
               {"penultimate": scores["penultimate"], "grammar": scores["grammar"],
                "strings_seen": len(losses) * batch, "hidden": hidden})


# ---------------------------------------------------------------- gate read-outs

GATE_NAMES = {"i": "입력 게이트 i", "f": "망각 게이트 f", "o": "출력 게이트 o"}


def plot_gate_timeline(gates: dict[str, np.ndarray], *, sequence: int, unit: int,
                       marks: np.ndarray | None = None, threshold: float = 0.5,
                       title: str = "학습된 LSTM 셀 하나의 게이트") -> plt.Figure:
    """The DL4J guide's open/closed gate picture, drawn from measured gate values, above the values themselves.

    Top: for every time step a circle where a gate is open (value >= ``threshold``) and a bar where it is
    closed, output gate on top, forget gate in the middle, input gate at the bottom, as in the guide's figure.
    Bottom: the gate values and the cell state c of the same unit. ``gates`` comes from :func:`~rnncourse.models.gate_values`;
    ``marks`` (T,) bool shades the time steps that matter (for example the adding problem's marked numbers).
    """
    T = gates["f"].shape[1]
    steps = np.arange(T)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 5.2), sharex=True, height_ratios=[1, 2],
                                      constrained_layout=True)
    for row, name in enumerate(("i", "f", "o")):
        values = gates[name][sequence, :, unit]
        opened = values >= threshold
        top.scatter(steps[opened], np.full(opened.sum(), row), marker="o", s=28, facecolors="none",
                    edgecolors=f"C{row}", label=None)
        top.scatter(steps[~opened], np.full((~opened).sum(), row), marker="_", s=60, color=f"C{row}")
    top.set_yticks([0, 1, 2], [GATE_NAMES[n] for n in ("i", "f", "o")])
    top.set_ylim(-0.6, 2.6)
    top.set_title(f"{title} (동그라미: 열림, 막대: 닫힘, 기준 {threshold:g})")
    for name, style in (("i", "-"), ("f", "-"), ("o", "-")):
        bottom.plot(steps, gates[name][sequence, :, unit], style, label=GATE_NAMES[name], lw=1.6)
    bottom.set_ylabel("게이트 값")
    bottom.set_ylim(-0.05, 1.05)
    bottom.set_xlabel("시간 단계 t")
    cell = bottom.twinx()
    cell.plot(steps, gates["c"][sequence, :, unit], color="black", lw=2.2, label="셀 상태 c")
    cell.set_ylabel("셀 상태 c")
    if marks is not None:
        for t in np.flatnonzero(np.asarray(marks)):
            for ax in (top, bottom):
                ax.axvspan(t - 0.5, t + 0.5, color="gold", alpha=0.35, lw=0)
    lines = bottom.get_legend_handles_labels()
    extra = cell.get_legend_handles_labels()
    bottom.legend(lines[0] + extra[0], lines[1] + extra[1], loc="center right", fontsize=9)
    bottom.set_title("같은 셀의 게이트 값과 셀 상태 (노란 띠: 표시된 시간 단계)")
    return fig


# ---------------------------------------------------------------- forgetting between documents

DOC_SYMBOLS = ("0", "1", "|")  # a bit, a bit, the document boundary


def document_stream(batch: int, length: int, *, min_doc: int = 4, max_doc: int = 15, seed: int = 0
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Streams of documents of random bits separated by a boundary token, and the count each step asks for.

    Returns ``x`` (batch, length, 3) float32 one-hot over ``DOC_SYMBOLS`` (bit 0, bit 1, boundary "|"),
    ``y`` (batch, length, 1) float32, the number of 1s seen since the last boundary (0 at a boundary, and the
    stream starts inside a document), and ``boundary`` (batch, length) bool. Documents hold ``min_doc`` to
    ``max_doc`` bits, uniformly; bits are fair coins. Drawn from ``rc.generator(seed)``.
    """
    for name, value in (("batch", batch), ("length", length), ("min_doc", min_doc)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}")
    if not isinstance(max_doc, int) or max_doc < min_doc:
        raise ValueError(f"max_doc must be an int >= min_doc ({min_doc}); got {max_doc!r}")
    gen = generator(seed)
    bits = torch.randint(0, 2, (batch, length), generator=gen)
    boundary = torch.zeros(batch, length, dtype=torch.bool)
    gaps = torch.randint(min_doc, max_doc + 1, (batch, length // min_doc + 1), generator=gen)
    for b in range(batch):
        t = int(gaps[b, 0])
        for gap in gaps[b, 1:].tolist():
            if t >= length:
                break
            boundary[b, t] = True
            t += gap + 1
    tokens = torch.where(boundary, torch.full_like(bits, 2), bits)
    counts = torch.zeros(batch, length)
    running = torch.zeros(batch)
    for t in range(length):
        running = torch.where(boundary[:, t], torch.zeros(batch), running + (tokens[:, t] == 1).float())
        counts[:, t] = running
    x = nn.functional.one_hot(tokens, 3).float()
    return x, counts.unsqueeze(-1), boundary


def remove_forget_gate(model: nn.Module) -> nn.Module:
    """Turn an LSTM's forget gate off for good, f_t = 1 at every step: the 1997 LSTM, which cannot forget.

    Works on an nn.LSTM or a model whose ``.rnn`` is one: the forget rows of both weight matrices become 0,
    the forget bias 30 (sigmoid(30) is 1 in float32), and gradient hooks keep those rows at exactly 0 gradient,
    so Adam never moves them. Returns the model.
    """
    module = model.rnn if hasattr(model, "rnn") else model
    if not isinstance(module, nn.LSTM):
        raise ValueError(f"remove_forget_gate needs an nn.LSTM (or a model whose .rnn is one); got "
                         f"{type(module).__name__}")
    H = module.hidden_size
    mask = torch.ones(4 * H)
    mask[H:2 * H] = 0.0
    with torch.no_grad():
        for name, p in module.named_parameters():
            p[H:2 * H] = 30.0 if name.startswith("bias_ih") else 0.0
            p.register_hook(lambda g, m=mask.to(p.device): g * (m.view(-1, *([1] * (g.dim() - 1)))))
    return model


def documents_mse(model: nn.Module, length: int, *, size: int = 500, seed: int = 40_000) -> float:
    """MSE of a counting tagger over every step of ``size`` fresh :func:`document_stream` streams of ``length``."""
    x, y, _ = document_stream(size, length, seed=seed)
    model.eval()
    with torch.no_grad():
        mse = float(((model(x) - y) ** 2).mean())
    model.train()
    return mse


def train_documents(*, forget: bool = True, length: int = 60, steps: int = 400, hidden: int = 8, batch: int = 32,
                    lr: float = 1e-2, clip: float | None = 1.0, seed: int = 0, test_size: int = 500,
                    progress: bool = True, desc: str | None = None) -> Run:
    """Train an LSTM tagger to count the 1s of the current document in :func:`document_stream` streams.

    ``forget=False`` trains the same model with its forget gate removed (:func:`remove_forget_gate`). The
    metric is the test MSE over every step of ``test_size`` unseen streams of the training length
    (:func:`documents_mse`).
    """
    model = SequenceTagger("lstm", 3, hidden, 1, seed=seed)
    if not forget:
        remove_forget_gate(model)
    data_seed = 3_000_017 * (seed + 1)

    def make_batch(step: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, y, _ = document_stream(batch, length, seed=data_seed + step)
        return x, y

    def loss_fn(m: nn.Module, b: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return ((m(b[0]) - b[1]) ** 2).mean()

    cpu0, wall0 = _clocks()
    hist = fit(model, make_batch, loss_fn, steps=steps, lr=lr, clip=clip, progress=progress,
               desc=desc or ("LSTM" if forget else "망각 게이트 없는 LSTM") + " 문서별 1 세기")
    mse = documents_mse(model, length, size=test_size, seed=40_000 + seed)
    cpu1, wall1 = _clocks()
    return Run("lstm", model, hist.losses.tolist(), hist.grad_norms.tolist(), mse, len(hist.losses), cpu1 - cpu0,
               wall1 - wall0, {"forget": forget, "length": length, "hidden": hidden})
