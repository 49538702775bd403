"""Lesson 03's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import pytest

from rnncourse.checks.questions import lesson03 as q
from question_helpers import assert_choice_question, assert_estimate_question, assert_robust


def test_q1_reach_is_k_minus_one(capsys):
    assert_estimate_question(q.q1, q.REACH_K - 1, capsys)


def test_q2_beyond_reach_stays_at_chance(capsys):
    assert_choice_question(q.q2, "b", {"a": "기울기로만 배울 수", "c": "틀린 방향을 가르치지는"}, capsys)


def test_q3_full_bptt_memory_grows_with_length(capsys):
    assert_estimate_question(q.q3, q.LONG_T / q.SHORT_T, capsys)


def test_q4_truncation_limits_learnable_dependencies(capsys):
    assert_choice_question(q.q4, "b", {"a": "끊기는 것은 기울기뿐", "c": "아끼는 것은 메모리"}, capsys)


@pytest.mark.parametrize("question", [q.q1, q.q2, q.q3, q.q4])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
