import numpy as np
import pytest
import torch

from rnncourse.checks import CheckFailed
from rnncourse.checks import lesson01 as check

ref_step = check.reference_rnn_step


def stub(*args):
    raise NotImplementedError()


# ---- rnn_step -------------------------------------------------------------------------------

def test_step_reference_passes(capsys):
    assert check.rnn_step(ref_step) is True
    assert "✅" in capsys.readouterr().out


def test_step_numpy_answer_passes():
    def numpy_step(x, h, W, U, b):
        x, h, W, U, b = (v.numpy() for v in (x, h, W, U, b))
        return np.tanh(x @ W.T + h @ U.T + b)
    assert check.rnn_step(numpy_step) is True


def test_step_torch_modules_answer_passes():
    def via_functional(x, h, W, U, b):
        return torch.tanh(torch.nn.functional.linear(x, W, b) + torch.nn.functional.linear(h, U))
    assert check.rnn_step(via_functional) is True


def test_step_stub_gives_notice(capsys):
    assert check.rnn_step(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def in_place(x, h, W, U, b):
    """Right values, but written over the caller's h_prev."""
    h.copy_(ref_step(x, h, W, U, b))
    return h


@pytest.mark.parametrize("wrong, words", [
    (lambda x, h, W, U, b: torch.tanh(x @ W.T + h @ U.T), ["편향 b"]),
    (lambda x, h, W, U, b: torch.sigmoid(x @ W.T + h @ U.T + b), ["시그모이드"]),
    (lambda x, h, W, U, b: x @ W.T + h @ U.T + b, ["활성화 함수"]),
    (lambda x, h, W, U, b: torch.relu(x @ W.T + h @ U.T + b), ["ReLU"]),
    (lambda x, h, W, U, b: torch.tanh(x @ W.T + b), ["h_prev"]),
    (lambda x, h, W, U, b: torch.tanh(h @ U.T + b), ["입력 x_t"]),
    (lambda x, h, W, U, b: torch.tanh(x @ W + h @ U.T + b), ["오류", "x_t @ W.T"]),
    (lambda x, h, W, U, b: torch.tanh(x @ W.T + h @ U + b), ["U를 전치하지"]),
    (lambda x, h, W, U, b: None, ["None"]),
    (lambda x, h, W, U, b: ref_step(x, h, W, U, b)[0], ["모양"]),
    (lambda x, h, W, U, b: (ref_step(x, h, W, U, b), h), ["튜플"]),
    (lambda x, h, W, U, b: torch.tanh(x @ W.T + h @ U.T + b) * 1.01, ["값이 다릅니다"]),
    (in_place, ["제자리"]),
])
def test_step_wrong_answers_fail(wrong, words):
    with pytest.raises(CheckFailed) as err:
        check.rnn_step(wrong)
    message = str(err.value)
    assert message.startswith("[순환 한 단계 rnn_step]")
    for word in words:
        assert word in message, message


def test_step_transposed_w_is_named_when_square():
    """With D == H, `x @ W` runs without error; the check must still name the mistake."""
    p = check.make_params(1, None, 4, 4, 12)
    wrong = torch.tanh(p["x"] @ p["W"] + p["h"] @ p["U"].T + p["b"])
    mistakes = check._step_mistakes(p["x"], p["h"], p["W"], p["U"], p["b"])
    assert "W를 전치하지" in check._diagnose(wrong.numpy(), mistakes)


# ---- unroll ---------------------------------------------------------------------------------

def loop_unroll(xs, h0, W, U, b, step=ref_step, dim=1, keep_h0=False, update=True, reverse=False):
    h, states = h0, [h0] if keep_h0 else []
    order = range(xs.shape[1] - 1, -1, -1) if reverse else range(xs.shape[1])
    for t in order:
        new = step(xs[:, t], h, W, U, b)
        if update:
            h = new
        states.append(new)
    return torch.stack(states, dim=dim)


def test_unroll_reference_passes(capsys):
    assert check.unroll(check.reference_unroll) is True
    assert "✅" in capsys.readouterr().out


def test_unroll_with_nn_rnn_passes():
    def with_module(xs, h0, W, U, b):
        rnn = torch.nn.RNN(W.shape[1], W.shape[0], batch_first=True).double()
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(W)
            rnn.weight_hh_l0.copy_(U)
            rnn.bias_ih_l0.copy_(b)
            rnn.bias_hh_l0.zero_()
            out, _ = rnn(xs, h0.unsqueeze(0))
        return out
    assert check.unroll(with_module) is True


def test_unroll_stub_gives_notice(capsys):
    assert check.unroll(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def test_unroll_with_stubbed_step_gives_notice(capsys):
    assert check.unroll(lambda xs, h0, W, U, b: loop_unroll(xs, h0, W, U, b, step=stub)) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (lambda xs, h0, W, U, b: loop_unroll(xs, h0, W, U, b)[:, -1], ["모양", "마지막 은닉 상태 하나만"]),
    (lambda xs, h0, W, U, b: loop_unroll(xs, h0, W, U, b, dim=0), ["모양", "dim=1"]),
    (lambda xs, h0, W, U, b: loop_unroll(xs, h0, W, U, b, keep_h0=True), ["모양", "h0까지 포함"]),
    (lambda xs, h0, W, U, b: loop_unroll(xs, h0, W, U, b)[:, :-1], ["모양", "한 시점이 빠졌습니다"]),
    (lambda xs, h0, W, U, b: loop_unroll(xs, h0, W, U, b, update=False), ["값이 다릅니다", "h0를 다시"]),
    (lambda xs, h0, W, U, b: loop_unroll(xs, torch.zeros_like(h0), W, U, b), ["0에서 시작"]),
    (lambda xs, h0, W, U, b: loop_unroll(xs, h0, W, U, b, reverse=True), ["거꾸로"]),
    (lambda xs, h0, W, U, b: loop_unroll(xs, h0, W, U, b).flip(1), ["역순"]),
    (lambda xs, h0, W, U, b: loop_unroll(xs, h0, W, U, b, step=lambda x, h, W, U, b: torch.tanh(x @ W.T + h @ U.T)),
     ["값이 다릅니다", "rnn_step 검사"]),
    (lambda xs, h0, W, U, b: loop_unroll(xs[:, :, :1], h0, W, U, b), ["오류"]),
    (lambda xs, h0, W, U, b: None, ["None"]),
])
def test_unroll_wrong_answers_fail(wrong, words):
    with pytest.raises(CheckFailed) as err:
        check.unroll(wrong)
    message = str(err.value)
    assert message.startswith("[시간 펼치기 unroll]")
    for word in words:
        assert word in message, message


def test_reference_unroll_matches_nn_rnn():
    p = check.make_params(2, 6, 3, 4, 0)
    rnn = torch.nn.RNN(3, 4, batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(p["W"])
        rnn.weight_hh_l0.copy_(p["U"])
        rnn.bias_ih_l0.copy_(p["b"])
        rnn.bias_hh_l0.zero_()
        out, h_last = rnn(p["x"], p["h"].unsqueeze(0))
    hs = check.reference_unroll(p["x"], p["h"], p["W"], p["U"], p["b"])
    assert torch.allclose(hs, out) and torch.allclose(hs[:, -1], h_last[0])
