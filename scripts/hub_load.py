"""Load test: N simulated learners run a lesson at the same time on a real JupyterHub (loopback only).

For each thread setting (torch's default, every core per kernel; or one thread per kernel) one hub is started from
hub/test_config.py with JupyterHub's test authenticator. For each lesson and each N, N learners log in through the
login form, start their servers through the hub's REST API with their own tokens, and each runs every code cell of
lessons/<lesson> in its own kernel, driven over the single-user server's kernel websocket. Measured per learner:
the lesson's wall time (the sum of its cell latencies), the slowest cell, the kernel's CPU seconds, its peak memory
(RSS and PSS of the kernel's process tree, from /proc via psutil) and the single-user server's memory.

Bounded: at most 4 learners, a per-run and a total time limit; loopback only. Run it with the hub's environment:
    build/hub-venv/bin/python scripts/hub_load.py --threads default 1 --lessons 02_activations_and_graphs 03_bptt \
        --learners 1 2 4 --out artifacts/hub/load.json
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psutil
import websocket

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "hub"))
from loopback import LoopbackHub, login  # noqa: E402

MAX_LEARNERS = 4


def code_cells(lesson: str) -> list[str]:
    """The sources of a student notebook's code cells, in order."""
    path = ROOT / "lessons" / f"{lesson}.ipynb"
    if not path.exists():
        raise FileNotFoundError(f"no such lesson: {path}")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def kernel_process(kernel_id: str, timeout: float = 60) -> psutil.Process:
    """The kernel's process: the one whose command line names its connection file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in psutil.process_iter(["cmdline"]):
            if any(kernel_id in part for part in (p.info["cmdline"] or [])):
                return p
        time.sleep(0.2)
    raise TimeoutError(f"kernel {kernel_id} has no process")


def server_process(name: str) -> psutil.Process | None:
    """The learner's single-user server (its environment names the learner)."""
    for p in psutil.process_iter(["cmdline"]):
        if any("jupyterhub-singleuser" in part for part in (p.info["cmdline"] or [])):
            try:
                if p.environ().get("JUPYTERHUB_USER") == name:
                    return p
            except psutil.Error:
                continue
    return None


class TreeSampler(threading.Thread):
    """Samples a process tree's memory every `period` seconds; keeps the peaks and the last CPU times."""

    def __init__(self, process: psutil.Process, period: float = 0.5):
        super().__init__(daemon=True)
        self.process, self.period = process, period
        self.peak_rss = self.peak_pss = self.peak_threads = 0
        self.cpu_s = 0.0
        self.done = threading.Event()

    def sample(self) -> None:
        rss = pss = 0
        cpu = 0.0
        for p in [self.process, *self.process.children(recursive=True)]:
            try:
                info = p.memory_full_info()
                times = p.cpu_times()
            except psutil.Error:
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
            cpu += times.user + times.system
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
        self.peak_threads = max(self.peak_threads, self.process.num_threads())
        self.cpu_s = max(self.cpu_s, cpu)

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.sample()
            except psutil.Error:
                return
            self.done.wait(self.period)

    def stop(self) -> None:
        try:
            self.sample()
        except psutil.Error:
            pass
        self.done.set()
        self.join()


def execute(ws: websocket.WebSocket, session: str, code: str, timeout: float) -> tuple[float, str]:
    """Run one cell through the kernel websocket; its latency (request sent → kernel idle again) and status."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": "learner", "session": session, "msg_type": "execute_request",
                   "version": "5.3", "date": datetime.now(timezone.utc).isoformat()},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    t0 = time.monotonic()
    status, idle = None, False
    ws.settimeout(timeout)
    while status is None or not idle:
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "execute_reply":
            status = msg["content"]["status"]
        elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            idle = True
        if time.monotonic() - t0 > timeout:
            raise TimeoutError("cell timed out")
    return time.monotonic() - t0, status


def run_learner(hub: LoopbackHub, name: str, cells: list[str], deadline: float, out: dict) -> None:
    """One learner: log in, start the server, run the lesson in a new kernel, measure, stop the kernel."""
    import httpx

    t0 = time.monotonic()
    login(hub.url, name, hub.password).close()
    out["login_s"] = time.monotonic() - t0
    token = hub.user_token(name)
    out["spawn_s"] = hub.start_server(name, token)
    base = f"{hub.url}/user/{name}/api"
    headers = {"Authorization": f"token {token}"}
    kernel = httpx.post(f"{base}/kernels", json={"name": "python3", "path": "rnncourse"}, headers=headers,
                        timeout=60)
    kernel.raise_for_status()
    kernel_id = kernel.json()["id"]
    process = kernel_process(kernel_id)
    out["kernel_omp_num_threads"] = process.environ().get("OMP_NUM_THREADS", "unset")
    sampler = TreeSampler(process)
    sampler.start()
    ws = websocket.create_connection(f"ws://127.0.0.1:{hub.port}/user/{name}/api/kernels/{kernel_id}/channels",
                                     header=[f"Authorization: token {token}"], timeout=60)
    latencies, errors = [], []
    try:
        for i, code in enumerate(cells):
            left = deadline - time.monotonic()
            if left <= 0:
                out["timed_out"] = True
                break
            latency, status = execute(ws, uuid.uuid4().hex, code, left)
            latencies.append(latency)
            if status != "ok":
                errors.append(i)
    except (TimeoutError, websocket.WebSocketTimeoutException):
        out["timed_out"] = True
    finally:
        ws.close()
        sampler.stop()
        server = server_process(name)
        if server is not None:
            info = server.memory_full_info()
            out["server_rss_mb"] = info.rss / 2**20
            out["server_pss_mb"] = getattr(info, "pss", info.rss) / 2**20
        httpx.delete(f"{base}/kernels/{kernel_id}", headers=headers, timeout=60)
    out.update(cells=len(latencies), latencies=latencies, errors=errors, lesson_s=sum(latencies), max_cell_s=max(latencies, default=0.0),
               kernel_cpu_s=sampler.cpu_s, kernel_peak_rss_mb=sampler.peak_rss / 2**20,
               kernel_peak_pss_mb=sampler.peak_pss / 2**20, kernel_peak_threads=sampler.peak_threads)


def run_group(hub: LoopbackHub, lesson: str, n: int, run_timeout: float, tag: str) -> dict:
    """N learners at once on one lesson; the per-learner results and their summary."""
    cells = code_cells(lesson)
    deadline = time.monotonic() + run_timeout
    results = [{"learner": f"{tag}{i}"} for i in range(n)]
    threads = [threading.Thread(target=_guarded, args=(run_learner, hub, r["learner"], cells, deadline, r))
               for r in results]
    load_before = os.getloadavg()[0]  # other work on the machine (shared CI/dev hosts): read the results with it
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    for r in results:
        try:
            hub.stop_server(r["learner"])
        except Exception as exc:  # noqa: BLE001 (a server that never started has nothing to stop)
            r.setdefault("stop_error", repr(exc))
    done = [r for r in results if "lesson_s" in r]
    summary = {"lesson": lesson, "learners": n, "wall_s": wall, "loadavg_before": load_before,
               "loadavg_after": os.getloadavg()[0],
               "failed": [r for r in results if "lesson_s" not in r],
               "timed_out": any(r.get("timed_out") for r in results),
               "cell_errors": sorted({e for r in done for e in r["errors"]})}
    for key in ("lesson_s", "max_cell_s", "kernel_cpu_s", "kernel_peak_rss_mb", "kernel_peak_pss_mb",
                "server_rss_mb", "server_pss_mb", "spawn_s", "login_s"):
        values = [r[key] for r in done if key in r]
        if values:
            summary[key] = {"mean": statistics.fmean(values), "max": max(values)}
    return {"summary": summary, "learners": results}


def _guarded(fn, *args) -> None:
    out = args[-1]
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 (recorded per learner, reported in the summary)
        out["error"] = repr(exc)


def table(runs: list[dict]) -> str:
    """The results as a Markdown table. On a busy machine a group may hit its time limit before the lesson ends, so a
    run is compared with one learner alone (same threads; and one thread) on the cells both finished: the time of
    that common prefix of cells, per learner."""

    def cells(r: dict) -> int:
        return min(len(l["latencies"]) for l in r["learners"] if "latencies" in l)

    def prefix_time(r: dict, n: int) -> float:
        return statistics.fmean(sum(l["latencies"][:n]) for l in r["learners"] if "latencies" in l)

    done = [r for r in runs if any("latencies" in l for l in r["learners"])]
    alone = {(r["threads"], r["summary"]["lesson"]): r for r in done if r["summary"]["learners"] == 1}
    lines = ["| threads per kernel | lesson | learners | slowdown vs one learner alone, same threads "
             "(cells compared) | slowdown vs one learner alone on one thread (cells compared) "
             "| whole lesson per learner (s) | kernel CPU (s) | kernel peak RSS / PSS (MB) | server PSS (MB) "
             "| machine load before → after |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(runs, key=lambda r: (r["summary"]["lesson"], r["summary"]["learners"], r["threads"])):
        s = r["summary"]
        if r not in done:
            lines.append(f"| {r['threads']} | {s['lesson']} | {s['learners']} | failed | | | | | | |")
            continue
        ratios = []
        for base in (alone.get((r["threads"], s["lesson"])), alone.get(("1", s["lesson"]))):
            if base is None:
                ratios.append("–")
                continue
            n = min(cells(r), cells(base))
            ratios.append(f"{prefix_time(r, n) / prefix_time(base, n):.2f}× ({n})")
        whole = "time limit" if s["timed_out"] else f"{s['lesson_s']['mean']:.1f}"
        lines.append(
            f"| {r['threads']} | {s['lesson']} | {s['learners']} | {ratios[0]} | {ratios[1]} | {whole} "
            f"| {s['kernel_cpu_s']['mean']:.1f} | {s['kernel_peak_rss_mb']['max']:.0f} / "
            f"{s['kernel_peak_pss_mb']['max']:.0f} | {s.get('server_pss_mb', {}).get('max', float('nan')):.0f} "
            f"| {s['loadavg_before']:.1f} → {s['loadavg_after']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", nargs="+", default=["default", "1"],
                        help="thread settings per kernel: 'default' (torch's own) or a number")
    parser.add_argument("--lessons", nargs="+", default=["02_activations_and_graphs", "03_bptt"])
    parser.add_argument("--learners", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--run-timeout", type=float, default=420, help="seconds one group of learners may take")
    parser.add_argument("--total-timeout", type=float, default=1500, help="seconds the whole load test may take")
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "hub" / "load.json")
    args = parser.parse_args(argv)
    if any(n < 1 or n > MAX_LEARNERS for n in args.learners):
        parser.error(f"learners must be between 1 and {MAX_LEARNERS}")
    for lesson in args.lessons:
        code_cells(lesson)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # Stopped from outside, still stop the hubs (and so every learner's server and kernel).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    report = {"machine": {"cpus": os.cpu_count(), "memory_gb": psutil.virtual_memory().total / 2**30},
              "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "runs": []}
    # One hub per thread setting, all up at once, and the settings interleaved group by group, so that a change in
    # the machine's other load hits every setting alike.
    with contextlib.ExitStack() as stack:
        hubs = {}
        for threads in args.threads:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hub-load-")))
            hubs[threads] = stack.enter_context(LoopbackHub(folder, auth="dummy", threads=threads))
        for lesson in args.lessons:
            for n in args.learners:
                for threads, hub in hubs.items():
                    left = args.total_timeout - (time.monotonic() - started)
                    if left < 30:
                        print(f"total time limit reached; skipping {threads}/{lesson}/{n}", flush=True)
                        continue
                    tag = f"t{threads}l{lesson[:2]}n{n}x"
                    run = run_group(hub, lesson, n, min(args.run_timeout, left), tag)
                    run["threads"] = threads
                    report["runs"].append(run)
                    s = run["summary"]
                    print(f"threads={threads} lesson={lesson} N={n}: wall {s['wall_s']:.1f} s, "
                          f"lesson/learner {s.get('lesson_s', {}).get('mean', float('nan')):.1f} s, "
                          f"failed {len(s['failed'])}, cell errors {s['cell_errors']}", flush=True)
                    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    report["total_s"] = time.monotonic() - started
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(table(report["runs"]))
    return 0 if all(not r["summary"]["failed"] for r in report["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
