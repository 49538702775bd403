"""A real JupyterHub on 127.0.0.1 for the maintainers' hub tests and load test (hub/test_config.py), driven through
its REST API. Needs build/hub-venv (the hub, the course, NativeAuthenticator) and build/hub-node (its proxy):
`make test-hub` builds both.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
HUB_VENV = Path(os.environ.get("RNNCOURSE_HUB_VENV", ROOT / "build" / "hub-venv"))
PROXY = Path(os.environ.get("RNNCOURSE_HUB_PROXY",
                            ROOT / "build" / "hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"))


def free_ports(count: int) -> list[int]:
    """Distinct free TCP ports on 127.0.0.1."""
    sockets = []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class LoopbackHub:
    """One JupyterHub process (with its proxy and the learners' servers) under `folder`, on loopback ports."""

    def __init__(self, folder: Path, auth: str = "native", threads: str = "1", password: str | None = None):
        if auth not in ("native", "dummy"):
            raise ValueError(f"auth must be 'native' or 'dummy', got {auth!r}")
        for needed in (HUB_VENV / "bin" / "jupyterhub", PROXY):
            if not needed.exists():
                raise FileNotFoundError(f"{needed} is missing: run `make test-hub` once to build it")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port, hub_port, api_port = free_ports(3)
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)
        self.password = password or secrets.token_urlsafe(12)
        self.env = {**os.environ, "HUB_TEST_DIR": str(self.folder), "HUB_TEST_PORT": str(self.port),
                    "HUB_TEST_HUB_PORT": str(hub_port), "HUB_TEST_API_PORT": str(api_port),
                    "HUB_TEST_TOKEN": self.token, "HUB_TEST_PROXY": str(PROXY), "HUB_TEST_AUTH": auth,
                    "HUB_TEST_PASSWORD": self.password, "COURSE_KERNEL_THREADS": threads,
                    "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32), "MPLBACKEND": "Agg",
                    "JUPYTER_CONFIG_DIR": str(self.folder / "jupyter-config"),
                    "JUPYTER_DATA_DIR": str(self.folder / "jupyter-data")}
        # The hub's threads setting, not the caller's, decides each kernel's threads.
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            self.env.pop(name, None)
        self.log = self.folder / "jupyterhub.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> "LoopbackHub":
        """Start the hub and wait until its API answers."""
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(HUB_VENV / "bin" / "jupyterhub"), "-f", str(ROOT / "hub" / "test_config.py")],
                cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/hub/api/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"jupyterhub did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self) -> None:
        """Stop the hub (it stops the learners' servers and its proxy), then anything left in its session."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def __enter__(self) -> "LoopbackHub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- REST API -----------------------------------------------------------------------------------------------
    def api(self, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
        """Call the hub's REST API (/hub/api/...) with a token (default: the test service's)."""
        headers = {"Authorization": f"token {token or self.token}"}
        return httpx.request(method, f"{self.url}/hub/api{path}", headers=headers, timeout=60, **kwargs)

    def user_token(self, name: str) -> str:
        """A new API token of user `name` (created by the test service)."""
        r = self.api("POST", f"/users/{name}/tokens", json={"note": "course test", "expires_in": 3600})
        r.raise_for_status()
        return r.json()["token"]

    def start_server(self, name: str, token: str, timeout: float = 120) -> float:
        """Start `name`'s server with its own token; the seconds until it is ready."""
        t0 = time.monotonic()
        r = self.api("POST", f"/users/{name}/server", token=token)
        if r.status_code not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"could not start {name}'s server: {r.status_code} {r.text}")
        while time.monotonic() - t0 < timeout:
            server = self.api("GET", f"/users/{name}", token=token).json().get("servers", {}).get("")
            if server and server.get("ready"):
                return time.monotonic() - t0
            time.sleep(0.5)
        raise TimeoutError(f"{name}'s server was not ready within {timeout} s:\n{self.log_tail()}")

    def stop_server(self, name: str) -> None:
        self.api("DELETE", f"/users/{name}/server").raise_for_status()


def login(url: str, username: str, password: str) -> httpx.Client:
    """Log in through the hub's login form as a browser does; the client holds the session cookie. Raises
    PermissionError when the hub refuses the password."""
    client = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
    page = client.get("/hub/login")
    page.raise_for_status()
    form = {"username": username, "password": password}
    found = re.search(r'name="_xsrf"\s+value="([^"]+)"', page.text)
    if found:
        form["_xsrf"] = found.group(1)
    r = client.post("/hub/login", data=form)
    if r.status_code == 302:
        return client
    client.close()
    # A refusal re-renders the login form (200) or is forbidden (403); anything else is the hub failing.
    if r.status_code in (200, 403) and 'name="password"' in r.text:
        raise PermissionError(f"login of {username!r} refused")
    if r.status_code == 403:
        raise PermissionError(f"login of {username!r} refused")
    raise RuntimeError(f"login of {username!r} failed: HTTP {r.status_code}\n{r.text[-1000:]}")
