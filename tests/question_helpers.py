"""Shared assertions for the concept-question tests (tests/test_questions_lessonNN.py)."""
import pytest

from rnncourse.checks import CheckFailed


def _raises_value_error():
    raise ValueError("learner bug")


def _stub():
    raise NotImplementedError()


GARBAGE = [None, 3, [], "zz", _raises_value_error]


def assert_choice_question(question, answer, reasons, capsys):
    """``answer`` passes (plain and as a function); every wrong letter fails with its own reason in the message."""
    assert question(answer) is True
    assert question(lambda: answer) is True
    capsys.readouterr()
    wrong = sorted(set(question.options) - {answer})
    assert sorted(reasons) == wrong, "test every wrong option"
    for letter in wrong:
        with pytest.raises(CheckFailed) as err:
            question(lambda letter=letter: letter)
        assert reasons[letter] in str(err.value), (letter, str(err.value))


def assert_estimate_question(question, value, capsys):
    """The computed ``value`` passes; far too low and far too high fail, each saying which side."""
    assert question(value) is True
    assert question(lambda: value) is True
    capsys.readouterr()
    low, high = (value * 0.1, value * 10) if value > 0 else (value * 10, value * 0.1)
    with pytest.raises(CheckFailed, match="너무 작습니다"):
        question(low)
    with pytest.raises(CheckFailed, match="너무 큽니다"):
        question(high)


def assert_robust(question, capsys):
    """A stub prints the notice; garbage (a learner function raising included) never crashes the check."""
    assert question(_stub) is None
    assert "아직" in capsys.readouterr().out
    for given in GARBAGE:
        try:
            result = question(given)
        except CheckFailed:
            continue
        assert result in (True, None), (given, result)
