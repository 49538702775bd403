"""The course's one training engine: a single loop (:func:`fit`) and seed ensembles (:class:`Ensemble`).

One loop, behaviour added by small callbacks (fastai's Learner idea at micrograd size)::

    hist = fit(model, make_batch, loss_fn, steps=300, lr=1e-2, clip=1.0)
    hist.losses        # (steps,) for one model, (steps, K) for an ensemble of K seeds
    hist.grad_norms    # pre-clip gradient norms, same shape (recorded when ``clip`` is given)

``make_batch(step)`` returns a batch, ``loss_fn(model, batch)`` its loss. ``epochs=n`` instead of ``steps``
calls ``make_batch`` on a list of batches (or a callable returning one) n times over. Options:
``clip`` (clip each model's gradient norm; pre-clip norms recorded), ``val_fn`` + ``patience``
(early stopping on validation, best weights restored), ``stateful=True`` (truncated BPTT: ``loss_fn(model,
batch, state) -> (loss, state)``; the state is carried and detached between chunks, and reset to ``None``
whenever ``make_batch`` starts a new pass, see :class:`Reset`), a tqdm progress bar, and a stop when the loss
stops being finite (the non-finite value is recorded). Extra behaviour goes in :class:`Callback` objects.

Seed ensembles: K copies of a small recurrent model, each initialised from its own seed through
``rc.generator`` (so ``RNNCOURSE_SEED_SHIFT`` moves them), trained at once as one grouped model::

    ens = Ensemble("lstm", input_size=2, hidden_size=32, output_size=1, seeds=range(5))
    hist = fit(ens, make_batch, lambda m, b: mse(m(b[0]), b[1]), steps=300, lr=1e-2, clip=1.0)
    evaluate(ens, lambda m: mse(m(x_test), y_test))   # a K-vector, one number per seed
    ens.member(2)                                      # a plain models.SequenceModel with seed 2's weights

``ens(x)`` takes ``x`` (B, T, D) shared by all members or (K, B, T, D), one batch per member, and returns
(K, B, O) (or (K, B, T, O) with ``many_to_one=False``). A loss for an ensemble returns one value per member
(:func:`mse` and :func:`cross_entropy` below reduce every axis but the first); the engine sums them for the
backward pass — members share no parameter, so each gets exactly its own gradient — and Adam, RMSprop,
Adagrad and SGD update element by element, so every member follows the trajectory it would follow alone.
Clipping is per member, like ``clip_grad_norm_`` on each model. ``fit(..., share_batches=False)`` calls
``make_batch(step, k)`` for each member and stacks the results, so members see different data.

Why grouped and not ``torch.func.vmap``: vmap has no batching rule for ``aten::lstm``/``gru``/``rnn_tanh``
and falls back to a loop of K calls. The grouped model writes the recurrences out with batched matrix
products over a leading K axis (``torch.baddbmm``), so K members cost about one member's Python overhead.
"""
from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from rnncourse.models import KINDS, SequenceModel

Tensor = torch.Tensor

OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "sgd": torch.optim.SGD,
    "nesterov": functools.partial(torch.optim.SGD, momentum=0.9, nesterov=True),
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


def make_optimizer(name: str, params: Iterable[nn.Parameter], lr: float, **options: Any) -> torch.optim.Optimizer:
    """``OPTIMIZERS[name](params, lr=lr, **options)``, with a clear error for an unknown name."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}; got {name!r}")
    if not lr > 0:
        raise ValueError(f"lr must be positive; got {lr!r}")
    return OPTIMIZERS[name](params, lr=lr, **options)


# ---------------------------------------------------------------- seed ensembles
_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


class Ensemble(nn.Module):
    """K one-layer RNN/LSTM/GRU sequence models with a linear read-out, one per seed, computed as one.

    Parameters keep PyTorch's layouts with a leading K axis: ``weight_ih`` (K, G·H, D), ``weight_hh``
    (K, G·H, H), ``bias_ih``/``bias_hh`` (K, G·H), ``readout_weight`` (K, O, H), ``readout_bias`` (K, O),
    with G = 1, 4, 3 and the gate order of nn.RNN, nn.LSTM (i, f, g, o) and nn.GRU (r, z, n).
    Member k is exactly ``models.SequenceModel(..., seed=seeds[k])``; :meth:`member` gives it back.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int = 1, *,
                 seeds: Iterable[int] = range(5), many_to_one: bool = True, forget_bias: float | None = None,
                 dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        if cell not in KINDS:
            raise ValueError(f"cell must be one of {KINDS}; got {cell!r}")
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise ValueError("seeds must name at least one seed")
        self.config = dict(cell=cell, input_size=input_size, hidden_size=hidden_size, output_size=output_size,
                           many_to_one=many_to_one)
        self.cell, self.hidden_size, self.many_to_one = cell, hidden_size, many_to_one
        members = [SequenceModel(input_size, hidden_size, cell=cell, output_size=output_size,
                                 many_to_one=many_to_one, forget_bias=forget_bias, seed=s).to(dtype)
                   for s in self.seeds]
        for name, source in self._pairs():
            self.register_parameter(name, nn.Parameter(torch.stack(
                [m.get_parameter(source).detach().clone() for m in members])))

    @staticmethod
    def _pairs() -> list[tuple[str, str]]:
        return [("weight_ih", "rnn.weight_ih_l0"), ("weight_hh", "rnn.weight_hh_l0"),
                ("bias_ih", "rnn.bias_ih_l0"), ("bias_hh", "rnn.bias_hh_l0"),
                ("readout_weight", "readout.weight"), ("readout_bias", "readout.bias")]

    @property
    def size(self) -> int:
        """K, the number of members."""
        return len(self.seeds)

    def __len__(self) -> int:
        return self.size

    def forward(self, x: Tensor, state: Any = None, *, return_state: bool = False):
        """x (B, T, D) shared or (K, B, T, D) per member → (K, B, O), or (K, B, T, O) if not many_to_one.

        ``state`` (h, or (h, c) for LSTM, each (K, B, H)) starts from a carried state; ``return_state``
        also returns the final state, for truncated BPTT.
        """
        K, H = self.size, self.hidden_size
        if x.dim() == 3:
            x = x.unsqueeze(0).expand(K, *x.shape)
        if x.dim() != 4 or x.shape[0] != K or x.shape[-1] != self.weight_ih.shape[-1]:
            raise ValueError(f"x must have shape (B, T, {self.weight_ih.shape[-1]}) or "
                             f"({K}, B, T, {self.weight_ih.shape[-1]}); got {tuple(x.shape)}")
        _, B, T, D = x.shape
        # input terms of every step at once, then one list entry per step (unbind: cheap backward)
        xw = torch.baddbmm(self.bias_ih.unsqueeze(1), x.reshape(K, B * T, D), self.weight_ih.transpose(1, 2))
        xw = xw.view(K, B, T, -1).unbind(2)
        w_hh, b_hh = self.weight_hh.transpose(1, 2), self.bias_hh.unsqueeze(1)
        if state is None:
            h = x.new_zeros(K, B, H)
            c = x.new_zeros(K, B, H) if self.cell == "lstm" else None
        else:
            h, c = state if self.cell == "lstm" else (state, None)
        hs = []
        for t in range(T):
            hw = torch.baddbmm(b_hh, h, w_hh)
            if self.cell == "rnn":
                h = torch.tanh(xw[t] + hw)
            elif self.cell == "lstm":
                gates = xw[t] + hw
                sig = torch.sigmoid(gates)
                c = sig[..., H:2 * H] * c + sig[..., :H] * torch.tanh(gates[..., 2 * H:3 * H])
                h = sig[..., 3 * H:] * torch.tanh(c)
            else:
                rz = torch.sigmoid(xw[t][..., :2 * H] + hw[..., :2 * H])
                n = torch.tanh(xw[t][..., 2 * H:] + rz[..., :H] * hw[..., 2 * H:])
                z = rz[..., H:]
                h = n + z * (h - n)  # = (1 - z) n + z h
            hs.append(h)
        hidden = h if self.many_to_one else torch.stack(hs, dim=2).view(K, B * T, H)
        out = torch.baddbmm(self.readout_bias.unsqueeze(1), hidden, self.readout_weight.transpose(1, 2))
        if not self.many_to_one:
            out = out.view(K, B, T, -1)
        if return_state:
            return out, ((h, c) if self.cell == "lstm" else h)
        return out

    @torch.no_grad()
    def member(self, k: int) -> SequenceModel:
        """Member ``k`` as a standalone ``models.SequenceModel`` (a copy with the same weights)."""
        if not 0 <= k < self.size:
            raise IndexError(f"member index must be in [0, {self.size}); got {k}")
        cfg = self.config
        model = SequenceModel(cfg["input_size"], cfg["hidden_size"], cell=cfg["cell"],
                              output_size=cfg["output_size"], many_to_one=cfg["many_to_one"])
        model.to(self.weight_ih.dtype)
        for name, target in self._pairs():
            model.get_parameter(target).copy_(getattr(self, name)[k])
        return model


def per_member(values: Tensor) -> Tensor:
    """Mean over every axis but the first: (K, ...) → (K,); the reduction an ensemble loss needs."""
    return values.reshape(values.shape[0], -1).mean(dim=1)


def mse(pred: Tensor, target: Tensor, *, members: bool | None = None) -> Tensor:
    """Mean squared error; for a (K, ...) ensemble prediction, a K-vector (one MSE per member).

    ``target`` may lack the K axis (shared data). ``members`` defaults to ``pred.dim() > target.dim()``.
    """
    err = (pred - target) ** 2
    split = pred.dim() > target.dim() if members is None else members
    return per_member(err) if split else err.mean()


def cross_entropy(logits: Tensor, target: Tensor, *, members: bool = False) -> Tensor:
    """Cross-entropy of logits (..., C) against class indices (...); ``members``: one value per leading K."""
    losses = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                         target.expand(logits.shape[:-1]).reshape(-1), reduction="none")
    return per_member(losses.view(logits.shape[:-1])) if members else losses.mean()


@torch.no_grad()
def evaluate(model: nn.Module, metric: Callable[[nn.Module], Tensor]) -> Tensor:
    """``metric(model)`` in eval mode without gradients (train mode restored); a K-vector for an ensemble."""
    was_training = model.training
    model.eval()
    try:
        return metric(model)
    finally:
        model.train(was_training)


# ---------------------------------------------------------------- the loop
@dataclass
class History:
    """What :func:`fit` recorded. Arrays have one row per step and, for an ensemble, one column per member."""

    losses: np.ndarray
    grad_norms: np.ndarray
    val_steps: list[int] = field(default_factory=list)
    val_losses: list[Any] = field(default_factory=list)
    best_step: Any = None
    stopped: str = "done"

    def __len__(self) -> int:
        return len(self.losses)


class Reset:
    """Wraps a batch to say "a new pass begins here": a stateful fit restarts its state from ``None``."""

    def __init__(self, batch: Any) -> None:
        self.batch = batch


@dataclass
class State:
    """What callbacks see: the model, optimiser, step, this step's loss (per member) and the history."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    step: int = 0
    loss: Tensor | None = None
    losses: list[Any] = field(default_factory=list)
    grad_norms: list[Any] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    val_losses: list[Any] = field(default_factory=list)
    best_step: Any = None
    stop: str | None = None


class Callback:
    """Behaviour added to :func:`fit`'s loop; override any hook. Setting ``state.stop`` ends the run."""

    def before_fit(self, state: State) -> None: ...
    def after_backward(self, state: State) -> None: ...
    def after_step(self, state: State) -> None: ...
    def after_fit(self, state: State) -> None: ...


def _ensemble_axes(model: nn.Module) -> int | None:
    return model.size if isinstance(model, Ensemble) else None


def grad_norms(model: nn.Module) -> Tensor:
    """The gradient's 2-norm: a scalar for a model, a K-vector (one per member) for an :class:`Ensemble`."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    K = _ensemble_axes(model)
    if K is None:
        return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    return torch.stack([g.reshape(K, -1).pow(2).sum(1) for g in grads]).sum(0).sqrt()


class Clip(Callback):
    """Clip each model's gradient norm to ``max_norm`` (as ``clip_grad_norm_``), recording the pre-clip norm."""

    def __init__(self, max_norm: float | None) -> None:
        if max_norm is not None and not max_norm > 0:
            raise ValueError(f"clip must be > 0 or None; got {max_norm!r}")
        self.max_norm = max_norm

    def after_backward(self, state: State) -> None:
        norm = grad_norms(state.model)
        state.grad_norms.append(norm.tolist())
        if self.max_norm is None:
            return
        scale = (self.max_norm / (norm + 1e-6)).clamp(max=1.0)
        for p in state.model.parameters():
            if p.grad is not None:
                p.grad.mul_(scale.view(-1, *[1] * (p.dim() - 1)) if scale.dim() else scale)


class StopOnNonFinite(Callback):
    """End the run once the loss is NaN or infinite (for an ensemble: every member's); it stays in the history.

    An ensemble member that diverges alone keeps its NaN to itself (members share no parameter).
    """

    def after_backward(self, state: State) -> None:
        if not bool(torch.isfinite(state.loss).any()):
            state.stop = "non-finite loss"


class StopWhen(Callback):
    """Every ``every`` steps (after the update) ask ``predicate(state)``; True ends the run."""

    def __init__(self, predicate: Callable[[State], bool], every: int = 1, reason: str = "stop condition") -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1; got {every}")
        self.predicate, self.every, self.reason = predicate, every, reason

    def after_step(self, state: State) -> None:
        if (state.step + 1) % self.every == 0 and self.predicate(state):
            state.stop = self.reason


class EarlyStopping(Callback):
    """Every ``every`` steps compute ``val_fn(model)``; stop after ``patience`` checks without a new best.

    The best weights are restored at the end — per member for an ensemble, where the run ends once every
    member has run out of patience.
    """

    def __init__(self, val_fn: Callable[[nn.Module], Any], *, every: int = 1, patience: int | None = None,
                 restore_best: bool = True) -> None:
        if every < 1:
            raise ValueError(f"val_every must be >= 1; got {every}")
        if patience is not None and patience < 1:
            raise ValueError(f"patience must be >= 1 or None; got {patience}")
        self.val_fn, self.every, self.patience, self.restore_best = val_fn, every, patience, restore_best

    def before_fit(self, state: State) -> None:
        self.best = self.best_weights = None
        self.waited = None

    def after_step(self, state: State) -> None:
        if (state.step + 1) % self.every:
            return
        value = torch.as_tensor(evaluate(state.model, self.val_fn), dtype=torch.float64).detach().reshape(-1)
        state.val_steps.append(state.step)
        state.val_losses.append(value.tolist() if value.numel() > 1 else float(value))
        if self.best is None:
            self.best, self.waited = value.clone(), torch.zeros_like(value, dtype=torch.long)
            self.best_weights = copy.deepcopy(state.model.state_dict())
            self.best_steps = torch.full_like(self.waited, state.step)
            return
        better = value < self.best
        self.best = torch.where(better, value, self.best)
        self.waited = torch.where(better, 0, self.waited + 1)
        self.best_steps = torch.where(better, state.step, self.best_steps)
        with torch.no_grad():
            for name, tensor in state.model.state_dict().items():
                keep = better.view(-1, *[1] * (tensor.dim() - 1)) if better.numel() > 1 else better
                self.best_weights[name] = torch.where(keep, tensor, self.best_weights[name])
        if self.patience is not None and bool((self.waited >= self.patience).all()):
            state.stop = "early stopping"

    def after_fit(self, state: State) -> None:
        if self.best is None:
            return
        state.best_step = self.best_steps.tolist() if self.best_steps.numel() > 1 else int(self.best_steps)
        if self.restore_best:
            state.model.load_state_dict(self.best_weights)


class ProgressBar(Callback):
    """A tqdm.auto bar over the steps, showing the (mean) loss every 10 steps."""

    def __init__(self, total: int, desc: str, enabled: bool = True) -> None:
        self.total, self.desc, self.enabled = total, desc, enabled

    def before_fit(self, state: State) -> None:
        self.bar = tqdm(total=self.total, desc=self.desc, disable=not self.enabled, leave=False)

    def after_step(self, state: State) -> None:
        self.bar.update(1)
        if state.step % 10 == 0:
            self.bar.set_postfix(loss=f"{float(state.loss.detach().mean()):.4f}")

    def after_fit(self, state: State) -> None:
        self.bar.close()


def _detach(state: Any) -> Any:
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.detach()
    return type(state)(_detach(s) for s in state)


def _stack(batches: Sequence[Any]) -> Any:
    first = batches[0]
    if isinstance(first, torch.Tensor):
        return torch.stack(list(batches))
    if isinstance(first, (tuple, list)):
        return type(first)(_stack([b[i] for b in batches]) for i in range(len(first)))
    raise TypeError(f"share_batches=False needs batches of tensors or tuples of tensors; got {type(first)}")


def _schedule(make_batch: Callable[..., Any] | Sequence[Any], steps: int | None, epochs: int | None
              ) -> tuple[int, Callable[[int], Any]]:
    """Number of updates and step → batch; for epochs, a Reset marks the first batch of every pass."""
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps or epochs")
    if epochs is None:
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps must be an int >= 1; got {steps!r}")
        if not callable(make_batch):
            raise TypeError("with steps=, make_batch must be a function step -> batch")
        return steps, make_batch
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an int >= 1; got {epochs!r}")
    batches = make_batch() if callable(make_batch) else list(make_batch)
    if not batches:
        raise ValueError("the epoch has no batches")
    per_epoch = len(batches)
    return epochs * per_epoch, lambda step: (Reset(batches[0]) if step % per_epoch == 0
                                             else batches[step % per_epoch])


def fit(model: nn.Module, make_batch: Callable[..., Any] | Sequence[Any], loss_fn: Callable[..., Any], *,
        steps: int | None = None, epochs: int | None = None, lr: float = 1e-2,
        optimizer: str | torch.optim.Optimizer = "adam",
        optimizer_options: dict[str, Any] | None = None, clip: float | None = None,
        val_fn: Callable[[nn.Module], Any] | None = None, val_every: int = 1, patience: int | None = None,
        restore_best: bool = True, stateful: bool = False, share_batches: bool = True,
        stop_on_nan: bool = True, progress: bool = True, desc: str = "학습",
        callbacks: Sequence[Callback] = ()) -> History:
    """Train ``model`` by ``loss_fn(model, make_batch(step))`` for ``steps`` updates (or ``epochs`` passes).

    See the module docstring for every option. ``optimizer`` is a name from ``OPTIMIZERS`` or an optimizer
    already made (its state carries on from earlier calls; ``lr`` is then ignored). Returns a
    :class:`History` of per-step losses (per member for an :class:`Ensemble`) and pre-clip gradient norms.
    """
    total, batch_at = _schedule(make_batch, steps, epochs)
    K = _ensemble_axes(model)
    if not share_batches:
        if K is None:
            raise ValueError("share_batches=False is for an Ensemble (one batch per member)")
        per_step = batch_at
        batch_at = lambda step: _stack([per_step(step, k) for k in range(K)])  # noqa: E731
    if isinstance(optimizer, torch.optim.Optimizer):
        opt = optimizer
    else:
        opt = make_optimizer(optimizer, model.parameters(), lr, **(optimizer_options or {}))
    state = State(model=model, optimizer=opt)
    hooks: list[Callback] = [ProgressBar(total, desc, progress)]
    if stop_on_nan:
        hooks.append(StopOnNonFinite())
    hooks.append(Clip(clip))
    if val_fn is not None:
        hooks.append(EarlyStopping(val_fn, every=val_every, patience=patience, restore_best=restore_best))
    elif patience is not None:
        raise ValueError("patience needs val_fn (early stopping watches a validation loss)")
    hooks.extend(callbacks)
    for cb in hooks:
        cb.before_fit(state)
    carried = None
    model.train()
    for step in range(total):
        state.step = step
        batch = batch_at(step)
        if isinstance(batch, Reset):
            batch, carried = batch.batch, None
        if stateful:
            loss, carried = loss_fn(model, batch, carried)
            carried = _detach(carried)  # truncated BPTT: keep the state's value, cut its history
        else:
            loss = loss_fn(model, batch)
        if K is not None and loss.shape != (K,):
            raise ValueError(f"an ensemble's loss_fn must return one loss per member, shape ({K},); "
                             f"got {tuple(loss.shape)} (reduce with rnncourse.train.per_member)")
        state.loss = loss
        state.losses.append(loss.detach().tolist())
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        for cb in hooks:
            cb.after_backward(state)
        if state.stop:
            break
        opt.step()
        for cb in hooks:
            cb.after_step(state)
        if state.stop:
            break
    for cb in hooks:
        cb.after_fit(state)
    return History(losses=np.asarray(state.losses, dtype=float), grad_norms=np.asarray(state.grad_norms, dtype=float),
                   val_steps=state.val_steps, val_losses=state.val_losses, best_step=state.best_step,
                   stopped=state.stop or "done")


def train(model: torch.nn.Module, make_batch: Callable[[int], Any],
          loss_fn: Callable[[torch.nn.Module, Any], torch.Tensor], *, steps: int, lr: float,
          optimizer: str = "adam", clip: float | None = None, desc: str = "학습",
          progress: bool = True, stop_on_nan: bool = True) -> list[float]:
    """:func:`fit` for one model, returning the loss of every step as a list (the lessons' original API)."""
    return fit(model, make_batch, loss_fn, steps=steps, lr=lr, optimizer=optimizer, clip=clip, desc=desc,
               progress=progress, stop_on_nan=stop_on_nan).losses.tolist()
