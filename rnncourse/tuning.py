"""Small experiment runners for lesson 09 (하이퍼파라미터 튜닝): data splits, a configurable recurrent
model with dropout, L1/L2 penalties and a choice of optimizer, an LSTM cell whose squashing function is
tanh or softsign, early-stopping bookkeeping, and the tasks the lesson trains on.

Everything is small on purpose: each run takes about a second or less on one CPU core, so a lesson can
afford many runs and judge each tip by more than one seed.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Sequence

import torch
from torch import nn

from rnncourse.env import generator
from rnncourse.models import (SQUASH, CustomLSTM, SequenceModel, count_parameters, identity,  # noqa: F401
                              init_from_seed, softsign)
from rnncourse.tasks import Standardizer  # noqa: F401  (the lesson's tu.Standardizer)
from rnncourse.train import Callback, Ensemble, State, make_optimizer  # noqa: F401
from rnncourse.train import fit as train_fit

Tensor = torch.Tensor


# ---------------------------------------------------------------- data
def _generator(seed: int | None) -> torch.Generator:
    return generator(0 if seed is None else int(seed))


def _positive(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")


def sign_of_sum_task(n: int, length: int = 10, *, flip: float = 0.1, seed: int | None = None
                     ) -> tuple[Tensor, Tensor]:
    """Sequence classification: is the sum of the sequence positive? A fraction ``flip`` of labels is wrong.

    Returns ``x`` (n, length, 1) float32 standard normal values and ``y`` (n,) float32 labels in {0, 1}.
    The clean rule is ``y = [sum_t x_t > 0]``; each label is then flipped with probability ``flip``
    (label noise), so no model can beat accuracy ``1 - flip`` on fresh data, and a model that fits the
    training labels perfectly has memorised the noise.
    """
    _positive("n", n)
    _positive("length", length)
    if not 0.0 <= flip < 0.5:
        raise ValueError(f"flip must be in [0, 0.5); got {flip!r}")
    gen = _generator(seed)
    x = torch.randn(n, length, 1, generator=gen)
    clean = (x.sum(dim=(1, 2)) > 0).float()
    wrong = torch.rand(n, generator=gen) < flip
    return x, torch.where(wrong, 1.0 - clean, clean)


def sine_regression_task(n: int, length: int = 24, *, offset: float = 500.0, amplitude: float = 120.0,
                         noise: float = 5.0, seed: int | None = None) -> tuple[Tensor, Tensor]:
    """Many-to-one regression in large raw units: read ``length`` noisy samples of a sine, predict the next.

    Each sequence has its own period (8 to 20 steps) and phase; values are ``offset + amplitude *
    sin(...) + noise``, like a daily load in megawatts. Returns ``x`` (n, length, 1) and ``y`` (n, 1),
    both in raw units (not normalised): the lesson normalises them itself.
    """
    _positive("n", n)
    _positive("length", length)
    gen = _generator(seed)
    period = 8.0 + 12.0 * torch.rand(n, 1, generator=gen)
    phase = 2 * math.pi * torch.rand(n, 1, generator=gen)
    t = torch.arange(length + 1, dtype=torch.float32)
    clean = offset + amplitude * torch.sin(2 * math.pi * t / period + phase)
    values = clean + noise * torch.randn(n, length + 1, generator=gen)
    return values[:, :length].unsqueeze(-1), values[:, length:]


def parity_task(n: int, length: int = 20, *, window: int = 3, seed: int | None = None
                ) -> tuple[Tensor, Tensor, Tensor]:
    """Random bits in; at step t the target is the parity (XOR) of the last ``window`` bits x_{t-window+1..t}.

    Returns ``x`` (n, length, 1) float32 bits, ``y`` (n, length) float32 targets and ``mask`` (n, length)
    bool, False for the first ``window - 1`` steps. Any ``window - 1`` of the bits say nothing about the
    target (chance is 50 %, loss ln 2): the model must keep all of them and combine them nonlinearly.
    """
    _positive("n", n)
    _positive("window", window)
    if length <= window:
        raise ValueError(f"length must exceed window; got length={length}, window={window}")
    bits = torch.randint(0, 2, (n, length), generator=_generator(seed)).float()
    total = torch.zeros(n, length - window + 1)
    for k in range(window):
        total += bits[:, k:length - window + 1 + k]
    y = torch.zeros_like(bits)
    y[:, window - 1:] = total % 2
    mask = torch.zeros(n, length, dtype=torch.bool)
    mask[:, window - 1:] = True
    return bits.unsqueeze(-1), y, mask


class Split(NamedTuple):
    """A data set cut into three disjoint parts, each a tuple of tensors (x, y, ...)."""

    train: tuple[Tensor, ...]
    val: tuple[Tensor, ...]
    test: tuple[Tensor, ...]


def split_data(*tensors: Tensor, sizes: Sequence[int], seed: int | None = None) -> Split:
    """Shuffle the rows of ``tensors`` (same first dimension) and cut them into train / val / test.

    ``sizes`` gives the number of rows of each part (three ints whose sum is at most the row count).
    """
    if not tensors:
        raise ValueError("split_data needs at least one tensor")
    rows = tensors[0].shape[0]
    if any(t.shape[0] != rows for t in tensors):
        raise ValueError(f"all tensors must have the same first dimension; got {[t.shape[0] for t in tensors]}")
    if len(sizes) != 3 or any(not isinstance(s, int) or s < 1 for s in sizes):
        raise ValueError(f"sizes must be three positive ints (train, val, test); got {sizes!r}")
    if sum(sizes) > rows:
        raise ValueError(f"sizes {tuple(sizes)} ask for {sum(sizes)} rows but only {rows} exist")
    order = torch.randperm(rows, generator=_generator(seed))
    cuts = [0, sizes[0], sizes[0] + sizes[1], sum(sizes)]
    parts = [tuple(t[order[a:b]] for t in tensors) for a, b in zip(cuts[:-1], cuts[1:])]
    return Split(*parts)


def sign_of_sum_split(n_train: int, *, seed: int = 0, n_val: int = 64, n_test: int = 2000, length: int = 10,
                      flip: float = 0.1) -> Split:
    """The lesson's overfitting data: :func:`sign_of_sum_task` as train / val / test (10 % wrong labels).

    Validation and test sets depend on ``seed`` only, not on ``n_train``, so runs with more or less
    training data are judged on the very same sequences.
    """
    _positive("n_train", n_train)
    x_eval, y_eval = sign_of_sum_task(n_val + n_test, length, flip=flip, seed=seed)
    x_train, y_train = sign_of_sum_task(n_train, length, flip=flip, seed=seed + 7_919)
    return Split((x_train, y_train), (x_eval[:n_val], y_eval[:n_val]), (x_eval[n_val:], y_eval[n_val:]))


def normalize_targets(y_train: Tensor, y_test: Tensor) -> tuple[Tensor, Tensor, float, float]:
    """Reference for the lesson's exercise: standardise both with the training set's mean and std."""
    scaler = Standardizer.fit(y_train)
    return scaler(y_train), scaler(y_test), scaler.mean, scaler.std


# ---------------------------------------------------------------- models (the family lives in rnncourse.models)
def weight_penalty(model: nn.Module, l1: float = 0.0, l2: float = 0.0) -> Tensor:
    """l1 · Σ|w| + l2 · Σw² over the weight matrices (biases are not penalised)."""
    total = torch.zeros((), device=next(model.parameters()).device)
    for name, p in model.named_parameters():
        if "bias" in name or name.startswith("b_") or ".b_" in name:
            continue
        if l1:
            total = total + l1 * p.abs().sum()
        if l2:
            total = total + l2 * (p * p).sum()
    return total


# ---------------------------------------------------------------- optimisation
OPTIMIZER_NAMES = {"sgd": "SGD", "nesterov": "SGD + 네스테로프 모멘텀", "rmsprop": "RMSProp",
                   "adagrad": "AdaGrad", "adam": "Adam"}


def bce_loss(pred: Tensor, y: Tensor) -> Tensor:
    """Binary cross-entropy of logits ``pred`` against labels (or probabilities) ``y`` in [0, 1], same size."""
    return nn.functional.binary_cross_entropy_with_logits(pred.reshape(y.shape), y)


def mse_loss(pred: Tensor, y: Tensor) -> Tensor:
    """Mean squared error between ``pred`` and ``y`` of the same number of elements."""
    return ((pred.reshape(y.shape) - y) ** 2).mean()


LOSSES = {"bce": bce_loss, "mse": mse_loss}


def early_stopping(val_losses: Sequence[float], patience: int) -> tuple[int, int]:
    """Replay early stopping over per-epoch validation losses; returns (best_epoch, stop_epoch), 0-based.

    An epoch improves when its loss is strictly below the best so far. Training stops at the first epoch
    that is ``patience`` epochs after the last improvement (``stop = best + patience``); if the losses run
    out first, ``stop`` is the last epoch. Only epochs up to ``stop`` are looked at.
    """
    if not isinstance(patience, int) or isinstance(patience, bool) or patience < 1:
        raise ValueError(f"patience must be a positive int; got {patience!r}")
    if len(val_losses) == 0:
        raise ValueError("val_losses is empty")
    best_epoch, best = 0, float(val_losses[0])
    for epoch in range(1, len(val_losses)):
        loss = float(val_losses[epoch])
        if loss < best:
            best_epoch, best = epoch, loss
        elif epoch - best_epoch >= patience:
            return best_epoch, epoch
    return best_epoch, len(val_losses) - 1


class EarlyStopping:
    """Online version of :func:`early_stopping` that also keeps a copy of the best model's weights."""

    def __init__(self, patience: int) -> None:
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be a positive int; got {patience!r}")
        self.patience = patience
        self.best_epoch, self.best, self.epoch = -1, math.inf, -1
        self.best_state: dict[str, Tensor] | None = None

    def update(self, val_loss: float, model: nn.Module | None = None) -> bool:
        """Record one epoch's validation loss; True when training should stop now."""
        self.epoch += 1
        if val_loss < self.best or self.best_epoch < 0:
            self.best_epoch, self.best = self.epoch, float(val_loss)
            if model is not None:
                self.best_state = copy.deepcopy(model.state_dict())
            return False
        return self.epoch - self.best_epoch >= self.patience


@dataclass
class History:
    """Per-epoch losses of one run (evaluated without dropout) and where early stopping put it."""

    train: list[float] = field(default_factory=list)
    val: list[float] = field(default_factory=list)
    best_epoch: int = -1
    stop_epoch: int = -1
    seconds: float = 0.0

    @property
    def best_val(self) -> float:
        """The validation loss of the best epoch."""
        if self.best_epoch < 0:
            raise ValueError("no validation losses were recorded")
        return self.val[self.best_epoch]


def evaluate(model: nn.Module, data: tuple[Tensor, ...], loss: str | Callable[[Tensor, Tensor], Tensor] = "bce",
             ) -> float:
    """Loss of ``model`` on ``data`` = (x, y) in evaluation mode (no dropout, no gradient)."""
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    x, y = data[0], data[1]
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch.no_grad():
        value = float(loss_fn(model(x.to(device)), y.to(device)))
    model.train(was_training)
    return value


class _EpochEnd(Callback):
    """After the last batch of every epoch: record train/val loss, call ``on_epoch``, stop when due."""

    def __init__(self, per_epoch: int, history: History, evaluate_epoch: Callable[[], None],
                 stopper: EarlyStopping | None) -> None:
        self.per_epoch, self.history, self.evaluate_epoch, self.stopper = per_epoch, history, evaluate_epoch, stopper

    def after_step(self, state: State) -> None:
        if (state.step + 1) % self.per_epoch:
            return
        self.evaluate_epoch()
        if not math.isfinite(self.history.train[-1]):
            state.stop = "non-finite loss"
        elif self.stopper is not None and self.history.val and self.stopper.update(self.history.val[-1], state.model):
            state.stop = "early stopping"


def fit(model: nn.Module, train_data: tuple[Tensor, ...], val_data: tuple[Tensor, ...] | None = None, *,
        epochs: int, lr: float, optimizer: str = "adam", loss: str = "bce", l1: float = 0.0, l2: float = 0.0,
        batch_size: int | None = None, clip: float | None = 1.0, patience: int | None = None,
        restore_best: bool = True, seed: int | None = None, on_epoch: Callable[[History], None] | None = None,
        progress: bool = True, desc: str = "학습") -> History:
    """Train on (x, y) for ``epochs`` passes (full batch unless ``batch_size``), recording train/val loss.

    The objective is the data loss plus :func:`weight_penalty` (l1, l2). With ``patience`` the run stops
    early on the validation loss (:class:`EarlyStopping`, once per epoch) and, if ``restore_best``, ends with
    the best epoch's weights. ``on_epoch`` is called with the history after every epoch (the dashboard draws
    its live plot from it). Minibatches are reshuffled every epoch from ``seed``; the updates themselves run
    in :func:`rnncourse.train.fit`.
    """
    _positive("epochs", epochs)
    loss_fn = LOSSES[loss]
    device = next(model.parameters()).device
    x, y = train_data[0].to(device), train_data[1].to(device)
    val = None if val_data is None else (val_data[0].to(device), val_data[1].to(device))
    stopper = EarlyStopping(patience) if patience else None
    gen = _generator(seed)
    size = batch_size or len(x)
    per_epoch = math.ceil(len(x) / size)
    order: list[Tensor] = []
    history = History()

    def make_batch(step: int) -> tuple[Tensor, Tensor]:
        part = step % per_epoch
        if batch_size is None:
            return x, y
        if part == 0:
            order[:] = [torch.randperm(len(x), generator=gen)]  # a new shuffle every epoch
        rows = order[0][part * size:(part + 1) * size].to(device)
        return x[rows], y[rows]

    def objective(m: nn.Module, batch: tuple[Tensor, Tensor]) -> Tensor:
        return loss_fn(m(batch[0]), batch[1]) + weight_penalty(m, l1, l2)

    def evaluate_epoch() -> None:
        history.train.append(evaluate(model, (x, y), loss_fn))
        if val is not None:
            history.val.append(evaluate(model, val, loss_fn))
        if on_epoch is not None:
            on_epoch(history)

    start = time.perf_counter()
    train_fit(model, make_batch, objective, steps=epochs * per_epoch, lr=lr, optimizer=optimizer, clip=clip,
              stop_on_nan=False, progress=progress, desc=desc,
              callbacks=[_EpochEnd(per_epoch, history, evaluate_epoch, stopper)])
    history.seconds = time.perf_counter() - start
    if val is not None and history.val:
        history.best_epoch = min(range(len(history.val)), key=history.val.__getitem__)
        history.stop_epoch = len(history.val) - 1
        if stopper is not None:
            history.best_epoch = stopper.best_epoch
            if restore_best and stopper.best_state is not None:
                model.load_state_dict(stopper.best_state)
    return history


def accuracy(model: nn.Module, data: tuple[Tensor, ...]) -> float:
    """Share of labels in {0, 1} that the sign of the model's logit gets right."""
    x, y = data[0], data[1]
    device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        pred = (model(x.to(device)).reshape(y.shape) > 0).float()
    return float((pred == y.to(device)).float().mean())


def masked_bce(pred: Tensor, y: Tensor, mask: Tensor) -> Tensor:
    """Binary cross-entropy of logits ``pred`` (B, T, 1) against ``y`` (B, T), over the steps where ``mask``."""
    return nn.functional.binary_cross_entropy_with_logits(pred.squeeze(-1)[mask], y[mask])


def train_stream(model: nn.Module, make_batch: Callable[[int], tuple[Tensor, ...]],
                 loss_fn: Callable[[nn.Module, tuple[Tensor, ...]], Tensor], *, steps: int, lr: float,
                 optimizer: str = "adam", clip: float | None = 1.0, progress: bool = True,
                 desc: str = "학습") -> list[float]:
    """``steps`` updates on fresh batches ``make_batch(step)`` (so no overfitting); returns every step's loss.

    :func:`rnncourse.train.fit` with clipping at 1 by default; a run whose loss stops being finite ends
    early, its last entry NaN or inf.
    """
    _positive("steps", steps)
    return train_fit(model, make_batch, loss_fn, steps=steps, lr=lr, optimizer=optimizer, clip=clip,
                     progress=progress, desc=desc).losses.tolist()


class MemberLearningRates(Callback):
    """One learning rate per :class:`Ensemble` member: the optimizer steps with lr 1, then each member's
    update is scaled by its own rate.

    Exact (up to rounding) for the optimizers whose update is the learning rate times a quantity that does
    not depend on it: SGD (with or without Nesterov momentum), RMSprop, Adagrad and Adam, as used here.
    """

    def __init__(self, rates: Sequence[float]) -> None:
        if not rates or not all(r > 0 for r in rates):
            raise ValueError(f"rates must be positive learning rates, one per member; got {rates!r}")
        self.rates = torch.tensor([float(r) for r in rates])
        self.before: list[Tensor] = []

    def before_fit(self, state: State) -> None:
        if not isinstance(state.model, Ensemble) or state.model.size != len(self.rates):
            raise ValueError(f"MemberLearningRates needs an Ensemble of {len(self.rates)} members")
        for group in state.optimizer.param_groups:
            if group.get("lr") != 1.0 or group.get("weight_decay", 0) or group.get("lr_decay", 0):
                raise ValueError("MemberLearningRates needs the optimizer at lr 1, without weight or lr decay")

    def after_backward(self, state: State) -> None:
        self.before = [p.detach().clone() for p in state.model.parameters()]

    @torch.no_grad()
    def after_step(self, state: State) -> None:
        for p, old in zip(state.model.parameters(), self.before):
            rate = self.rates.to(p).view(-1, *[1] * (p.dim() - 1))
            p.copy_(old + rate * (p - old))


def lr_sweep(lrs: Sequence[float], make_batch: Callable[[int], tuple[Tensor, ...]],
             loss_fn: Callable[[nn.Module, tuple[Tensor, ...]], Tensor], *, input_size: int, hidden_size: int,
             steps: int, seeds: Sequence[int], cell: str = "lstm", optimizer: str = "adam", clip: float | None = 1.0,
             device: torch.device | str = "cpu", progress: bool = False, desc: str = "학습률 훑기",
             ) -> tuple[Ensemble, list[list[float]]]:
    """Train one model per (learning rate, initial seed) pair on the same batches, at once as an
    :class:`Ensemble`; returns it and each member's per-step losses.

    Members run learning-rate major: member ``k * len(seeds) + j`` has ``lrs[k]`` and starts from ``seeds[j]``,
    so several seeds show whether a learning rate's result is the rate's or one initialisation's luck.
    ``loss_fn`` must return one loss per member (e.g. :func:`rnncourse.train.mse`). A member whose loss
    stops being finite keeps its NaN to itself; the others train on.
    """
    _positive("steps", steps)
    seeds = list(seeds)
    if not seeds:
        raise ValueError("lr_sweep needs at least one seed; got an empty sequence")
    members = [(lr, s) for lr in lrs for s in seeds]
    model = Ensemble(cell, input_size, hidden_size, seeds=[s for _, s in members]).to(device)
    history = train_fit(model, make_batch, loss_fn, steps=steps, lr=1.0, optimizer=optimizer, clip=clip,
                        progress=progress, desc=desc, callbacks=[MemberLearningRates([lr for lr, _ in members])])
    return model, history.losses.T.tolist()


# ---------------------------------------------------------------- softsign vs tanh measurements
def squash_seconds(activation: str, size: int = 1_000_000, repeats: int = 20) -> float:
    """CPU seconds of one forward + backward pass of the activation alone on ``size`` numbers (best of repeats)."""
    fn = SQUASH[activation]
    x = torch.randn(size, generator=_generator(0)).requires_grad_()
    best = math.inf
    for _ in range(repeats):
        start = time.process_time()
        fn(x).sum().backward()
        best = min(best, time.process_time() - start)
        x.grad = None
    return best


def forward_backward_seconds(models: dict[str, nn.Module], x: Tensor, repeats: int = 30) -> dict[str, float]:
    """CPU seconds of one forward + backward pass (of ``model(x).sum()``) for each model, best of ``repeats``.

    The models take turns, so a busy moment of a shared machine hits all of them alike, and each keeps its
    fastest repeat: the usual way to time short code. Run on whatever device the models and ``x`` are on.
    """
    best = {name: math.inf for name in models}
    for _ in range(repeats):
        for name, model in models.items():
            start = time.process_time()
            out = model(x)
            (out[0] if isinstance(out, tuple) else out).sum().backward()
            best[name] = min(best[name], time.process_time() - start)
            model.zero_grad(set_to_none=True)
    return best


def lstm_step_seconds(activations: Sequence[str] = ("tanh", "softsign"), *, hidden_size: int = 32,
                      batch: int = 32, length: int = 20, repeats: int = 30, seed: int = 0) -> dict[str, float]:
    """CPU seconds of one forward + backward pass of :class:`CustomLSTM` for each activation (best of repeats)."""
    x = torch.randn(batch, length, 1, generator=_generator(seed))
    models = {}
    for name in activations:
        models[name] = init_from_seed(CustomLSTM(1, hidden_size, activation=name), seed)
    return forward_backward_seconds(models, x, repeats)


def input_gradient_norms(activation: str, *, hidden_size: int = 32, length: int = 60, batch: int = 16,
                         seeds: Sequence[int] = (0, 1, 2, 3, 4), weight_scale: float = 1.0) -> Tensor:
    """‖∂(Σ h_T)/∂x_t‖ at initialisation for lags T - t = 0 .. length - 1, averaged over ``seeds``.

    How much does the last hidden state still depend on an input ``lag`` steps ago? Returns a tensor of
    ``length`` norms indexed by lag. ``weight_scale`` multiplies every initial parameter (larger weights
    push the units into saturation).
    """
    norms = torch.zeros(length)
    for seed in seeds:
        model = init_from_seed(CustomLSTM(1, hidden_size, activation=activation), seed)
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(weight_scale)
        x = torch.randn(batch, length, 1, generator=_generator(seed)).requires_grad_()
        out, _ = model(x)
        (grad,) = torch.autograd.grad(out[:, -1].sum(), x)
        norms += grad.norm(dim=(0, 2)).flip(0) / len(seeds)
    return norms
