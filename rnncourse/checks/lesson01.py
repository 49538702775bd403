"""Self-checks for lesson 01 (순방향 신경망과 순환 신경망): one step of the recurrence, and its unrolling.

Convention of the lesson: x_t (B, D), h_prev (B, H), W (H, D), U (H, H), b (H,), and
h_t = tanh(x_t Wᵀ + h_{t-1} Uᵀ + b); a whole sequence xs is (B, T, D) and the states are (B, T, H).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from rnncourse.checks._core import CheckFailed, as_array, call, check_generator, close, expect_close, expect_shape, self_check

Tensor = torch.Tensor


def reference_rnn_step(x_t: Tensor, h_prev: Tensor, W: Tensor, U: Tensor, b: Tensor) -> Tensor:
    """h_t = tanh(x_t Wᵀ + h_prev Uᵀ + b) for a batch: x_t (B, D), h_prev (B, H) → (B, H)."""
    return torch.tanh(x_t @ W.T + h_prev @ U.T + b)


def reference_unroll(xs: Tensor, h0: Tensor, W: Tensor, U: Tensor, b: Tensor) -> Tensor:
    """All hidden states h_1..h_T of xs (B, T, D) from h0 (B, H), stacked as (B, T, H)."""
    h, states = h0, []
    for t in range(xs.shape[1]):
        h = reference_rnn_step(xs[:, t], h, W, U, b)
        states.append(h)
    return torch.stack(states, dim=1)


def make_params(batch: int, steps: int | None, input_size: int, hidden_size: int, seed: int
                ) -> dict[str, Tensor]:
    """Random float64 test inputs: x_t (or xs when ``steps`` is given), h_prev/h0, W, U, b."""
    gen = check_generator(seed)

    def rand(*shape: int) -> Tensor:
        return torch.randn(*shape, generator=gen, dtype=torch.float64)

    x = rand(batch, input_size) if steps is None else rand(batch, steps, input_size)
    return {"x": x, "h": 0.8 * rand(batch, hidden_size), "W": rand(hidden_size, input_size),
            "U": 0.7 * rand(hidden_size, hidden_size), "b": rand(hidden_size)}


def _call(fn: Callable[..., Any], args: dict[str, Tensor], names: tuple[str, ...], what: str, shapes_hint: str
          ) -> Any:
    """Call the learner's function on copies (the protocol of checks._core); a tuple is not an answer here."""
    result = call(fn, tuple(args[k] for k in ("x", "h", "W", "U", "b")), names=names, what=what, hint=shapes_hint)
    if isinstance(result, tuple):
        raise CheckFailed(f"튜플(값 {len(result)}개)이 반환되었습니다. 텐서 하나만 반환하세요.")
    return result


def _diagnose(got: np.ndarray, mistakes: dict[str, Tensor]) -> str:
    """The description of the first known mistake whose output equals what the learner returned."""
    for message, wrong in mistakes.items():
        if close(got, wrong, rtol=1e-6, atol=1e-9):
            return message
    return ""


STEP_SHAPES = ("x_t는 (B, D), W는 (H, D)이므로 입력 쪽 항은 `x_t @ W.T`, h_prev는 (B, H)이므로 "
               "순환 쪽 항은 `h_prev @ U.T`입니다.")
STEP_CASES = [(2, 3, 4, 11), (1, 4, 4, 12), (3, 2, 5, 13)]  # (B, D, H, seed); D == H hides transposes


def _step_mistakes(x: Tensor, h: Tensor, W: Tensor, U: Tensor, b: Tensor) -> dict[str, Tensor]:
    pre = x @ W.T + h @ U.T + b
    mistakes = {
        "편향 b를 더하지 않은 결과와 같습니다. 괄호 안에 `+ b`를 넣으세요.": torch.tanh(x @ W.T + h @ U.T),
        "tanh 대신 시그모이드를 쓴 결과와 같습니다. 이 수업의 φ는 `torch.tanh`입니다.": torch.sigmoid(pre),
        "활성화 함수를 빼먹은 결과와 같습니다. 합을 `torch.tanh`에 통과시키세요.": pre,
        "ReLU를 쓴 결과와 같습니다. 이 수업의 φ는 `torch.tanh`입니다.": torch.relu(pre),
        "이전 은닉 상태 h_prev를 쓰지 않은 결과와 같습니다. 순환 신경망의 기억은 `h_prev @ U.T` 항으로 들어옵니다.":
            torch.tanh(x @ W.T + b),
        "입력 x_t를 쓰지 않은 결과와 같습니다. `x_t @ W.T` 항을 더하세요.": torch.tanh(h @ U.T + b),
    }
    if W.shape[0] == W.shape[1]:
        mistakes["W를 전치하지 않은 결과(`x_t @ W`)와 같습니다. W의 모양은 (H, D)이므로 `x_t @ W.T`입니다."] = \
            torch.tanh(x @ W + h @ U.T + b)
    mistakes["U를 전치하지 않은 결과(`h_prev @ U`)와 같습니다. PyTorch처럼 `h_prev @ U.T`로 쓰세요."] = \
        torch.tanh(x @ W.T + h @ U + b)
    return mistakes


@self_check("순환 한 단계 rnn_step")
def rnn_step(fn: Callable[[Tensor, Tensor, Tensor, Tensor, Tensor], Tensor]) -> str:
    """Check h_t = tanh(x_t Wᵀ + h_prev Uᵀ + b) on batches of several sizes, square weights included."""
    for batch, d, hsize, seed in STEP_CASES:
        p = make_params(batch, None, d, hsize, seed)
        what = f"B={batch}, D={d}, H={hsize}일 때의 h_t"
        got = _call(fn, p, ("x_t", "h_prev", "W", "U", "b"), what, STEP_SHAPES)
        arr = as_array(got, what)
        if arr.shape != (batch, hsize):
            expect_shape(arr, (batch, hsize), what + f" (힌트: {STEP_SHAPES})")
        want = reference_rnn_step(p["x"], p["h"], p["W"], p["U"], p["b"])
        hint = _diagnose(arr, _step_mistakes(p["x"], p["h"], p["W"], p["U"], p["b"]))
        expect_close(arr, want, what, rtol=1e-5, atol=1e-7,
                     hint=hint or "h_t = tanh(x_t @ W.T + h_prev @ U.T + b)인지 한 항씩 확인하세요.")
    return "입력 항, 순환 항, 편향을 더해 tanh에 통과시키는 것이 순환 신경망의 한 단계입니다."


UNROLL_SHAPES = "xs는 (B, T, D)이므로 시점 t의 입력은 `xs[:, t]`이고, 결과는 `torch.stack(상태들, dim=1)`로 (B, T, H)를 만듭니다."
UNROLL_CASES = [(2, 5, 3, 4, 21), (3, 4, 2, 2, 22), (1, 1, 3, 2, 23)]  # (B, T, D, H, seed); B ≠ T where it matters


def _unroll_mistakes(xs: Tensor, h0: Tensor, W: Tensor, U: Tensor, b: Tensor) -> dict[str, Tensor]:
    steps = xs.shape[1]
    from_zero = reference_unroll(xs, torch.zeros_like(h0), W, U, b)
    stale = torch.stack([reference_rnn_step(xs[:, t], h0, W, U, b) for t in range(steps)], dim=1)
    backwards = reference_unroll(xs.flip(1), h0, W, U, b)
    return {
        "매 시점 h0를 다시 넣은 결과와 같습니다. 한 단계를 계산한 뒤 `h = rnn_step(...)`처럼 h를 새 값으로 바꿔야 "
        "다음 시점이 그 값을 받습니다.": stale,
        "h0를 무시하고 0에서 시작한 결과와 같습니다. 첫 단계의 이전 상태로 h0를 쓰세요.": from_zero,
        "시간을 거꾸로(마지막 시점부터) 처리한 결과와 같습니다. t = 0, 1, …, T-1 순서로 진행하세요.": backwards,
        "상태들을 시간의 역순으로 쌓은 결과와 같습니다. 계산한 순서대로 쌓으세요.": reference_unroll(xs, h0, W, U, b).flip(1),
    }


def _unroll_shape_hint(shape: tuple[int, ...], batch: int, steps: int, hsize: int) -> str:
    if shape == (batch, hsize):
        return "마지막 은닉 상태 하나만 반환한 것 같습니다. 모든 시점의 상태를 모아 (B, T, H)로 쌓으세요."
    if shape == (steps, batch, hsize):
        return "시간 축이 맨 앞(dim=0)에 있습니다. 이 수업은 (B, T, H)이므로 `torch.stack(..., dim=1)`을 쓰세요."
    if shape == (batch, steps + 1, hsize):
        return "h0까지 포함한 것 같습니다. h_1부터 h_T까지 T개만 반환하세요."
    if shape == (batch, steps - 1, hsize):
        return "한 시점이 빠졌습니다. 반복 범위가 `range(T)`인지 확인하세요."
    return UNROLL_SHAPES


@self_check("시간 펼치기 unroll")
def unroll(fn: Callable[[Tensor, Tensor, Tensor, Tensor, Tensor], Tensor]) -> str:
    """Check that all hidden states h_1..h_T come back as (B, T, H), in order, starting from h0."""
    for batch, steps, d, hsize, seed in UNROLL_CASES:
        p = make_params(batch, steps, d, hsize, seed)
        what = f"B={batch}, T={steps}, D={d}, H={hsize}일 때의 은닉 상태들"
        got = _call(fn, p, ("xs", "h0", "W", "U", "b"), what, UNROLL_SHAPES)
        arr = as_array(got, what)
        if arr.shape != (batch, steps, hsize):
            expect_shape(arr, (batch, steps, hsize),
                         what + f" (힌트: {_unroll_shape_hint(tuple(arr.shape), batch, steps, hsize)})")
        want = reference_unroll(p["x"], p["h"], p["W"], p["U"], p["b"])
        hint = _diagnose(arr, _unroll_mistakes(p["x"], p["h"], p["W"], p["U"], p["b"]))
        expect_close(arr, want, what, rtol=1e-5, atol=1e-7,
                     hint=hint or ("각 시점에서 h = tanh(xs[:, t] @ W.T + h @ U.T + b)를 계산하고 그 h를 다음 시점에 "
                                      "넘기세요. rnn_step 검사를 먼저 통과했는지도 확인하세요."))
    return "같은 W, U, b를 모든 시점에 되풀이해 쓰는 것, 이것이 시간 펼치기입니다."
