"""Lesson 09's self-checks: the reference passes, a stub gets the notice, typical mistakes fail in Korean."""
import numpy as np
import pytest
import torch

from rnncourse.checks import lesson09 as check
from rnncourse.tuning import early_stopping as ref_early_stopping
from check_helpers import assert_korean_failure, stub


# ---------------------------------------------------------------- early stopping
def written_out(val_losses, patience):
    """The lesson's solution, as a learner would write it."""
    best_epoch, best = 0, val_losses[0]
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < best:
            best_epoch, best = epoch, val_losses[epoch]
        elif epoch - best_epoch >= patience:
            return best_epoch, epoch
    return best_epoch, len(val_losses) - 1


def counter_style(val_losses, patience):
    """Another correct style: a wait counter reset on every improvement."""
    best, best_epoch, wait = float("inf"), -1, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(val_losses) - 1


def test_reference_rule_by_hand():
    assert ref_early_stopping([1.0, 0.8, 0.8, 0.9, 0.85, 0.7, 0.95], 3) == (1, 4)
    assert ref_early_stopping([0.9, 0.8, 0.7], 2) == (2, 2)
    assert ref_early_stopping([0.3], 1) == (0, 0)
    with pytest.raises(ValueError):
        ref_early_stopping([0.1, 0.2], 0)
    with pytest.raises(ValueError):
        ref_early_stopping([], 2)


@pytest.mark.parametrize("answer", [written_out, counter_style, ref_early_stopping,
                                    lambda v, p: tuple(np.int64(e) for e in ref_early_stopping(v, p)),
                                    lambda v, p: list(ref_early_stopping(v, p))])
def test_early_stopping_correct_answers_pass(answer, capsys):
    assert check.early_stopping(answer) is True
    assert "✅" in capsys.readouterr().out


def test_early_stopping_stub_gets_notice(capsys):
    assert check.early_stopping(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def stops_on_equal(val_losses, patience):
    best_epoch, best = 0, val_losses[0]
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] <= best:
            best_epoch, best = epoch, val_losses[epoch]
        elif epoch - best_epoch >= patience:
            return best_epoch, epoch
    return best_epoch, len(val_losses) - 1


def one_early(val_losses, patience):
    best_epoch, best = 0, val_losses[0]
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < best:
            best_epoch, best = epoch, val_losses[epoch]
        elif epoch - best_epoch >= patience - 1:
            return best_epoch, epoch
    return best_epoch, len(val_losses) - 1


def one_late(val_losses, patience):
    best_epoch, best = 0, val_losses[0]
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < best:
            best_epoch, best = epoch, val_losses[epoch]
        elif epoch - best_epoch > patience:
            return best_epoch, epoch
    return best_epoch, len(val_losses) - 1


def last_not_best(val_losses, patience):
    _, stop = ref_early_stopping(val_losses, patience)
    return stop, stop


def peeks_at_future(val_losses, patience):
    _, stop = ref_early_stopping(val_losses, patience)
    return int(np.argmin(val_losses)), stop


def never_resets(val_losses, patience):
    best_epoch, best, waited = 0, val_losses[0], 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < best:
            best_epoch, best = epoch, val_losses[epoch]
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, len(val_losses) - 1


@pytest.mark.parametrize("wrong, words", [
    (stops_on_equal, ["엄격하게 작을 때"]),
    (one_early, ["하나 빠릅니다"]),
    (one_late, ["하나 늦습니다"]),
    (last_not_best, ["최고 에폭"]),
    (peeks_at_future, ["미래"]),
    (never_resets, ["0으로 되돌리지"]),
    (lambda v, p: tuple(e + 1 for e in ref_early_stopping(v, p)), ["0부터"]),
    (lambda v, p: (len(v) - 1, len(v) - 1), ["기대한 답"]),
    (lambda v, p: None, ["None"]),
    (lambda v, p: ref_early_stopping(v, p)[0], ["튜플"]),
    (lambda v, p: (0.5, 1), ["정수"]),
])
def test_early_stopping_mistakes_fail(wrong, words):
    assert_korean_failure(check.early_stopping, wrong, words)


# ---------------------------------------------------------------- normalize_targets
def ref_normalize(y_train, y_test):
    mean, std = y_train.mean(), y_train.std()
    return (y_train - mean) / std, (y_test - mean) / std, mean, std


@pytest.mark.parametrize("answer", [
    ref_normalize,
    lambda a, b: (lambda m, s: ((a - m) / s, (b - m) / s, m, s))(a.mean(), a.std(unbiased=False)),
    lambda a, b: tuple(v.numpy() if hasattr(v, "numpy") else v for v in ref_normalize(a, b)),
    lambda a, b: (lambda m, s: ((a - m) / s, (b - m) / s, float(m), float(s)))(a.mean(), a.std()),
])
def test_normalize_correct_answers_pass(answer, capsys):
    assert check.normalize_targets(answer) is True
    assert "✅" in capsys.readouterr().out


def test_normalize_matches_package_reference():
    from rnncourse.tuning import normalize_targets
    assert check.normalize_targets(normalize_targets) is True


def test_normalize_stub_gets_notice(capsys):
    assert check.normalize_targets(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def leaky(y_train, y_test):
    both = torch.cat([y_train.flatten(), y_test.flatten()])
    mean, std = both.mean(), both.std()
    return (y_train - mean) / std, (y_test - mean) / std, mean, std


def variance(y_train, y_test):
    mean, var = y_train.mean(), y_train.var()
    return (y_train - mean) / var, (y_test - mean) / var, mean, var


def only_centred(y_train, y_test):
    mean, std = y_train.mean(), y_train.std()
    return y_train - mean, y_test - mean, mean, std


def own_stats_for_test(y_train, y_test):
    mean, std = y_train.mean(), y_train.std()
    return (y_train - mean) / std, (y_test - y_test.mean()) / y_test.std(), mean, std


@pytest.mark.parametrize("wrong, words", [
    (leaky, ["합쳐서", "누수"]),
    (variance, ["분산"]),
    (only_centred, ["표준편차로 나누는"]),
    (own_stats_for_test, ["시험 데이터 자신의"]),
    (lambda a, b: (ref_normalize(a, b)[0], ref_normalize(a, b)[1] * 1.1, a.mean(), a.std()),
     ["z_test", "값이 다릅니다"]),
    (lambda a, b: (ref_normalize(a, b)[0].flatten(), *ref_normalize(a, b)[1:]), ["모양"]),
    (lambda a, b: None, ["None"]),
    (lambda a, b: ref_normalize(a, b)[:2], ["4개 값"]),
    (lambda a, b: (*ref_normalize(a, b)[:2], a.mean() * 0 + 1.0, a.std()), ["평균"]),
])
def test_normalize_mistakes_fail(wrong, words):
    assert_korean_failure(check.normalize_targets, wrong, words)


def with_min_delta(delta):
    """Early stopping that counts only improvements larger than ``delta`` (a 'minimum improvement' rule)."""
    def answer(losses, patience):
        best_epoch, best = 0, losses[0]
        for epoch in range(1, len(losses)):
            if losses[epoch] < best - delta:
                best_epoch, best = epoch, losses[epoch]
            elif epoch - best_epoch >= patience:
                return best_epoch, epoch
        return best_epoch, len(losses) - 1
    return answer


def test_min_delta_zero_is_the_rule_and_passes():
    assert check.early_stopping(with_min_delta(0.0)) is True


@pytest.mark.parametrize("delta", [1e-2, 1e-3, 1e-5, 1e-8])
def test_small_improvement_tolerances_fail(delta):
    assert_korean_failure(check.early_stopping, with_min_delta(delta), ["기대한 답"])
