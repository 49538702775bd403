"""Self-checks for lesson 06 (GRU): one GRU step in PyTorch's gate order and reset placement.

Convention of the exercise (NumPy, PyTorch's layout): x (B, D), h (B, H), W_ih (3H, D), W_hh (3H, H),
b_ih and b_hh (3H,), row blocks in the order r, z, n; the function returns h_t (B, H).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from rnncourse.checks._core import CheckFailed, call, check_rng, close, expect_close, expect_shape, self_check
from rnncourse.scratch import gru_backward as _engine_gru_backward
from rnncourse.scratch import gru_forward as _engine_gru_forward
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


# ---------------------------------------------------------------- 심화: one GRU step backwards
GRAD_KEYS = ("x", "h_prev", "W_ih", "W_hh", "b_ih", "b_hh")
BACKWARD_NAMES = (*NAMES, "dh")
BACKWARD_CASES = [(2, 3, 4, 65), (3, 5, 5, 66), (1, 2, 3, 67)]  # (B, D, H, seed)


def reference_gru_step_backward(x: np.ndarray, h: np.ndarray, W_ih: np.ndarray, W_hh: np.ndarray, b_ih: np.ndarray,
                                b_hh: np.ndarray, dh: np.ndarray) -> dict[str, np.ndarray]:
    """Gradients of one GRU step given dL/dh_t, from the NumPy engine's BPTT run over one step."""
    params = {"W_ih": W_ih, "W_hh": W_hh, "b_ih": b_ih, "b_hh": b_hh}
    _, _, cache = _engine_gru_forward(x[None], h, params)
    grads = _engine_gru_backward(dh[None], None, cache)
    return {"x": grads["x"][0], "h_prev": grads["h0"], **{k: grads[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}}


def make_backward_inputs(batch: int, input_size: int, hidden_size: int, seed: int) -> Arrays:
    """The step's inputs (as for gru_step) and the gradient dh arriving at h_t."""
    p = make_inputs(batch, input_size, hidden_size, seed)
    p["dh"] = check_rng(seed + 100).normal(0, 1.0, (batch, hidden_size))
    return p


def _step_backward(p: Arrays, *, z_path: bool = True, r_on_hn: bool = True, hn_in_dr: bool = True,
                   swap_z: bool = False) -> dict[str, np.ndarray]:
    """One GRU step backwards with one thing changed, to recognise a learner's typical slip."""
    x_r, x_z, x_n = np.split(p["x"] @ p["W_ih"].T + p["b_ih"], 3, axis=1)
    h_r, h_z, hn = np.split(p["h"] @ p["W_hh"].T + p["b_hh"], 3, axis=1)
    r, z = _sigmoid(x_r + h_r), _sigmoid(x_z + h_z)
    n = np.tanh(x_n + r * hn)
    dh = p["dh"]
    keep, take = (1 - z, z) if swap_z else (z, 1 - z)  # h_t = take ⊙ n + keep ⊙ h_prev
    d_n = dh * take * (1 - n ** 2)
    d_z = dh * (p["h"] - n) * z * (1 - z) * (-1 if swap_z else 1)
    d_r = d_n * (hn if hn_in_dr else 1.0) * r * (1 - r)
    da_x = np.concatenate([d_r, d_z, d_n], axis=1)
    da_h = np.concatenate([d_r, d_z, d_n * r if r_on_hn else d_n], axis=1)
    return {"x": da_x @ p["W_ih"], "h_prev": (dh * keep if z_path else 0.0) + da_h @ p["W_hh"],
            "W_ih": da_x.T @ p["x"], "W_hh": da_h.T @ p["h"], "b_ih": da_x.sum(0), "b_hh": da_h.sum(0)}


BACKWARD_SLIPS = {
    "h_prev로 곧장 가는 길(z ⊙ h_prev 항)의 기울기 dh ⊙ z를 더하지 않았습니다. h_prev는 게이트와 후보 값을 거쳐서도, "
    "h_t = … + z ⊙ h_prev로 곧장도 쓰입니다.": {"z_path": False},
    "순환 쪽 후보 값 합(W_hn h + b_hn)의 기울기에 리셋 게이트 r을 곱하지 않았습니다. n = tanh(… + r ⊙ (W_hn h + b_hn))이므로 "
    "그 합으로 가는 기울기는 d_n ⊙ r입니다.": {"r_on_hn": False},
    "리셋 게이트의 기울기에 (W_hn h + b_hn)을 곱하지 않았습니다. ∂n의 합/∂r = W_hn h + b_hn입니다.": {"hn_in_dr": False},
    "z와 1 − z의 역할을 바꿨습니다. PyTorch에서는 h_t = (1 − z) ⊙ n + z ⊙ h_prev입니다.": {"swap_z": True},
}


@self_check("심화: GRU 한 단계의 역전파 gru_step_backward", kind="심화")
def gru_step_backward(fn: Callable[..., Any]) -> str:
    """gru_step_backward(x, h, W_ih, W_hh, b_ih, b_hh, dh) must return the gradients GRAD_KEYS of one step,
    equal to the NumPy engine's BPTT (rnncourse.scratch.gru_backward) over that step."""
    for batch, d, hidden, seed in BACKWARD_CASES:
        p = make_backward_inputs(batch, d, hidden, seed)
        where = f"B={batch}, D={d}, H={hidden}일 때"
        result = call(fn, tuple(p[k] for k in BACKWARD_NAMES), names=BACKWARD_NAMES, what=f"{where} 역전파",
                      hint="순전파를 다시 계산해 r, z, n과 W_hn h + b_hn을 구한 뒤 출력 쪽부터 거꾸로 내려가세요.")
        want = reference_gru_step_backward(*(p[k] for k in BACKWARD_NAMES))
        got = _collect_grads(result, want, where)
        for slip, flags in BACKWARD_SLIPS.items():
            wrong = _step_backward(p, **flags)
            if all(close(got[k], wrong[k], rtol=1e-7, atol=1e-10) for k in GRAD_KEYS):
                raise CheckFailed(f"{where} 기울기가 다릅니다. {slip}")
        for key in GRAD_KEYS:
            expect_close(got[key], want[key], f"{where} {key}의 기울기", rtol=1e-6, atol=1e-9,
                         hint="d_n = dh ⊙ (1−z) ⊙ (1−n²), d_z = dh ⊙ (h_prev − n) ⊙ z(1−z), "
                              "d_r = d_n ⊙ (W_hn h + b_hn) ⊙ r(1−r); 순환 쪽 n 토막의 기울기는 d_n ⊙ r입니다.")
    return "엔진의 BPTT와 같은 여섯 기울기입니다. z ⊙ h_prev로 곧장 가는 길이 GRU의 기울기 고속도로입니다."


def _collect_grads(got: Any, want: dict[str, np.ndarray], where: str) -> dict[str, np.ndarray]:
    """The learner's gradient dict, checked for type, keys and shapes before any value is compared."""
    if got is None:
        raise CheckFailed(f"{where}: 함수가 아무것도 반환하지 않았습니다(None). 기울기를 담은 사전(dict)을 `return` 하세요.")
    if not isinstance(got, dict):
        raise CheckFailed(f"{where}: 사전(dict)을 반환해야 합니다. 지금은 {type(got).__name__}을(를) 반환했습니다. "
                          f"키는 {list(want)}입니다.")
    missing = [k for k in want if k not in got]
    if missing:
        raise CheckFailed(f"{where}: 반환한 사전에 키 {missing}가 없습니다. 키는 {list(want)}입니다.")
    return {k: expect_shape(got[k], v.shape, f"{where} {k}의 기울기") for k, v in want.items()}
