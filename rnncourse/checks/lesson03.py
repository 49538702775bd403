"""Self-checks for lesson 03 (BPTT와 단기 BPTT): rnn_bptt, backpropagation through time written by hand."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rnncourse.checks._core import CheckFailed, as_array, call, check_rng, close, expect_close, self_check
from rnncourse.scratch import init_rnn_params, rnn_backward, rnn_forward

KEYS = ("W_ih", "W_hh", "b_ih", "b_hh", "h0")

# (T, B, D, H): several lengths, a single step, a single sequence, a wide input
CASES = [(5, 3, 2, 4), (1, 2, 3, 3), (7, 1, 1, 5), (4, 2, 3, 2)]


def make_case(T: int, B: int, D: int, H: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict, np.ndarray]:
    """Random float64 inputs for one case: x (T, B, D), h0 (B, H), params, d_out (T, B, H)."""
    rng = check_rng(seed)
    params = {k: v * 2.0 for k, v in init_rnn_params(D, H, rng).items()}  # larger weights: tanh' far from 1
    x = rng.standard_normal((T, B, D))
    h0 = rng.uniform(-0.5, 0.5, (B, H))
    d_out = rng.standard_normal((T, B, H))
    return x, h0, params, d_out


def reference_rnn_bptt(x: np.ndarray, h0: np.ndarray, params: dict, d_out: np.ndarray) -> dict[str, np.ndarray]:
    """The engine's answer: gradients of L with dL/d out = d_out (out[t] = h_{t+1}), keys KEYS."""
    _, _, cache = rnn_forward(x, h0, params)
    grads = rnn_backward(d_out, None, cache)
    return {k: grads[k] for k in KEYS}


def _variant(x: np.ndarray, h0: np.ndarray, params: dict, d_out: np.ndarray, slip: str) -> dict[str, np.ndarray]:
    """BPTT with one typical slip, to recognise it in a learner's answer."""
    W_ih, W_hh, b_ih, b_hh = (params[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh"))
    h = [h0]
    for t in range(len(x)):
        h.append(np.tanh(x[t] @ W_ih.T + b_ih + h[t] @ W_hh.T + b_hh))
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(len(x))):
        if slip == "last_output_only":
            dh = (d_out[t] if t == len(x) - 1 else 0.0) + dh_next
        elif slip == "no_recurrent_path":
            dh = d_out[t]
        else:
            dh = d_out[t] + dh_next
        da = dh if slip == "no_tanh_grad" else (1 - h[t + 1] ** 2) * dh
        h_prev = h[t + 1] if slip == "h_t_for_W_hh" else h[t]
        step = {"W_ih": da.T @ x[t], "W_hh": da.T @ h_prev, "b_ih": da.sum(0), "b_hh": da.sum(0)}
        for key, value in step.items():
            grads[key] = value if slip == "no_sum_over_time" else grads[key] + value
        dh_next = da @ W_hh.T if slip == "transposed_W_hh" else da @ W_hh
    grads["h0"] = dh_next
    return grads


SLIPS = {
    "no_tanh_grad": "tanh의 도함수를 곱하지 않았습니다. δ_t = (1 − h_t²) ⊙ dh_t 입니다.",
    "no_sum_over_time": "가중치의 기울기를 시간에 걸쳐 더하지 않고 덮어썼습니다(`=` 대신 `+=`). "
                        "가중치는 모든 시점이 함께 쓰므로 시점마다의 기여를 모두 더해야 합니다.",
    "no_recurrent_path": "다음 시점에서 거꾸로 흘러오는 기울기(W_hhᵀ δ_{t+1})를 더하지 않았습니다. "
                         "dh_t = (t 시점 출력에서 온 기울기) + (h_{t+1}을 거쳐 온 기울기)입니다.",
    "transposed_W_hh": "이전 시점으로 기울기를 넘길 때 W_hh를 전치해서 곱했습니다. "
                       "행 벡터로 쓰면 dh_{t-1} = δ_t @ W_hh 입니다(수식으로는 W_hhᵀ δ_t).",
    "h_t_for_W_hh": "W_hh의 기울기에 h_{t-1} 대신 h_t를 곱했습니다. a_t = … + W_hh h_{t-1} 이므로 "
                    "dL/dW_hh = Σ_t δ_t h_{t-1}ᵀ 입니다.",
    "last_output_only": "마지막 시점의 출력 기울기 d_out[T-1]만 썼습니다. 모든 시점 t에서 d_out[t]를 dh_t에 더해야 합니다.",
}


def _matches(values: Mapping[str, np.ndarray], candidate: Mapping[str, np.ndarray]) -> bool:
    return all(close(values[k], candidate[k], rtol=1e-7, atol=1e-10) for k in KEYS)


def _collect(got: Any) -> dict[str, np.ndarray]:
    """The learner's dict as float64 arrays, with a Korean message for a wrong return type or missing key."""
    if got is None:
        raise CheckFailed("함수가 아무것도 반환하지 않았습니다(None). 기울기를 담은 사전(dict)을 `return` 하세요.")
    if not isinstance(got, Mapping):
        raise CheckFailed(f"사전(dict)을 반환해야 합니다. 지금은 {type(got).__name__}을(를) 반환했습니다. "
                          "예: {'W_ih': ..., 'W_hh': ..., 'b_ih': ..., 'b_hh': ..., 'h0': ...}")
    missing = [k for k in KEYS if k not in got]
    if missing:
        raise CheckFailed(f"반환한 사전에 키 {missing}가 없습니다. 키는 {list(KEYS)} 다섯 개입니다.")
    return {k: as_array(got[k], f"{k}의 기울기") for k in KEYS}


@self_check("시간 역전파 rnn_bptt")
def rnn_bptt(fn: Callable[[np.ndarray, np.ndarray, dict, np.ndarray], Any]) -> str:
    """rnn_bptt(x, h0, params, d_out) must return the gradients KEYS of L, where dL/d out = d_out, as the engine does."""
    for number, (T, B, D, H) in enumerate(CASES):
        x, h0, params, d_out = make_case(T, B, D, H, seed=30 + number)
        where = f"T={T}, B={B}, D={D}, H={H}일 때"
        got = call(fn, (x, h0, params, d_out), names=("x", "h0", "params", "d_out"), what=f"{where} 기울기")
        values = _collect(got)
        want = reference_rnn_bptt(x, h0, params, d_out)
        for slip, message in SLIPS.items():
            wrong = _variant(x, h0, params, d_out, slip)
            if not _matches(want, wrong) and _matches(values, wrong):  # with T = 1 some slips change nothing
                raise CheckFailed(f"{where} 기울기가 다릅니다. {message}")
        for key in KEYS:
            expect_close(values[key], want[key], f"{where} {key}의 기울기", rtol=1e-7, atol=1e-10,
                         hint="거꾸로 도는 반복문 안에서 dh = d_out[t] + dh_next, δ = (1 − h_{t}²) ⊙ dh, "
                              "가중치 기울기 += …, dh_next = δ @ W_hh 순서인지 확인하세요.")
    return f"모양이 다른 {len(CASES)}가지 경우에서 다섯 기울기가 모두 엔진(rnn_backward)과 같습니다."
