"""Self-checks for lesson 02 (활성화 함수와 계산 그래프): sigmoid_grad, tanh_backward, manual_backward."""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np

from rnncourse.activations import sigmoid, sigmoid_grad as _sigmoid_grad
from rnncourse.checks._core import CheckFailed, as_array, as_scalar, call, check_rng, close, expect_close, self_check


def _same(got: Any, candidate: np.ndarray) -> bool:
    """True when ``got`` has the candidate's shape and values (used to recognise a typical mistake)."""
    return close(got, candidate, rtol=1e-6, atol=1e-9)


def _diagnose(got: Any, known_mistakes: Mapping[str, np.ndarray], what: str) -> None:
    """Raise a specific Korean message when ``got`` equals the result of a known mistake."""
    for message, candidate in known_mistakes.items():
        if _same(got, candidate):
            raise CheckFailed(f"{what}의 값이 다릅니다. {message}")


# ---------------------------------------------------------------- exercise 1
@self_check("시그모이드의 도함수 sigmoid_grad")
def sigmoid_grad(fn: Callable[[np.ndarray], Any]) -> str:
    """The learner's sigmoid_grad(x) must equal sigmoid(x) * (1 - sigmoid(x)) elementwise, keeping x's shape."""
    x = np.linspace(-8.0, 8.0, 33).reshape(3, 11)
    got = as_array(call(fn, (x,), names=("x",), what="σ'(x)"), "σ'(x)")
    want = _sigmoid_grad(x)
    s = sigmoid(x)
    _diagnose(got, {
        "σ(x) 자체를 반환했습니다. 도함수는 σ(x)(1 − σ(x))입니다.": s,
        "σ(x) 대신 x를 공식에 넣었습니다(x(1 − x)). 먼저 s = σ(x)를 계산하고 s(1 − s)를 반환하세요.": x * (1 - x),
        "tanh의 도함수 공식(1 − s²)을 쓴 것 같습니다. 시그모이드는 s(1 − s)입니다.": 1 - s**2,
        "부호가 반대입니다. σ(x)는 증가함수라서 기울기가 항상 0보다 큽니다.": -want,
    }, "σ'(x)")
    expect_close(got, want, "σ'(x)", rtol=1e-6, atol=1e-10,
                 hint="σ'(x) = σ(x)(1 − σ(x))입니다. x = 0에서 0.25가 나와야 합니다.")
    at_zero = as_array(call(fn, (np.zeros(1),), names=("x",), what="σ'(0)"), "σ'(0)")
    expect_close(at_zero, np.array([0.25]), "σ'(0)")
    return "σ'(0) = 0.25, 양 끝으로 갈수록 0에 가까워지는 모양까지 맞습니다."


# ---------------------------------------------------------------- exercise 2
@self_check("tanh 노드의 역전파 tanh_backward")
def tanh_backward(fn: Callable[[np.ndarray, np.ndarray], Any]) -> str:
    """tanh_backward(out, grad_out) must return (1 - out**2) * grad_out, where out = tanh(input)."""
    rng = check_rng(2)
    out = np.tanh(rng.normal(0.0, 1.5, size=(2, 5)))
    grad_out = rng.normal(0.0, 1.0, size=(2, 5))
    got = as_array(call(fn, (out, grad_out), names=("out", "grad_out"), what="dL/d입력"), "dL/d입력")
    want = (1 - out**2) * grad_out
    _diagnose(got, {
        "위에서 내려온 기울기 grad_out을 곱하지 않았습니다. 연쇄 법칙: dL/d입력 = (d출력/d입력) × dL/d출력.":
            1 - out**2,
        "out은 이미 tanh를 통과한 값입니다. tanh를 한 번 더 적용하지 말고 1 − out²을 그대로 쓰세요.":
            (1 - np.tanh(out) ** 2) * grad_out,
        "제곱이 빠졌습니다. tanh의 국소 기울기는 1 − out²입니다.": (1 - out) * grad_out,
        "시그모이드의 공식 out(1 − out)을 썼습니다. tanh의 국소 기울기는 1 − out²입니다.": out * (1 - out) * grad_out,
        "국소 기울기와 grad_out을 더했습니다. 연쇄 법칙에서는 둘을 곱합니다.": (1 - out**2) + grad_out,
    }, "dL/d입력")
    expect_close(got, want, "dL/d입력", rtol=1e-6, atol=1e-10,
                 hint="tanh의 국소 기울기 1 − out²에 grad_out을 원소별로 곱하세요.")
    return "국소 기울기 × 위에서 온 기울기, 이것이 모든 노드의 역전파입니다."


# ---------------------------------------------------------------- exercise 3
def reference_manual_backward(x: float, w: float, b: float, y: float) -> dict[str, float]:
    """Gradients of L = (tanh(w*x + b) - y)**2 with respect to x, w, b and y, by the chain rule."""
    h = math.tanh(w * x + b)
    d_h = 2.0 * (h - y)
    d_z = (1.0 - h * h) * d_h
    return {"x": w * d_z, "w": x * d_z, "b": d_z, "y": -d_h}


_POINTS = [(1.5, -0.8, 0.3, 0.2), (-0.7, 1.2, -0.4, -0.5), (2.0, 0.5, 0.1, 0.9)]
_KEYS = ("x", "w", "b", "y")


def _mistakes(x: float, w: float, b: float, y: float) -> dict[str, dict[str, float]]:
    """Gradients a learner gets with one typical slip, each keyed by the Korean explanation of the slip."""
    ref = reference_manual_backward(x, w, b, y)
    h = math.tanh(w * x + b)
    d_z_no_tanh = 2.0 * (h - y)
    return {
        "모든 기울기가 정답의 절반입니다. L = d²이므로 dL/dd = 2d입니다 (2를 빠뜨렸습니다).":
            {k: v / 2 for k, v in ref.items()},
        "tanh의 국소 기울기 (1 − h²)를 곱하지 않았습니다.":
            {"x": w * d_z_no_tanh, "w": x * d_z_no_tanh, "b": d_z_no_tanh, "y": ref["y"]},
        "dL/dw와 dL/dx가 뒤바뀌었습니다. u = w·x에서 ∂u/∂w = x, ∂u/∂x = w입니다.":
            {**ref, "x": ref["w"], "w": ref["x"]},
        "dL/dy의 부호가 반대입니다. d = h − y이므로 ∂d/∂y = −1입니다.": {**ref, "y": -ref["y"]},
    }


@self_check("작은 계산 그래프의 역전파 manual_backward")
def manual_backward(fn: Callable[[float, float, float, float], Any]) -> str:
    """manual_backward(x, w, b, y) must return {'x','w','b','y'} → dL/d· for L = (tanh(w*x + b) - y)**2."""
    for point in _POINTS:
        where = "x={}, w={}, b={}, y={}".format(*point)
        got = call(fn, point, names=_KEYS, what=f"{where}에서의 기울기")
        if got is None:
            raise CheckFailed("함수가 아무것도 반환하지 않았습니다(None). 기울기를 담은 사전(dict)을 `return` 하세요.")
        if not isinstance(got, Mapping):
            raise CheckFailed(f"사전(dict)을 반환해야 합니다. 지금은 {type(got).__name__}을(를) 반환했습니다. "
                              "예: {'x': ..., 'w': ..., 'b': ..., 'y': ...}")
        missing = [k for k in _KEYS if k not in got]
        if missing:
            raise CheckFailed(f"반환한 사전에 키 {missing}가 없습니다. 키는 'x', 'w', 'b', 'y' 네 개입니다.")
        values = {k: np.asarray(as_scalar(got[k], f"{where}에서 dL/d{k}")) for k in _KEYS}
        for slip, wrong in _mistakes(*point).items():
            if all(_same(values[k], np.asarray(wrong[k], dtype=np.float64)) for k in _KEYS):
                raise CheckFailed(f"{where}에서 기울기가 다릅니다. {slip}")
        ref = reference_manual_backward(*point)
        for k in _KEYS:
            expect_close(values[k], np.asarray(ref[k]), f"{where}에서 dL/d{k}", rtol=1e-6, atol=1e-10,
                         hint="출력 쪽부터 dL/dd = 2d, dL/dz = (1 − h²)·dL/dh, 그다음 덧셈과 곱셈 노드 순서로 내려가세요.")
    return f"{len(_POINTS)}개 지점에서 네 기울기가 모두 맞습니다."
