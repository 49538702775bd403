"""Self-checks for lesson 11 (어텐션): Bahdanau's additive attention written from scratch.

Convention of the exercise (PyTorch, batch first): query (B, Hq), keys (B, S, Hk), W_q (A, Hq), W_k (A, Hk),
v (A,); the function returns (weights (B, S), context (B, Hk)) with score_j = vᵀ tanh(W_q q + W_k k_j),
weights = softmax over the S source positions, context = Σ_j weights_j k_j.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from rnncourse.applications import additive_attention as _package_attention
from rnncourse.checks._core import CheckFailed, call, check_generator, close, expect_close, expect_shape, \
    expect_tuple, self_check

Tensors = dict[str, torch.Tensor]
NAMES = ("query", "keys", "W_q", "W_k", "v")
CASES = [(2, 4, 3, 5, 6, 111), (3, 5, 4, 4, 3, 112), (1, 3, 2, 3, 4, 113)]  # (B, S, Hq, Hk, A, seed)
SHAPES = ("query는 (B, Hq), keys는 (B, S, Hk), W_q는 (A, Hq), W_k는 (A, Hk), v는 (A,)입니다. "
          "`query @ W_q.T`는 (B, A), `keys @ W_k.T`는 (B, S, A)이니, 앞의 것에 `.unsqueeze(1)`을 붙여 더하세요.")


def reference_additive_attention(query: torch.Tensor, keys: torch.Tensor, W_q: torch.Tensor, W_k: torch.Tensor,
                                 v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(weights, context) from the package's rnncourse.applications.additive_attention (the lesson's model uses it)."""
    return _package_attention(query, keys, W_q, W_k, v)


def make_inputs(batch: int, length: int, query_size: int, key_size: int, attention_size: int, seed: int) -> Tensors:
    """Random float64 inputs, scaled so that the weights are neither uniform nor one-hot."""
    g = check_generator(seed)

    def normal(*shape: int, std: float) -> torch.Tensor:
        return std * torch.randn(*shape, generator=g, dtype=torch.float64)

    return {"query": normal(batch, query_size, std=1.0), "keys": normal(batch, length, key_size, std=1.0),
            "W_q": normal(attention_size, query_size, std=0.8), "W_k": normal(attention_size, key_size, std=0.8),
            "v": normal(attention_size, std=1.5)}


def _attention(p: Tensors, *, act: Callable[[torch.Tensor], torch.Tensor] = torch.tanh, axis: int = 1,
               normalise: str = "softmax", sum_keys: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Additive attention with one thing changed, to recognise a learner's typical slip."""
    scores = act((p["query"] @ p["W_q"].T).unsqueeze(1) + p["keys"] @ p["W_k"].T) @ p["v"]
    if normalise == "softmax":
        weights = torch.softmax(scores, dim=axis)
    elif normalise == "sigmoid":
        weights = torch.sigmoid(scores)
    else:
        weights = scores
    keys = p["keys"]
    context = keys.sum(dim=1) if sum_keys else (weights.unsqueeze(-1) * keys).sum(dim=1)
    return weights, context


def _identity(a: torch.Tensor) -> torch.Tensor:
    return a


def _mistakes(p: Tensors) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Outputs of typical wrong answers, keyed by the Korean explanation of the slip."""
    return {
        "소프트맥스를 배치 축(dim=0)으로 했습니다. 가중치는 문장 하나 안에서 원문 위치 S개에 걸쳐 합이 1이 되어야 하니 "
        "dim=1(원문 위치 축)로 하세요.": _attention(p, axis=0),
        "tanh를 빠뜨렸습니다. 덧셈 어텐션의 점수는 vᵀ tanh(W_q q + W_k k_j)입니다.": _attention(p, act=_identity),
        "점수를 소프트맥스로 정규화하지 않았습니다. 가중치는 0 이상이고 합이 1이어야 합니다: "
        "a = softmax(점수).": _attention(p, normalise="none"),
        "소프트맥스 대신 시그모이드를 썼습니다. 시그모이드는 위치마다 따로 0~1로 누를 뿐, 합이 1이 되게 하지 "
        "않습니다.": _attention(p, normalise="sigmoid"),
    }


def _context_slip(p: Tensors, context: Any) -> str:
    """Name the slip when only the context is wrong."""
    if close(context, p["keys"].sum(dim=1)):
        return " 문맥 벡터가 키를 그냥 더한 값입니다. 각 키에 가중치를 곱해서 더하세요: Σ_j a_j k_j."
    if close(context, p["keys"].mean(dim=1)):
        return " 문맥 벡터가 키의 단순 평균입니다. 가중치 a_j를 곱해서 더해야 합니다: Σ_j a_j k_j."
    return ""


def _same(a: Any, b: Any) -> bool:
    return close(a, b, rtol=1e-7, atol=1e-10)


@self_check("덧셈 어텐션 additive_attention")
def additive_attention(fn: Callable[..., Any]) -> str:
    """additive_attention(query, keys, W_q, W_k, v) must return (weights (B, S), context (B, Hk)) like the package."""
    for batch, length, hq, hk, a, seed in CASES:
        p = make_inputs(batch, length, hq, hk, a, seed)
        where = f"B={batch}, S={length}, Hq={hq}, Hk={hk}, A={a}일 때"
        result = call(fn, tuple(p[k] for k in NAMES), names=NAMES, what=f"{where} 어텐션", hint=SHAPES)
        weights, context = expect_tuple(result, ("weights", "context"), f"{where} 반환값")
        weights = expect_shape(weights, (batch, length), f"{where} 반환한 weights")
        context = expect_shape(context, (batch, hk), f"{where} 반환한 context")
        want_w, want_c = (t.numpy() for t in reference_additive_attention(*(p[k] for k in NAMES)))
        for slip, (wrong_w, _) in _mistakes(p).items():
            if _same(weights, wrong_w) and not _same(wrong_w, want_w):
                raise CheckFailed(f"{where} 가중치가 다릅니다. {slip}")
        if np.all(np.isfinite(weights)) and not np.allclose(weights.sum(axis=1), 1.0, atol=1e-4):
            raise CheckFailed(f"{where} 가중치의 행 합이 1이 아닙니다 (첫 행의 합 {float(weights[0].sum()):.4g}). "
                              "원문 위치 축(dim=1)으로 소프트맥스를 하세요.")
        expect_close(weights, want_w, f"{where} 가중치 weights", rtol=1e-6, atol=1e-9,
                     hint="점수 e_j = vᵀ tanh(W_q q + W_k k_j)를 위치마다 구하고, 위치 축으로 소프트맥스를 하세요.")
        expect_close(context, want_c, f"{where} 문맥 벡터 context", rtol=1e-6, atol=1e-9,
                     hint="문맥 벡터는 가중합입니다: context = Σ_j a_j k_j." + _context_slip(p, context))
    return "점수, 위치 축의 소프트맥스, 가중합까지 Bahdanau의 덧셈 어텐션과 같습니다."
