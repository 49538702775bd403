"""Concept questions: multiple choice and numeric estimates, checked on the self-check protocol.

The learner answers inside a function (so an unanswered question is a stub, not an error that stops the
lesson); a wrong choice is told, in Korean, why that choice is wrong; a right one gets the explanation.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Optional

from rnncourse.checks._core import CheckFailed, call, self_check


def _answer(given: Any) -> Any:
    """The learner's answer: call it if it is a function (its NotImplementedError means 'not yet'; any other
    error becomes a Korean failure through the self-check protocol)."""
    return call(given, (), names=(), what="답") if callable(given) else given


def choice(title: str, options: Mapping[str, str], answer: str, why: Mapping[str, str], explain: str
           ) -> Callable[[Any], Optional[bool]]:
    """A multiple-choice check: ``options`` maps a letter to its text, ``why`` every wrong letter to its reason."""
    letters = {k.lower() for k in options}
    if answer.lower() not in letters:
        raise ValueError(f"answer {answer!r} is not one of the options {sorted(letters)}")
    missing = letters - {answer.lower()} - {k.lower() for k in why}
    if missing:
        raise ValueError(f"every wrong option needs a reason; missing {sorted(missing)}")

    @self_check(title)
    def check(given: Any) -> str:
        picked = _answer(given)
        if not isinstance(picked, str) or picked.strip().lower() not in letters:
            shown = ", ".join(f"'{k}'" for k in sorted(letters))
            raise CheckFailed(f"답은 {shown} 가운데 한 글자(문자열)로 돌려주세요. 받은 값: {picked!r}")
        picked = picked.strip().lower()
        if picked != answer.lower():
            reason = {k.lower(): v for k, v in why.items()}[picked]
            raise CheckFailed(f"'{picked}'는 아닙니다. {reason} 다시 생각해 보세요.")
        return explain

    check.options = dict(options)  # type: ignore[attr-defined]
    return check


def estimate(title: str, value: float, *, rel_tol: float, explain: str, too_low: str, too_high: str,
             unit: str = "") -> Callable[[Any], Optional[bool]]:
    """A number to estimate: right within ``rel_tol`` of ``value``; otherwise say whether it is too low or high."""
    if not (math.isfinite(value) and value != 0 and 0 < rel_tol < 1):
        raise ValueError(f"need a finite non-zero value and 0 < rel_tol < 1; got {value}, {rel_tol}")

    @self_check(title)
    def check(given: Any) -> str:
        guess = _answer(given)
        if isinstance(guess, bool) or not isinstance(guess, (int, float)) or not math.isfinite(guess):
            raise CheckFailed(f"답은 유한한 수(int 또는 float)로 돌려주세요. 받은 값: {guess!r}")
        if abs(guess - value) > rel_tol * abs(value):
            side = too_low if guess < value else too_high
            raise CheckFailed(f"{guess:g}{unit}는 {'너무 작습니다' if guess < value else '너무 큽니다'}. {side}")
        return f"(정확한 값: {value:.4g}{unit}) {explain}"

    return check
