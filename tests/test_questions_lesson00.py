"""Lesson 00's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import pytest

from rnncourse.checks.questions import lesson00 as q
from question_helpers import assert_choice_question, assert_estimate_question, assert_robust


def test_q1_stub_does_not_stop_the_lesson(capsys):
    assert_choice_question(q.q1, "b", {"a": "NotImplementedError", "c": "실제로 계산"}, capsys)


def test_q2_running_sum_is_the_total(capsys):
    assert_estimate_question(q.q2, sum(q.XS), capsys)


def test_q3_a_failed_claim_is_rerun_then_reported(capsys):
    assert_choice_question(q.q3, "c", {"a": "받아쓰기", "b": "다른 시드로 재현"}, capsys)


@pytest.mark.parametrize("question", [q.q1, q.q2, q.q3])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
