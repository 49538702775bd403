"""Lesson 02's self-checks: the reference passes, a stub gets the notice, typical mistakes fail in Korean."""
import math

import numpy as np
import pytest
import torch

from rnncourse.activations import sigmoid
from rnncourse.autograd import Value
from rnncourse.checks import lesson02 as check
from check_helpers import assert_korean_failure, stub


# ---- sigmoid_grad
def ref_sigmoid_grad(x):
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s)


def test_sigmoid_grad_reference_passes(capsys):
    assert check.sigmoid_grad(ref_sigmoid_grad) is True
    assert "✅" in capsys.readouterr().out


def test_sigmoid_grad_torch_answer_passes(capsys):
    assert check.sigmoid_grad(lambda x: torch.sigmoid(torch.as_tensor(x)) * (1 - torch.sigmoid(torch.as_tensor(x))))


def test_sigmoid_grad_stub_gets_notice(capsys):
    assert check.sigmoid_grad(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (lambda x: sigmoid(x), ["σ(x) 자체"]),
    (lambda x: x * (1 - x), ["x(1 − x)"]),
    (lambda x: 1 - sigmoid(x) ** 2, ["tanh"]),
    (lambda x: -ref_sigmoid_grad(x), ["부호"]),
    (lambda x: np.exp(-x) / (1 + np.exp(-x)), ["값이 다릅니다", "힌트"]),
    (lambda x: ref_sigmoid_grad(x).ravel(), ["모양", "(3, 11)", "(33,)"]),
    (lambda x: None, ["None"]),
])
def test_sigmoid_grad_mistakes_fail(wrong, words):
    assert_korean_failure(check.sigmoid_grad, wrong, words)


# ---- tanh_backward
def test_tanh_backward_reference_passes(capsys):
    assert check.tanh_backward(lambda out, g: (1 - out**2) * g) is True
    assert "✅" in capsys.readouterr().out


def test_tanh_backward_stub_gets_notice(capsys):
    assert check.tanh_backward(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (lambda out, g: 1 - out**2, ["grad_out", "연쇄 법칙"]),
    (lambda out, g: (1 - np.tanh(out) ** 2) * g, ["한 번 더"]),
    (lambda out, g: (1 - out) * g, ["제곱"]),
    (lambda out, g: out * (1 - out) * g, ["시그모이드"]),
    (lambda out, g: (1 - out**2) + g, ["더했습니다"]),
    (lambda out, g: (1 - out**2) * g * 2, ["값이 다릅니다"]),
    (lambda out, g: ((1 - out**2) * g).T, ["모양"]),
])
def test_tanh_backward_mistakes_fail(wrong, words):
    assert_korean_failure(check.tanh_backward, wrong, words)


# ---- manual_backward
def ref_manual(x, w, b, y):
    h = math.tanh(w * x + b)
    dh = 2 * (h - y)
    dz = (1 - h * h) * dh
    return {"x": w * dz, "w": x * dz, "b": dz, "y": -dh}


def test_reference_agrees_with_engine_and_torch():
    for point in check._POINTS:
        x, w, b, y = (Value(v) for v in point)
        loss = ((w * x + b).tanh() - y) ** 2
        loss.backward()
        ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in point]
        ((torch.tanh(ts[1] * ts[0] + ts[2]) - ts[3]) ** 2).backward()
        ref = check.reference_manual_backward(*point)
        for key, value, tensor in zip("xwby", (x, w, b, y), ts):
            assert ref[key] == pytest.approx(value.grad, rel=1e-12)
            assert ref[key] == pytest.approx(tensor.grad.item(), rel=1e-12)


def test_manual_backward_reference_passes(capsys):
    assert check.manual_backward(ref_manual) is True
    assert check.manual_backward(lambda *p: {k: np.float64(v) for k, v in ref_manual(*p).items()}) is True
    assert "✅" in capsys.readouterr().out


def test_manual_backward_stub_gets_notice(capsys):
    assert check.manual_backward(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def half(*p):
    return {k: v / 2 for k, v in ref_manual(*p).items()}


def no_tanh_grad(x, w, b, y):
    dz = 2 * (math.tanh(w * x + b) - y)
    return {"x": w * dz, "w": x * dz, "b": dz, "y": -dz}


def swapped(*p):
    g = ref_manual(*p)
    return {**g, "x": g["w"], "w": g["x"]}


def sign_y(*p):
    g = ref_manual(*p)
    return {**g, "y": -g["y"]}


def wrong_b(*p):
    g = ref_manual(*p)
    return {**g, "b": g["b"] * 1.1}


@pytest.mark.parametrize("wrong, words", [
    (half, ["절반", "2"]),
    (no_tanh_grad, ["1 − h²"]),
    (swapped, ["뒤바뀌었습니다"]),
    (sign_y, ["부호"]),
    (wrong_b, ["dL/db", "값이 다릅니다"]),
    (lambda *p: {k: v for k, v in ref_manual(*p).items() if k != "y"}, ["키", "'y'"]),
    (lambda *p: list(ref_manual(*p).values()), ["사전(dict)", "list"]),
    (lambda *p: None, ["None"]),
])
def test_manual_backward_mistakes_fail(wrong, words):
    assert_korean_failure(check.manual_backward, wrong, words)
