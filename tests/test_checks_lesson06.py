"""Lesson 06's self-check: the reference passes, a stub gets the notice, typical GRU-step mistakes fail in Korean."""
import numpy as np
import pytest
import torch

from rnncourse.checks import lesson06 as check
from check_helpers import assert_korean_failure, stub


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def variant(order="rzn", swap=False, cho=False, outside=False, no_reset=False, n_act=np.tanh):
    def step(x, h, W_ih, W_hh, b_ih, b_hh):
        xr, xz, xn = (dict(zip(order, np.split(x @ W_ih.T + b_ih, 3, axis=1)))[k] for k in "rzn")
        W = dict(zip(order, np.split(W_hh, 3, axis=0)))
        b = dict(zip(order, np.split(b_hh, 3)))
        r = sigmoid(xr + h @ W["r"].T + b["r"])
        z = sigmoid(xz + h @ W["z"].T + b["z"])
        if cho:
            inner = (r * h) @ W["n"].T + b["n"]
        elif outside:
            inner = r * (h @ W["n"].T) + b["n"]
        elif no_reset:
            inner = h @ W["n"].T + b["n"]
        else:
            inner = r * (h @ W["n"].T + b["n"])
        n = n_act(xn + inner)
        return z * n + (1 - z) * h if swap else (1 - z) * n + z * h
    return step


ref = variant()




def test_reference_agrees_with_torch_gru_cell():
    p = check.make_inputs(3, 4, 5, seed=0)
    cell = torch.nn.GRUCell(4, 5, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(p["W_ih"]))
        cell.weight_hh.copy_(torch.tensor(p["W_hh"]))
        cell.bias_ih.copy_(torch.tensor(p["b_ih"]))
        cell.bias_hh.copy_(torch.tensor(p["b_hh"]))
        h_t = cell(torch.tensor(p["x"]), torch.tensor(p["h"]))
    np.testing.assert_allclose(check.reference_gru_step(*(p[k] for k in check.NAMES)), h_t.numpy(),
                               rtol=1e-12, atol=1e-14)


def test_reference_passes(capsys):
    assert check.gru_step(ref) is True
    assert "✅" in capsys.readouterr().out


def test_torch_answer_passes():
    def torch_step(x, h, W_ih, W_hh, b_ih, b_hh):
        t = [torch.tensor(v) for v in (x, h, W_ih, W_hh, b_ih, b_hh)]
        xr, xz, xn = (t[0] @ t[2].T + t[4]).chunk(3, dim=1)
        hr, hz, hn = (t[1] @ t[3].T + t[5]).chunk(3, dim=1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        return (1 - z) * torch.tanh(xn + r * hn) + z * t[1]
    assert check.gru_step(torch_step) is True


def test_stub_gets_notice(capsys):
    assert check.gru_step(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (variant(swap=True), ["z와 1 − z"]),
    (variant(cho=True), ["Cho", "W_hn (r ⊙ h)"]),
    (variant(outside=True), ["b_hn", "바깥"]),
    (variant(no_reset=True), ["리셋 게이트 r을 곱하지"]),
    (variant(order="zrn"), ["게이트 순서", "r, z, n"]),
    (variant(n_act=sigmoid), ["후보 값 n", "tanh"]),
    (lambda x, h, W_ih, W_hh, b_ih, b_hh: ref(x, h, W_ih, W_hh, b_ih, 0 * b_hh), ["b_hh"]),
    (lambda *a: (ref(*a), None), ["h_new 하나만"]),
    (lambda *a: None, ["None"]),
    (lambda *a: ref(*a)[:, :-1], ["모양"]),
    (lambda x, h, W_ih, W_hh, b_ih, b_hh: ref(x, h, W_ih.T, W_hh, b_ih, b_hh), ["오류", "W_ih"]),
    (lambda *a: ref(*a) * 1.01, ["h_new", "값이 다릅니다"]),
])
def test_mistakes_fail_in_korean(wrong, words):
    assert_korean_failure(check.gru_step, wrong, words)


def test_in_place_edit_is_reported():
    def in_place(x, h, W_ih, W_hh, b_ih, b_hh):
        out = ref(x, h, W_ih, W_hh, b_ih, b_hh)
        h[...] = out
        return out
    assert_korean_failure(check.gru_step, in_place, ["제자리"])


# ---------------------------------------------------------------- 심화: gru_step_backward
def _loss(p):
    return float((check.reference_gru_step(*(p[k] for k in check.NAMES)) * p["dh"]).sum())


def test_backward_reference_agrees_with_finite_differences():
    p = check.make_backward_inputs(2, 3, 4, seed=1)
    grads = check.reference_gru_step_backward(*(p[k] for k in check.BACKWARD_NAMES))
    for key, name in zip(check.GRAD_KEYS, ("x", "h", "W_ih", "W_hh", "b_ih", "b_hh")):
        numeric = np.zeros_like(p[name])
        for idx in np.ndindex(p[name].shape):
            for sign in (1, -1):
                q = {k: v.copy() for k, v in p.items()}
                q[name][idx] += sign * 1e-6
                numeric[idx] += sign * _loss(q) / 2e-6
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-5, atol=1e-7)


def slip_backward(**flags):
    def answer(x, h, W_ih, W_hh, b_ih, b_hh, dh):
        return check._step_backward(dict(zip(check.BACKWARD_NAMES, (x, h, W_ih, W_hh, b_ih, b_hh, dh))), **flags)
    return answer


def test_backward_own_formula_passes():
    assert check.gru_step_backward(slip_backward()) is True


@pytest.mark.parametrize("flags, words", [
    ({"z_path": False}, ["dh ⊙ z"]),
    ({"r_on_hn": False}, ["d_n ⊙ r"]),
    ({"hn_in_dr": False}, ["리셋 게이트의 기울기"]),
    ({"swap_z": True}, ["z와 1 − z"]),
])
def test_backward_slips_are_named(flags, words):
    assert_korean_failure(check.gru_step_backward, slip_backward(**flags), words)


@pytest.mark.parametrize("wrong, words", [
    (lambda *a: None, ["None"]),
    (lambda *a: tuple(check.reference_gru_step_backward(*a).values()), ["사전(dict)", "tuple"]),
    (lambda *a: {k: v for k, v in check.reference_gru_step_backward(*a).items() if k != "h_prev"}, ["h_prev"]),
])
def test_backward_wrong_forms_fail(wrong, words):
    assert_korean_failure(check.gru_step_backward, wrong, words)
