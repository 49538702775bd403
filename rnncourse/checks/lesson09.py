"""Self-checks for lesson 09 (하이퍼파라미터 튜닝): early stopping replayed over validation losses, and
standardising regression targets with the training set's statistics."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import torch

from rnncourse.checks._core import (CheckFailed, as_array, as_int, as_scalar, call, check_generator, expect_close,
                                   expect_tuple, precision_of, self_check, shown_pair)
from rnncourse.tuning import early_stopping as reference_early_stopping


# ---------------------------------------------------------------- exercise 1: early stopping
# (validation losses, patience, what the case is about)
STOP_CASES: list[tuple[list[float], int, str]] = [
    ([1.0, 0.8, 0.8, 0.9, 0.85, 0.7, 0.95, 0.96, 0.97, 0.98], 3, "같은 값이 다시 나오고, 멈춘 뒤에 더 낮은 값이 있는 경우"),
    ([0.9, 0.7, 0.75, 0.6, 0.65, 0.5, 0.55, 0.56, 0.57, 0.58], 2, "개선될 때마다 기다림을 다시 세야 하는 경우"),
    ([0.9, 0.8, 0.7, 0.6, 0.5], 2, "끝까지 계속 좋아지는 경우"),
    ([0.5, 0.6, 0.7, 0.4, 0.8], 1, "patience가 1인 경우"),
    ([0.5, 0.6, 0.5, 0.6, 0.5, 0.6], 4, "최저값이 여러 번 나오는 경우"),
    ([0.3], 5, "에폭이 하나뿐인 경우"),
    # improvements far below any 'minimum improvement' a learner might add: each still counts
    ([0.7, 0.6999, 0.69989, 0.6998899, 0.7, 0.71, 0.72, 0.73], 3, "아주 조금씩 좋아지는 경우"),
    ([2.0, 2.0 - 1e-9, 2.0 - 2e-9, 2.0 - 3e-9, 2.1, 2.2], 2, "거의 같아 보이지만 계속 좋아지는 경우"),
]


def _replay(losses: Sequence[float], patience: int, *, strict: bool = True, shift: int = 0,
            reset: bool = True) -> tuple[int, int]:
    """Early stopping with one rule bent: ``strict`` (< or <=), ``shift`` (stop at best + patience + shift),
    ``reset`` (whether the waiting count restarts after an improvement)."""
    best_epoch, best, waited = 0, float(losses[0]), 0
    for epoch in range(1, len(losses)):
        loss = float(losses[epoch])
        if loss < best or (not strict and loss == best):
            best_epoch, best = epoch, loss
            if reset:
                waited = 0
        else:
            waited = epoch - best_epoch if reset else waited + 1
            if waited >= patience + shift:
                return best_epoch, epoch
    return best_epoch, len(losses) - 1


def _stop_mistakes(losses: Sequence[float], patience: int) -> dict[str, tuple[int, int]]:
    """What typical slips return, keyed by the Korean explanation of the slip."""
    best, stop = reference_early_stopping(losses, patience)
    last = len(losses) - 1
    mistakes: dict[str, tuple[int, int]] = {}

    def add(message: str, answer: tuple[int, int]) -> None:
        if answer != (best, stop):
            mistakes.setdefault(message, answer)

    add("같은 손실을 개선으로 쳤습니다. 개선은 지금까지의 최저값보다 '엄격하게 작을 때'(<)만입니다.",
        _replay(losses, patience, strict=False))
    add("개선된 뒤에 기다린 에폭 수를 0으로 되돌리지 않았습니다. 기다림은 '마지막 개선 이후'부터 셉니다.",
        _replay(losses, patience, reset=False))
    add("멈춘 에폭을 최고 에폭으로 돌려주었습니다. 최고 에폭은 검증 손실이 가장 낮았던 에폭입니다.", (stop, stop))
    add("마지막 에폭을 최고 에폭으로 돌려주었습니다. 조기 종료의 요점은 가장 좋았던 에폭으로 돌아가는 것입니다.",
        (last, stop))
    if patience > 1:
        add("멈춘 시점이 하나 빠릅니다. 마지막 개선 뒤 patience 에폭을 기다린 그 에폭에서 멈춥니다 "
            "(stop = best + patience).", _replay(losses, patience, shift=-1))
    add("멈춘 시점이 하나 늦습니다. 마지막 개선 뒤 patience번째 에폭에서 바로 멈춥니다 (stop = best + patience).",
        _replay(losses, patience, shift=1))
    global_best = int(np.argmin(np.asarray(losses, dtype=float)))
    add("전체 목록의 최솟값을 골랐습니다. 조기 종료는 멈춘 시점까지 본 에폭만 알 수 있습니다(미래를 볼 수 없습니다).",
        (global_best, stop))
    add("에폭 번호를 1부터 셌습니다. 이 수업은 파이썬처럼 0부터 셉니다.", (best + 1, stop + 1))
    return mistakes


def _as_pair(got: Any, where: str) -> tuple[int, int]:
    best, stop = expect_tuple(got, ("best_epoch", "stop_epoch"), where)
    return (as_int(best, f"{where}: best_epoch(에폭 번호)"), as_int(stop, f"{where}: stop_epoch(에폭 번호)"))


@self_check("조기 종료 early_stopping")
def early_stopping(fn: Callable[[list[float], int], Any]) -> str:
    """early_stopping(val_losses, patience) must return (best_epoch, stop_epoch) as the reference does."""
    for losses, patience, about in STOP_CASES:
        where = f"{about} (손실 {losses}, patience={patience})"
        result = call(fn, (list(losses), patience), names=("val_losses", "patience"), what=where)
        got = _as_pair(result, where)
        want = reference_early_stopping(losses, patience)
        if got == want:
            continue
        for message, wrong in _stop_mistakes(losses, patience).items():
            if got == wrong:
                raise CheckFailed(f"{where}: 기대한 답 {want}, 실제 답 {got}. {message}")
        raise CheckFailed(f"{where}: 기대한 답 (best_epoch, stop_epoch) = {want}, 실제 답 {got}. "
                          "힌트: 에폭마다 '최저값보다 작으면 best를 갱신, 아니면 epoch − best ≥ patience일 때 멈춤'을 "
                          "차례대로 적용하고, 끝까지 멈추지 않으면 stop은 마지막 에폭입니다.")
    return f"{len(STOP_CASES)}가지 경우 모두 맞습니다. 같은 값은 개선이 아니고, 멈춘 뒤의 손실은 보지 않습니다."


# ---------------------------------------------------------------- exercise 2: normalising targets
def _cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = check_generator(9)
    return [
        (500 + 120 * torch.randn(40, 1, generator=gen), 560 + 150 * torch.randn(25, 1, generator=gen)),
        (-3 + 0.01 * torch.randn(30, generator=gen), -3 + 0.02 * torch.randn(12, generator=gen)),
    ]


def _to_tensor(value: Any, what: str) -> torch.Tensor:
    return torch.as_tensor(as_array(value, what), dtype=torch.float64)  # float32-exact values stay recognisable


@self_check("목표값 정규화 normalize_targets")
def normalize_targets(fn: Callable[[torch.Tensor, torch.Tensor], Any]) -> str:
    """normalize_targets(y_train, y_test) → (z_train, z_test, mean, std) with the TRAINING set's statistics."""
    for number, (y_train, y_test) in enumerate(_cases(), start=1):
        where = f"예제 {number}"
        result = call(fn, (y_train, y_test), names=("y_train", "y_test"), what=f"{where}의 정규화")
        got = expect_tuple(result, ("z_train", "z_test", "mean", "std"), where)
        z_train = _to_tensor(got[0], f"{where}의 z_train")
        z_test = _to_tensor(got[1], f"{where}의 z_test")
        mean = as_scalar(got[2], f"{where}의 mean")
        std = as_scalar(got[3], f"{where}의 std")
        yt, ys = y_train.double(), y_test.double()
        rel = 1e-6 if precision_of(np.array([mean, std])) == "float64" else 1e-4  # statistics taken in float32
        both = torch.cat([yt.flatten(), ys.flatten()])
        true_mean = float(yt.mean())
        stds = (float(yt.std()), float(yt.std(unbiased=False)))  # n − 1 or n: both are fine
        if abs(mean - float(both.mean())) < 1e-5 * max(1.0, abs(true_mean)) < abs(mean - true_mean):
            raise CheckFailed(f"{where}: 평균을 학습 데이터와 시험 데이터를 합쳐서 구했습니다. 시험 데이터의 정보가 "
                              "학습에 새어 들어갑니다(데이터 누수). 평균과 표준편차는 y_train만으로 구하세요.")
        if not abs(mean - true_mean) <= rel * max(1.0, abs(true_mean)):
            got_text, want_text = shown_pair(mean, true_mean)
            raise CheckFailed(f"{where}: 반환한 평균 {got_text}이 y_train의 평균 {want_text}과 다릅니다.")
        if any(abs(std - s ** 2) < 1e-4 * s ** 2 for s in stds) and min(abs(std - s) for s in stds) > 1e-4 * stds[0]:
            raise CheckFailed(f"{where}: 표준편차 대신 분산(표준편차의 제곱)을 돌려주었습니다. `.std()`를 쓰세요.")
        if not min(abs(std - s) for s in stds) <= rel * stds[0]:
            got_text, want_text = shown_pair(std, stds[0])
            raise CheckFailed(f"{where}: 반환한 표준편차 {got_text}이 y_train의 표준편차 {want_text}과 다릅니다. "
                              "y_train만으로 구했는지 확인하세요.")
        hint = "z = (y − 평균) / 표준편차이고, 두 통계는 모두 y_train에서 구한 값을 씁니다."
        if z_train.numel() == yt.numel() and torch.allclose(z_train.flatten(), (yt - true_mean).flatten(), atol=1e-5):
            raise CheckFailed(f"{where}: z_train이 평균만 뺀 값입니다. 표준편차로 나누는 것을 잊었습니다.")
        if z_test.shape == ys.shape and torch.allclose(z_test, (ys - ys.mean()) / ys.std(), atol=1e-5):
            raise CheckFailed(f"{where}: z_test를 시험 데이터 자신의 평균과 표준편차로 정규화했습니다. 시험 데이터도 "
                              "학습 데이터의 평균과 표준편차로 바꿔야 모델이 배운 눈금과 맞습니다.")
        expect_close(z_train, (yt - mean) / std, f"{where}의 z_train", rtol=1e-5, atol=1e-5, hint=hint)
        expect_close(z_test, (ys - mean) / std, f"{where}의 z_test", rtol=1e-5, atol=1e-5, hint=hint)
    return "학습 데이터의 평균과 표준편차로 학습·시험 데이터를 함께 바꾸었습니다. 예측은 y = z·std + mean으로 되돌립니다."
