"""Lesson 03's self-check: the reference passes, a stub gets the notice, typical BPTT slips fail in Korean."""
import numpy as np
import pytest
import torch

from rnncourse.checks import lesson03 as check
from rnncourse.scratch import to_torch
from check_helpers import assert_korean_failure, stub



def learner_answer(x, h0, params, d_out):
    """What the notebook's solution does: forward loop keeping every state, then the reversed loop."""
    W_ih, W_hh, b_ih, b_hh = (params[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh"))
    h = [h0]
    for t in range(len(x)):
        h.append(np.tanh(x[t] @ W_ih.T + b_ih + h[t] @ W_hh.T + b_hh))
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(len(x))):
        delta = (1 - h[t + 1] ** 2) * (d_out[t] + dh_next)
        grads["W_ih"] += delta.T @ x[t]
        grads["W_hh"] += delta.T @ h[t]
        grads["b_ih"] += delta.sum(0)
        grads["b_hh"] += delta.sum(0)
        dh_next = delta @ W_hh
    grads["h0"] = dh_next
    return grads


def torch_answer(x, h0, params, d_out):
    """A learner who lets torch.autograd do it must pass too (the values are what is checked)."""
    module = to_torch(params, "rnn")
    h0_t = torch.tensor(h0, requires_grad=True)
    out, _ = module(torch.tensor(x), h0_t.unsqueeze(0))
    (out * torch.tensor(d_out)).sum().backward()
    names = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0", "b_hh": "bias_hh_l0"}
    grads = {k: getattr(module, n).grad for k, n in names.items()}
    return {**grads, "h0": h0_t.grad}


def test_reference_passes(capsys):
    assert check.rnn_bptt(learner_answer) is True
    assert "✅" in capsys.readouterr().out


def test_torch_tensors_are_accepted(capsys):
    assert check.rnn_bptt(torch_answer) is True


def test_reference_matches_engine_on_every_case():
    for number, case in enumerate(check.CASES):
        args = check.make_case(*case, seed=30 + number)
        want = check.reference_rnn_bptt(*args)
        got = learner_answer(*args)
        for key in check.KEYS:
            np.testing.assert_allclose(got[key], want[key], rtol=1e-12, atol=1e-14)


def test_stub_gets_notice(capsys):
    assert check.rnn_bptt(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def slip(name):
    return lambda *args: check._variant(*args, name)


@pytest.mark.parametrize("wrong, words", [
    (slip("no_tanh_grad"), ["tanh의 도함수", "1 − h_t²"]),
    (slip("no_sum_over_time"), ["+=", "시간에 걸쳐"]),
    (slip("no_recurrent_path"), ["W_hhᵀ δ_{t+1}"]),
    (slip("transposed_W_hh"), ["전치"]),
    (slip("h_t_for_W_hh"), ["h_{t-1} 대신 h_t"]),
    (slip("last_output_only"), ["d_out[T-1]만"]),
])
def test_typical_slips_are_named(wrong, words):
    assert_korean_failure(check.rnn_bptt, wrong, ["T=5, B=3, D=2, H=4", *words])


def half_bias(*args):
    grads = learner_answer(*args)
    return {**grads, "b_hh": grads["b_hh"] / 2}


def no_h0(*args):
    grads = learner_answer(*args)
    return {**grads, "h0": np.zeros_like(grads["h0"])}


def keepdims_bias(*args):
    grads = learner_answer(*args)
    return {**grads, "b_ih": grads["b_ih"][None, :]}


@pytest.mark.parametrize("wrong, words", [
    (half_bias, ["b_hh의 기울기", "값이 다릅니다", "힌트"]),
    (no_h0, ["h0의 기울기", "값이 다릅니다"]),
    (keepdims_bias, ["b_ih의 기울기", "모양", "(1, 4)", "(4,)"]),
    (lambda *a: {k: v for k, v in learner_answer(*a).items() if k != "h0"}, ["키", "'h0'"]),
    (lambda *a: list(learner_answer(*a).values()), ["사전(dict)", "list"]),
    (lambda *a: None, ["None"]),
])
def test_other_mistakes_fail_with_what_differs(wrong, words):
    assert_korean_failure(check.rnn_bptt, wrong, words)


def test_slips_are_told_apart():
    args = check.make_case(*check.CASES[0], seed=30)
    variants = {name: check._variant(*args, name) for name in check.SLIPS}
    reference = check.reference_rnn_bptt(*args)
    for name, grads in variants.items():
        assert not check._matches(grads, reference), name
        for other, other_grads in variants.items():
            assert other == name or not check._matches(grads, other_grads), (name, other)


def test_learner_modifying_inputs_in_place_fails():
    """Modifying the inputs in place is a bug in learner code: the check says so (and its reference is unharmed)."""
    def clobbering(x, h0, params, d_out):
        grads = learner_answer(x, h0, params, d_out)
        x[...] = 0.0
        d_out[...] = 0.0
        params["W_hh"][...] = 0.0
        return grads

    assert_korean_failure(check.rnn_bptt, clobbering, ["제자리", "x", "params", "d_out"])
