"""Lesson 09's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import math
import random

import pytest

from question_helpers import assert_choice_question, assert_estimate_question, assert_robust
from rnncourse.checks.questions import lesson09 as q


def test_q1_noise_floor_is_the_flip_entropy(capsys):
    p = q.FLIP
    assert_estimate_question(q.q1, -p * math.log(p) - (1 - p) * math.log(1 - p), capsys)


def test_q3_best_of_coin_flippers(capsys):
    assert_estimate_question(q.q3, q._expected_best_accuracy(), capsys)


def test_q3_value_agrees_with_a_simulation():
    gen = random.Random(0)  # fixed: this checks the formula, not a lesson claim
    runs = [max(sum(gen.random() < 0.5 for _ in range(q.VAL_SIZE)) for _ in range(q.CANDIDATES)) / q.VAL_SIZE
            for _ in range(100)]
    assert abs(sum(runs) / len(runs) - q._expected_best_accuracy()) < 0.01


def test_q4_selection_makes_validation_optimistic(capsys):
    assert_choice_question(q.q4, "b", {"a": "고르는 데 썼습니다", "c": "늘 낙관 쪽"}, capsys)


def test_q2_l2_is_weight_decay_only_for_sgd(capsys):
    assert_choice_question(q.q2, "b", {"a": "벌점의 기울기 2λw도 함께 나뉘므로", "c": "(1 − 2ηλ)w"}, capsys)


def test_q5_learning_rates_on_a_log_grid(capsys):
    assert_choice_question(q.q5, "b", {"a": "몇 배 차이", "c": "골짜기를 통째로 놓칠"}, capsys)


@pytest.mark.parametrize("question", [q.q1, q.q3, q.q4, q.q2, q.q5])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
