"""Lesson 04's self-check: the reference passes, a stub gets the notice, typical mistakes fail in Korean."""
import numpy as np
import pytest
import torch

from rnncourse.checks import lesson04 as check
from check_helpers import assert_korean_failure, stub


def global_norm(grads):
    return float(np.sqrt(sum(np.sum(g * g) for g in grads)))


def ref(grads, max_norm):
    total = global_norm(grads)
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads], total


def ref_without_epsilon(grads, max_norm):
    total = global_norm(grads)
    return ([g * (max_norm / total) for g in grads] if total > max_norm else list(grads)), total


def ref_torch(grads, max_norm):
    tensors = [torch.tensor(g) for g in grads]
    total = torch.sqrt(sum((t ** 2).sum() for t in tensors))
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [t * coef for t in tensors], total


@pytest.mark.parametrize("answer", [ref, ref_without_epsilon, ref_torch,
                                    lambda g, m: tuple(ref(g, m)), lambda g, m: (tuple(ref(g, m)[0]), ref(g, m)[1])])
def test_reference_answers_pass(answer, capsys):
    assert check.clip_by_global_norm(answer) is True
    assert "✅" in capsys.readouterr().out


def test_reference_matches_torch():
    for _, grads, max_norm in check._cases():
        ours, total = check.reference_clip_by_global_norm(grads, max_norm)
        theirs, t_total = check.torch_clip(grads, max_norm)
        assert total == pytest.approx(t_total)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_stub_gets_notice(capsys):
    assert check.clip_by_global_norm(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def per_tensor(grads, max_norm):
    return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads], global_norm(grads)


def by_value(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads], global_norm(grads)


def always_rescale(grads, max_norm):
    total = global_norm(grads)
    return [g * max_norm / total for g in grads], total


def l1_norm(grads, max_norm):
    total = float(sum(np.abs(g).sum() for g in grads))
    return [g * min(1.0, max_norm / total) for g in grads], total


def sum_of_norms(grads, max_norm):
    total = float(sum(np.linalg.norm(g) for g in grads))
    return [g * min(1.0, max_norm / total) for g in grads], total


def no_sqrt(grads, max_norm):
    total = float(sum(np.sum(g * g) for g in grads))
    return [g * min(1.0, max_norm / total) for g in grads], total


def unchanged(grads, max_norm):
    return list(grads), global_norm(grads)


def norm_after_clipping(grads, max_norm):
    clipped, _ = ref(grads, max_norm)
    return clipped, global_norm(clipped)


def wrong_total_only(grads, max_norm):
    clipped, total = ref(grads, max_norm)
    return clipped, total * 2


def flattened(grads, max_norm):
    clipped, total = ref(grads, max_norm)
    return [g.ravel() for g in clipped], total


def divides(grads, max_norm):
    total = global_norm(grads)
    scale = min(1.0, max_norm / total)
    return [g / scale for g in grads], total


@pytest.mark.parametrize("wrong, words", [
    (per_tensor, ["텐서별 클리핑", "같은 배율"]),
    (by_value, ["값 클리핑", "np.clip"]),
    (always_rescale, ["한도보다 작을 때", "그대로"]),
    (l1_norm, ["L1 노름"]),
    (sum_of_norms, ["그냥 더했습니다"]),
    (no_sqrt, ["제곱근을 빠뜨렸습니다"]),
    (unchanged, ["자르지 않고"]),
    (norm_after_clipping, ["자르기 전의 노름"]),
    (wrong_total_only, ["전체 노름의 값이 다릅니다"]),
    (flattened, ["모양"]),
    (divides, ["값이 다릅니다", "힌트"]),
    (lambda g, m: None, ["None"]),
    (lambda g, m: ref(g, m)[0], ["튜플"]),
    (lambda g, m: (ref(g, m)[0][:-1], 1.0), ["개를 반환했습니다"]),
    (lambda g, m: (ref(g, m)[0], np.ones(2)), ["숫자 하나"]),
])
def test_mistakes_fail_in_korean(wrong, words):
    assert_korean_failure(check.clip_by_global_norm, wrong, words)
