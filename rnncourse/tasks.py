"""Generated sequence tasks: every task is made in code from a seed, so lessons need no downloads."""
from __future__ import annotations

import torch


def _generator(seed: int | None) -> torch.Generator:
    gen = torch.Generator()
    gen.manual_seed(0 if seed is None else seed)
    return gen


def _positive(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")


def lag_task(batch: int, length: int, lag: int, *, seed: int | None = None
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random bits in, the bit from ``lag`` steps earlier out: a task that needs memory.

    Returns ``x`` (batch, length, 1) float32 bits, ``y`` (batch, length) float32 targets with
    ``y[:, t] = x[:, t - lag]``, and ``mask`` (batch, length) bool, False for the first ``lag``
    steps (no earlier input exists). A memoryless model cannot beat the 50 % chance baseline.
    """
    _positive("batch", batch)
    _positive("length", length)
    _positive("lag", lag)
    if lag >= length:
        raise ValueError(f"lag must be smaller than length; got lag={lag}, length={length}")
    bits = torch.randint(0, 2, (batch, length), generator=_generator(seed)).float()
    y = torch.zeros_like(bits)
    y[:, lag:] = bits[:, :-lag]
    mask = torch.zeros(batch, length, dtype=torch.bool)
    mask[:, lag:] = True
    return bits.unsqueeze(-1), y, mask
