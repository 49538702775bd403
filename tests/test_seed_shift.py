"""One source of randomness: every seed passes through rnncourse.seed, and RNNCOURSE_SEED_SHIFT moves them all."""
import numpy as np
import pytest
import torch

import rnncourse as rc
from rnncourse.env import SEED_SHIFT_VARIABLE, SEED_STRIDE


def test_no_shift_keeps_the_course_numbers(monkeypatch):
    monkeypatch.delenv(SEED_SHIFT_VARIABLE, raising=False)
    assert rc.seed(0) == 0 and rc.seed(41) == 41
    assert rc.rng(5).random() == np.random.default_rng(5).random()


def test_shift_moves_every_generator(monkeypatch):
    monkeypatch.setenv(SEED_SHIFT_VARIABLE, "2")
    assert rc.seed(7) == 7 + 2 * SEED_STRIDE
    assert rc.rng(7).random() == np.random.default_rng(7 + 2 * SEED_STRIDE).random()
    expected = torch.Generator().manual_seed(7 + 2 * SEED_STRIDE)
    assert torch.equal(torch.rand(3, generator=rc.generator(7)), torch.rand(3, generator=expected))
    assert rc.seed_everything(7) == 7 + 2 * SEED_STRIDE
    a = torch.rand(2)
    torch.manual_seed(7 + 2 * SEED_STRIDE)
    assert torch.equal(a, torch.rand(2))


def test_shifted_ensembles_do_not_overlap(monkeypatch):
    monkeypatch.setenv(SEED_SHIFT_VARIABLE, "1")
    shifted = {rc.seed(k) for k in range(50)}
    monkeypatch.setenv(SEED_SHIFT_VARIABLE, "0")
    assert shifted.isdisjoint({rc.seed(k) for k in range(50)})


@pytest.mark.parametrize("raw", ["x", "-1", "1.5"])
def test_bad_shift_is_a_clear_error(monkeypatch, raw):
    monkeypatch.setenv(SEED_SHIFT_VARIABLE, raw)
    with pytest.raises(RuntimeError, match=SEED_SHIFT_VARIABLE):
        rc.seed(0)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_bad_seed_is_rejected(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        rc.seed(bad)


def test_about_reports_the_shift_and_kernels(monkeypatch):
    monkeypatch.setenv(SEED_SHIFT_VARIABLE, "3")
    table = rc.versions()
    assert table["시드 이동 (RNNCOURSE_SEED_SHIFT)"] == "3"
    assert table["CPU 명령어 집합 (kernels)"] == torch.backends.cpu.get_cpu_capability()
