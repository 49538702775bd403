"""Self-checks for lesson 04 (기울기 소실과 폭발): clip_by_global_norm, checked against torch's clip_grad_norm_."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import torch

from rnncourse.checks._core import (CheckFailed, as_array, as_scalar, call, check_rng, close, expect_close,
                                   expect_tuple, self_check)

Grads = list[np.ndarray]


def reference_clip_by_global_norm(grads: Sequence[np.ndarray], max_norm: float) -> tuple[Grads, float]:
    """Scale all gradients by one factor so that their joint L2 norm is at most max_norm; return them and the
    norm before clipping. Gradients already within the limit come back unchanged."""
    total = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [np.asarray(g, dtype=np.float64) * scale for g in grads], total


def torch_clip(grads: Sequence[np.ndarray], max_norm: float) -> tuple[Grads, float]:
    """What torch.nn.utils.clip_grad_norm_ does to parameters whose .grad are ``grads``."""
    params = [torch.nn.Parameter(torch.zeros(np.shape(g), dtype=torch.float64)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(np.asarray(g), dtype=torch.float64)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad.numpy().copy() for p in params], float(total)


def _cases() -> list[tuple[str, Grads, float]]:
    """(description, gradients, max_norm): one far above the limit, one below it, one with mixed shapes."""
    rng = check_rng(4)
    big = [rng.normal(0, 3.0, size=(4, 3)), rng.normal(0, 3.0, size=(4, 4)), rng.normal(0, 3.0, size=4)]
    small = [rng.normal(0, 0.05, size=(3, 2)), rng.normal(0, 0.05, size=3)]
    # one huge tensor next to a tiny one: per-tensor clipping and global clipping differ the most here
    mixed = [np.full((2, 2), 40.0) * rng.choice([-1, 1], size=(2, 2)), np.array([0.3, -0.2, 0.1]),
             np.array([[0.5]])]
    return [("노름이 한도보다 훨씬 큰 기울기", big, 1.0), ("노름이 한도보다 작은 기울기", small, 1.0),
            ("큰 텐서와 작은 텐서가 섞인 기울기", mixed, 5.0)]


def _mistakes(grads: Grads, max_norm: float) -> dict[str, tuple[Grads, float | None]]:
    """Typical wrong answers for one case, keyed by the Korean explanation (norm None: any norm)."""
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    per_tensor = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]
    always = [g * (max_norm / total) for g in grads]
    by_value = [np.clip(g, -max_norm, max_norm) for g in grads]
    l1 = float(sum(np.abs(g).sum() for g in grads))
    summed = float(sum(np.linalg.norm(g) for g in grads))
    squared = total ** 2
    wrong_scale = {
        "전체 노름을 L1 노름(절댓값의 합)으로 계산했습니다. 모든 원소의 제곱합에 제곱근을 씌운 L2 노름이어야 합니다.": l1,
        "텐서별 노름을 그냥 더했습니다. 텐서별 '제곱합'을 모두 더한 뒤 제곱근을 한 번만 씌워야 합니다.": summed,
        "제곱근을 빠뜨렸습니다. 전체 노름은 √(모든 원소의 제곱합)입니다.": squared,
    }
    out: dict[str, tuple[Grads, float | None]] = {
        "텐서마다 따로 잘랐습니다(텐서별 클리핑). 모든 텐서를 이어 붙인 하나의 벡터로 보고 전체 노름을 구한 뒤, "
        "모든 텐서에 같은 배율을 곱해야 합니다. 그래야 기울기의 방향이 바뀌지 않습니다.": (per_tensor, None),
        "노름이 한도보다 작을 때도 배율을 곱했습니다. 전체 노름이 max_norm 이하이면 기울기를 그대로 돌려줘야 합니다"
        "(배율 = min(1, max_norm / 노름)).": (always, None),
        "원소 하나하나를 [-max_norm, max_norm]으로 잘랐습니다(값 클리핑, np.clip). 이 연습은 노름 클리핑입니다: "
        "전체 노름을 구해 모든 원소에 같은 배율을 곱하세요.": (by_value, None),
    }
    out["기울기를 자르지 않고 그대로 돌려주었습니다. 전체 노름이 max_norm보다 크면 모든 텐서에 "
        "max_norm / 전체 노름을 곱해야 합니다."] = ([np.asarray(g, dtype=np.float64) for g in grads], None)
    for message, wrong_total in wrong_scale.items():
        out[message] = ([g * min(1.0, max_norm / wrong_total) for g in grads], None)
    return out


def _close(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> bool:
    return len(a) == len(b) and all(close(x, y, rtol=1e-6, atol=1e-9) for x, y in zip(a, b))


def _unpack(result: Any, n: int, what: str) -> tuple[Grads, Any]:
    clipped, total = expect_tuple(result, ("clipped", "total_norm"), what)
    if not isinstance(clipped, (list, tuple)):
        raise CheckFailed(f"{what}: 첫 번째 반환값은 기울기 배열의 리스트여야 합니다. 지금은 {type(clipped).__name__}입니다.")
    if len(clipped) != n:
        raise CheckFailed(f"{what}: 기울기 {n}개를 받았는데 {len(clipped)}개를 반환했습니다. 받은 텐서마다 하나씩 돌려주세요.")
    return [as_array(g, f"{what}: 잘린 기울기 {i}") for i, g in enumerate(clipped)], total


@self_check("전체 노름 기울기 클리핑 clip_by_global_norm")
def clip_by_global_norm(fn: Callable[[list, float], Any]) -> str:
    """fn(grads, max_norm) must return (clipped list, total norm before clipping), as clip_grad_norm_ does."""
    for what, grads, max_norm in _cases():
        want, want_total = torch_clip(grads, max_norm)
        result = call(fn, (grads, max_norm), names=("grads", "max_norm"), what=what)
        got, got_total = _unpack(result, len(grads), what)
        for i, (g, w) in enumerate(zip(got, want)):
            if g.shape != w.shape:
                raise CheckFailed(f"{what}: 잘린 기울기 {i}의 모양(shape)이 다릅니다: 기대한 모양 {w.shape}, "
                                  f"실제 모양 {g.shape}. 받은 배열과 같은 모양으로 돌려주세요.")
        if not _close(got, want):
            for message, (wrong, _) in _mistakes(grads, max_norm).items():
                if _close(got, wrong):
                    raise CheckFailed(f"{what}에서 결과가 다릅니다. {message}")
        for i, (g, w) in enumerate(zip(got, want)):
            expect_close(g, w, f"{what}: 잘린 기울기 {i}", rtol=1e-5, atol=1e-9,
                         hint="배율 = min(1, max_norm / 전체 노름)을 모든 텐서에 똑같이 곱하세요.")
        total = as_scalar(got_total, f"{what}: 두 번째 반환값(전체 노름)")
        clipped_norm = float(np.sqrt(sum(np.sum(w * w) for w in want)))
        if want_total > max_norm and abs(total - clipped_norm) < 1e-6 * max(1.0, clipped_norm):
            raise CheckFailed(f"{what}: 전체 노름으로 자른 뒤의 노름({total:.4g})을 반환했습니다. "
                              f"torch.nn.utils.clip_grad_norm_처럼 자르기 전의 노름({want_total:.4g})을 반환하세요.")
        expect_close(np.array(total), np.array(want_total), f"{what}: 전체 노름", rtol=1e-6,
                     hint="전체 노름 = √(모든 텐서의 모든 원소의 제곱의 합)입니다.")
    return "torch.nn.utils.clip_grad_norm_과 같은 결과입니다. 작은 기울기는 그대로 두고, 큰 기울기는 방향을 지킨 채 줄입니다."
