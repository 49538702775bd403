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


def pytest_collection_modifyitems(items):
    """nbval waits a hard-coded 5 s for a cell's trailing output after the kernel replies; on a loaded machine
    (two notebooks per two cores, a progress bar's many messages) that wait can run out although the cell
    succeeded. Wait up to 120 s: a cell whose output never comes still fails, just later."""
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = 120
