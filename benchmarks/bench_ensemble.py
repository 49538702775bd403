"""Time one training step of a seed ensemble (K = 5) against one model, on one CPU thread.

For each cell (RNN, LSTM, GRU) and lesson size (hidden, length, batch) it times a full Adam step
(forward, backward, update) of: one ``models.SequenceModel`` (PyTorch's nn.RNN/LSTM/GRU, the fastest way to
train one model), one grouped ``train.Ensemble`` member (K = 1), and a five-seed ``Ensemble``. It prints
ms per step and the ratios 5 seeds / 1 model and 5 seeds / five separate runs. CPU time is measured
(``time.process_time``, the minimum over rounds), so other processes on the machine disturb it little.
Run `python benchmarks/bench_ensemble.py` (about a minute) or `--quick`.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnncourse.env import generator  # noqa: E402
from rnncourse.models import SequenceModel  # noqa: E402
from rnncourse.train import Ensemble, make_optimizer, mse  # noqa: E402

SIZES = [(16, 20, 32), (32, 50, 32), (64, 100, 64)]  # (hidden, length, batch): the lessons' range
QUICK_SIZES = [(16, 20, 32)]
INPUT = 2


def step_seconds(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, rounds: int, reps: int) -> float:
    """Minimum over ``rounds`` of the mean CPU seconds of one Adam step on (x, y)."""
    opt = make_optimizer("adam", model.parameters(), 1e-3)

    def step() -> None:
        loss = mse(model(x), y).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(reps):
            step()
        best = min(best, (time.process_time() - start) / reps)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small size, few repeats")
    parser.add_argument("--members", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    sizes, rounds, reps = (QUICK_SIZES, 2, 3) if args.quick else (SIZES, 3, 5)
    K = args.members
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread, kernels "
          f"{torch.backends.cpu.get_cpu_capability()}; ms per Adam step (CPU time)")
    print(f"{'cell':5} {'H':>3} {'T':>4} {'B':>3} | {'1 model':>8} {'ens K=1':>8} {f'ens K={K}':>8} | "
          f"{f'{K} seeds/1 model':>16} {f'{K} seeds/{K} runs':>15}")
    worst = 0.0
    for cell in ("rnn", "lstm", "gru"):
        for hidden, length, batch in sizes:
            gen = generator(0)
            x = torch.randn(batch, length, INPUT, generator=gen)
            y = torch.randn(batch, 1, generator=gen)
            single = step_seconds(SequenceModel(INPUT, hidden, cell=cell, seed=0), x, y, rounds, reps)
            one = step_seconds(Ensemble(cell, INPUT, hidden, seeds=[0]), x, y, rounds, reps)
            many = step_seconds(Ensemble(cell, INPUT, hidden, seeds=range(K)), x, y, rounds, reps)
            ratio = many / single
            worst = max(worst, ratio)
            print(f"{cell:5} {hidden:3d} {length:4d} {batch:3d} | {single * 1e3:8.2f} {one * 1e3:8.2f} "
                  f"{many * 1e3:8.2f} | {ratio:16.2f} {many / (K * single):15.2f}")
    print(f"worst {K} seeds / 1 model: {worst:.2f} (goal <= 2)")


if __name__ == "__main__":
    main()
