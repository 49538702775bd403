"""Asserted experimental claims: one call checks a measured number against the lesson's threshold.

A failure is a Korean explanation (what was measured, what the lesson claims, how widely the course
checked it, what to try), never a bare AssertionError. When ``RNNCOURSE_MARGINS_DIR`` is set, every
claim also appends one JSON line there, from which ``scripts/margins.py`` builds the margin table.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

from rnncourse.env import seed_shift

MARGINS_VARIABLE = "RNNCOURSE_MARGINS_DIR"
CONFIG_VARIABLE = "RNNCOURSE_CONFIG"
# How widely the course checks each claim before it ships (the robustness matrix: seed shifts × CPU kernels).
CHECKED_SEED_SHIFTS = 5
CHECKED_CONFIGS = "네이티브 커널, 오래된 CPU 커널(SSE4), 스레드 2개"


class ClaimFailed(AssertionError):
    """An experiment did not show what the lesson says; the message is Korean."""


def _margin(value: float, threshold: float, below: bool) -> float:
    """Distance to failing, relative to the threshold's size (absolute when the threshold is 0)."""
    gap = (threshold - value) if below else (value - threshold)
    return gap / abs(threshold) if threshold != 0 else gap


def _cell() -> int | None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return None
    shell = get_ipython()
    return None if shell is None else int(shell.execution_count)


def _record(row: dict) -> None:
    folder = os.environ.get(MARGINS_VARIABLE, "").strip()
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    with open(path / f"claims-{os.getpid()}.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def claim(key: str, value: float, *, what: str, below: float | None = None, above: float | None = None,
          seeds: int = 1, unit: str = "") -> float:
    """Assert ``value < below`` or ``value > above`` (exactly one); returns ``value``.

    ``key`` names the claim as ``"NN.short_name"`` (NN = lesson); ``what`` is the lesson's sentence in
    Korean; ``seeds`` says how many seeds ``value`` already summarises (a seed ensemble's worst case, say).
    """
    if (below is None) == (above is None):
        raise ValueError("give exactly one of below= or above=")
    if not (isinstance(key, str) and len(key) > 3 and key[:2].isdigit() and key[2] == "."):
        raise ValueError(f"key must look like 'NN.short_name'; got {key!r}")
    if not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds must be a positive int; got {seeds!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"value must be a number; got {type(value).__name__}") from None
    is_below = below is not None
    threshold = float(below if is_below else above)  # type: ignore[arg-type]
    holds = math.isfinite(value) and (value < threshold if is_below else value > threshold)
    margin = _margin(value, threshold, is_below) if math.isfinite(value) else -math.inf
    _record({"key": key, "what": what, "value": value, "op": "<" if is_below else ">", "threshold": threshold,
             "margin": margin, "seeds": seeds, "shift": seed_shift(), "cell": _cell(),
             "config": os.environ.get(CONFIG_VARIABLE, "")})
    if not holds:
        op = "보다 작아야" if is_below else "보다 커야"
        over = f"시드 {seeds}개를 묶어 잰 값" if seeds > 1 else "측정값"
        raise ClaimFailed(
            f"[실험 {key}] 이 장의 주장과 다른 결과가 나왔습니다.\n"
            f"- 주장: {what}\n"
            f"- {over}: {value:.6g}{unit} (이 값은 {threshold:.6g}{unit}{op} 합니다)\n"
            f"이 강좌는 이 실험을 시드 묶음 {CHECKED_SEED_SHIFTS}가지와 여러 CPU 설정({CHECKED_CONFIGS})에서 "
            "확인했지만, 학습 경로는 컴퓨터와 시드에 따라 달라집니다. 커널을 다시 시작하고 "
            "`RNNCOURSE_SEED_SHIFT=1` 같은 다른 시드 묶음으로 다시 실행해 보세요. 그래도 같으면 "
            "`rnncourse.about()`의 출력과 함께 알려 주세요."
        )
    return value
