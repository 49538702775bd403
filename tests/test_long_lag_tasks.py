import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncourse import tasks

quick = settings(max_examples=30, deadline=None, database=None)
seeds = st.integers(0, 2**31 - 1)


# adding problem

@quick
@given(batch=st.integers(1, 6), length=st.integers(2, 40), seed=seeds)
def test_adding_task_shapes_markers_and_sums(batch, length, seed):
    x, y = tasks.adding_task(batch, length, seed=seed)
    assert x.shape == (batch, length, 2) and y.shape == (batch, 1)
    assert x.dtype == y.dtype == torch.float32
    values, markers = x[..., 0], x[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(markers.unique().tolist()) <= {0.0, 1.0}
    half = length // 2
    assert (markers[:, :half].sum(1) == 1).all() and (markers[:, half:].sum(1) == 1).all()
    torch.testing.assert_close(y[:, 0], (values * markers).sum(1))


def test_adding_baseline_is_the_mse_of_always_answering_one():
    assert tasks.ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    _, y = tasks.adding_task(20_000, 6, seed=3)
    assert ((y - 1.0) ** 2).mean().item() == pytest.approx(tasks.ADDING_BASELINE_MSE, abs=0.01)


@pytest.mark.parametrize("args", [(0, 10), (4, 1), (4, 0), (4, 10.0), (True, 10)])
def test_adding_task_rejects_bad_arguments(args):
    with pytest.raises(ValueError):
        tasks.adding_task(*args)


# copy task

@quick
@given(batch=st.integers(1, 5), n_symbols=st.integers(1, 6), delay=st.integers(0, 12),
       n_categories=st.integers(2, 9), seed=seeds)
def test_copy_task_targets_repeat_the_string_after_the_go_marker(batch, n_symbols, delay,
                                                                n_categories, seed):
    x, y = tasks.copy_task(batch, n_symbols, delay, n_categories=n_categories, seed=seed)
    length = 2 * n_symbols + delay + 1
    blank, go = n_categories, n_categories + 1
    assert x.shape == (batch, length, n_categories + 2) and x.dtype == torch.float32
    assert y.shape == (batch, length) and y.dtype == torch.int64
    assert (x.sum(-1) == 1).all()
    inputs = x.argmax(-1)
    string = inputs[:, :n_symbols]
    assert (string < n_categories).all()
    assert (inputs[:, n_symbols + delay] == go).all()
    rest = torch.cat([inputs[:, n_symbols:n_symbols + delay], inputs[:, n_symbols + delay + 1:]], 1)
    assert (rest == blank).all()
    assert torch.equal(y[:, -n_symbols:], string)
    assert (y[:, :-n_symbols] == blank).all()


@pytest.mark.parametrize("n_symbols, delay, n_categories", [(10, 99, 8), (3, 0, 2), (5, 20, 4)])
def test_copy_baseline_is_the_loss_of_the_memoryless_strategy(n_symbols, delay, n_categories):
    _, y = tasks.copy_task(64, n_symbols, delay, n_categories=n_categories, seed=0)
    log_probs = torch.full((*y.shape, n_categories + 2), -math.inf)
    log_probs[:, :-n_symbols, n_categories] = 0.0  # certain blank before the output phase
    log_probs[:, -n_symbols:, :n_categories] = -math.log(n_categories)  # uniform guess after
    loss = torch.nn.functional.nll_loss(log_probs.flatten(0, 1), y.flatten()).item()
    expected = tasks.copy_baseline_loss(n_symbols, delay, n_categories)
    assert loss == pytest.approx(expected)
    assert expected == pytest.approx(n_symbols * math.log(n_categories) / y.shape[1])


def test_copy_baseline_matches_arjovsky_et_al():
    # Their T counts the blanks after the string, go marker included: total length T + 20.
    assert tasks.copy_baseline_loss(10, 99, 8) == pytest.approx(10 * math.log(8) / 120)


@pytest.mark.parametrize("args, kwargs", [
    ((0, 3, 5), {}), ((4, 0, 5), {}), ((4, 3, -1), {}), ((4, 3, 2.0), {}),
    ((4, 3, 5), {"n_categories": 1}), ((4, 3, 5), {"n_categories": 0}),
])
def test_copy_task_rejects_bad_arguments(args, kwargs):
    with pytest.raises(ValueError):
        tasks.copy_task(*args, **kwargs)
    if args[0] > 0 and "n_categories" not in kwargs:
        with pytest.raises(ValueError):
            tasks.copy_baseline_loss(*args[1:])


# multi-time-scale signal

@quick
@given(batch=st.integers(1, 4), length=st.integers(1, 50),
       periods=st.lists(st.integers(1, 300), min_size=1, max_size=4).map(tuple), seed=seeds)
def test_multi_timescale_signal_is_the_sum_of_its_components(batch, length, periods, seed):
    x, components = tasks.multi_timescale_signal(length, batch=batch, periods=periods, seed=seed)
    assert x.shape == (batch, length, 1) and components.shape == (batch, length, len(periods))
    assert x.dtype == components.dtype == torch.float32
    assert set(components.unique().tolist()) <= {-1.0, 1.0}
    torch.testing.assert_close(x[..., 0], components.sum(-1))


def test_multi_timescale_components_switch_at_their_own_time_scales():
    periods = (2, 16, 128)
    _, components = tasks.multi_timescale_signal(2000, batch=64, periods=periods, seed=4)
    switch_rate = (components[:, 1:] != components[:, :-1]).float().mean((0, 1))
    for rate, period in zip(switch_rate.tolist(), periods):
        assert rate == pytest.approx(1 / period, rel=0.15)
    assert components.mean().abs().item() < 0.05


@pytest.mark.parametrize("n_components, expected", [(1, 1.0), (2, 0.75), (3, 0.75), (4, 0.6875)])
def test_memoryless_tracking_accuracy_matches_the_sign_of_the_sum(n_components, expected):
    assert tasks.memoryless_tracking_accuracy(n_components) == pytest.approx(expected)
    periods = tuple(2 ** (k + 1) for k in range(n_components))
    x, components = tasks.multi_timescale_signal(4000, batch=16, periods=periods, seed=5)
    guess = torch.sign(x)
    hits = torch.where(guess == 0, 0.5, (guess == components).float())
    assert hits.mean().item() == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("kwargs", [
    {"length": 0}, {"length": 10, "batch": 0}, {"length": 10, "periods": ()},
    {"length": 10, "periods": (4, 0)}, {"length": 10, "periods": (4, 2.5)},
    {"length": 10, "periods": 16},
])
def test_multi_timescale_signal_rejects_bad_arguments(kwargs):
    length = kwargs.pop("length")
    with pytest.raises(ValueError):
        tasks.multi_timescale_signal(length, **kwargs)


# future context

@quick
@given(batch=st.integers(1, 5), length=st.integers(2, 30), lead=st.integers(1, 5),
       n_categories=st.integers(2, 6), seed=seeds)
def test_future_context_targets_are_later_inputs(batch, length, lead, n_categories, seed):
    lead = min(lead, length - 1)
    x, y, mask = tasks.future_context_task(batch, length, lead=lead, n_categories=n_categories,
                                           seed=seed)
    assert x.shape == (batch, length, n_categories) and x.dtype == torch.float32
    assert y.shape == mask.shape == (batch, length) and y.dtype == torch.int64
    assert (x.sum(-1) == 1).all()
    assert torch.equal(y[:, :-lead], x[:, lead:].argmax(-1))
    assert mask[:, :-lead].all() and not mask[:, -lead:].any()


def test_future_context_past_only_guess_stays_at_chance():
    x, y, mask = tasks.future_context_task(4000, 20, seed=6)
    copy_now = (x.argmax(-1) == y)[mask].float().mean().item()
    assert tasks.future_context_chance(4) == 0.25
    assert copy_now == pytest.approx(tasks.future_context_chance(4), abs=0.01)


@pytest.mark.parametrize("args, kwargs", [
    ((0, 10), {}), ((4, 3), {"lead": 3}), ((4, 10), {"lead": 0}),
    ((4, 10), {"n_categories": 1}), ((4, 10.0), {}),
])
def test_future_context_task_rejects_bad_arguments(args, kwargs):
    with pytest.raises(ValueError):
        tasks.future_context_task(*args, **kwargs)


# seeding, for every generator

GENERATORS = [
    lambda seed: tasks.adding_task(8, 12, seed=seed),
    lambda seed: tasks.copy_task(8, 4, 6, seed=seed),
    lambda seed: tasks.multi_timescale_signal(50, batch=4, seed=seed),
    lambda seed: tasks.future_context_task(8, 12, seed=seed),
]


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_are_seeded_without_touching_global_state(make):
    torch.manual_seed(123)
    before = torch.get_rng_state()
    first, again, other = make(7), make(7), make(8)
    assert torch.equal(torch.get_rng_state(), before)
    assert all(torch.equal(p, q) for p, q in zip(first, again))
    assert not torch.equal(first[0], other[0])
