"""The self-check protocol (rnncourse.checks._core): copies, in-place policy, Korean errors, types before values,
precision-aware tolerances, the autograder's stub rule, registration and progress records."""
import numpy as np
import pytest
import torch

from rnncourse.checks import CheckFailed, expect_close, expect_shape, self_check
from rnncourse.checks import _core
from check_helpers import assert_korean_failure, stub


@self_check("두 배")
def check_double(fn):
    x = np.arange(6.0).reshape(2, 3) + 0.1
    got = _core.call(fn, (x,), names=("x",), what="두 배")
    expect_close(got, 2 * x, "출력", hint="모든 원소에 2를 곱하세요.")
    return "잘했습니다."


def test_pass_prints_confirmation(capsys):
    assert check_double(lambda x: x * 2) is True
    out = capsys.readouterr().out
    assert "✅" in out and "[두 배] 정답입니다! 잘했습니다." in out


def test_torch_tensors_and_float32_are_accepted():
    assert check_double(lambda x: torch.as_tensor(x) * 2) is True
    assert check_double(lambda x: torch.as_tensor(x, dtype=torch.float32) * 2) is True
    assert check_double(lambda x: (x.astype(np.float32) * 2).astype(np.float64)) is True  # float32 inside


def test_stub_prints_notice_and_does_not_raise(capsys):
    assert check_double(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def test_stub_fails_under_the_autograder(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert_korean_failure(check_double, stub, ["아직 풀지 않은"])


@pytest.mark.parametrize("wrong, words", [
    (lambda x: x * 3, ["값이 다릅니다", "위치", "최대 오차", "힌트"]),
    (lambda x: (x * 2).T, ["모양", "(2, 3)", "(3, 2)"]),
    (lambda x: None, ["None", "return"]),
    (lambda x: x * np.nan, ["NaN"]),
    (lambda x: "two", ["문자열"]),
    (lambda x: [[str(v) for v in row] for row in 2 * x], ["문자열"]),
    (lambda x: 2 * x > 0, ["bool"]),
    (lambda x: torch.as_tensor(2 * x, dtype=torch.float16), ["반정밀도"]),
    (lambda x: 1 / 0, ["두 배", "계산하는 중", "ZeroDivisionError"]),
    (lambda: 0, ["TypeError"]),
])
def test_wrong_answers_raise_korean_assertions(wrong, words):
    assert_korean_failure(check_double, wrong, words)


def test_in_place_edit_fails_and_the_check_data_is_untouched():
    def doubles_in_place(x):
        x *= 2
        return x
    assert_korean_failure(check_double, doubles_in_place, ["제자리", "x"])
    assert check_double(lambda x: x * 2) is True


def test_modules_are_copied_and_compared():
    module = torch.nn.Linear(2, 2).double()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    with pytest.raises(CheckFailed, match="제자리"):
        _core.call(lambda m: m.float(), (module,), names=("model",), what="변환")
    assert all(torch.equal(module.state_dict()[k], v) for k, v in before.items())
    assert _core.call(lambda m: m, (module,), names=("model",), what="변환", mutable=("model",)) is module


def test_float32_tolerance_is_float32_only():
    want = np.linspace(-1, 1, 7)
    expect_close(want.astype(np.float32), want, "f32")  # rounding to float32 passes
    with pytest.raises(CheckFailed):
        expect_close(want + 1e-6, want, "f64")  # a float64 answer keeps the tight tolerance
    with pytest.raises(CheckFailed):
        expect_close((want + 1e-3).astype(np.float32), want, "f32")


def test_messages_never_show_identical_numbers():
    with pytest.raises(CheckFailed) as err:
        expect_close(np.array([1.0 + 3e-6]), np.array([1.0]), "x")
    message = str(err.value)
    assert "기대값 1," in message and "실제값 1.000003 " in message


def test_expect_shape_returns_array():
    arr = expect_shape([[1, 2]], (1, 2), "x")
    assert arr.dtype == np.float64 and arr.shape == (1, 2)


def test_expect_close_scalars_and_tolerance():
    expect_close(1.0 + 1e-9, 1.0, "스칼라")
    with pytest.raises(CheckFailed, match="기대값 1, 실제값 1.1"):
        expect_close(1.1, 1.0, "스칼라")


def test_expect_tuple_names_what_is_wrong():
    with pytest.raises(CheckFailed, match="None"):
        _core.expect_tuple((1, None), ("a", "b"), "값")
    with pytest.raises(CheckFailed, match="3개짜리"):
        _core.expect_tuple((1, 2, 3), ("a", "b"), "값")
    assert _core.expect_tuple([1, 2], ("a", "b"), "값") == (1, 2)


def test_as_int_rejects_non_integers():
    assert _core.as_int(np.int64(3), "n") == 3 and _core.as_int(torch.tensor(4), "n") == 4
    for bad in ("3", 3.5, [3], True, None, float("nan")):
        with pytest.raises(CheckFailed):
            _core.as_int(bad, "n")


def test_check_rng_ignores_the_seed_shift(monkeypatch):
    first = _core.check_rng(7).normal(size=3)
    monkeypatch.setenv("RNNCOURSE_SEED_SHIFT", "2")
    assert np.array_equal(_core.check_rng(7).normal(size=3), first)
    assert torch.equal(torch.randn(2, generator=_core.check_generator(7)),
                       torch.randn(2, generator=torch.Generator().manual_seed(7)))


def test_check_crash_is_reported_in_korean_as_its_own_kind():
    @self_check("고장 난 검사")
    def broken(fn):
        return {}["missing"]
    with pytest.raises(_core.CheckCrashed, match="예상하지 못한 오류"):
        broken(lambda: 0)


def test_checks_register_with_lesson_and_kind():
    from rnncourse.checks import lesson05  # noqa: F401  (importing registers its checks)
    info = _core.REGISTRY[(5, "LSTM 한 단계 lstm_step")]
    assert info.kind == "연습"
    assert check_double.info is None  # defined outside a lesson module: not registered
