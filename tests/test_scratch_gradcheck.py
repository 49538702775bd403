"""Finite differences against the hand-written backward passes, including the truncated-BPTT objective."""
import numpy as np
import pytest

import rnncourse.scratch.gradcheck as gradcheck
from rnncourse.scratch import check_gradients, init_gru_params, init_lstm_params, init_rnn_params, numerical_grad

INIT = {"rnn": init_rnn_params, "lstm": init_lstm_params, "gru": init_gru_params}
TOLERANCE = 1e-7


def inputs(kind, T=6, B=2, D=3, H=4, seed=0):
    rng = np.random.default_rng(seed)
    params = INIT[kind](D, H, rng)
    x = rng.standard_normal((T, B, D))
    h0 = 0.5 * rng.standard_normal((B, H))
    c0 = 0.5 * rng.standard_normal((B, H)) if kind == "lstm" else None
    return params, x, h0, c0


def test_numerical_grad_is_accurate_and_restores_the_array():
    arr = np.random.default_rng(0).standard_normal((3, 4))
    before = arr.copy()
    grad = numerical_grad(lambda: float(np.sum(np.sin(arr) * arr)), arr)
    np.testing.assert_array_equal(arr, before)
    np.testing.assert_allclose(grad, np.cos(arr) * arr + np.sin(arr), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("truncate", [None, 1, 4])
@pytest.mark.parametrize(
    "kind, nonlinearity", [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
)
def test_backward_matches_finite_differences(kind, nonlinearity, truncate):
    params, x, h0, c0 = inputs(kind)
    errors = check_gradients(kind, params, x, h0, c0, nonlinearity=nonlinearity, truncate=truncate, seed=1)
    expected_keys = [*params, "x", "h0", *(["c0"] if kind == "lstm" else [])]
    assert list(errors) == expected_keys
    assert max(errors.values()) <= TOLERANCE, errors


def test_check_gradients_leaves_its_inputs_alone():
    params, x, h0, c0 = inputs("lstm", T=3)
    copies = [{k: v.copy() for k, v in params.items()}, x.copy(), h0.copy(), c0.copy()]
    check_gradients("lstm", params, x, h0, c0, truncate=2)
    for key in params:
        np.testing.assert_array_equal(params[key], copies[0][key])
    for arr, copy in zip((x, h0, c0), copies[1:]):
        np.testing.assert_array_equal(arr, copy)


def test_default_states_are_checked_too():
    params, x, _, _ = inputs("gru", T=3)
    errors = check_gradients("gru", params, x)
    assert max(errors.values()) <= TOLERANCE, errors


def test_ignoring_truncation_is_caught(monkeypatch):
    """Mutation check: a backward pass that silently does full BPTT must fail the truncated gradient check."""
    real_backward = gradcheck.gru_backward

    def full_bptt_backward(d_out, d_hT, cache, truncate=None):
        return real_backward(d_out, d_hT, cache)

    monkeypatch.setattr(gradcheck, "gru_backward", full_bptt_backward)
    params, x, h0, _ = inputs("gru")
    errors = check_gradients("gru", params, x, h0, truncate=2)
    assert errors["W_hh"] > 1e-3 and errors["x"] > 1e-3 and errors["h0"] > 1e-3, errors
    assert max(check_gradients("gru", params, x, h0).values()) <= TOLERANCE


def test_float32_inputs_are_checked_in_float64():
    params, x, h0, c0 = inputs("lstm", T=3)
    as32 = {key: value.astype(np.float32) for key, value in params.items()}
    errors = check_gradients("lstm", as32, x.astype(np.float32), h0.astype(np.float32), c0.astype(np.float32))
    assert max(errors.values()) <= TOLERANCE, errors
