import pytest
import torch

from rnncourse import tasks


def test_lag_task_targets_are_earlier_inputs():
    x, y, mask = tasks.lag_task(4, 10, 3, seed=1)
    assert x.shape == (4, 10, 1) and y.shape == (4, 10) and mask.shape == (4, 10)
    assert torch.equal(y[:, 3:], x[:, :-3, 0])
    assert not mask[:, :3].any() and mask[:, 3:].all()
    assert set(x.unique().tolist()) <= {0.0, 1.0}


def test_lag_task_is_seeded():
    a, b = tasks.lag_task(8, 12, 2, seed=5), tasks.lag_task(8, 12, 2, seed=5)
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    assert not torch.equal(a[0], tasks.lag_task(8, 12, 2, seed=6)[0])


@pytest.mark.parametrize("args", [(0, 10, 1), (4, 10, 10), (4, 10, 0), (4.0, 10, 1)])
def test_lag_task_rejects_bad_arguments(args):
    with pytest.raises(ValueError):
        tasks.lag_task(*args)
