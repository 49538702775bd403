"""The self-check protocol every check follows.

pass → short Korean confirmation (and a line in the local progress file); wrong → ``CheckFailed`` with a Korean
message saying what differs; stub (``NotImplementedError``) → a friendly notice, no exception, so an unfinished
lesson still runs — except under nbgrader's autograder (``NBGRADER_EXECUTION`` set), where a stub fails.

Learner code is only ever run through ``call``: on copies of the inputs, with one policy for in-place edits
(the copy is compared with the pristine input afterwards; a change fails) and every exception turned into a
Korean message naming what was being computed. Returned values are validated for type and structure
(``as_array``, ``expect_tuple``, ``as_int``…) before their values are compared (``expect_close``), and
``expect_close`` derives its tolerance from the precision the learner computed in: float32 answers pass with
float32 tolerances, and a failure prints enough digits for the two numbers to look different.
"""
from __future__ import annotations

import copy
import functools
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

import numpy as np
import torch
from torch import nn

PASS_MARK = "✅"
STUB_MARK = "📝"
GRADER_VARIABLE = "NBGRADER_EXECUTION"
F32_EPS = float(np.finfo(np.float32).eps)


class CheckFailed(AssertionError):
    """A wrong answer; the message is Korean and says what differs."""


class CheckCrashed(CheckFailed):
    """The check's own code failed on an answer it did not foresee (a bug in the check, reported in Korean)."""


# ---------------------------------------------------------------- fixed test data
def check_rng(seed: int) -> np.random.Generator:
    """A NumPy generator for a check's fixed test data. It deliberately ignores RNNCOURSE_SEED_SHIFT: the
    data a check tests learner code on is part of the check (its known mistakes are tuned to it), not an
    experiment whose robustness to seeds is being measured."""
    return np.random.default_rng(seed)


def check_generator(seed: int) -> torch.Generator:
    """A torch generator for a check's fixed test data; like ``check_rng`` it ignores the seed shift."""
    return torch.Generator().manual_seed(seed)


@contextmanager
def check_torch_seed(seed: int) -> Iterator[None]:
    """Seed torch's global stream for building fixed test modules, leaving the learner's random state untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


# ---------------------------------------------------------------- running learner code
def _copy(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        out = value.detach().clone()
        return out.requires_grad_(True) if value.requires_grad and out.is_floating_point() else out
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_copy(v) for v in value)
    try:
        return copy.deepcopy(value)
    except Exception:  # an object that cannot be copied is passed as it is (and compared as it is)
        return value


def _same_value(a: Any, b: Any) -> bool:
    """True when ``a`` still equals the pristine ``b``: same types, dtypes, shapes and values."""
    if isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape
                and bool(torch.equal(a.detach(), b.detach())))
    if isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and bool(np.array_equal(a, b)))
    if isinstance(b, nn.Module):
        return isinstance(a, nn.Module) and _same_value(a.state_dict(), b.state_dict())
    if isinstance(b, Mapping):
        return isinstance(a, Mapping) and set(a) == set(b) and all(_same_value(a[k], b[k]) for k in b)
    if isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(b, (bool, int, float, complex, str, bytes, type(None))):
        return type(a) is type(b) and (a == b or (a != a and b != b))  # NaN equals NaN here
    if type(a) is type(b) and hasattr(b, "__dict__"):
        return _same_value(vars(a), vars(b))
    return True  # an object the check cannot look into


def _first_line(err: BaseException, limit: int = 200) -> str:
    text = str(err).strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= limit else line[:limit] + "…"


def call(fn: Any, args: Sequence[Any], *, names: Sequence[str], what: str, hint: str = "",
         mutable: Sequence[str] = ()) -> Any:
    """Run the learner's ``fn(*args)`` on copies of ``args``; a crash or an in-place edit of an input becomes a
    Korean ``CheckFailed`` naming ``what`` was being computed. Inputs listed in ``mutable`` (a model a training
    step must update, say) are passed as they are. ``NotImplementedError`` passes through: it is the stub."""
    if not callable(fn):
        raise CheckFailed(f"검사에는 함수를 넘겨야 합니다. 지금은 {type(fn).__name__} 값을 넘겼습니다. "
                          "함수 이름만 괄호 없이 넘기세요 (예: `check.xxx(내_함수)`).")
    given = [arg if name in mutable else _copy(arg) for arg, name in zip(args, names)]
    try:
        result = fn(*given)
    except (NotImplementedError, CheckFailed):  # the stub notice; a check's own verdict raised inside a wrapper
        raise
    except Exception as err:  # the learner's code failed: say what it was computing and what went wrong
        raise CheckFailed(f"{what}을(를) 계산하는 중에 함수에서 오류가 났습니다 ({type(err).__name__}: "
                          f"{_first_line(err)})." + (f" 힌트: {hint}" if hint else "")) from None
    changed = [name for arg, copied, name in zip(args, given, names)
               if name not in mutable and not _same_value(copied, arg)]
    if changed:
        raise CheckFailed(f"{what}을(를) 계산하면서 함수가 입력 {', '.join(changed)}을(를) 제자리에서 바꾸었습니다. "
                          "입력은 그대로 두고 새 값을 만들어 반환하세요 (예: `x += 1` 대신 `x = x + 1`, "
                          "`model.float()`처럼 받은 모듈을 바꾸는 대신 계산 결과만 바꾸기).")
    return result


# ---------------------------------------------------------------- validating what came back
def _describe(value: Any) -> str:
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return f"{type(value).__name__}(모양 {tuple(value.shape)}, dtype {value.dtype})"
    return type(value).__name__


def as_array(value: Any, what: str) -> np.ndarray:
    """The learner's numbers as a NumPy array that keeps float32 (so tolerances can follow it); anything that is
    not numbers (None, strings, objects, booleans, complex, half precision) fails in Korean."""
    if value is None:
        raise CheckFailed(f"{what}: 함수가 아무것도 반환하지 않았습니다(None). `return` 문을 확인하세요.")
    if isinstance(value, torch.Tensor):
        if value.dtype in (torch.float16, torch.bfloat16):
            raise CheckFailed(f"{what}: 반정밀도({value.dtype})로는 이 연습을 확인할 만큼 정확하지 않습니다. "
                              "float32나 float64로 계산하세요.")
        value = value.detach().cpu().resolve_conj().numpy()
    if isinstance(value, (str, bytes)):
        raise CheckFailed(f"{what}: 숫자가 아니라 문자열 {value!r}이(가) 반환되었습니다.")
    try:
        arr = np.asarray(value)
    except Exception as err:
        raise CheckFailed(f"{what}: 숫자 배열로 바꿀 수 없는 값이 반환되었습니다 ({_describe(value)}: "
                          f"{_first_line(err, 100)}).") from None
    if arr.dtype == object:
        try:
            arr = np.asarray([float(v) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                              else _raise(v) for v in arr.reshape(-1)], dtype=np.float64).reshape(arr.shape)
        except Exception:
            raise CheckFailed(f"{what}: 숫자 배열로 바꿀 수 없는 값이 반환되었습니다 ({_describe(value)}). "
                              "모든 원소가 같은 모양의 숫자인지 확인하세요.") from None
    if arr.dtype.kind in "US":
        raise CheckFailed(f"{what}: 숫자가 아니라 문자열이 담긴 값이 반환되었습니다 (예: {arr.reshape(-1)[:3].tolist()}). "
                          "문자열 '1.5'가 아니라 숫자 1.5를 담으세요.")
    if arr.dtype.kind == "b":
        raise CheckFailed(f"{what}: 숫자가 아니라 참/거짓(bool) 값이 반환되었습니다.")
    if arr.dtype.kind == "c":
        raise CheckFailed(f"{what}: 복소수가 반환되었습니다. 실수 배열이어야 합니다.")
    if arr.dtype == np.float16:
        raise CheckFailed(f"{what}: 반정밀도(float16)로는 이 연습을 확인할 만큼 정확하지 않습니다. "
                          "float32나 float64로 계산하세요.")
    if arr.dtype.kind not in "iuf":
        raise CheckFailed(f"{what}: 숫자 배열이 아닙니다 ({_describe(value)}).")
    return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float64)


def _raise(value: Any) -> float:
    raise TypeError(type(value).__name__)


def expect_shape(actual: Any, expected: tuple[int, ...], what: str) -> np.ndarray:
    """Fail with a Korean message unless ``actual`` is numbers of exactly the ``expected`` shape."""
    arr = as_array(actual, what)
    if tuple(arr.shape) != tuple(expected):
        raise CheckFailed(f"{what}의 모양(shape)이 다릅니다: 기대한 모양 {tuple(expected)}, 실제 모양 {tuple(arr.shape)}.")
    return arr


def expect_tuple(result: Any, names: Sequence[str], what: str) -> tuple:
    """Fail unless ``result`` is a tuple (or list) of exactly ``len(names)`` values, none of them None."""
    example = f"`return {', '.join(names)}`"
    if result is None:
        raise CheckFailed(f"{what}: 함수가 아무것도 반환하지 않았습니다(None). {example}처럼 {len(names)}개 값을 반환하세요.")
    if not isinstance(result, (tuple, list)):
        raise CheckFailed(f"{what}: ({', '.join(names)}) {len(names)}개 값을 튜플로 반환해야 합니다. 지금은 "
                          f"{_describe(result)}을(를) 반환했습니다. 예: {example}")
    if len(result) != len(names):
        raise CheckFailed(f"{what}: ({', '.join(names)}) {len(names)}개 값을 튜플로 반환해야 하는데 값 {len(result)}개짜리 "
                          f"{type(result).__name__}을(를) 반환했습니다. 예: {example}")
    for name, value in zip(names, result):
        if value is None:
            raise CheckFailed(f"{what}: 반환한 튜플의 {name} 자리가 None입니다. 계산한 값을 넣으세요.")
    return tuple(result)


def as_scalar(value: Any, what: str) -> float:
    """One real number from a Python or NumPy number, or a 0-d/one-element array or tensor (not a list)."""
    if isinstance(value, (list, tuple, dict, set)):
        raise CheckFailed(f"{what}: 숫자 하나여야 합니다. 지금은 {type(value).__name__}입니다.")
    arr = as_array(value, what)
    if arr.size != 1:
        raise CheckFailed(f"{what}: 숫자 하나여야 합니다. 지금은 모양 {tuple(arr.shape)}인 배열입니다.")
    return float(arr.reshape(-1)[0])


def as_int(value: Any, what: str) -> int:
    """An integer (Python, NumPy or a one-element tensor holding a whole number); anything else fails."""
    if type(value) is int:  # the common answer, checked thousands of times by sampling checks
        return value
    if value is None or isinstance(value, (str, bytes, bool, list, tuple, dict, set)):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
        raise CheckFailed(f"{what}: 정수 하나여야 합니다. 지금은 {type(value).__name__} {shown}입니다.")
    number = as_scalar(value, what)
    if not np.isfinite(number) or not float(number).is_integer():
        raise CheckFailed(f"{what}: 정수여야 합니다. 지금은 {number!r}입니다.")
    return int(number)


def precision_of(arr: np.ndarray) -> str:
    """'float32' when the learner computed in single precision (a float32 array, or float64 values that are all
    exactly float32 numbers, as after ``.double()``), else 'float64'."""
    if arr.dtype == np.float32:
        return "float32"
    finite = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
    if arr.dtype == np.float64 and finite.size and np.array_equal(finite.astype(np.float32).astype(np.float64),
                                                                  finite):
        return "float32"
    return "float64"


def tolerances(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> tuple[float, float]:
    """(rtol, atol) for comparing ``got`` with ``want``: as given for float64, widened to float32's precision
    (relative to the scale of ``want``) when the learner computed in float32."""
    if precision_of(got) != "float32":
        return rtol, atol
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    return max(rtol, 200 * F32_EPS), max(atol, 200 * F32_EPS * scale)


def shown_pair(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` printed with just enough digits (at least 6) to look different."""
    for digits in range(6, 18):
        sa, sb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if sa != sb:
            return sa, sb
    return repr(a), repr(b)


def close(got: Any, want: Any, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """True when ``got`` has ``want``'s shape and values within the precision-aware tolerance (never raises)."""
    try:
        g, w = as_array(got, ""), np.asarray(as_array(want, ""), dtype=np.float64)
    except CheckFailed:
        return False
    if g.shape != w.shape:
        return False
    r, a = tolerances(g, w, rtol, atol)
    return bool(np.allclose(g.astype(np.float64), w, rtol=r, atol=a))


def expect_close(actual: Any, expected: Any, what: str, *, rtol: float = 1e-6, atol: float = 1e-8,
                 hint: str = "") -> None:
    """Fail unless ``actual`` matches ``expected`` (type, shape, finiteness, then values), naming the worst element.
    ``rtol``/``atol`` are the float64 tolerances; a float32 answer is compared at float32's precision."""
    want = np.asarray(as_array(expected, what), dtype=np.float64)
    raw = expect_shape(actual, want.shape, what)
    got = raw.astype(np.float64)
    if not np.all(np.isfinite(got)):
        raise CheckFailed(f"{what}에 NaN 또는 무한대 값이 있습니다." + (f" 힌트: {hint}" if hint else ""))
    rtol, atol = tolerances(raw, want, rtol, atol)
    err = np.abs(got - want)
    bad = ~(err <= atol + rtol * np.abs(want))  # a NaN expected value (from a NaN statistic) is never 'close'
    if bad.any():
        idx = np.unravel_index(int(np.argmax(np.where(bad, np.nan_to_num(err, nan=np.inf), -1.0))), err.shape) if err.ndim else ()
        where = f" 위치 {tuple(int(i) for i in idx)}에서" if idx else ""
        shown_want, shown_got = shown_pair(float(want[idx]), float(got[idx]))
        msg = (f"{what}의 값이 다릅니다:{where} 기대값 {shown_want}, 실제값 {shown_got} "
               f"(최대 오차 {err.max():.3g}, 틀린 원소 {int(bad.sum())}/{bad.size}개).")
        raise CheckFailed(msg + (f" 힌트: {hint}" if hint else ""))


# ---------------------------------------------------------------- registry and the wrapper
@dataclass(frozen=True)
class CheckInfo:
    """One self-check the course knows: its lesson, title and kind ('연습', '심화' or '질문')."""

    lesson: int
    title: str
    kind: str


REGISTRY: dict[tuple[int, str], CheckInfo] = {}
_LESSON_MODULE = re.compile(r"(?:^|\.)lesson(\d{2})$")


def _lesson_of_caller(depth: int = 2, limit: int = 12) -> tuple[Optional[int], bool]:
    """The lesson number of the nearest calling module named ``…lessonNN`` and whether it is a questions module."""
    frame = sys._getframe(depth)
    for _ in range(limit):
        if frame is None:
            break
        name = frame.f_globals.get("__name__", "")
        found = _LESSON_MODULE.search(name)
        if found:
            return int(found.group(1)), ".questions." in name
        frame = frame.f_back
    return None, False


def _record_pass(info: Optional[CheckInfo]) -> None:
    if info is None or os.environ.get(GRADER_VARIABLE):
        return
    from rnncourse.progress import record  # noqa: PLC0415  (progress imports this module)
    record(info.lesson, info.title)


def self_check(title: str, *, kind: Optional[str] = None
               ) -> Callable[[Callable[..., Optional[str]]], Callable[..., Optional[bool]]]:
    """Wrap a check so it reports in Korean and registers itself under its lesson (found from the module that
    defines it: ``rnncourse.checks.lessonNN`` or ``rnncourse.checks.questions.lessonNN``); the wrapped check
    returns True, or None for a stub."""

    def decorate(check: Callable[..., Optional[str]]) -> Callable[..., Optional[bool]]:
        lesson, is_question = _lesson_of_caller()
        own = _LESSON_MODULE.search(getattr(check, "__module__", "") or "")
        if own:
            lesson, is_question = int(own.group(1)), ".questions." in check.__module__
        if getattr(check, "__module__", "") == "rnncourse.checks.quiz":
            is_question = True
        info = None
        if lesson is not None:
            info = CheckInfo(lesson, title, kind or ("질문" if is_question else "연습"))
            REGISTRY[(lesson, title)] = info

        @functools.wraps(check)
        def run(*args: Any, **kwargs: Any) -> Optional[bool]:
            try:
                detail = check(*args, **kwargs)
            except NotImplementedError:
                if os.environ.get(GRADER_VARIABLE):
                    raise CheckFailed(f"[{title}] 아직 풀지 않은 문제입니다. `raise NotImplementedError()`를 지우고 "
                                      "답을 채워야 점수를 받습니다.") from None
                print(f"{STUB_MARK} [{title}] 아직 구현하지 않았습니다. "
                      "위 칸의 `raise NotImplementedError()`를 지우고 코드를 채운 뒤 이 칸을 다시 실행하세요.")
                return None
            except CheckCrashed as err:
                raise CheckCrashed(f"[{title}] {err}") from None
            except CheckFailed as err:
                raise CheckFailed(f"[{title}] {err}") from None
            except Exception as err:  # the check's own code did not foresee this answer: still answer in Korean
                raise CheckCrashed(f"[{title}] 답을 검사하는 중에 예상하지 못한 오류가 났습니다 ({type(err).__name__}: "
                                   f"{_first_line(err)}). 반환값의 종류와 모양을 확인하세요.") from None
            _record_pass(info)
            print(f"{PASS_MARK} [{title}] 정답입니다!" + (f" {detail}" if detail else ""))
            return True

        run.title = title  # type: ignore[attr-defined]
        run.info = info  # type: ignore[attr-defined]
        return run

    return decorate
