"""Test-suite set-up: everything (this process, xdist workers, notebook kernels) runs offline."""
import os
import sys
from pathlib import Path

OFFLINE = Path(__file__).parent / "tests" / "offline"

os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(OFFLINE), os.environ.get("PYTHONPATH")]))
os.environ.setdefault("MPLBACKEND", "Agg")
if str(OFFLINE) not in sys.path:
    sys.path.insert(0, str(OFFLINE))
import sitecustomize  # noqa: E402,F401  (installs the guard in this process too)
