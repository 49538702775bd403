"""nbgrader in its own virtualenv, the way an instructor installs it, and a course folder to run it in.

The virtualenv (build/nbgrader-venv, or RNNCOURSE_NBGRADER_VENV) holds nbgrader 0.9.6 and the course package with the
pinned versions (constraints.txt, torch==2.13.0 so pip never resolves a CUDA build). It is reused while its inputs —
those pins, the package's dependencies, this Python and this checkout — are unchanged; only the install needs the network.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NBGRADER = "nbgrader==0.9.6"
TORCH = "torch==2.13.0"
VENV = Path(os.environ.get("RNNCOURSE_NBGRADER_VENV", ROOT / "build" / "nbgrader-venv"))
OFFLINE = str(ROOT / "tests" / "offline")


def _stamp() -> str:
    """What the install depends on: the pins, the package's declared dependencies, this Python, this checkout."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    parts = [NBGRADER, TORCH, sys.version, str(ROOT), json.dumps(project.get("dependencies", [])),
             (ROOT / "constraints.txt").read_text(encoding="utf-8")]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _without_offline_guard(env: dict[str, str]) -> dict[str, str]:
    """The environment minus the test-suite's network guard (tests/offline), for pip."""
    env = dict(env)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != OFFLINE]
    env.pop("PYTHONPATH", None)
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def ensure_venv() -> Path:
    """The virtualenv's bin folder, created and installed only when its stamp is missing or stale."""
    stamp_file = VENV / ".rnncourse-stamp"
    if stamp_file.exists() and stamp_file.read_text() == _stamp():
        return VENV / "bin"
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    done = subprocess.run(pip + ["-c", str(ROOT / "constraints.txt"), TORCH, NBGRADER, "-e", str(ROOT)],
                          env=_without_offline_guard(os.environ), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"could not install {NBGRADER} into {VENV}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    stamp_file.write_text(_stamp())
    return VENV / "bin"


class Course:
    """An nbgrader course folder set up as the README tells instructors: the repository's nbgrader_config.py,
    the course files in grading/, each lesson an assignment holding its solution notebook."""

    def __init__(self, folder: Path, bin_dir: Path):
        self.folder = folder
        self.grading = folder / "grading"
        shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
        jupyter = folder / "jupyter"  # no user-level kernels or configs leak in
        self.env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
                    "JUPYTER_DATA_DIR": str(jupyter / "data"), "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
                    "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
        self.python = str(bin_dir / "python")

    def nbgrader(self, *args: str) -> str:
        """Run one nbgrader command in the course folder (offline: the test-suite's guard stays on)."""
        done = subprocess.run(["nbgrader", *args], cwd=self.folder, env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise AssertionError(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
        return done.stderr

    def add_source(self, assignment: str, name: str, text: str) -> None:
        target = self.grading / "source" / assignment
        target.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text, encoding="utf-8")

    def release(self, assignment: str, name: str) -> Path:
        return self.grading / "release" / assignment / name

    def submit(self, student: str, assignment: str, name: str, text: str) -> None:
        target = self.grading / "submitted" / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text, encoding="utf-8")

    def autograded(self, student: str, assignment: str, name: str) -> dict:
        return json.loads((self.grading / "autograded" / student / assignment / name).read_text(encoding="utf-8"))

    def scores(self) -> dict[str, dict[str, dict[str, list[float]]]]:
        """assignment → student → grade id → [score, max score], read from nbgrader's gradebook."""
        script = (
            "import json, sys\n"
            "from nbgrader.api import Gradebook\n"
            "out = {}\n"
            "with Gradebook(sys.argv[1]) as gb:\n"
            "    for assignment in gb.assignments:\n"
            "        for sub in gb.assignment_submissions(assignment.name):\n"
            "            for nb in sub.notebooks:\n"
            "                out.setdefault(assignment.name, {}).setdefault(sub.student_id, {}).update(\n"
            "                    {g.name: [g.score, g.max_score] for g in nb.grades})\n"
            "print(json.dumps(out))\n")
        db = f"sqlite:///{self.grading / 'gradebook.db'}"
        done = subprocess.run([self.python, "-c", script, db], env=self.env, capture_output=True, text=True,
                              check=True)
        return json.loads(done.stdout)
