"""Lesson 01's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import pytest

from question_helpers import assert_choice_question, assert_estimate_question, assert_robust
from rnncourse.checks import CheckFailed
from rnncourse.checks.questions import lesson01 as q


def test_q1_memoryless_model_stays_at_chance(capsys):
    assert_choice_question(q.q1, "a", {"b": "독립", "c": "없는 정보"}, capsys)


def test_q2_shuffled_steps_shuffle_the_outputs(capsys):
    assert_choice_question(q.q2, "a", {"b": "자리만 바뀝니다", "c": "입력을 따라"}, capsys)


def test_q3_bag_of_words_ceiling_is_three_quarters(capsys):
    assert_estimate_question(q.q3, 0.75, capsys)
    with pytest.raises(CheckFailed, match="둘 다 맞힐 수"):        # 50%: as if every twin pair lost one
        q.q3(0.5)
    with pytest.raises(CheckFailed, match="반드시 틀립니다"):      # 100%: as if order were visible
        q.q3(1.0)


def test_q4_memory_factor_is_u_times_a_quarter(capsys):
    assert_estimate_question(q.q4, 0.5, capsys)


def test_q5_weights_stay_hidden_state_moves(capsys):
    assert_choice_question(q.q5, "b", {"a": "optimizer.step()", "c": "새로 계산"}, capsys)


@pytest.mark.parametrize("question", [q.q1, q.q2, q.q3, q.q4, q.q5])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
