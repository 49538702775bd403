"""Test-suite set-up: everything (this process, xdist workers, notebook kernels) runs offline."""
import os
import sys
import tempfile
from pathlib import Path

OFFLINE = Path(__file__).parent / "tests" / "offline"

os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(OFFLINE), os.environ.get("PYTHONPATH")]))
os.environ.setdefault("MPLBACKEND", "Agg")
# Passing self-checks record progress; test runs (notebook kernels included) write it here, not to ~/.cache.
os.environ.setdefault("RNNCOURSE_PROGRESS_FILE",
                      os.path.join(tempfile.gettempdir(), f"rnncourse-test-progress-{os.getpid()}.json"))
if str(OFFLINE) not in sys.path:
    sys.path.insert(0, str(OFFLINE))
import sitecustomize  # noqa: E402,F401  (installs the guard in this process too)
