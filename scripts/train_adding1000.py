"""Train the LSTM that ships with rnncourse for lesson 05: the adding problem at T = 1000, on one CPU thread.

The shipped checkpoint was made with (seed 0; see rnncourse/data/adding1000_lstm.json):

    nice -n 10 python scripts/train_adding1000.py --max-wall-s 2700

and stopped by SIGTERM after 4022 steps (174 CPU seconds) on a shared machine, before the loss target: its
test MSE at T = 1000 was 0.0044 (2.7% of the 1/6 baseline); "stopped_by" in the JSON records this.

It writes ``<out>.pt`` (float32 state dict + model config), ``<out>.json`` (recipe, training sequences seen,
MSE curve, wall/CPU time, torch version, command line, final test MSE) and ``<out>.log`` (one JSON line per
logged interval). ``--quick`` runs a few short steps into /tmp as a smoke test.

Task: ``rnncourse.tasks.adding_task`` (values U(0, 1), one mark in each half, target the sum; always answering
1 scores 1/6). Model: one LSTM layer and a linear read-out of its last hidden state, chrono initialisation
(Tallec & Ollivier 2018) with t_max = 1000. Curriculum over T: training starts at the first length of
``--lengths`` and moves to the next once the mean training loss of the last ``--window`` steps is below
``--advance``; at the last length (learning rate ``--final-lr``) it stops once that mean is below ``--target``
(or at ``--max-steps`` steps in all, ``--max-cpu-s`` CPU seconds, ``--max-wall-s`` wall seconds, or on SIGTERM/
SIGINT; the checkpoint is rewritten at every log line of the last length, so a stopped run still leaves one).
Adam with gradient-norm clipping, one fresh batch per step.
"""
from __future__ import annotations

import argparse
import json
import platform
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnncourse import tasks  # noqa: E402
from rnncourse.env import seed_everything  # noqa: E402
from rnncourse.long_lag import ADDING1000_NAME, SequenceRegressor, adding_mse, chrono_init  # noqa: E402
from rnncourse.train import Callback, State, fit, make_optimizer  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "rnncourse" / "data" / ADDING1000_NAME
T_MAX = 1000


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--final-lr", type=float, default=1e-3, help="learning rate from the last length on")
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--lengths", type=int, nargs="+", default=[100, 200, 500, 1000])
    parser.add_argument("--advance", type=float, default=0.01, help="mean loss that moves to the next length")
    parser.add_argument("--target", type=float, default=0.002, help="mean loss at the last length that ends training")
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--max-steps", type=int, default=20_000)
    parser.add_argument("--max-cpu-s", type=float, default=2400.0)
    parser.add_argument("--max-wall-s", type=float, default=3600.0)
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output path without suffix")
    parser.add_argument("--quick", action="store_true", help="a few steps at short lengths into /tmp (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.lengths, args.max_steps, args.log_every, args.test_size = [20, 40], 60, 10, 100
        if args.out == DEFAULT_OUT:
            args.out = Path("/tmp") / f"{ADDING1000_NAME}_quick"
    if args.lengths[-1] != T_MAX and not args.quick:
        raise SystemExit(f"the last length must be {T_MAX}; got {args.lengths}")
    args.out.parent.mkdir(parents=True, exist_ok=True)

    torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    model = chrono_init(SequenceRegressor("lstm", 2, args.hidden, seed=args.seed), T_MAX, seed=args.seed)
    opt = make_optimizer("adam", model.parameters(), args.lr)
    log = open(args.out.with_suffix(".log"), "w", encoding="utf-8")
    curve: list[dict] = []
    start, cpu0 = time.perf_counter(), time.process_time()
    run = {"step": 0, "sequences": 0, "stage": 0, "signal": None}

    def on_signal(signum, frame):  # finish the current step, then save and write the metadata
        run["signal"] = signal.Signals(signum).name

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def save_weights() -> None:
        state = {k: v.detach().to("cpu", torch.float32) for k, v in model.state_dict().items()}
        torch.save({"config": model.config, "state_dict": state}, args.out.with_suffix(".pt"))
    data_seed = 5_000_011 * (args.seed + 1)

    def loss_fn(m, b):
        return ((m(b[0]) - b[1]) ** 2).mean()

    class Curriculum(Callback):
        """Count steps and sequences, log the running loss, and end the stage at its loss threshold."""

        def __init__(self, length: int, last: bool) -> None:
            self.length, self.last, self.logged = length, last, 0

        def after_step(self, state: State) -> None:
            run["step"] += 1
            run["sequences"] += args.batch
            losses = state.losses
            if run["step"] % args.log_every == 0:
                row = {"step": run["step"], "length": self.length, "sequences_seen": run["sequences"],
                       "train_mse": float(np.mean(losses[self.logged:])),
                       "wall_s": round(time.perf_counter() - start, 1), "cpu_s": round(time.process_time() - cpu0, 1)}
                self.logged = len(losses)
                curve.append(row)
                log.write(json.dumps(row) + "\n")
                log.flush()
                print(json.dumps(row), flush=True)
                if self.last:
                    save_weights()
            recent = float(np.mean(losses[-args.window:])) if len(losses) >= args.window else float("inf")
            if recent < (args.target if self.last else args.advance):
                state.stop = "target reached" if self.last else "advance"
            elif (run["step"] >= args.max_steps or time.process_time() - cpu0 > args.max_cpu_s
                  or time.perf_counter() - start > args.max_wall_s):
                state.stop = "budget"
            elif run["signal"]:
                state.stop = "budget"

    stages = []
    for k, length in enumerate(args.lengths):
        last = k == len(args.lengths) - 1

        def make_batch(step: int, length=length, k=k):
            return tasks.adding_task(args.batch, length, seed=data_seed + 100_000 * k + step)

        first = run["step"]
        if last:
            for group in opt.param_groups:
                group["lr"] = args.final_lr
        hist = fit(model, make_batch, loss_fn, steps=args.max_steps, optimizer=opt, clip=args.clip,
                   progress=False, callbacks=[Curriculum(length, last)])
        stages.append({"length": length, "steps": run["step"] - first, "sequences": (run["step"] - first) * args.batch,
                       "stopped": hist.stopped})
        print(json.dumps({"stage": stages[-1]}), flush=True)
        if hist.stopped == "budget":
            break
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0

    save_weights()
    test_mse = adding_mse(model, args.lengths[-1], size=args.test_size, seed=77_000)
    meta = {
        "description": "one-layer LSTM (chrono init) trained on the adding problem, U(0,1) variant, up to T = 1000",
        "command": " ".join(["nice -n 10 python scripts/train_adding1000.py",
                             *(argv if argv is not None else sys.argv[1:])]),
        "recipe": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "out"},
        "task": "rnncourse.tasks.adding_task: values U(0,1), one mark in each half, target their sum; "
                "baseline (always 1) MSE 1/6",
        "init": f"chrono (Tallec & Ollivier 2018): forget bias log(U(1, {T_MAX - 1})), input bias minus that",
        "optimizer": "Adam, gradient-norm clipping, one fresh batch per step",
        "stages": stages, "stopped_by": run["signal"] or stages[-1]["stopped"], "steps": run["step"],
        "sequences_seen": run["sequences"],
        "sequences_seen_at_final_length": stages[-1]["sequences"],
        "reached_target": stages[-1]["stopped"] == "target reached" and len(stages) == len(args.lengths),
        "test_mse": test_mse, "test": {"size": args.test_size, "length": args.lengths[-1], "seed": 77_000},
        "baseline_mse": tasks.ADDING_BASELINE_MSE,
        "train_wall_s": round(wall, 1), "train_cpu_s": round(cpu, 1),
        "torch": torch.__version__, "python": platform.python_version(), "threads": args.threads,
        "num_parameters": sum(p.numel() for p in model.parameters()),
        "curve": curve,
    }
    with open(args.out.with_suffix(".json"), "w", encoding="utf-8") as fh:
        json.dump(meta, fh, ensure_ascii=False, indent=1)
    log.write(json.dumps({"final": True, "test_mse": test_mse, "wall_s": round(wall, 1),
                          "cpu_s": round(cpu, 1)}) + "\n")
    log.close()
    print(json.dumps({k: meta[k] for k in ("test_mse", "steps", "sequences_seen", "train_cpu_s", "reached_target")}))
    return meta


if __name__ == "__main__":
    main()
