"""Lesson 11's concept questions: the answers pass, each wrong option says why, nothing crashes."""
import pytest

from question_helpers import assert_choice_question, assert_estimate_question, assert_robust
from rnncourse.applications import AttentionDecoder
from rnncourse.checks.questions import lesson11 as q


def test_q2_counts_like_the_package(capsys):
    decoder = AttentionDecoder(q.H, attention_size=q.A)
    count = sum(p.numel() for p in (decoder.W_s, decoder.W_h, decoder.v))
    assert_estimate_question(q.q2, count, capsys)


def test_q1_bottleneck(capsys):
    assert_choice_question(q.q1, "a", {"b": "통로", "c": "구조"}, capsys)


def test_q3_rows_sum_to_one(capsys):
    assert_choice_question(q.q3, "a", {"b": "원문 위치 축", "c": "소프트맥스 전"}, capsys)


def test_q4_self_attention_without_positions(capsys):
    assert_choice_question(q.q4, "a", {"b": "위치 정보", "c": "등변성"}, capsys)


@pytest.mark.parametrize("question", [q.q1, q.q2, q.q3, q.q4])
def test_never_crashes(question, capsys):
    assert_robust(question, capsys)
