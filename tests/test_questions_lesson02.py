"""Lesson 02's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import pytest

from question_helpers import assert_choice_question, assert_estimate_question, assert_robust
from rnncourse.checks.questions import lesson02 as q


def test_q1_folding_differs_only_by_rounding(capsys):
    assert_choice_question(q.q1, "b", {"a": "순서", "c": "사라지는 정보"}, capsys)


def test_q2_sigmoid_slope_peaks_at_a_quarter(capsys):
    assert_estimate_question(q.q2, 0.25, capsys)


def test_q4_shared_weight_gradients_add(capsys):
    assert_choice_question(q.q4, "b", {"a": "다른 길", "c": "절반"}, capsys)


def test_q3_finite_differences_are_slow(capsys):
    assert_choice_question(q.q3, "b", {"a": "부호", "c": "검산"}, capsys)


@pytest.mark.parametrize("question", [q.q1, q.q2, q.q3, q.q4])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
