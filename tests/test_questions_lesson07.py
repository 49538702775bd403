"""Lesson 07's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import math

import pytest

from rnncourse.checks.questions import lesson07 as q
from question_helpers import assert_choice_question, assert_estimate_question, assert_robust


def test_q1_memoryless_ceiling_is_three_quarters(capsys):
    assert_estimate_question(q.q1, 0.75, capsys)


def test_q2_time_constant_of_095(capsys):
    assert_estimate_question(q.q2, -1 / math.log(q.FORGET), capsys)
    assert q.q2(20.0) is True  # the 1/(1 − f) rule of thumb is close enough


def test_q3_bidirectional_needs_the_whole_sequence(capsys):
    assert_choice_question(q.q3, "c", {"a": "녹음이 끝났으니", "b": "문장이 다 쓰였으니", "d": "필기 인식"}, capsys)


def test_q5_stacking_at_the_ceiling(capsys):
    assert_choice_question(q.q5, "b", {"a": "천장에 닿아", "c": "셀 상태가 나릅니다"}, capsys)


def test_q4_h_n_shape(capsys):
    assert_choice_question(q.q4, "b", {"a": "층 수 × 방향 수", "c": "출력(B, T, 2H)", "d": "이어 붙이지 않은 H"}, capsys)


@pytest.mark.parametrize("question", [q.q1, q.q2, q.q3, q.q4, q.q5])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
