"""Lesson 06's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import pytest
import torch

from question_helpers import assert_choice_question, assert_estimate_question, assert_robust
from rnncourse.checks.questions import lesson06 as q


def test_q2_counts_like_torch(capsys):
    count = sum(p.numel() for p in torch.nn.GRU(q.D, q.H).parameters())
    assert_estimate_question(q.q2, count, capsys)


def test_q1_update_gate_one_keeps_the_state(capsys):
    assert_choice_question(q.q1, "b", {"a": "그대로 남깁니다", "c": "z_t = 0"}, capsys)


def test_q3_gru_state_is_bounded(capsys):
    assert_choice_question(q.q3, "b", {"a": "가중 평균", "c": "포화"}, capsys)


def test_q4_one_seed_is_not_a_comparison(capsys):
    assert_choice_question(q.q4, "b", {"a": "우연", "c": "덜 믿을 만한"}, capsys)


@pytest.mark.parametrize("question", [q.q1, q.q2, q.q3, q.q4])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
