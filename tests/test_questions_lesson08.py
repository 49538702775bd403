"""Lesson 08's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import math

import pytest

from question_helpers import assert_choice_question, assert_estimate_question, assert_robust
from rnncourse.checks.questions import lesson08 as q


def test_q3_perplexity_is_e_to_the_loss(capsys):
    assert_estimate_question(q.q3, math.exp(q.CHECKPOINT_LOSS), capsys)


def test_q1_rmsprop_first_step_ignores_gradient_size(capsys):
    assert_choice_question(q.q1, "b", {"a": "기울기의 크기가 나눗셈에서 지워집니다", "c": "4.5배"}, capsys)


def test_q2_detach_keeps_values_cuts_graph(capsys):
    assert_choice_question(q.q2, "b", {"a": "값을 바꾸지 않습니다", "c": "메모리가 계속 늘고"}, capsys)


def test_q4_hot_samples_invent_words(capsys):
    assert_choice_question(q.q4, "b", {"a": "진짜 단어는 줄어듭니다", "c": "분포가 평평해지면"}, capsys)


def test_q5_best_of_many_needs_a_control(capsys):
    assert_choice_question(q.q5, "c", {"a": "상관계수가 0이 아닙니다", "b": "같은 크기의 모델"}, capsys)


@pytest.mark.parametrize("question", [q.q3, q.q1, q.q2, q.q4, q.q5])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
