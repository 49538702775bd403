"""The self-check protocol: pass → short Korean confirmation; wrong → AssertionError saying what differs;
stub (NotImplementedError) → a friendly notice, no exception, so an unfinished lesson still runs."""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional

import numpy as np

PASS_MARK = "✅"
STUB_MARK = "📝"


class CheckFailed(AssertionError):
    """A wrong answer; the message is Korean and says what differs."""


def _as_array(value: Any, what: str) -> np.ndarray:
    if value is None:
        raise CheckFailed(f"{what}: 함수가 아무것도 반환하지 않았습니다(None). `return` 문을 확인하세요.")
    if hasattr(value, "detach"):  # torch.Tensor
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise CheckFailed(f"{what}: 숫자 배열로 바꿀 수 없는 값이 반환되었습니다 ({type(value).__name__}).") from err


def expect_shape(actual: Any, expected: tuple[int, ...], what: str) -> np.ndarray:
    """Fail with a Korean message unless ``actual`` has exactly the ``expected`` shape."""
    arr = _as_array(actual, what)
    if tuple(arr.shape) != tuple(expected):
        raise CheckFailed(f"{what}의 모양(shape)이 다릅니다: 기대한 모양 {tuple(expected)}, 실제 모양 {tuple(arr.shape)}.")
    return arr


def expect_close(actual: Any, expected: Any, what: str, *, rtol: float = 1e-6, atol: float = 1e-8,
                 hint: str = "") -> None:
    """Fail unless ``actual`` matches ``expected`` (shape first, then values), naming the worst element."""
    want = _as_array(expected, what)
    got = expect_shape(actual, want.shape, what)
    if not np.all(np.isfinite(got)):
        raise CheckFailed(f"{what}에 NaN 또는 무한대 값이 있습니다." + (f" 힌트: {hint}" if hint else ""))
    err = np.abs(got - want)
    bad = err > atol + rtol * np.abs(want)
    if bad.any():
        idx = np.unravel_index(int(np.argmax(np.where(bad, err, -1.0))), err.shape) if err.ndim else ()
        where = f" 위치 {tuple(int(i) for i in idx)}에서" if idx else ""
        msg = (f"{what}의 값이 다릅니다:{where} 기대값 {want[idx]:.6g}, 실제값 {got[idx]:.6g} "
               f"(최대 오차 {err.max():.3g}, 틀린 원소 {int(bad.sum())}/{bad.size}개).")
        raise CheckFailed(msg + (f" 힌트: {hint}" if hint else ""))


def self_check(title: str) -> Callable[[Callable[..., Optional[str]]], Callable[..., Optional[bool]]]:
    """Wrap a check so it reports in Korean; the wrapped check returns True, or None for a stub."""

    def decorate(check: Callable[..., Optional[str]]) -> Callable[..., Optional[bool]]:
        @functools.wraps(check)
        def run(*args: Any, **kwargs: Any) -> Optional[bool]:
            try:
                detail = check(*args, **kwargs)
            except NotImplementedError:
                print(f"{STUB_MARK} [{title}] 아직 구현하지 않았습니다. "
                      "위 칸의 `raise NotImplementedError()`를 지우고 코드를 채운 뒤 이 칸을 다시 실행하세요.")
                return None
            except CheckFailed as err:
                raise CheckFailed(f"[{title}] {err}") from None
            print(f"{PASS_MARK} [{title}] 정답입니다!" + (f" {detail}" if detail else ""))
            return True

        run.title = title  # type: ignore[attr-defined]
        return run

    return decorate
