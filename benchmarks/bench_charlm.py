"""Training speed (characters per second) of lesson 08's character LSTM under different configurations.

Each row times full training steps (forward, cross-entropy, backward, clipping, Adam update) on random
chunks of the Shakespeare ids and reports characters per wall-clock second and per CPU second
(the second is fairer on a shared machine). Run `python benchmarks/bench_charlm.py` (a few minutes),
`--quick` for a smoke run, `--threads 1 2` to compare thread counts, `--device cuda` on a GPU.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnncourse import charlm  # noqa: E402

# (label, hidden, layers, embed, batch, seq_len, implementation)
FULL = [
    ("DL4J shape: 2x200, batch 32 x 50", 200, 2, 64, 32, 50, "fused"),
    ("2x200, batch 128 x 64", 200, 2, 64, 128, 64, "fused"),
    ("2x256, batch 32 x 50", 256, 2, 64, 32, 50, "fused"),
    ("2x256, batch 64 x 64", 256, 2, 64, 64, 64, "fused"),
    ("2x256, batch 128 x 64", 256, 2, 64, 128, 64, "fused"),
    ("2x256, batch 256 x 64", 256, 2, 64, 256, 64, "fused"),
    ("2x256, batch 128 x 128", 256, 2, 64, 128, 128, "fused"),
    ("2x256, batch 64 x 64, one-hot input", 256, 2, 0, 64, 64, "fused"),
    ("2x256, batch 64 x 64, LSTMCell loop", 256, 2, 64, 64, 64, "cells"),
    ("2x256, batch 64 x 64, oneDNN off", 256, 2, 64, 64, 64, "no-mkldnn"),
]
QUICK = [("2x64, batch 16 x 32", 64, 2, 16, 16, 32, "fused"),
         ("2x64, batch 16 x 32, LSTMCell loop", 64, 2, 16, 16, 32, "cells")]


class OneHotLSTM(charlm.CharLSTM):
    """DL4J's literal input: one-hot vectors instead of an embedding (same maths, more input columns)."""

    def __init__(self, vocab_size: int, hidden: int, layers: int):
        super().__init__(vocab_size, hidden, layers, embed=vocab_size)
        self.embed = nn.Embedding.from_pretrained(torch.eye(vocab_size), freeze=True)


class CellLoopLSTM(nn.Module):
    """The same model written with ``nn.LSTMCell`` and a Python loop over time steps (the slow way)."""

    def __init__(self, vocab_size: int, hidden: int, layers: int, embed: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        self.cells = nn.ModuleList(nn.LSTMCell(embed if k == 0 else hidden, hidden) for k in range(layers))
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, ids, state=None):
        x = self.embed(ids)
        B, T, _ = x.shape
        hs = [x.new_zeros(B, c.hidden_size) for c in self.cells] if state is None else list(state[0])
        cs = [x.new_zeros(B, c.hidden_size) for c in self.cells] if state is None else list(state[1])
        outs = []
        for t in range(T):
            inp = x[:, t]
            for k, cell in enumerate(self.cells):
                hs[k], cs[k] = cell(inp, (hs[k], cs[k]))
                inp = hs[k]
            outs.append(inp)
        return self.head(torch.stack(outs, 1)), (torch.stack(hs), torch.stack(cs))


def build(vocab_size: int, hidden: int, layers: int, embed: int, impl: str) -> nn.Module:
    """The model a row times."""
    if impl == "cells":
        return CellLoopLSTM(vocab_size, hidden, layers, embed)
    if embed == 0:
        return OneHotLSTM(vocab_size, hidden, layers)
    return charlm.CharLSTM(vocab_size, hidden, layers, embed)


def time_training(model: nn.Module, streams: torch.Tensor, seq_len: int, steps: int, warmup: int,
                  device: torch.device, mkldnn: bool = True) -> tuple[float, float]:
    """(characters per wall second, characters per CPU second) over ``steps`` stateful TBPTT updates."""
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    streams = streams.to(device)
    state = None

    def step(k: int) -> None:
        nonlocal state
        x, y = charlm.chunk_at(streams, k, seq_len)
        logits, state = model(x, state)
        state = charlm.detach_state(state)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    with torch.backends.mkldnn.flags(enabled=mkldnn):
        for k in range(warmup):
            step(k)
        if device.type == "cuda":
            torch.cuda.synchronize()
        wall, cpu = time.perf_counter(), time.process_time()
        for k in range(warmup, warmup + steps):
            step(k)
        if device.type == "cuda":
            torch.cuda.synchronize()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    chars = steps * streams.shape[0] * seq_len
    return chars / wall, chars / max(cpu, 1e-9)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two tiny rows, a few seconds")
    parser.add_argument("--threads", type=int, nargs="+", default=[1], help="torch thread counts to try")
    parser.add_argument("--chars", type=int, default=60_000, help="characters timed per row")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--only", type=str, default=None, help="run rows whose label contains this text")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    rows = QUICK if args.quick else FULL
    if args.only:
        rows = [r for r in rows if args.only in r[0]]
    text = charlm.load_corpus()
    vocab = charlm.Vocab.from_text(text)
    ids = vocab.encode(text[:2_000_000])
    chars = 4_000 if args.quick else args.chars
    results = []
    print(f"{'configuration':42s} {'threads':>7s} {'chars/s (wall)':>15s} {'chars/s (CPU)':>14s}")
    for threads in args.threads:
        torch.set_num_threads(threads)
        for label, hidden, layers, embed, batch, seq_len, impl in rows:
            torch.manual_seed(0)
            model = build(vocab.size, hidden, layers, embed, impl)
            streams = charlm.to_streams(ids, batch)
            steps = max(2, chars // (batch * seq_len))
            wall, cpu = time_training(model, streams, seq_len, steps, warmup=2, device=device,
                                      mkldnn=impl != "no-mkldnn")
            results.append({"label": label, "threads": threads, "wall": wall, "cpu": cpu})
            print(f"{label:42s} {threads:7d} {wall:15,.0f} {cpu:14,.0f}", flush=True)
    return results


if __name__ == "__main__":
    main()
