"""Lesson 05's self-check: the reference passes, a stub gets the notice, typical LSTM-step mistakes fail in Korean."""
import numpy as np
import pytest
import torch

from rnncourse.checks import lesson05 as check
from check_helpers import assert_korean_failure, stub


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def ref(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = np.split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, 4, axis=1)
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_new), c_new


def variant(order="ifgo", g_act=np.tanh, keep=True, squash=True, use_o=True, b_hh=True):
    def step(x, h, c, W_ih, W_hh, b_ih, b_hh_):
        a = x @ W_ih.T + b_ih + h @ W_hh.T + (b_hh_ if b_hh else 0)
        blocks = dict(zip(order, np.split(a, 4, axis=1)))
        i, f, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), sigmoid(blocks["o"])
        c_new = (f * c if keep else 0) + i * g_act(blocks["g"])
        return (o if use_o else 1) * (np.tanh(c_new) if squash else c_new), c_new
    return step




def test_reference_agrees_with_torch_lstm_cell():
    p = check.make_inputs(3, 4, 5, seed=0)
    cell = torch.nn.LSTMCell(4, 5, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(p["W_ih"]))
        cell.weight_hh.copy_(torch.tensor(p["W_hh"]))
        cell.bias_ih.copy_(torch.tensor(p["b_ih"]))
        cell.bias_hh.copy_(torch.tensor(p["b_hh"]))
        h_t, c_t = cell(torch.tensor(p["x"]), (torch.tensor(p["h"]), torch.tensor(p["c"])))
    want_h, want_c = check.reference_lstm_step(*(p[k] for k in check.NAMES))
    np.testing.assert_allclose(want_h, h_t.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(want_c, c_t.numpy(), rtol=1e-12, atol=1e-14)


def test_reference_passes(capsys):
    assert check.lstm_step(ref) is True
    assert "✅" in capsys.readouterr().out


def test_torch_answer_passes(capsys):
    def torch_step(x, h, c, W_ih, W_hh, b_ih, b_hh):
        t = {k: torch.tensor(v) for k, v in zip(check.NAMES, (x, h, c, W_ih, W_hh, b_ih, b_hh))}
        i, f, g, o = (t["x"] @ t["W_ih"].T + t["b_ih"] + t["h"] @ t["W_hh"].T + t["b_hh"]).chunk(4, dim=1)
        c_new = torch.sigmoid(f) * t["c"] + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
    assert check.lstm_step(torch_step) is True


def test_stub_gets_notice(capsys):
    assert check.lstm_step(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (variant(order="ifog"), ["게이트 순서", "i, f, g, o"]),
    (variant(order="figo"), ["게이트 순서", "f, i, g, o"]),
    (variant(order="igfo"), ["TensorFlow"]),
    (variant(g_act=sigmoid), ["후보 값 g", "tanh"]),
    (variant(keep=False), ["이전 셀 상태", "f ⊙ c_prev"]),
    (variant(squash=False), ["tanh를 빠뜨렸습니다"]),
    (variant(use_o=False), ["출력 게이트"]),
    (variant(b_hh=False), ["b_hh"]),
    (lambda *a: ref(*a)[::-1], ["자리가 바뀌었습니다"]),
    (lambda *a: ref(*a)[0], ["2개 값", "ndarray"]),
    (lambda *a: (ref(*a)[0][:, :-1], ref(*a)[1]), ["모양", "h_new"]),
    (lambda *a: None, ["None"]),
    (lambda *a: (*ref(*a), 0), ["2개 값"]),
    (lambda x, h, c, W_ih, W_hh, b_ih, b_hh: ref(x, h, c, W_ih.T, W_hh, b_ih, b_hh), ["오류", "W_ih"]),
    (lambda *a: (ref(*a)[0] * 1.01, ref(*a)[1]), ["h_new", "값이 다릅니다"]),
])
def test_mistakes_fail_in_korean(wrong, words):
    assert_korean_failure(check.lstm_step, wrong, words)


def test_in_place_edit_is_reported():
    def in_place(x, h, c, W_ih, W_hh, b_ih, b_hh):
        h_new, c_new = ref(x, h, c, W_ih, W_hh, b_ih, b_hh)
        c[...] = c_new
        return h_new, c_new
    assert_korean_failure(check.lstm_step, in_place, ["제자리"])


# ---------------------------------------------------------------- 심화: lstm_step_backward
def _loss(p):
    h_t, c_t = check.reference_lstm_step(*(p[k] for k in check.NAMES))
    return float((h_t * p["dh"]).sum() + (c_t * p["dc"]).sum())


def test_backward_reference_agrees_with_finite_differences():
    p = check.make_backward_inputs(2, 3, 4, seed=1)
    grads = check.reference_lstm_step_backward(*(p[k] for k in check.BACKWARD_NAMES))
    for key, name in zip(check.GRAD_KEYS, ("x", "h", "c", "W_ih", "W_hh", "b_ih", "b_hh")):
        numeric = np.zeros_like(p[name])
        for idx in np.ndindex(p[name].shape):
            for sign in (1, -1):
                q = {k: v.copy() for k, v in p.items()}
                q[name][idx] += sign * 1e-6
                numeric[idx] += sign * _loss(q) / 2e-6
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-5, atol=1e-7)


def slip_backward(**flags):
    def answer(x, h, c, W_ih, W_hh, b_ih, b_hh, dh, dc):
        p = dict(zip(check.BACKWARD_NAMES, (x, h, c, W_ih, W_hh, b_ih, b_hh, dh, dc)))
        return check._step_backward(p, **flags)
    return answer


def test_backward_own_formula_passes():
    assert check.lstm_step_backward(slip_backward()) is True


@pytest.mark.parametrize("flags, words", [
    ({"tanh_grad": False}, ["tanh의 도함수"]),
    ({"use_dc": False}, ["dc를 더하지"]),
    ({"f_to_c_prev": False}, ["망각 게이트 f를 곱하지"]),
    ({"sigmoid_grad": False}, ["s(1 − s)"]),
    ({"c_for_f": "c_new"}, ["c_prev 대신"]),
])
def test_backward_slips_are_named(flags, words):
    assert_korean_failure(check.lstm_step_backward, slip_backward(**flags), words)


@pytest.mark.parametrize("wrong, words", [
    (lambda *a: None, ["None"]),
    (lambda *a: list(check.reference_lstm_step_backward(*a).values()), ["사전(dict)", "list"]),
    (lambda *a: {k: v for k, v in check.reference_lstm_step_backward(*a).items() if k != "c_prev"}, ["c_prev"]),
    (lambda *a: {**check.reference_lstm_step_backward(*a), "b_ih": check.reference_lstm_step_backward(*a)["b_ih"][None]},
     ["모양", "b_ih"]),
])
def test_backward_wrong_forms_fail(wrong, words):
    assert_korean_failure(check.lstm_step_backward, wrong, words)
