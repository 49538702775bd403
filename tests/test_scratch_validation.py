"""Wrong input fails early with a ValueError that names what was expected and what came."""
import re

import numpy as np
import pytest
import torch

from rnncourse.scratch import (
    check_gradients,
    from_torch,
    gru_backward,
    gru_forward,
    gru_step,
    init_gru_params,
    init_lstm_params,
    init_rnn_params,
    lstm_backward,
    lstm_forward,
    lstm_step,
    rnn_backward,
    rnn_forward,
    rnn_step,
    to_torch,
)

T, B, D, H = 5, 2, 3, 4
RNN = init_rnn_params(D, H, rng=0)
LSTM = init_lstm_params(D, H, rng=0)
GRU = init_gru_params(D, H, rng=0)
X = np.random.default_rng(0).standard_normal((T, B, D))
STATE = np.zeros((B, H))
RNN_CACHE = rnn_forward(X, None, RNN)[2]
LSTM_CACHE = lstm_forward(X, None, None, LSTM)[2]
GRU_CACHE = gru_forward(X, None, GRU)[2]


def case(name, call, message):
    return pytest.param(call, message, id=name)


def replaced(params, **changes):
    return {**params, **changes}


def without(params, key):
    return {k: v for k, v in params.items() if k != key}


SHAPE_CASES = [
    case("x not 3-D", lambda: rnn_forward(X[0], None, RNN),
         "x must have shape (T, B, D) with D=3 from W_ih (3 columns); got shape (2, 3)"),
    case("D mismatch", lambda: gru_forward(np.zeros((T, B, 4)), None, GRU),
         "x must have shape (T, B, D) with D=3 from W_ih (3 columns); got shape (5, 2, 4)"),
    case("x_t not 2-D", lambda: lstm_step(X, None, None, LSTM),
         "x_t must have shape (B, D) with D=3 from W_ih (3 columns); got shape (5, 2, 3)"),
    case("h0 hidden size", lambda: rnn_forward(X, np.zeros((B, H + 1)), RNN),
         "h0 must have shape (B, H) = (2, 4) with B from x and H from W_hh; got shape (2, 5)"),
    case("h0 batch size", lambda: gru_forward(X, np.zeros((B + 1, H)), GRU),
         "h0 must have shape (B, H) = (2, 4) with B from x and H from W_hh; got shape (3, 4)"),
    case("c0 shape", lambda: lstm_forward(X, STATE, np.zeros(H), LSTM),
         "c0 must have shape (B, H) = (2, 4) with B from x and H from W_hh; got shape (4,)"),
    case("h_prev shape", lambda: rnn_step(X[0], np.zeros((B, 2)), RNN),
         "h_prev must have shape (B, H) = (2, 4) with B from x_t and H from W_hh; got shape (2, 2)"),
    case("c_prev shape", lambda: lstm_step(X[0], STATE, np.zeros((1, H)), LSTM),
         "c_prev must have shape (B, H) = (2, 4) with B from x_t and H from W_hh; got shape (1, 4)"),
]

PARAM_CASES = [
    case("missing key", lambda: lstm_forward(X, None, None, without(LSTM, "b_hh")),
         "params must have exactly the keys ['W_ih', 'W_hh', 'b_ih', 'b_hh'] (PyTorch's names without '_l0'); "
         "missing ['b_hh'], unexpected []"),
    case("extra key", lambda: rnn_forward(X, None, {**RNN, "bias": np.zeros(H)}),
         "missing [], unexpected ['bias']"),
    case("params not a dict", lambda: rnn_forward(X, None, list(RNN.values())),
         "params must be a dict of NumPy arrays; got list"),
    case("W_ih rows", lambda: lstm_forward(X, None, None, replaced(LSTM, W_ih=np.zeros((H, D)))),
         "params['W_ih'] must have shape (4H, D) = (16, 3) for an LSTM with H=4 from the columns of W_hh; "
         "got shape (4, 3)"),
    case("W_hh columns disagree", lambda: gru_forward(X, None, replaced(GRU, W_hh=np.zeros((3 * H, H + 1)))),
         "params['W_ih'] must have shape (3H, D) = (15, 3) for a GRU with H=5 from the columns of W_hh"),
    case("W_hh 1-D", lambda: rnn_forward(X, None, replaced(RNN, W_hh=np.zeros(H))),
         "params['W_hh'] must be 2-D with shape (H, H), H >= 1; got shape (4,)"),
    case("bias shape", lambda: rnn_forward(X, None, replaced(RNN, b_hh=np.zeros((1, H)))),
         "params['b_hh'] must have shape (H,) = (4,) for an RNN with H=4 from the columns of W_hh; got shape (1, 4)"),
]

DTYPE_CASES = [
    case("integer x", lambda: rnn_forward(X.astype(int), None, RNN),
         "x must be a float32 or float64 array; got dtype int64"),
    case("integer param", lambda: gru_forward(X, None, replaced(GRU, b_ih=np.zeros(3 * H, int))),
         "params['b_ih'] must be a float32 or float64 array; got dtype int64"),
    case("float16 state", lambda: rnn_forward(X, STATE.astype(np.float16), RNN),
         "h0 must be a float32 or float64 array; got dtype float16"),
    case("mixed params", lambda: lstm_forward(X, None, None, replaced(LSTM, W_hh=LSTM["W_hh"].astype(np.float32))),
         "params must share one floating dtype; got W_ih float64, W_hh float32, b_ih float64, b_hh float64"),
    case("float32 x", lambda: rnn_forward(X.astype(np.float32), None, RNN),
         "x has dtype float32 but the parameters are float64; all arrays must share one floating dtype"),
    case("float32 c0", lambda: lstm_forward(X, None, STATE.astype(np.float32), LSTM),
         "c0 has dtype float32 but the parameters are float64"),
    case("float32 d_out", lambda: lstm_backward(np.zeros((T, B, H), np.float32), None, None, LSTM_CACHE),
         "d_out has dtype float32 but the parameters are float64"),
]

OPTION_CASES = [
    case("nonlinearity", lambda: rnn_forward(X, None, RNN, "sigmoid"),
         "nonlinearity must be 'tanh' or 'relu'; got 'sigmoid'"),
    case("step nonlinearity", lambda: rnn_step(X[0], None, RNN, nonlinearity="Tanh"),
         "nonlinearity must be 'tanh' or 'relu'; got 'Tanh'"),
    case("truncate zero", lambda: rnn_backward(None, None, RNN_CACHE, truncate=0),
         "truncate must be None or a positive int (chunk length in steps); got 0"),
    case("truncate float", lambda: gru_backward(None, None, GRU_CACHE, truncate=2.0),
         "truncate must be None or a positive int (chunk length in steps); got 2.0"),
    case("truncate bool", lambda: lstm_backward(None, None, None, LSTM_CACHE, truncate=True),
         "truncate must be None or a positive int (chunk length in steps); got True"),
    case("init size", lambda: init_gru_params(0, H), "input_size must be a positive int; got 0"),
    case("init dtype", lambda: init_lstm_params(D, H, dtype=np.int32), "dtype must be float32 or float64; got int32"),
]

UPSTREAM_CASES = [
    case("d_out shape", lambda: rnn_backward(np.zeros((T - 1, B, H)), None, RNN_CACHE),
         "d_out must have shape (T, B, H) = (5, 2, 4) as in the forward pass; got shape (4, 2, 4)"),
    case("d_hT shape", lambda: gru_backward(None, np.zeros((B, H + 1)), GRU_CACHE),
         "d_hT must have shape (B, H) = (2, 4) as in the forward pass; got shape (2, 5)"),
    case("d_cT shape", lambda: lstm_backward(None, None, np.zeros(H), LSTM_CACHE),
         "d_cT must have shape (B, H) = (2, 4) as in the forward pass; got shape (4,)"),
]

CONVERSION_CASES = [
    case("params of another cell", lambda: to_torch(RNN, "lstm"),
         "params['W_ih'] must have shape (4H, D) = (16, 3) for an LSTM"),
    case("unknown kind", lambda: to_torch(RNN, "transformer"),
         "kind must be one of 'rnn', 'lstm', 'gru'; got 'transformer'"),
    case("relu GRU", lambda: to_torch(GRU, "gru", "relu"), "nonlinearity applies only to kind='rnn'"),
    case("two layers", lambda: from_torch(torch.nn.LSTM(3, 4, num_layers=2)),
         "only single-layer modules convert; got LSTM with num_layers=2"),
    case("bidirectional", lambda: from_torch(torch.nn.GRU(3, 4, bidirectional=True)),
         "only unidirectional modules convert; got GRU with bidirectional=True"),
    case("projection", lambda: from_torch(torch.nn.LSTM(3, 4, proj_size=2)),
         "LSTM projections are not supported; got LSTM with proj_size=2"),
    case("cell module", lambda: from_torch(torch.nn.LSTMCell(3, 4)),
         "module must be a torch.nn.RNN, nn.LSTM or nn.GRU; got LSTMCell"),
    case("half precision", lambda: from_torch(torch.nn.RNN(3, 4).half()),
         "module weights must be float32 or float64; got torch.float16"),
    case("c0 for a GRU", lambda: check_gradients("gru", GRU, X, STATE, STATE), "c0 is only used by kind='lstm'"),
    case("gradcheck kind", lambda: check_gradients("cnn", GRU, X), "kind must be one of 'rnn', 'lstm', 'gru'"),
]


@pytest.mark.parametrize(
    "call, message", SHAPE_CASES + PARAM_CASES + DTYPE_CASES + OPTION_CASES + UPSTREAM_CASES + CONVERSION_CASES
)
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_numpy_integer_truncate_and_array_likes_are_accepted():
    _, _, cache = rnn_forward(X.tolist(), STATE.tolist(), RNN)
    assert rnn_backward(None, None, cache, truncate=np.int64(2))["x"].shape == (T, B, D)
    assert gru_step(X[0], None, GRU)[0].shape == (B, H)


def test_module_without_bias_gives_zero_biases():
    params = from_torch(torch.nn.GRU(3, 4, bias=False))
    assert not params["b_ih"].any() and params["b_hh"].shape == (12,)
