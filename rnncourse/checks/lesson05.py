"""Self-checks for lesson 05 (LSTM): one LSTM step in PyTorch's gate order, checked against the NumPy engine.

Convention of the exercise (NumPy, PyTorch's layout): x (B, D), h and c (B, H), W_ih (4H, D), W_hh (4H, H),
b_ih and b_hh (4H,), row blocks in the order i, f, g, o; the function returns (h_t, c_t).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from rnncourse.checks._core import (CheckFailed, call, check_rng, close, expect_close, expect_shape, expect_tuple,
                                   self_check)
from rnncourse.scratch import lstm_step as _engine_lstm_step

Arrays = dict[str, np.ndarray]
NAMES = ("x", "h", "c", "W_ih", "W_hh", "b_ih", "b_hh")
CASES = [(2, 3, 4, 51), (3, 5, 5, 52), (1, 2, 3, 53)]  # (B, D, H, seed)
SHAPES = ("W_ih는 (4H, D), W_hh는 (4H, H)이므로 네 게이트의 합은 `x @ W_ih.T + b_ih + h @ W_hh.T + b_hh`, "
          "모양 (B, 4H)입니다. 이것을 열 방향으로 네 토막(i, f, g, o) 내세요: `np.split(a, 4, axis=1)`.")


def reference_lstm_step(x: np.ndarray, h: np.ndarray, c: np.ndarray, W_ih: np.ndarray, W_hh: np.ndarray,
                        b_ih: np.ndarray, b_hh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(h_t, c_t) from the package's NumPy engine (rnncourse.scratch.lstm_step), PyTorch's gate order i, f, g, o."""
    params = {"W_ih": W_ih, "W_hh": W_hh, "b_ih": b_ih, "b_hh": b_hh}
    h_t, c_t, _ = _engine_lstm_step(x, h, c, params)
    return h_t, c_t


def make_inputs(batch: int, input_size: int, hidden_size: int, seed: int) -> Arrays:
    """Random float64 test inputs of moderate size, so that no gate is stuck at 0 or 1."""
    rng = check_rng(seed)
    H = hidden_size
    return {"x": rng.normal(0, 1.0, (batch, input_size)), "h": rng.uniform(-0.9, 0.9, (batch, H)),
            "c": rng.normal(0, 1.5, (batch, H)), "W_ih": rng.normal(0, 0.8, (4 * H, input_size)),
            "W_hh": rng.normal(0, 0.6, (4 * H, H)), "b_ih": rng.normal(0, 0.5, 4 * H),
            "b_hh": rng.normal(0, 0.5, 4 * H)}


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _step(p: Arrays, *, order: str = "ifgo", g_act: Callable[[np.ndarray], np.ndarray] = np.tanh,
          keep_old: bool = True, squash_c: bool = True, use_o: bool = True, b_hh: bool = True,
          b_ih: bool = True, old_c_out: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The LSTM step with one thing changed, to recognise a learner's typical slip."""
    a = p["x"] @ p["W_ih"].T + p["h"] @ p["W_hh"].T
    a = a + (p["b_ih"] if b_ih else 0) + (p["b_hh"] if b_hh else 0)
    blocks = dict(zip(order, np.split(a, 4, axis=1)))
    i, f, o = _sigmoid(blocks["i"]), _sigmoid(blocks["f"]), _sigmoid(blocks["o"])
    g = g_act(blocks["g"])
    c = (f * p["c"] if keep_old else 0) + i * g
    shown = p["c"] if old_c_out else c
    h = (o if use_o else 1) * (np.tanh(shown) if squash_c else shown)
    return h, c


def _mistakes(p: Arrays) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Outputs of typical wrong answers, keyed by the Korean explanation of the slip."""
    return {
        "게이트 순서가 i, f, o, g인 것처럼 나눴습니다. PyTorch의 행 블록 순서는 i, f, g, o입니다 "
        "(세 번째가 후보 값 g, 네 번째가 출력 게이트 o).": _step(p, order="ifog"),
        "게이트 순서가 f, i, g, o인 것처럼 나눴습니다. PyTorch는 입력 게이트 i가 첫 번째, 망각 게이트 f가 "
        "두 번째 블록입니다.": _step(p, order="figo"),
        "게이트 순서가 i, g, f, o(TensorFlow의 i, j, f, o 순서)인 것처럼 나눴습니다. PyTorch의 순서는 "
        "i, f, g, o입니다.": _step(p, order="igfo"),
        "후보 값 g에 시그모이드를 썼습니다. 세 게이트 i, f, o는 시그모이드(0~1)이지만, 셀에 써 넣을 값 g는 "
        "tanh(-1~1)입니다.": _step(p, g_act=_sigmoid),
        "이전 셀 상태를 잊었습니다(c_t = i ⊙ g). 컨베이어 벨트는 이어져야 합니다: c_t = f ⊙ c_prev + i ⊙ g.":
            _step(p, keep_old=False),
        "출력에서 tanh를 빠뜨렸습니다(h_t = o ⊙ c_t). 은닉 상태는 h_t = o ⊙ tanh(c_t)입니다.": _step(p, squash_c=False),
        "출력 게이트를 곱하지 않았습니다(h_t = tanh(c_t)). h_t = o ⊙ tanh(c_t)입니다.": _step(p, use_o=False),
        "h_t를 새 셀 상태가 아니라 이전 셀 상태로 계산했습니다. 먼저 c_t를 구하고 h_t = o ⊙ tanh(c_t)로 쓰세요.":
            _step(p, old_c_out=True),
        "편향 b_hh를 더하지 않았습니다. PyTorch의 LSTM은 편향이 두 개(b_ih와 b_hh)이고 둘 다 더합니다.":
            _step(p, b_hh=False),
        "편향 b_ih를 더하지 않았습니다. PyTorch의 LSTM은 편향이 두 개(b_ih와 b_hh)이고 둘 다 더합니다.":
            _step(p, b_ih=False),
    }


def _unpack(result: Any, batch: int, hidden: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    h_new, c_new = expect_tuple(result, ("h_new", "c_new"), where)
    return (expect_shape(h_new, (batch, hidden), f"{where} 반환한 첫 번째 값 h_new"),
            expect_shape(c_new, (batch, hidden), f"{where} 반환한 두 번째 값 c_new"))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return close(a, b, rtol=1e-7, atol=1e-10)


@self_check("LSTM 한 단계 lstm_step")
def lstm_step(fn: Callable[..., Any]) -> str:
    """lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh) must return (h_t, c_t) equal to rnncourse.scratch.lstm_step."""
    for batch, d, hidden, seed in CASES:
        p = make_inputs(batch, d, hidden, seed)
        where = f"B={batch}, D={d}, H={hidden}일 때"
        result = call(fn, tuple(p[k] for k in NAMES), names=NAMES, what=f"{where} LSTM 한 단계", hint=SHAPES)
        h_new, c_new = _unpack(result, batch, hidden, where)
        want_h, want_c = reference_lstm_step(*(p[k] for k in NAMES))
        if _same(h_new, want_c) and _same(c_new, want_h):
            raise CheckFailed(f"{where} h와 c의 자리가 바뀌었습니다. `return h_new, c_new` 순서로 반환하세요.")
        for slip, (wrong_h, wrong_c) in _mistakes(p).items():
            if _same(h_new, wrong_h) and _same(c_new, wrong_c) and not (
                    _same(wrong_h, want_h) and _same(wrong_c, want_c)):
                raise CheckFailed(f"{where} 결과가 다릅니다. {slip}")
        expect_close(c_new, want_c, f"{where} 새 셀 상태 c_new", rtol=1e-6, atol=1e-9,
                     hint="c_t = f ⊙ c_prev + i ⊙ g, 게이트 순서 i, f, g, o, i·f·o는 시그모이드, g는 tanh입니다.")
        expect_close(h_new, want_h, f"{where} 새 은닉 상태 h_new", rtol=1e-6, atol=1e-9,
                     hint="셀 상태는 맞습니다. h_t = o ⊙ tanh(c_t)를 확인하세요.")
    return "게이트 순서 i, f, g, o까지 torch.nn.LSTM과 같은 한 단계입니다."
