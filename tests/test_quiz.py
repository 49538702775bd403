"""The concept-question checks: right answers pass with the explanation, each wrong one says why, nothing crashes."""
import pytest

from rnncourse.checks import CheckFailed
from rnncourse.checks import quiz

Q = quiz.choice("예측", {"a": "커진다", "b": "작아진다", "c": "같다"}, "b",
                {"a": "곱하는 수가 1보다 작습니다.", "c": "매 단계 곱해집니다."}, "0.9를 거듭 곱하면 작아집니다.")
E = quiz.estimate("어림", 1.01 ** 365, rel_tol=0.25, explain="복리입니다.", too_low="더 커집니다.",
                  too_high="그만큼은 아닙니다.")


def stub():
    raise NotImplementedError()


@pytest.mark.parametrize("given", ["b", "B", " b ", lambda: "b"])
def test_choice_accepts_the_answer(given, capsys):
    assert Q(given) is True
    assert "0.9를 거듭 곱하면" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, reason", [("a", "1보다 작습니다"), ("c", "매 단계")])
def test_choice_says_why_a_wrong_option_is_wrong(wrong, reason):
    with pytest.raises(CheckFailed, match=reason):
        Q(lambda: wrong)


@pytest.mark.parametrize("garbage", [None, 3, [], "zz", "", b"b", 2.5])
def test_choice_rejects_garbage_in_korean(garbage):
    with pytest.raises(CheckFailed, match="가운데 한 글자"):
        Q(garbage)


@pytest.mark.parametrize("check", [Q, E])
def test_stub_prints_the_notice(check, capsys):
    assert check(stub) is None
    assert "아직" in capsys.readouterr().out


@pytest.mark.parametrize("given", [37.8, 30, 45, lambda: 40])
def test_estimate_accepts_close_numbers(given):
    assert E(given) is True


@pytest.mark.parametrize("guess, words", [(3.65, "너무 작습니다"), (365, "너무 큽니다"), (1000, "그만큼은")])
def test_estimate_says_which_side(guess, words):
    with pytest.raises(CheckFailed, match=words):
        E(guess)


@pytest.mark.parametrize("garbage", [None, "37", True, float("nan"), float("inf"), [37.8]])
def test_estimate_rejects_garbage_in_korean(garbage):
    with pytest.raises(CheckFailed, match="유한한 수"):
        E(garbage)


def test_definitions_are_validated():
    with pytest.raises(ValueError, match="not one of"):
        quiz.choice("t", {"a": "x"}, "b", {}, "e")
    with pytest.raises(ValueError, match="needs a reason"):
        quiz.choice("t", {"a": "x", "b": "y"}, "a", {}, "e")
    with pytest.raises(ValueError, match="rel_tol"):
        quiz.estimate("t", 0.0, rel_tol=0.1, explain="", too_low="", too_high="")
