"""Lesson 04's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import pytest

from rnncourse.checks.questions import lesson04 as q
from question_helpers import assert_choice_question, assert_estimate_question, assert_robust


def test_q1_compounding_shrinks(capsys):
    assert_estimate_question(q.q1, q.DAILY_RATE ** q.DAYS, capsys)


def test_q2_tanh_at_radius_one_decays(capsys):
    assert_choice_question(q.q2, "b", {"a": "diag(tanh'(a_k))", "c": "tanh' ≤ 1"}, capsys)


def test_q3_value_clipping_turns_the_gradient(capsys):
    assert_choice_question(q.q3, "b", {"a": "전체 노름 클리핑입니다", "c": "크게 줄어듭니다"}, capsys)


def test_q4_norm_clipping_keeps_the_ratio(capsys):
    assert_choice_question(q.q4, "b", {"a": "같은 수를", "c": "같은 비율로"}, capsys)


@pytest.mark.parametrize("question", [q.q1, q.q2, q.q3, q.q4])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
