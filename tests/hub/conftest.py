"""The maintainers' hub suite (`make test-hub`): a real JupyterHub on 127.0.0.1 from hub/test_config.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "hub"))
