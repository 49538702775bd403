import numpy as np
import pytest

from rnncourse.checks import CheckFailed
from rnncourse.checks import lesson00 as check


def test_reference_passes(capsys):
    assert check.running_sum(check.reference_running_sum) is True
    assert "✅" in capsys.readouterr().out


def test_numpy_answer_passes():
    assert check.running_sum(lambda xs: np.cumsum(xs)) is True


def test_stub_gives_notice(capsys):
    def stub(xs):
        raise NotImplementedError()
    assert check.running_sum(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def exclusive(xs):
    return list(np.concatenate([[0.0], np.cumsum(xs)[:-1]])) if xs else []


@pytest.mark.parametrize("wrong, words", [
    (exclusive, ["값이 다릅니다", "x_t 포함"]),
    (lambda xs: float(np.sum(xs)), ["숫자 하나"]),
    (lambda xs: list(np.cumsum(xs[::-1])), ["값이 다릅니다"]),
    (lambda xs: list(np.cumsum(xs))[:-1], ["모양"]),
    (lambda xs: None, ["None"]),
    (lambda xs: [str(v) for v in np.cumsum(xs)], ["문자열"]),
    (lambda xs: [f"{v:.1f}" for v in np.cumsum(xs)], ["문자열"]),
])
def test_wrong_answers_fail(wrong, words):
    """Including a list of numeric strings, which NumPy would happily parse as numbers."""
    with pytest.raises(CheckFailed) as err:
        check.running_sum(wrong)
    for word in words:
        assert word in str(err.value)


def test_in_place_edit_of_the_input_fails():
    def accumulate_in_place(xs):
        for i in range(1, len(xs)):
            xs[i] += xs[i - 1]
        return xs
    with pytest.raises(CheckFailed, match="제자리"):
        check.running_sum(accumulate_in_place)
