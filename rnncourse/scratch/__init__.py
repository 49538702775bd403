"""A from-scratch NumPy engine for RNN, LSTM and GRU: forward, backpropagation through time, gradient checks.

Layout is time-major like PyTorch: x is (T, B, D), states are (B, H). Parameters are dicts with PyTorch's
single-layer names without "_l0": W_ih, W_hh, b_ih, b_hh, gate blocks in PyTorch order.
"""
from .gradcheck import check_gradients, numerical_grad
from .gru import gru_backward, gru_forward, gru_step, init_gru_params
from .lstm import init_lstm_params, lstm_backward, lstm_forward, lstm_step
from .rnn import init_rnn_params, rnn_backward, rnn_forward, rnn_step
from .torch_params import from_torch, to_torch

__all__ = [
    "check_gradients",
    "from_torch",
    "gru_backward",
    "gru_forward",
    "gru_step",
    "init_gru_params",
    "init_lstm_params",
    "init_rnn_params",
    "lstm_backward",
    "lstm_forward",
    "lstm_step",
    "numerical_grad",
    "rnn_backward",
    "rnn_forward",
    "rnn_step",
    "to_torch",
]
