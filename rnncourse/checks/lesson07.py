"""Self-checks for lesson 07 (여러 시간 척도, 양방향, 다층): time_constant, bidirectional, lstm_num_params.

References live in ``rnncourse.timescales`` (time_constant, bidirectional_run, lstm_num_params), so the
lesson's later cells use them instead of the learner's code.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import torch
from torch import nn

from rnncourse.checks._core import (CheckFailed, as_array, as_int, call, check_torch_seed, close, expect_close,
                                   expect_shape, self_check)
from rnncourse.timescales import bidirectional_run, lstm_num_params as _lstm_num_params, split_directions
from rnncourse.timescales import time_constant as _time_constant

reference_time_constant = _time_constant
reference_bidirectional = bidirectional_run
reference_lstm_num_params = _lstm_num_params


def _same(got: np.ndarray, candidate: Any) -> bool:
    """True when ``got`` has the candidate's shape and values (recognises a typical mistake)."""
    return close(got, candidate, rtol=1e-5, atol=1e-7)


def _diagnose(got: np.ndarray, mistakes: Mapping[str, Any]) -> str:
    """The message of the first known mistake whose result equals ``got`` ('' when none does)."""
    for message, candidate in mistakes.items():
        if _same(got, candidate):
            return message
    return ""


def _run(fn: Callable[..., Any], args: tuple, names: tuple[str, ...], what: str, hint: str) -> Any:
    """Call the learner's function on copies (the protocol of checks._core); one tensor is expected, not a tuple."""
    result = call(fn, args, names=names, what=what, hint=hint)
    if isinstance(result, tuple):
        raise CheckFailed(f"{what}: 튜플(값 {len(result)}개)이 반환되었습니다. 텐서(배열) 하나만 반환하세요.")
    return result


# ---------------------------------------------------------------- exercise 1
FORGET_VALUES = np.array([[0.5, 0.8, 0.9], [0.99, 0.999, 0.25]])


@self_check("망각 게이트의 시간 상수 time_constant")
def time_constant(fn: Callable[[np.ndarray], Any]) -> str:
    """time_constant(f) must return τ = −1/ln f elementwise for a NumPy array f, keeping its shape."""
    f = FORGET_VALUES.copy()
    got = as_array(_run(fn, (f,), ("f",), "τ", "f는 NumPy 배열입니다. `math.log` 대신 `np.log`를 쓰세요."), "τ")
    want = reference_time_constant(f)
    if got.shape != f.shape:
        expect_shape(got, f.shape, "τ (힌트: 원소마다 τ를 계산해 f와 같은 모양으로 반환하세요. 평균을 내지 마세요.)")
    hint = _diagnose(got, {
        "부호가 반대입니다. 0 < f < 1이면 ln f < 0이므로, 양수인 시간 상수를 얻으려면 −1/ln f입니다.": 1.0 / np.log(f),
        "−ln f는 한 시점에 잊는 '비율'(감쇠율)입니다. 시간 상수는 그 역수 −1/ln f입니다.": -np.log(f),
        "1/(1 − f)는 f가 1에 아주 가까울 때만 맞는 근사입니다. f = 0.5에서 정확한 값은 1/ln 2 ≈ 1.44입니다. "
        "np.log로 정확히 계산하세요.": 1.0 / (1.0 - f),
        "상용로그(log10)를 썼습니다. 자연로그 np.log를 써야 f^τ = 1/e가 됩니다.": -1.0 / np.log10(f),
        "밑이 2인 로그를 썼습니다. 자연로그 np.log를 써야 f^τ = 1/e가 됩니다.": -1.0 / np.log2(f),
        "f 대신 1 − f(잊는 몫)를 로그에 넣었습니다. 남는 몫 f가 τ 시점 뒤 1/e가 되는 τ를 구하세요.":
            -1.0 / np.log(1.0 - f),
        "1/f를 반환했습니다. 시간 상수는 f^τ = 1/e를 τ에 대해 푼 τ = −1/ln f입니다.": 1.0 / f,
    })
    expect_close(got, want, "τ", rtol=1e-6, atol=1e-9,
                 hint=hint or "f^τ = 1/e를 τ에 대해 풀면 τ = −1/ln f입니다. f = 0.5이면 약 1.44가 나와야 합니다.")
    return f"f = 0.99이면 τ ≈ {want[1, 0]:.1f}시점, f = 0.5이면 τ ≈ {want[0, 0]:.2f}시점입니다."


# ---------------------------------------------------------------- exercise 2
BIDIRECTIONAL_CASES = [(3, 7, 2, 4, 71), (2, 5, 3, 3, 72)]  # (B, T, D, H, seed); D == H hides a transposition
BIDIRECTIONAL_HINT = ("x는 (B, T, D)입니다. 뒤쪽 RNN에는 `torch.flip(x, dims=[1])`을 넣고, 그 출력을 다시 "
                      "`torch.flip(..., dims=[1])`으로 뒤집은 뒤 `torch.cat([앞쪽, 뒤쪽], dim=-1)`로 이어 붙이세요.")


def _bidirectional_mistakes(x: torch.Tensor, fwd: nn.Module, bwd: nn.Module) -> dict[str, torch.Tensor]:
    forward, _ = fwd(x)
    backward_rev, _ = bwd(torch.flip(x, dims=[1]))
    backward = torch.flip(backward_rev, dims=[1])
    backward_unflipped_input, _ = bwd(x)
    forward_twice, _ = fwd(torch.flip(x, dims=[1]))
    features_flipped, _ = bwd(torch.flip(x, dims=[2]))
    return {
        "뒤쪽 RNN의 출력을 다시 뒤집지 않았습니다. 거꾸로 읽은 결과의 첫 줄은 원래 시점 T−1의 값이므로, "
        "`torch.flip(..., dims=[1])`로 되돌려야 시점 t끼리 맞춰집니다.": torch.cat([forward, backward_rev], -1),
        "뒤쪽 RNN에 입력을 뒤집지 않고 넣었습니다. 그러면 두 RNN 모두 과거만 보게 됩니다. "
        "`torch.flip(x, dims=[1])`을 넣으세요.": torch.cat([forward, backward_unflipped_input], -1),
        "앞쪽과 뒤쪽의 순서가 바뀌었습니다. PyTorch처럼 [앞쪽, 뒤쪽] 순서로 이어 붙이세요.": torch.cat([backward, forward], -1),
        "뒤쪽 방향에도 rnn_fwd를 썼습니다. 거꾸로 읽는 쪽은 rnn_bwd입니다.":
            torch.cat([forward, torch.flip(forward_twice, dims=[1])], -1),
        "출력은 뒤집었지만 입력은 뒤집지 않았습니다. 뒤쪽 RNN은 `torch.flip(x, dims=[1])`을 읽어야 "
        "미래에서 과거로 거슬러 읽습니다.": torch.cat([forward, torch.flip(backward_unflipped_input, dims=[1])], -1),
        "특징 축(dims=[2])을 뒤집었습니다. 거꾸로 읽으려면 시간 축 dims=[1]을 뒤집어야 합니다.":
            torch.cat([forward, torch.flip(features_flipped, dims=[2])], -1),
    }


def _bidirectional_shape_hint(shape: tuple[int, ...], batch: int, steps: int, hidden: int) -> str:
    if shape == (batch, 2 * steps, hidden):
        return "시간 축(dim=1)으로 이어 붙였습니다. 두 방향은 특징 축으로 이어 붙입니다: `dim=-1`."
    if shape == (batch, steps, hidden):
        return ("출력의 마지막 축이 H입니다. 한 방향만 반환했거나 두 방향을 더했습니다. "
                "두 방향을 `torch.cat(..., dim=-1)`로 이어 붙여 2H로 만드세요.")
    if shape == (2 * batch, steps, hidden):
        return "배치 축(dim=0)으로 이어 붙였습니다. 두 방향은 특징 축으로 이어 붙입니다: `dim=-1`."
    return BIDIRECTIONAL_HINT


def make_bidirectional_case(batch: int, steps: int, inputs: int, hidden: int, seed: int
                            ) -> tuple[torch.Tensor, nn.GRU, nn.GRU, nn.GRU]:
    """Test input x (B, T, D), a seeded bidirectional nn.GRU and its two halves (forward, backward)."""
    with check_torch_seed(seed):  # the learner's global random stream stays untouched
        both = nn.GRU(inputs, hidden, batch_first=True, bidirectional=True).double()
        x = torch.randn(batch, steps, inputs, dtype=torch.float64)
        fwd, bwd = split_directions(both)
    return x, both, fwd, bwd


@self_check("양방향 RNN 만들기 bidirectional")
@torch.no_grad()
def bidirectional(fn: Callable[[torch.Tensor, nn.Module, nn.Module], Any]) -> str:
    """bidirectional(x, rnn_fwd, rnn_bwd) must equal nn.GRU(bidirectional=True)'s output: (B, T, 2H)."""
    for batch, steps, inputs, hidden, seed in BIDIRECTIONAL_CASES:
        x, both, fwd, bwd = make_bidirectional_case(batch, steps, inputs, hidden, seed)
        what = f"B={batch}, T={steps}, D={inputs}, H={hidden}일 때의 출력"
        got = as_array(_run(fn, (x, fwd, bwd), ("x", "rnn_fwd", "rnn_bwd"), what, BIDIRECTIONAL_HINT), what)
        if got.shape != (batch, steps, 2 * hidden):
            expect_shape(got, (batch, steps, 2 * hidden),
                         what + f" (힌트: {_bidirectional_shape_hint(tuple(got.shape), batch, steps, hidden)})")
        want, _ = both(x)
        hint = _diagnose(got, _bidirectional_mistakes(x, fwd, bwd))
        expect_close(got, want, what, rtol=1e-6, atol=1e-9, hint=hint or BIDIRECTIONAL_HINT)
    return "두 단방향 GRU로 만든 결과가 nn.GRU(bidirectional=True)와 똑같습니다."


# ---------------------------------------------------------------- exercise 3
PARAM_CASES = [(1, 32, 1, False), (3, 8, 2, False), (5, 6, 2, True), (4, 10, 3, True), (7, 5, 1, True)]


def _param_mistakes(d: int, h: int, layers: int, bi: bool) -> dict[str, int]:
    dirs = 2 if bi else 1

    def total(gates: int = 4, biases: int = 2, wide_input: bool = True, directions: int = dirs,
              n_layers: int = layers, upper_width: int | None = None) -> int:
        count = 0
        for layer in range(n_layers):
            if layer == 0:
                width = d
            elif upper_width is not None:
                width = upper_width
            else:
                width = h * (dirs if wide_input else 1)
            count += directions * gates * h * (width + h + biases)
        return count

    return {
        "게이트 수를 3으로 셈한 것 같습니다(GRU의 수). LSTM에는 입력·망각·출력 게이트와 후보값 g, 네 묶음이 있습니다.":
            total(gates=3),
        "게이트를 하나만 센 것 같습니다. LSTM은 네 묶음(i, f, g, o)의 가중치를 가지므로 4를 곱하세요.": total(gates=1),
        "편향을 한 벌만 셌습니다. PyTorch의 LSTM은 b_ih와 b_hh 두 벌을 따로 둡니다: 4H × 2.": total(biases=1),
        "편향을 빠뜨렸습니다. 층과 방향마다 b_ih와 b_hh가 4H개씩 있습니다.": total(biases=0),
        "방향이 둘일 때 매개변수를 두 배로 하지 않았습니다. 앞쪽과 뒤쪽 RNN은 가중치를 따로 가집니다.":
            total(directions=1, upper_width=h * dirs),
        "두 번째 층부터의 입력 크기를 input_size로 두었습니다. 위층은 아래층의 출력(H × 방향 수)을 입력으로 받습니다.":
            total(upper_width=d),
        "양방향일 때 두 번째 층부터의 입력 크기를 H로 두었습니다. 아래층의 출력은 두 방향을 이어 붙인 2H입니다.":
            total(wide_input=False),
        "첫 번째 층만 센 것 같습니다. num_layers개의 층을 모두 더하세요.": total(n_layers=1),
    }


@self_check("LSTM의 매개변수 수 lstm_num_params")
def lstm_num_params(fn: Callable[[int, int, int, bool], Any]) -> str:
    """lstm_num_params(input_size, hidden_size, num_layers, bidirectional) must equal nn.LSTM's count."""
    answers, wanted = [], []
    for d, h, layers, bi in PARAM_CASES:
        what = f"input_size={d}, hidden_size={h}, num_layers={layers}, bidirectional={bi}일 때의 매개변수 수"
        got = _run(fn, (d, h, layers, bi), ("input_size", "hidden_size", "num_layers", "bidirectional"), what,
                   "정수 하나를 반환하세요.")
        answers.append(as_int(got, what))
        with check_torch_seed(0):  # building a module draws random weights
            module = nn.LSTM(d, h, num_layers=layers, bidirectional=bi)
        wanted.append(sum(p.numel() for p in module.parameters()))
    wrong = [k for k, (got, want) in enumerate(zip(answers, wanted)) if got != want]
    if wrong:
        tables = [_param_mistakes(*case) for case in PARAM_CASES]
        hint = next((message for message in tables[0]
                     if all(table[message] == got for table, got in zip(tables, answers))), "")
        d, h, layers, bi = PARAM_CASES[wrong[0]]
        raise CheckFailed(
            f"{len(wrong)}/{len(PARAM_CASES)}개 설정에서 값이 다릅니다. 예: input_size={d}, hidden_size={h}, "
            f"num_layers={layers}, bidirectional={bi}에서 기대값 {wanted[wrong[0]]:,}, 실제값 {answers[wrong[0]]:,}. "
            + (hint or "층마다, 방향마다 4H × (그 층의 입력 크기 + H + 2)를 더하세요."))
    d, h, layers, bi = PARAM_CASES[0]
    return f"예를 들어 nn.LSTM({d}, {h})에는 {wanted[0]:,}개의 매개변수가 있습니다."
