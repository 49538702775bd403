"""Self-checks for lesson 00 (시작하기)."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from rnncourse.checks._core import CheckFailed, as_array, call, expect_close, self_check

CASES: list[list[float]] = [[1.0, 2.0, 3.0, 4.0], [0.5, -1.5, 2.0], [7.0], []]


def reference_running_sum(xs: Sequence[float]) -> list[float]:
    """s_t = s_{t-1} + x_t with s_0 = 0: the simplest state carried from step to step."""
    state, out = 0.0, []
    for x in xs:
        state = state + x
        out.append(state)
    return out


@self_check("누적 합")
def running_sum(fn: Callable[[Sequence[float]], Sequence[float]]) -> str:
    """Check the learner's running sum on several sequences, the empty one included."""
    for xs in CASES:
        what = f"입력 {xs}에 대한 결과"
        got = call(fn, (list(xs),), names=("xs",), what=what)
        arr = as_array(got, what)
        if arr.ndim == 0:
            raise CheckFailed(f"입력 {xs}에 대해 리스트가 아니라 숫자 하나({float(arr)})가 반환되었습니다. "
                              "마지막 합만이 아니라 매 단계의 합을 모두 모아 돌려주세요.")
        expect_close(arr, np.asarray(reference_running_sum(xs)), what,
                     hint="t번째 값은 x_1부터 x_t까지(x_t 포함)의 합입니다.")
    return "상태(state)를 한 단계씩 넘기는 것이 순환 신경망의 핵심입니다."
