"""Lesson 11's self-check: the reference and float32 answers pass, typical attention slips fail in Korean, generated
wrong answers and garbage never pass or crash the check."""
import pytest
import torch

from rnncourse import applications as app
from rnncourse.checks import lesson11 as check
from check_helpers import (assert_korean_failure, assert_never_crashes, assert_rejects_generated_wrong_answers,
                           garbage_answers, stub)


def slip(**options):
    def answer(query, keys, W_q, W_k, v):
        return check._attention(dict(zip(check.NAMES, (query, keys, W_q, W_k, v))), **options)
    return answer


def loop_answer(query, keys, W_q, W_k, v):
    """A learner's version with explicit loops over positions, in float32."""
    query, keys, W_q, W_k, v = (t.float() for t in (query, keys, W_q, W_k, v))
    scores = torch.stack([torch.tanh(query @ W_q.T + keys[:, j] @ W_k.T) @ v for j in range(keys.shape[1])], dim=1)
    weights = torch.exp(scores - scores.max(dim=1, keepdim=True).values)
    weights = weights / weights.sum(dim=1, keepdim=True)
    return weights, torch.einsum("bs,bsh->bh", weights, keys)


def test_reference_is_bahdanaus_formula():
    p = check.make_inputs(2, 4, 3, 5, 6, seed=0)
    weights, context = check.reference_additive_attention(*(p[k] for k in check.NAMES))
    for b in range(2):
        scores = torch.stack([p["v"] @ torch.tanh(p["W_q"] @ p["query"][b] + p["W_k"] @ p["keys"][b, j])
                              for j in range(4)])
        torch.testing.assert_close(weights[b], torch.softmax(scores, dim=0))
        torch.testing.assert_close(context[b], (weights[b, :, None] * p["keys"][b]).sum(dim=0))


def test_reference_and_float32_answers_pass(capsys):
    assert check.additive_attention(app.additive_attention) is True
    assert check.additive_attention(loop_answer) is True
    assert check.additive_attention(lambda *a: tuple(t.numpy() for t in app.additive_attention(*a))) is True
    assert "✅" in capsys.readouterr().out


def test_stub_gets_notice(capsys):
    assert check.additive_attention(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (slip(axis=0), ["dim=0", "원문 위치"]),
    (slip(act=lambda a: a), ["tanh를 빠뜨렸습니다"]),
    (slip(normalise="none"), ["소프트맥스로 정규화하지"]),
    (slip(normalise="sigmoid"), ["시그모이드"]),
    (slip(sum_keys=True), ["그냥 더한 값"]),
    (lambda *a: (app.additive_attention(*a)[0], a[1].mean(dim=1)), ["단순 평균"]),
    (lambda *a: app.additive_attention(*a)[::-1], ["weights", "모양"]),
    (lambda *a: app.additive_attention(*a)[0], ["튜플"]),
    (lambda q, k, W_q, W_k, v: app.additive_attention(q, k, W_q.T, W_k, v), ["오류", "W_q"]),
    (lambda *a: (app.additive_attention(*a)[0], 1.01 * app.additive_attention(*a)[1]), ["context", "값이 다릅니다"]),
])
def test_mistakes_fail_in_korean(wrong, words):
    assert_korean_failure(check.additive_attention, wrong, words)


def test_in_place_edit_is_reported():
    def in_place(query, keys, W_q, W_k, v):
        out = app.additive_attention(query, keys, W_q, W_k, v)
        keys.mul_(0)
        return out
    assert_korean_failure(check.additive_attention, in_place, ["제자리"])


def test_generated_wrong_answers_are_rejected():
    assert assert_rejects_generated_wrong_answers(check.additive_attention, app.additive_attention)


def test_garbage_never_crashes():
    for label, answer in garbage_answers(app.additive_attention):
        assert assert_never_crashes(check.additive_attention, answer) != "stub", label


def test_stub_fails_under_the_autograder(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert_korean_failure(check.additive_attention, stub, ["아직 풀지 않은"])
