import numpy as np
import pytest
import torch

from rnncourse.checks import CheckFailed, expect_close, expect_shape, self_check


@self_check("두 배")
def check_double(fn):
    x = np.arange(6.0).reshape(2, 3)
    expect_close(fn(x), 2 * x, "출력", hint="모든 원소에 2를 곱하세요.")
    return "잘했습니다."


def test_pass_prints_confirmation(capsys):
    assert check_double(lambda x: x * 2) is True
    out = capsys.readouterr().out
    assert "✅" in out and "[두 배] 정답입니다! 잘했습니다." in out


def test_torch_tensors_are_accepted(capsys):
    assert check_double(lambda x: torch.as_tensor(x) * 2) is True


def test_stub_prints_notice_and_does_not_raise(capsys):
    def stub(x):
        raise NotImplementedError()
    assert check_double(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (lambda x: x * 3, ["값이 다릅니다", "위치", "최대 오차", "힌트"]),
    (lambda x: (x * 2).T, ["모양", "(2, 3)", "(3, 2)"]),
    (lambda x: None, ["None", "return"]),
    (lambda x: x * np.nan, ["NaN"]),
    (lambda x: "two", ["숫자 배열"]),
])
def test_wrong_answers_raise_korean_assertions(wrong, words):
    with pytest.raises(AssertionError) as err:
        check_double(wrong)
    assert isinstance(err.value, CheckFailed)
    message = str(err.value)
    assert message.startswith("[두 배]")
    for word in words:
        assert word in message


def test_expect_shape_returns_array():
    arr = expect_shape([[1, 2]], (1, 2), "x")
    assert arr.dtype == np.float64 and arr.shape == (1, 2)


def test_expect_close_scalars_and_tolerance():
    expect_close(1.0 + 1e-9, 1.0, "스칼라")
    with pytest.raises(CheckFailed, match="기대값 1, 실제값 1.1"):
        expect_close(1.1, 1.0, "스칼라")


def test_other_errors_propagate():
    with pytest.raises(ZeroDivisionError):
        check_double(lambda x: 1 / 0)
