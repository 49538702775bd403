"""Self-checks for lesson 05 (LSTM): one LSTM step in PyTorch's gate order, checked against the NumPy engine.

Convention of the exercise (NumPy, PyTorch's layout): x (B, D), h and c (B, H), W_ih (4H, D), W_hh (4H, H),
b_ih and b_hh (4H,), row blocks in the order i, f, g, o; the function returns (h_t, c_t).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from rnncourse.checks._core import (CheckFailed, call, check_rng, close, expect_close, expect_shape, expect_tuple,
                                   self_check)
from rnncourse.scratch import lstm_backward as _engine_lstm_backward
from rnncourse.scratch import lstm_forward as _engine_lstm_forward
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


# ---------------------------------------------------------------- 심화: one LSTM step backwards
GRAD_KEYS = ("x", "h_prev", "c_prev", "W_ih", "W_hh", "b_ih", "b_hh")
BACKWARD_NAMES = (*NAMES, "dh", "dc")
BACKWARD_CASES = [(2, 3, 4, 55), (3, 5, 5, 56), (1, 2, 3, 57)]  # (B, D, H, seed)


def reference_lstm_step_backward(x: np.ndarray, h: np.ndarray, c: np.ndarray, W_ih: np.ndarray, W_hh: np.ndarray,
                                 b_ih: np.ndarray, b_hh: np.ndarray, dh: np.ndarray, dc: np.ndarray
                                 ) -> dict[str, np.ndarray]:
    """Gradients of one LSTM step given dL/dh_t and dL/dc_t, from the NumPy engine's BPTT run over one step."""
    params = {"W_ih": W_ih, "W_hh": W_hh, "b_ih": b_ih, "b_hh": b_hh}
    _, _, cache = _engine_lstm_forward(x[None], h, c, params)
    grads = _engine_lstm_backward(dh[None], None, dc, cache)
    return {"x": grads["x"][0], "h_prev": grads["h0"], "c_prev": grads["c0"],
            **{k: grads[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}}


def make_backward_inputs(batch: int, input_size: int, hidden_size: int, seed: int) -> Arrays:
    """The step's inputs (as for lstm_step) and the gradients dh, dc arriving from above and from the next step."""
    p = make_inputs(batch, input_size, hidden_size, seed)
    rng = check_rng(seed + 100)
    p["dh"] = rng.normal(0, 1.0, (batch, hidden_size))
    p["dc"] = rng.normal(0, 1.0, (batch, hidden_size))
    return p


def _step_backward(p: Arrays, *, tanh_grad: bool = True, use_dc: bool = True, f_to_c_prev: bool = True,
                   sigmoid_grad: bool = True, c_for_f: str = "c_prev") -> dict[str, np.ndarray]:
    """One LSTM step backwards with one thing changed, to recognise a learner's typical slip."""
    a = p["x"] @ p["W_ih"].T + p["b_ih"] + p["h"] @ p["W_hh"].T + p["b_hh"]
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
    c_new = f * p["c"] + i * g
    tc = np.tanh(c_new)
    dc = (p["dc"] if use_dc else 0.0) + p["dh"] * o * ((1 - tc ** 2) if tanh_grad else 1.0)
    sig = (lambda s: s * (1 - s)) if sigmoid_grad else (lambda s: 1.0)
    c_used = p["c"] if c_for_f == "c_prev" else c_new
    da = np.concatenate([dc * g * sig(i), dc * c_used * sig(f), dc * i * (1 - g ** 2), p["dh"] * tc * sig(o)], axis=1)
    return {"x": da @ p["W_ih"], "h_prev": da @ p["W_hh"], "c_prev": dc * f if f_to_c_prev else dc,
            "W_ih": da.T @ p["x"], "W_hh": da.T @ p["h"], "b_ih": da.sum(0), "b_hh": da.sum(0)}


BACKWARD_SLIPS = {
    "tanh의 도함수를 빠뜨렸습니다. h_t = o ⊙ tanh(c_t)이므로 c_t로 가는 기울기는 dh ⊙ o ⊙ (1 − tanh²(c_t))입니다.":
        {"tanh_grad": False},
    "다음 시점에서 온 셀 기울기 dc를 더하지 않았습니다. c_t는 h_t를 거쳐서도, 다음 시점의 셀로도 쓰이므로 "
    "dc_t = dc + dh ⊙ o ⊙ (1 − tanh²(c_t))입니다.": {"use_dc": False},
    "c_prev의 기울기에 망각 게이트 f를 곱하지 않았습니다. c_t = f ⊙ c_prev + …이므로 dL/dc_prev = dc_t ⊙ f입니다.":
        {"f_to_c_prev": False},
    "시그모이드 게이트(i, f, o)의 도함수 s(1 − s)를 곱하지 않았습니다. 게이트의 '합'(활성화 전 값)까지 "
    "내려가야 가중치의 기울기를 얻습니다.": {"sigmoid_grad": False},
    "망각 게이트의 기울기에 c_prev 대신 새 셀 상태 c_t를 곱했습니다. ∂c_t/∂f = c_prev입니다.": {"c_for_f": "c_new"},
}


def _collect_grads(got: Any, keys: tuple[str, ...], shapes: dict[str, tuple[int, ...]], where: str
                   ) -> dict[str, np.ndarray]:
    """The learner's gradient dict, checked for type, keys and shapes before any value is compared."""
    if got is None:
        raise CheckFailed(f"{where}: 함수가 아무것도 반환하지 않았습니다(None). 기울기를 담은 사전(dict)을 `return` 하세요.")
    if not isinstance(got, dict):
        raise CheckFailed(f"{where}: 사전(dict)을 반환해야 합니다. 지금은 {type(got).__name__}을(를) 반환했습니다. "
                          f"키는 {list(keys)}입니다.")
    missing = [k for k in keys if k not in got]
    if missing:
        raise CheckFailed(f"{where}: 반환한 사전에 키 {missing}가 없습니다. 키는 {list(keys)}입니다.")
    return {k: expect_shape(got[k], shapes[k], f"{where} {k}의 기울기") for k in keys}


@self_check("심화: LSTM 한 단계의 역전파 lstm_step_backward", kind="심화")
def lstm_step_backward(fn: Callable[..., Any]) -> str:
    """lstm_step_backward(x, h, c, W_ih, W_hh, b_ih, b_hh, dh, dc) must return the gradients GRAD_KEYS of one step,
    equal to the NumPy engine's BPTT (rnncourse.scratch.lstm_backward) over that step."""
    for batch, d, hidden, seed in BACKWARD_CASES:
        p = make_backward_inputs(batch, d, hidden, seed)
        where = f"B={batch}, D={d}, H={hidden}일 때"
        result = call(fn, tuple(p[k] for k in BACKWARD_NAMES), names=BACKWARD_NAMES, what=f"{where} 역전파",
                      hint="순전파를 다시 계산해 게이트 i, f, g, o와 c_t를 구한 뒤 출력 쪽부터 거꾸로 내려가세요.")
        want = reference_lstm_step_backward(*(p[k] for k in BACKWARD_NAMES))
        got = _collect_grads(result, GRAD_KEYS, {k: v.shape for k, v in want.items()}, where)
        for slip, flags in BACKWARD_SLIPS.items():
            wrong = _step_backward(p, **flags)
            if all(close(got[k], wrong[k], rtol=1e-7, atol=1e-10) for k in GRAD_KEYS):
                raise CheckFailed(f"{where} 기울기가 다릅니다. {slip}")
        for key in GRAD_KEYS:
            expect_close(got[key], want[key], f"{where} {key}의 기울기", rtol=1e-6, atol=1e-9,
                         hint="dc_t = dc + dh ⊙ o ⊙ (1 − tanh²(c_t)); 게이트 합의 기울기 da = [dc_t ⊙ g ⊙ i(1−i), "
                              "dc_t ⊙ c_prev ⊙ f(1−f), dc_t ⊙ i ⊙ (1−g²), dh ⊙ tanh(c_t) ⊙ o(1−o)] 순서(i, f, g, o)를 "
                              "확인하세요.")
    return "엔진의 BPTT와 같은 일곱 기울기입니다. 셀 상태로 가는 길(dc ⊙ f)이 LSTM의 기울기 고속도로입니다."
