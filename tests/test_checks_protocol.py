"""Every self-check, the same way: right answers (float64 and float32) pass, generated wrong answers are rejected,
garbage never crashes a check, and a stub fails under the autograder but only gets a notice otherwise."""
import copy

import numpy as np
import pytest
import torch

from rnncourse import applications as app
from rnncourse import charlm, tuning
from rnncourse.activations import sigmoid_grad
from rnncourse.checks import lesson00, lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07
from rnncourse.checks import lesson08, lesson09, lesson10, lesson11
from rnncourse.checks._core import REGISTRY
from rnncourse.progress import discover
from check_helpers import (MUTATIONS, assert_korean_failure, assert_never_crashes,
                           assert_rejects_generated_wrong_answers, garbage_answers, stub)

f32 = torch.float32


def _t(*arrays, dtype=f32):
    return [torch.as_tensor(a, dtype=dtype) for a in arrays]


# ---------------------------------------------------------------- float32 right answers
def running_sum_f32(xs):
    return np.cumsum(np.asarray(xs, dtype=np.float32))


def rnn_step_f32(x, h, W, U, b):
    return lesson01.reference_rnn_step(*(t.float() for t in (x, h, W, U, b)))


def unroll_f32(xs, h0, W, U, b):
    return lesson01.reference_unroll(*(t.float() for t in (xs, h0, W, U, b)))


def sigmoid_grad_f32(x):
    s = torch.sigmoid(torch.as_tensor(x, dtype=f32))
    return s * (1 - s)


def tanh_backward_f32(out, grad_out):
    out, grad_out = _t(out, grad_out)
    return (1 - out ** 2) * grad_out


def manual_backward_f32(x, w, b, y):
    leaves = {k: torch.tensor(v, dtype=f32, requires_grad=True) for k, v in zip("xwby", (x, w, b, y))}
    loss = (torch.tanh(leaves["w"] * leaves["x"] + leaves["b"]) - leaves["y"]) ** 2
    loss.backward()
    return {k: v.grad for k, v in leaves.items()}


def rnn_bptt_autograd(dtype):
    def answer(x, h0, params, d_out):
        p = {k: torch.tensor(v, dtype=dtype, requires_grad=True) for k, v in params.items() if k != "h0"}
        h0_t = torch.tensor(h0, dtype=dtype, requires_grad=True)
        h, outs = h0_t, []
        for t in range(len(x)):
            h = torch.tanh(torch.as_tensor(x[t], dtype=dtype) @ p["W_ih"].T + p["b_ih"] + h @ p["W_hh"].T + p["b_hh"])
            outs.append(h)
        (torch.stack(outs) * torch.as_tensor(d_out, dtype=dtype)).sum().backward()
        return {**{k: v.grad for k, v in p.items()}, "h0": h0_t.grad}
    return answer


def clip_f32(grads, max_norm):
    params = [torch.nn.Parameter(torch.zeros(np.shape(g), dtype=f32)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.as_tensor(g, dtype=f32).clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad for p in params], total


def lstm_cell_f32(x, h, c, W_ih, W_hh, b_ih, b_hh):
    cell = torch.nn.LSTMCell(x.shape[1], h.shape[1])
    with torch.no_grad():
        for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), (W_ih, W_hh, b_ih, b_hh)):
            getattr(cell, name).copy_(torch.as_tensor(value))
        h_t, c_t = cell(*_t(x), (*_t(h, c),))
    return h_t.numpy(), c_t.numpy()


def cell_backward_autograd(kind, dtype):
    """One LSTMCell/GRUCell step in ``dtype`` differentiated by autograd: a right answer to the 심화 exercises."""
    def answer(x, h, *rest):
        c = rest[0] if kind == "lstm" else None
        W_ih, W_hh, b_ih, b_hh = rest[1:5] if kind == "lstm" else rest[:4]
        upstream = rest[5:] if kind == "lstm" else rest[4:]
        cell = (torch.nn.LSTMCell if kind == "lstm" else torch.nn.GRUCell)(x.shape[1], h.shape[1], dtype=dtype)
        with torch.no_grad():
            for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), (W_ih, W_hh, b_ih, b_hh)):
                getattr(cell, name).copy_(torch.as_tensor(value))
        inputs = {k: torch.tensor(v, dtype=dtype, requires_grad=True)
                  for k, v in (("x", x), ("h_prev", h), ("c_prev", c)) if v is not None}
        if kind == "lstm":
            h_t, c_t = cell(inputs["x"], (inputs["h_prev"], inputs["c_prev"]))
            loss = (h_t * torch.as_tensor(upstream[0], dtype=dtype)).sum() + \
                (c_t * torch.as_tensor(upstream[1], dtype=dtype)).sum()
        else:
            loss = (cell(inputs["x"], inputs["h_prev"]) * torch.as_tensor(upstream[0], dtype=dtype)).sum()
        loss.backward()
        names = {"W_ih": "weight_ih", "W_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh"}
        return {**{k: v.grad for k, v in inputs.items()}, **{k: getattr(cell, n).grad for k, n in names.items()}}
    return answer


def gru_cell_f32(x, h, W_ih, W_hh, b_ih, b_hh):
    cell = torch.nn.GRUCell(x.shape[1], h.shape[1])
    with torch.no_grad():
        for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), (W_ih, W_hh, b_ih, b_hh)):
            getattr(cell, name).copy_(torch.as_tensor(value))
        return cell(*_t(x, h))


def lstm_step_f32_numpy(*args):
    h_t, c_t = lesson05.reference_lstm_step(*(np.asarray(a, dtype=np.float32) for a in args))
    return h_t, c_t


def time_constant_f32(f):
    return -1.0 / np.log(np.asarray(f, dtype=np.float32))


def bidirectional_f32(x, fwd, bwd):
    fwd, bwd = copy.deepcopy(fwd).float(), copy.deepcopy(bwd).float()
    return lesson07.reference_bidirectional(x.float(), fwd, bwd)


def normalize_numpy(y_train, y_test):
    a, b = y_train.numpy(), y_test.numpy()
    mean, std = a.mean(), a.std(ddof=1)
    return (a - mean) / std, (b - mean) / std, mean, std


def windows_f32(series, window, horizon):
    X, y = app.make_windows(series, window, horizon)
    return torch.as_tensor(X, dtype=f32), torch.as_tensor(y, dtype=f32)


def attention_f32(query, keys, W_q, W_k, v):
    return app.additive_attention(*(t.float() for t in (query, keys, W_q, W_k, v)))


# (check, right answers): the first is the reference, the rest must pass too (float32 and other forms)
CASES = {
    "00.running_sum": (lesson00.running_sum, [lesson00.reference_running_sum, running_sum_f32]),
    "01.rnn_step": (lesson01.rnn_step, [lesson01.reference_rnn_step, rnn_step_f32]),
    "01.unroll": (lesson01.unroll, [lesson01.reference_unroll, unroll_f32]),
    "02.sigmoid_grad": (lesson02.sigmoid_grad, [sigmoid_grad, sigmoid_grad_f32]),
    "02.tanh_backward": (lesson02.tanh_backward, [lambda out, g: (1 - out ** 2) * g, tanh_backward_f32]),
    "02.manual_backward": (lesson02.manual_backward, [lesson02.reference_manual_backward, manual_backward_f32]),
    "03.rnn_bptt": (lesson03.rnn_bptt, [lesson03.reference_rnn_bptt, rnn_bptt_autograd(torch.float64),
                                        rnn_bptt_autograd(f32)]),
    "04.clip_by_global_norm": (lesson04.clip_by_global_norm, [lesson04.reference_clip_by_global_norm, clip_f32]),
    "05.lstm_step": (lesson05.lstm_step, [lesson05.reference_lstm_step, lstm_cell_f32, lstm_step_f32_numpy]),
    "05.lstm_step_backward": (lesson05.lstm_step_backward, [lesson05.reference_lstm_step_backward,
                                                            cell_backward_autograd("lstm", torch.float64),
                                                            cell_backward_autograd("lstm", f32)]),
    "06.gru_step": (lesson06.gru_step, [lesson06.reference_gru_step, gru_cell_f32]),
    "06.gru_step_backward": (lesson06.gru_step_backward, [lesson06.reference_gru_step_backward,
                                                          cell_backward_autograd("gru", torch.float64),
                                                          cell_backward_autograd("gru", f32)]),
    "07.time_constant": (lesson07.time_constant, [lesson07.reference_time_constant, time_constant_f32]),
    "07.bidirectional": (lesson07.bidirectional, [lesson07.reference_bidirectional, bidirectional_f32]),
    "07.lstm_num_params": (lesson07.lstm_num_params, [lesson07.reference_lstm_num_params]),
    "08.tbptt_step": (lesson08.tbptt_step, [charlm.tbptt_step]),
    "08.sample_with_temperature": (lesson08.sample_with_temperature, [charlm.sample_with_temperature]),
    "09.early_stopping": (lesson09.early_stopping, [lesson09.reference_early_stopping]),
    "09.normalize_targets": (lesson09.normalize_targets, [tuning.normalize_targets, normalize_numpy]),
    "10.make_windows": (lesson10.make_windows, [app.make_windows, windows_f32]),
    "10.ctc_greedy_decode": (lesson10.ctc_greedy_decode, [app.ctc_greedy_decode,
                                                          lambda s: app.ctc_greedy_decode(s.float())]),
    "10.korean_reading": (lesson10.korean_reading, [app.korean_reading]),
    "10.greedy_decode": (lesson10.greedy_decode, [app.greedy_decode]),
    "10.beam_search": (lesson10.beam_search, [lesson10.reference_beam_search]),
    "11.additive_attention": (lesson11.additive_attention, [app.additive_attention, attention_f32]),
}
# Slow checks (thousands of learner calls each) get the mutations that can change their kind of output.
MUTATIONS_FOR = {
    "08.sample_with_temperature": ("perturb one element", "scale everything", "negate",
                                   "zero one output (a dropped term)", "return the input unchanged"),
    "10.korean_reading": ("perturb one element", "reverse the first axis", "drop the last element",
                          "return the input unchanged"),
}


def test_every_exercise_check_is_covered():
    discover()
    exercises = {(info.lesson, info.title) for info in REGISTRY.values() if info.kind != "질문"}
    covered = {(check.info.lesson, check.info.title) for check, _ in CASES.values()}
    assert exercises <= covered, exercises - covered


@pytest.mark.parametrize("name", CASES)
def test_right_answers_pass_in_float64_and_float32(name):
    check, answers = CASES[name]
    for answer in answers:
        assert check(answer) is True, answer


@pytest.mark.parametrize("name", CASES)
def test_generated_wrong_answers_are_rejected(name):
    check, answers = CASES[name]
    tried = assert_rejects_generated_wrong_answers(check, answers[0], MUTATIONS_FOR.get(name, tuple(MUTATIONS)))
    assert tried, f"no mutation changed the output of {name}"


@pytest.mark.parametrize("name", CASES)
def test_garbage_never_crashes_a_check(name):
    check, answers = CASES[name]
    for label, answer in garbage_answers(answers[0]):
        outcome = assert_never_crashes(check, answer)
        assert outcome != "stub", label


@pytest.mark.parametrize("name", CASES)
def test_stub_notice_alone_and_failure_under_the_autograder(name, capsys, monkeypatch):
    check, _ = CASES[name]
    assert check(stub) is None
    assert "📝" in capsys.readouterr().out
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert_korean_failure(check, stub, ["아직 풀지 않은"])


def test_concept_questions_never_crash():
    discover()
    questions = [info for info in REGISTRY.values() if info.kind == "질문"]
    checks = _question_checks()
    assert len(checks) == len(questions)
    for check in checks:
        for label, answer in garbage_answers() + [("letter z", lambda: "z"), ("huge number", lambda: 1e300)]:
            assert assert_never_crashes(check, answer) != "stub", (check.title, label)


def _question_checks():
    import importlib
    import pkgutil

    found = []
    try:
        package = importlib.import_module("rnncourse.checks.questions")
    except ImportError:
        return found
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"rnncourse.checks.questions.{module_info.name}")
        found += [v for v in vars(module).values() if callable(v) and getattr(v, "info", None) is not None
                  and v.info.kind == "질문"]
    return list({id(c): c for c in found}.values())
