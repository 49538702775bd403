"""Time the NumPy engine's forward + backward against PyTorch's CPU nn.RNN / LSTM / GRU on the same work.

Both sides compute the output, the final state and gradients for every parameter, x and h0 (and c0).
Run `python benchmarks/bench_scratch.py` (well under a minute on an idle 2-core machine),
or add `--quick` for a few-second smoke run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnncourse.scratch import (  # noqa: E402
    gru_backward,
    gru_forward,
    init_gru_params,
    init_lstm_params,
    init_rnn_params,
    lstm_backward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
    to_torch,
)

INIT = {"rnn": init_rnn_params, "lstm": init_lstm_params, "gru": init_gru_params}
FULL_SIZES = [(20, 8, 32, 32), (50, 32, 64, 64), (100, 64, 128, 128)]
QUICK_SIZES = [(10, 4, 16, 16)]


def numpy_step(kind: str, params: dict, x: np.ndarray, d_out: np.ndarray) -> None:
    """One forward + full BPTT backward of the engine."""
    if kind == "rnn":
        _, _, cache = rnn_forward(x, None, params)
        rnn_backward(d_out, None, cache)
    elif kind == "lstm":
        _, _, cache = lstm_forward(x, None, None, params)
        lstm_backward(d_out, None, None, cache)
    else:
        _, _, cache = gru_forward(x, None, params)
        gru_backward(d_out, None, cache)


def torch_step(module: torch.nn.Module, kind: str, x: np.ndarray, d_out: np.ndarray) -> None:
    """One forward + autograd backward of the PyTorch module, with gradients for the same inputs."""
    x_t = torch.from_numpy(x).requires_grad_()
    B, H = x.shape[1], module.hidden_size
    states = [torch.zeros(1, B, H, dtype=x_t.dtype, requires_grad=True) for _ in range(2 if kind == "lstm" else 1)]
    out, _ = module(x_t, tuple(states) if kind == "lstm" else states[0])
    torch.autograd.grad(out, [*module.parameters(), x_t, *states], torch.from_numpy(d_out))


def median_ms(run, repeats: int, budget_s: float = 1.0) -> float:
    """Median wall time of run() after one warm-up: `repeats` runs, or at least 3 once budget_s is spent."""
    run()
    times = []
    while len(times) < repeats and (len(times) < 3 or sum(times) < budget_s):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one tiny size, for a smoke test")
    parser.add_argument("--budget", type=float, default=45.0, help="seconds after which remaining rows are skipped")
    args = parser.parse_args()
    deadline = time.perf_counter() + args.budget
    sizes, repeats = (QUICK_SIZES, 3) if args.quick else (FULL_SIZES, 7)

    print(f"torch {torch.__version__} threads={torch.get_num_threads()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs; forward + backward, median of 3 to {repeats} runs, ms")
    header = f"{'cell':5} {'dtype':8} {'T':>4} {'B':>4} {'D':>4} {'H':>4} {'numpy':>9} {'torch':>9} {'numpy/torch':>12}"
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    for kind in INIT:
        for dtype in (np.float64, np.float32):
            for T, B, D, H in sizes:
                if time.perf_counter() > deadline:
                    print(f"{kind:5} {np.dtype(dtype).name:8} {T:4} {B:4} {D:4} {H:4}  skipped: over --budget")
                    continue
                params = INIT[kind](D, H, rng, dtype)
                module = to_torch(params, kind)
                x = rng.standard_normal((T, B, D)).astype(dtype)
                d_out = rng.standard_normal((T, B, H)).astype(dtype)
                ours = median_ms(lambda: numpy_step(kind, params, x, d_out), repeats)
                theirs = median_ms(lambda: torch_step(module, kind, x, d_out), repeats)
                print(f"{kind:5} {np.dtype(dtype).name:8} {T:4} {B:4} {D:4} {H:4} "
                      f"{ours:9.2f} {theirs:9.2f} {ours / theirs:12.2f}")


if __name__ == "__main__":
    main()
