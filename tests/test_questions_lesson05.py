"""Lesson 05's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import math

import pytest

from rnncourse.checks.questions import lesson05 as q
from question_helpers import assert_choice_question, assert_estimate_question, assert_robust


def test_q1_half_life_of_a_leaky_belt(capsys):
    assert_estimate_question(q.q1, math.log(0.5) / math.log(q.LEAK), capsys)
    assert q.q1(7) is True  # counting 0.9^n by hand lands here


def test_q2_diag_f_holds_h_fixed(capsys):
    assert_choice_question(q.q2, "a", {"b": "그 경로의 몫", "c": "특별한 경우"}, capsys)


def test_q3_only_the_lstm_solves_the_adding_problem(capsys):
    assert_choice_question(q.q3, "b", {"a": "지수적으로", "c": "충분히 짧습니다", "d": "학습 속도가 아니라"}, capsys)


def test_q4_lstm_still_needs_clipping(capsys):
    assert_choice_question(q.q4, "b", {"a": "완화할 뿐", "c": "10배 넘게"}, capsys)


@pytest.mark.parametrize("question", [q.q1, q.q2, q.q3, q.q4])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
