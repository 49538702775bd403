"""Lesson 07's self-checks: the reference passes, a stub gets the notice, typical mistakes fail in Korean."""
import math

import numpy as np
import pytest
import torch

from rnncourse import timescales
from rnncourse.checks import lesson07 as check
from check_helpers import assert_korean_failure, stub


# ---- time_constant ------------------------------------------------------------------------------
def test_time_constant_reference_passes(capsys):
    assert check.time_constant(lambda f: -1 / np.log(f)) is True
    out = capsys.readouterr().out
    assert "✅" in out and "99.5" in out


def test_time_constant_torch_answer_passes():
    assert check.time_constant(lambda f: -1 / torch.log(torch.as_tensor(f))) is True
    assert check.time_constant(timescales.time_constant) is True


def test_time_constant_stub_gets_notice(capsys):
    assert check.time_constant(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (lambda f: 1 / np.log(f), ["부호"]),
    (lambda f: -np.log(f), ["감쇠율", "역수"]),
    (lambda f: 1 / (1 - f), ["근사", "1.44"]),
    (lambda f: -1 / np.log10(f), ["상용로그"]),
    (lambda f: -1 / np.log2(f), ["밑이 2"]),
    (lambda f: -1 / np.log(1 - f), ["1 − f"]),
    (lambda f: 1 / f, ["1/f"]),
    (lambda f: -1 / math.log(f), ["오류", "np.log"]),
    (lambda f: float(np.mean(-1 / np.log(f))), ["모양", "평균"]),
    (lambda f: -1.01 / np.log(f), ["값이 다릅니다", "1.44"]),
    (lambda f: None, ["None"]),
    (lambda f: (-1 / np.log(f), f), ["튜플"]),
])
def test_time_constant_mistakes_fail(wrong, words):
    assert_korean_failure(check.time_constant, wrong, words)


# ---- bidirectional -------------------------------------------------------------------------------
def ref_bidirectional(x, fwd, bwd):
    out_f, _ = fwd(x)
    out_b, _ = bwd(torch.flip(x, dims=[1]))
    return torch.cat([out_f, torch.flip(out_b, dims=[1])], dim=-1)


def test_bidirectional_reference_passes(capsys):
    assert check.bidirectional(ref_bidirectional) is True
    assert check.bidirectional(timescales.bidirectional_run) is True
    assert "✅" in capsys.readouterr().out


def test_bidirectional_by_hand_loop_passes():
    def reversed_by_index(x, fwd, bwd):
        steps = x.shape[1]
        index = torch.arange(steps - 1, -1, -1)
        out_b, _ = bwd(x[:, index])
        return torch.cat([fwd(x)[0], out_b[:, index]], dim=2)
    assert check.bidirectional(reversed_by_index) is True


def test_bidirectional_stub_gets_notice(capsys):
    assert check.bidirectional(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def test_bidirectional_check_leaves_global_rng_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    check.bidirectional(ref_bidirectional)
    assert torch.equal(torch.rand(3), expected)


def in_place_flip(x, fwd, bwd):
    out_f, _ = fwd(x)
    x.copy_(torch.flip(x, dims=[1]))
    out_b, _ = bwd(x)
    return torch.cat([out_f, torch.flip(out_b, dims=[1])], dim=-1)


@pytest.mark.parametrize("wrong, words", [
    (lambda x, f, b: torch.cat([f(x)[0], b(torch.flip(x, dims=[1]))[0]], -1), ["다시 뒤집지"]),
    (lambda x, f, b: torch.cat([f(x)[0], b(x)[0]], -1), ["입력을 뒤집지 않고"]),
    (lambda x, f, b: torch.cat([torch.flip(b(torch.flip(x, dims=[1]))[0], dims=[1]), f(x)[0]], -1), ["순서"]),
    (lambda x, f, b: torch.cat([f(x)[0], torch.flip(f(torch.flip(x, dims=[1]))[0], dims=[1])], -1), ["rnn_bwd"]),
    (lambda x, f, b: torch.cat([f(x)[0], torch.flip(b(x)[0], dims=[1])], -1), ["입력은 뒤집지 않았습니다"]),
    (lambda x, f, b: torch.cat([f(x)[0], torch.flip(b(torch.flip(x, dims=[2]))[0], dims=[2])], -1), ["dims=[2]"]),
    (lambda x, f, b: torch.cat([f(x)[0], torch.flip(b(torch.flip(x, dims=[1]))[0], dims=[1])], 1), ["모양", "시간 축"]),
    (lambda x, f, b: f(x)[0] + torch.flip(b(torch.flip(x, dims=[1]))[0], dims=[1]), ["모양", "2H"]),
    (lambda x, f, b: f(x)[0], ["모양", "한 방향"]),
    (lambda x, f, b: torch.cat([f(x)[0], torch.flip(b(torch.flip(x, dims=[1]))[0], dims=[1])], 0), ["배치 축"]),
    (lambda x, f, b: (ref_bidirectional(x, f, b), None), ["튜플"]),
    (lambda x, f, b: None, ["None"]),
    (lambda x, f, b: ref_bidirectional(x, f, b) * 1.01, ["값이 다릅니다", "torch.flip"]),
    (lambda x, f, b: torch.cat([f(x), b(x)], -1), ["오류"]),
    (in_place_flip, ["제자리"]),
])
def test_bidirectional_mistakes_fail(wrong, words):
    assert_korean_failure(check.bidirectional, wrong, words)


# ---- lstm_num_params ----------------------------------------------------------------------------
def ref_params(d, h, layers, bi):
    dirs = 2 if bi else 1
    return sum(dirs * 4 * h * ((d if k == 0 else h * dirs) + h + 2) for k in range(layers))


def test_lstm_num_params_reference_passes(capsys):
    assert check.lstm_num_params(ref_params) is True
    assert check.lstm_num_params(timescales.lstm_num_params) is True
    out = capsys.readouterr().out
    assert "✅" in out and "4,480" in out


def test_lstm_num_params_counting_a_real_module_passes():
    assert check.lstm_num_params(lambda d, h, n, bi: sum(
        p.numel() for p in torch.nn.LSTM(d, h, num_layers=n, bidirectional=bi).parameters()))
    assert check.lstm_num_params(lambda *a: np.int64(ref_params(*a)))
    assert check.lstm_num_params(lambda *a: torch.tensor(ref_params(*a)))


def test_lstm_num_params_stub_gets_notice(capsys):
    assert check.lstm_num_params(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def variant(gates=4, biases=2, directions=None, upper=None, layers=None):
    def count(d, h, n, bi):
        dirs = 2 if bi else 1
        total = 0
        for k in range(n if layers is None else layers):
            width = d if k == 0 else (upper(d, h, dirs) if upper else h * dirs)
            total += (dirs if directions is None else directions) * gates * h * (width + h + biases)
        return total
    return count


@pytest.mark.parametrize("wrong, words", [
    (variant(gates=3), ["GRU", "네 묶음"]),
    (variant(gates=1), ["하나만"]),
    (variant(biases=1), ["한 벌만", "b_hh"]),
    (variant(biases=0), ["편향을 빠뜨렸습니다"]),
    (variant(directions=1), ["두 배"]),
    (variant(upper=lambda d, h, dirs: d), ["input_size", "아래층"]),
    (variant(upper=lambda d, h, dirs: h), ["2H"]),
    (variant(layers=1), ["첫 번째 층만"]),
    (lambda *a: ref_params(*a) + 1, ["값이 다릅니다", "4H"]),
    (lambda *a: None, ["None"]),
    (lambda *a: str(ref_params(*a)), ["정수", "str"]),
    (lambda *a: [ref_params(*a)], ["정수", "list"]),
    (lambda d, h, n, bi: 1 / 0, ["오류", "ZeroDivisionError"]),
])
def test_lstm_num_params_mistakes_fail(wrong, words):
    assert_korean_failure(check.lstm_num_params, wrong, words)


def test_lstm_num_params_check_leaves_global_rng_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    check.lstm_num_params(ref_params)
    assert torch.equal(torch.rand(3), expected)
