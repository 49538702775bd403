"""Lesson 10's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import pytest

from rnncourse.checks.questions import lesson10 as q
from question_helpers import assert_choice_question, assert_estimate_question, assert_robust


def test_q1_normalising_on_all_data_leaks(capsys):
    assert_choice_question(q.q1, "b", {"a": "미래의 가격 수준", "c": "좋게 나옵니다"}, capsys)


def test_q2_stock_prices_stay_near_the_naive_baseline(capsys):
    assert_choice_question(q.q2, "b", {"a": "데이터에 없는 무늬", "c": "기준선으로 돌아갈 수"}, capsys)


def test_q3_short_numbers_are_rare(capsys):
    assert_estimate_question(q.q3, q.N_TRAIN * q.SHORT / q.MAX_NUMBER, capsys)


def test_q4_no_teacher_forcing_at_test_time(capsys):
    assert_choice_question(q.q4, "b", {"a": "속도가 아니라", "c": "정답이 없습니다"}, capsys)


@pytest.mark.parametrize("question", [q.q1, q.q2, q.q3, q.q4])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
