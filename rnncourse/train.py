"""A small training loop shared by the lessons: progress bar, optional gradient clipping, loss history."""
from __future__ import annotations

import math
from typing import Any, Callable

import torch
from tqdm.auto import tqdm

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


def train(model: torch.nn.Module, make_batch: Callable[[int], Any],
          loss_fn: Callable[[torch.nn.Module, Any], torch.Tensor], *, steps: int, lr: float,
          optimizer: str = "adam", clip: float | None = None, desc: str = "학습",
          progress: bool = True, stop_on_nan: bool = True) -> list[float]:
    """Run ``steps`` updates of ``loss_fn(model, make_batch(step))``; returns the loss of every step.

    Stops early (and records NaN) if the loss stops being finite, so a diverging run ends quickly.
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1; got {steps}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}; got {optimizer!r}")
    opt = OPTIMIZERS[optimizer](model.parameters(), lr=lr)
    history: list[float] = []
    bar = tqdm(range(steps), desc=desc, disable=not progress, leave=False)
    for step in bar:
        loss = loss_fn(model, make_batch(step))
        value = float(loss.detach())
        history.append(value)
        if stop_on_nan and not math.isfinite(value):
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        if step % 10 == 0:
            bar.set_postfix(loss=f"{value:.4f}")
    bar.close()
    return history
