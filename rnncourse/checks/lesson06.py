"""Self-checks for lesson 06 (GRU): one GRU step in PyTorch's gate order and reset placement.

Convention of the exercise (NumPy, PyTorch's layout): x (B, D), h (B, H), W_ih (3H, D), W_hh (3H, H),
b_ih and b_hh (3H,), row blocks in the order r, z, n; the function returns h_t (B, H).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from rnncourse.checks._core import CheckFailed, call, check_rng, close, expect_close, expect_shape, self_check
from rnncourse.scratch import gru_step as _engine_gru_step

Arrays = dict[str, np.ndarray]
NAMES = ("x", "h", "W_ih", "W_hh", "b_ih", "b_hh")
CASES = [(2, 3, 4, 61), (3, 5, 5, 62), (1, 2, 3, 63)]  # (B, D, H, seed)
SHAPES = ("W_ih는 (3H, D), W_hh는 (3H, H)입니다. 입력 쪽 `x @ W_ih.T + b_ih`와 순환 쪽 `h @ W_hh.T + b_hh`를 "
          "따로 계산해 각각 `np.split(..., 3, axis=1)`로 (r, z, n) 세 토막을 내세요.")


def reference_gru_step(x: np.ndarray, h: np.ndarray, W_ih: np.ndarray, W_hh: np.ndarray, b_ih: np.ndarray,
                       b_hh: np.ndarray) -> np.ndarray:
    """h_t from the package's NumPy engine (rnncourse.scratch.gru_step): PyTorch's order r, z, n and reset placement."""
    h_t, _ = _engine_gru_step(x, h, {"W_ih": W_ih, "W_hh": W_hh, "b_ih": b_ih, "b_hh": b_hh})
    return h_t


def make_inputs(batch: int, input_size: int, hidden_size: int, seed: int) -> Arrays:
    """Random float64 test inputs of moderate size, so that no gate is stuck at 0 or 1."""
    rng = check_rng(seed)
    H = hidden_size
    return {"x": rng.normal(0, 1.0, (batch, input_size)), "h": rng.uniform(-0.9, 0.9, (batch, H)),
            "W_ih": rng.normal(0, 0.8, (3 * H, input_size)), "W_hh": rng.normal(0, 0.7, (3 * H, H)),
            "b_ih": rng.normal(0, 0.5, 3 * H), "b_hh": rng.normal(0, 0.8, 3 * H)}


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _step(p: Arrays, *, order: str = "rzn", swap_z: bool = False, cho: bool = False, bias_outside: bool = False,
          no_reset: bool = False, n_act: Callable[[np.ndarray], np.ndarray] = np.tanh, b_hh: bool = True,
          ) -> np.ndarray:
    """The GRU step with one thing changed, to recognise a learner's typical slip."""
    xi = dict(zip(order, np.split(p["x"] @ p["W_ih"].T + p["b_ih"], 3, axis=1)))
    W = dict(zip(order, np.split(p["W_hh"], 3, axis=0)))
    b = dict(zip(order, np.split(p["b_hh"] if b_hh else np.zeros_like(p["b_hh"]), 3)))
    h = p["h"]
    r = _sigmoid(xi["r"] + h @ W["r"].T + b["r"])
    z = _sigmoid(xi["z"] + h @ W["z"].T + b["z"])
    if cho:
        inner = (r * h) @ W["n"].T + b["n"]
    elif bias_outside:
        inner = r * (h @ W["n"].T) + b["n"]
    elif no_reset:
        inner = h @ W["n"].T + b["n"]
    else:
        inner = r * (h @ W["n"].T + b["n"])
    n = n_act(xi["n"] + inner)
    return z * n + (1 - z) * h if swap_z else (1 - z) * n + z * h


def _mistakes(p: Arrays) -> dict[str, np.ndarray]:
    """Outputs of typical wrong answers, keyed by the Korean explanation of the slip."""
    return {
        "z와 1 − z의 자리가 바뀌었습니다. PyTorch에서는 z가 '옛 상태를 남기는' 몫입니다: "
        "h_t = (1 − z) ⊙ n + z ⊙ h_prev.": _step(p, swap_z=True),
        "리셋 게이트를 Cho 외(2014) 원 논문처럼 행렬 곱 앞에 적용했습니다(W_hn (r ⊙ h)). PyTorch는 행렬 곱과 편향 "
        "뒤에 곱합니다: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).": _step(p, cho=True),
        "편향 b_hn을 리셋 게이트 바깥에서 더했습니다. PyTorch에서는 b_hn도 r과 곱해집니다: "
        "r ⊙ (W_hn h + b_hn).": _step(p, bias_outside=True),
        "후보 값 n을 만들 때 리셋 게이트 r을 곱하지 않았습니다. n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).":
            _step(p, no_reset=True),
        "게이트 순서가 z, r, n인 것처럼 나눴습니다. PyTorch의 행 블록 순서는 r, z, n입니다 "
        "(첫 번째가 리셋 게이트).": _step(p, order="zrn"),
        "후보 값 n에 시그모이드를 썼습니다. 두 게이트 r, z는 시그모이드이지만 후보 값 n은 tanh입니다.":
            _step(p, n_act=_sigmoid),
        "편향 b_hh를 더하지 않았습니다. PyTorch의 GRU는 편향이 두 개(b_ih와 b_hh)입니다.": _step(p, b_hh=False),
    }


def _call(fn: Callable[..., Any], p: Arrays, where: str) -> Any:
    """Call the learner's function on copies (the protocol of checks._core); GRU returns one state, not a tuple."""
    result = call(fn, tuple(p[k] for k in NAMES), names=NAMES, what=f"{where} GRU 한 단계", hint=SHAPES)
    if isinstance(result, (tuple, list)):
        raise CheckFailed(f"{type(result).__name__}(값 {len(result)}개)이 반환되었습니다. GRU의 상태는 하나뿐이니 "
                          "새 은닉 상태 h_new 하나만 반환하세요.")
    return result


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return close(a, b, rtol=1e-7, atol=1e-10)


@self_check("GRU 한 단계 gru_step")
def gru_step(fn: Callable[..., Any]) -> str:
    """gru_step(x, h, W_ih, W_hh, b_ih, b_hh) must return h_t equal to rnncourse.scratch.gru_step."""
    for batch, d, hidden, seed in CASES:
        p = make_inputs(batch, d, hidden, seed)
        where = f"B={batch}, D={d}, H={hidden}일 때"
        got = expect_shape(_call(fn, p, where), (batch, hidden), f"{where} 반환한 h_new")
        want = reference_gru_step(*(p[k] for k in NAMES))
        for slip, wrong in _mistakes(p).items():
            if _same(got, wrong) and not _same(wrong, want):
                raise CheckFailed(f"{where} 결과가 다릅니다. {slip}")
        expect_close(got, want, f"{where} 새 은닉 상태 h_new", rtol=1e-6, atol=1e-9,
                     hint="게이트 순서 r, z, n, r·z는 시그모이드, n은 tanh, "
                          "n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h입니다.")
    return "게이트 순서 r, z, n과 리셋 게이트의 자리까지 torch.nn.GRU와 같은 한 단계입니다."
