import math

import pytest
import torch

from rnncourse.train import train


def linear_problem():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    return model, (lambda step: (x, y)), (lambda m, b: torch.mean((m(b[0]) - b[1]) ** 2))


def test_training_reduces_the_loss():
    model, batch, loss = linear_problem()
    history = train(model, batch, loss, steps=200, lr=0.05, progress=False)
    assert len(history) == 200 and history[-1] < 0.01 * history[0]


def test_clipping_bounds_each_update():
    model, batch, loss = linear_problem()
    before = [p.detach().clone() for p in model.parameters()]
    train(model, batch, loss, steps=1, lr=1.0, optimizer="sgd", clip=1e-3, progress=False)
    moved = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert moved <= 1e-3 + 1e-9


def test_diverging_run_stops_at_nan():
    model, batch, _ = linear_problem()
    history = train(model, batch, lambda m, b: m(b[0]).sum() * float("nan"), steps=50, lr=0.1, progress=False)
    assert len(history) == 1 and math.isnan(history[0])


def test_bad_arguments():
    model, batch, loss = linear_problem()
    with pytest.raises(ValueError, match="optimizer"):
        train(model, batch, loss, steps=1, lr=0.1, optimizer="lbfgs")
    with pytest.raises(ValueError, match="steps"):
        train(model, batch, loss, steps=0, lr=0.1)
