"""Machinery for the browser test: install Chromium, launch the course with `make lab`, drive JupyterLab.

Kept apart from the test so the test reads as what a learner does. Everything here that starts a
process also ends it, by process id (JupyterLab, its kernels, Chromium), even when a test fails.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "e2e"
FONT_CHECK_JS = (Path(__file__).parent / "font_check.js").read_text(encoding="utf-8")

# Work as root in a container; no GPU, no network, no first-run or background traffic; a fresh profile is
# passed by Playwright as --user-data-dir (launch_persistent_context).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# What JupyterLab shows instead of a widget when its front-end is missing or does not match the kernel side.
WIDGET_ERRORS = ["Error displaying widget", "Failed to load model class", "Error creating widget",
                 "Could not create a view", "Could not create a model"]
# ipywidgets directly, the course's widget modules (rnncourse.widgets, rnncourse.dashboard), or a call to one
# of the package's widget builders (``…_widget(``, e.g. charlm.sampler_widget()).
IMPORTS_IPYWIDGETS = re.compile(
    r"^\s*(import\s+(ipywidgets|rnncourse\.(widgets|dashboard))\b"
    r"|from\s+(ipywidgets|rnncourse\.(widgets|dashboard))(\.\w+)*\s+import\b"
    r"|from\s+rnncourse\s+import\s+[^\n]*\b(widgets|dashboard)\b)"
    r"|\b\w+_widget\s*\(", re.M)


# ----------------------------------------------------------------------------------------------- lessons

def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def widget_lessons(folder: Path) -> list[Path]:
    """The notebooks in ``folder`` whose code imports ipywidgets or the course's widget builders."""
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if any(c["cell_type"] == "code" and IMPORTS_IPYWIDGETS.search(cell_source(c)) for c in cells):
            found.append(path)
    return found


# ------------------------------------------------------------------------------------- browser install

def _offline_free_env() -> dict[str, str]:
    """The environment minus the test-suite's network guard (tests/offline), for installers."""
    env = dict(os.environ)
    offline = str(ROOT / "tests" / "offline")
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != offline]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    if not paths:
        del env["PYTHONPATH"]
    return env


def ensure_playwright() -> None:
    """The Python driver comes with `make setup` (the `test` extra); a bare pytest run installs the pin."""
    try:
        import playwright.sync_api  # noqa: F401
        return
    except ImportError:
        pass
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-c", str(ROOT / "constraints.txt"),
                           "playwright"], env=_offline_free_env(), capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"could not pip install playwright (pinned in constraints.txt):\n{done.stderr[-3000:]}")


def find_chromium() -> str | None:
    explicit = os.environ.get("RNNCOURSE_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("chromium")


def has_korean_font() -> bool:
    if shutil.which("fc-list"):
        done = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True)
        return bool(done.stdout.strip())
    done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "fonts-nanum"], capture_output=True, text=True)
    return "install ok installed" in done.stdout


def ensure_browser() -> str:
    """Debian's Chromium and a Korean font (fonts-nanum), installed with apt-get only when missing.

    Set RNNCOURSE_E2E_INSTALL=0 to install nothing. Skips only when Chromium is absent and cannot be
    installed (not root, or no apt-get); a missing Korean font is not a skip: the Korean check fails.
    """
    chromium = find_chromium()
    missing = ([] if chromium else ["chromium"]) + ([] if has_korean_font() else ["fonts-nanum"])
    may_install = os.environ.get("RNNCOURSE_E2E_INSTALL", "1") != "0"
    if missing and may_install and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(_offline_free_env(), DEBIAN_FRONTEND="noninteractive")
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                                                    *missing]):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                pytest.fail(f"`{' '.join(cmd)}` failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
        chromium = find_chromium()
    if not chromium:
        why = ("RNNCOURSE_E2E_INSTALL=0" if not may_install else
               "not root" if os.geteuid() != 0 else "no apt-get")
        pytest.skip(f"Chromium is not installed and cannot be installed here ({why}). Install it with "
                    "`sudo apt-get install chromium fonts-nanum`, or point RNNCOURSE_CHROMIUM at a Chromium binary.")
    return chromium


# ------------------------------------------------------------------------------------------ processes

def stop_processes(procs: list[psutil.Process], grace: float = 10.0) -> list[str]:
    """Terminate, wait, then kill the given processes; return a description of any that survived."""
    alive = [p for p in procs if p.is_running()]
    for p in alive:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(alive, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(alive, timeout=5)
    return [f"{p.pid} {' '.join(p.cmdline())[:120]}" for p in alive if p.is_running()]


def processes_mentioning(marker: str) -> list[psutil.Process]:
    """Processes whose command line contains ``marker`` (a unique temporary path this test created)."""
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if p.pid != os.getpid() and any(marker in part for part in (p.info["cmdline"] or [])):
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


# ---------------------------------------------------------------------------------------- JupyterLab

def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """JupyterLab started by `make lab` (the very target learners run) on a free port with a token.

    ``notebook_dir`` is served instead of lessons/ (LAB_DIR); Jupyter's config, settings, workspaces and
    runtime files go to ``state_dir`` so neither the learner's home nor the repo is written to.
    """

    def __init__(self, notebook_dir: Path, state_dir: Path, log_path: Path):
        self.notebook_dir, self.state_dir, self.log_path = notebook_dir, state_dir, log_path
        self.port = free_loopback_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.seen: dict[int, psutil.Process] = {}

    def command(self) -> list[str]:
        args = f"--no-browser --ip=127.0.0.1 --port={self.port} --port-retries=0 --IdentityProvider.token={self.token}"
        cmd = ["make", "-s", "--no-print-directory", "-C", str(ROOT), "lab",
               f"LAB_DIR={self.notebook_dir}", f"LAB_ARGS={args}"]
        if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
            cmd.append(f"VENV={sys.prefix}")  # the environment this test runs in (a scratch venv, say)
        return cmd

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # As a learner's shell has it: no Agg backend (conftest sets it; plots would not show), no parent make.
        for name in ("MPLBACKEND", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "JUPYTER_PATH"):
            env.pop(name, None)
        s = self.state_dir
        env.update(JUPYTER_CONFIG_DIR=str(s / "config"), JUPYTER_DATA_DIR=str(s / "data"),
                   JUPYTER_RUNTIME_DIR=str(s / "runtime"),
                   JUPYTERLAB_SETTINGS_DIR=str(s / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(s / "workspaces"),
                   IPYTHONDIR=str(s / "ipython"))
        # The "get Jupyter news?" toast would cover part of the screenshots, and the news would need the network.
        news = s / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        news.parent.mkdir(parents=True, exist_ok=True)
        news.write_text('{"fetchNews": "false", "checkForUpdates": false}\n')
        return env

    def start(self, timeout: float = 120.0) -> None:
        # `make lab` first brings the install up to date (`setup`); do that step here, outside the offline
        # guard, so the server itself starts under the guard with nothing left to install.
        setup = self.command()
        setup[setup.index("lab")] = "setup"
        done = subprocess.run([a for a in setup if not a.startswith(("LAB_DIR=", "LAB_ARGS="))], cwd=ROOT,
                              env=dict(_offline_free_env(), MAKEFLAGS=""), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"`make setup` failed:\n{(done.stdout + done.stderr)[-3000:]}")
        self.log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=self.environment(), stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"`make lab` exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status", timeout=2)
                self.remember_processes()
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer on {self.base} within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]

    def api(self, method: str, path: str, timeout: float = 10) -> object:
        req = urllib.request.Request(self.base + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def url(self, notebook: str) -> str:
        return f"{self.base}/lab/tree/{urllib.request.quote(notebook)}?token={self.token}&reset"

    def remember_processes(self) -> None:
        """Record the server and its kernels now, so they can be ended even if the server dies first."""
        if self.proc is None:
            return
        try:
            root = psutil.Process(self.proc.pid)
            for p in [root, *root.children(recursive=True)]:
                self.seen.setdefault(p.pid, p)
        except psutil.NoSuchProcess:
            pass

    def kernels_idle(self) -> bool:
        """True when every kernel reports idle. A 5xx counts as busy: jupyter_server answers 500 when the kernel list
        is read while a kernel is still starting (its last_activity is not set yet); the next poll succeeds."""
        try:
            kernels = self.api("GET", "/api/kernels")
        except urllib.error.HTTPError as err:
            if err.code >= 500:
                return False
            raise
        return all(k["execution_state"] == "idle" for k in kernels)

    def shut_down_sessions(self) -> None:
        self.remember_processes()
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def stop(self) -> list[str]:
        """End the server and every kernel it started; returns the processes that would not die."""
        if self.proc is None:
            return []
        self.remember_processes()
        if self.proc.poll() is None:
            try:
                self.api("POST", "/api/shutdown", timeout=5)  # shuts its kernels down too
                self.proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                pass
        survivors = stop_processes(list(self.seen.values()))
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            survivors.append(f"{self.proc.pid} make lab")
        self.log.close()
        return survivors


# -------------------------------------------------------------------------------------------- Chromium

@contextmanager
def chromium_context(executable: str, profile_dir: Path):
    """A persistent Playwright context on Debian's Chromium with a fresh profile; every process ends on exit."""
    from playwright.sync_api import sync_playwright

    profile_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile_dir), executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 1400}, locale="ko-KR", timeout=120_000)
        context.set_default_timeout(120_000)  # Playwright's 30 s is too short on two busy cores
        try:
            yield context
        finally:
            try:
                context.close()
            finally:
                survivors = stop_processes(processes_mentioning(str(profile_dir)), grace=5)
                if survivors:
                    raise RuntimeError(f"Chromium processes survived: {survivors}")


# ------------------------------------------------------------------------------ the notebook in the page

ACTIVE = ".jp-NotebookPanel:not(.lm-mod-hidden)"

STATE_JS = """() => {
  const panel = document.querySelector('%s');
  if (!panel) return null;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
  const status = [...document.querySelectorAll('.jp-Notebook-ExecutionIndicator[data-status]')]
      .map(e => e.dataset.status);
  return {prompts, status};
}""" % ACTIVE

# Every output area in the notebook, nested ones (inside Output widgets) included.
OUTPUTS_JS = """() => {
  const cells = [...document.querySelectorAll('%s .jp-Notebook .jp-Cell')];
  return cells.map((cell, index) => {
    const all = [...cell.querySelectorAll('.jp-OutputArea-output')];
    const describe = o => ({
      mime: o.getAttribute('data-mime-type'),
      text: o.textContent.slice(0, 2000),  // textContent: off-screen cells are not laid out
      widget: !!o.querySelector('.jupyter-widgets, [class*="widget-"]'),
      // A widget whose view was closed (a finished tqdm bar with leave=False) is hidden, not broken.
      hidden: o.classList.contains('lm-mod-hidden'),
      nested: !!o.parentElement.closest('.jp-OutputArea-output'),
    });
    return {index, code: cell.classList.contains('jp-CodeCell'), outputs: all.map(describe)};
  });
}""" % ACTIVE

# What a widget can drive: every image, Output-widget text and HTML-widget content in the notebook.
DRIVEN_JS = """() => {
  const panel = document.querySelector('%s .jp-Notebook');
  const imgs = [...panel.querySelectorAll('.jp-OutputArea-output img')].map(i => i.src);
  const outs = [...panel.querySelectorAll('.widget-output')].map(o => o.textContent);
  const html = [...panel.querySelectorAll('.widget-html-content')].map(o => o.innerHTML);
  return JSON.stringify([imgs, outs, html]);
}""" % ACTIVE

# Text inside rendered widgets (labels, buttons, options, readouts; not the Output widgets' own outputs)
# that contains Hangul, with the font it is drawn in. Marks each element for the CDP font query.
HANGUL_LABELS_JS = r"""() => {
  const panel = document.querySelector('%s .jp-Notebook');
  const found = [];
  const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!/[\uAC00-\uD7A3]/.test(node.textContent) || !el.closest('.jupyter-widgets') || el.closest('.widget-output') ||
        el.dataset.e2eHangul !== undefined) continue;
    const s = getComputedStyle(el.tagName === 'OPTION' ? el.parentElement : el);
    el.dataset.e2eHangul = String(found.length);
    found.push({text: node.textContent.trim(), tag: el.tagName.toLowerCase(), cls: el.className,
                font: `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`});
  }
  const title = panel.querySelector('.jp-MarkdownCell h1');
  if (title) {
    const s = getComputedStyle(title);
    title.dataset.e2eHangul = String(found.length);
    found.push({text: title.textContent.replace('¶', '').trim(), tag: 'h1', cls: 'lesson title',
                font: `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`});
  }
  return found;
}""" % ACTIVE

TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b.*$", re.M)
WIDGET_REPR = re.compile(r"^\s*[A-Za-z_]\w*\((children|value|options|description|layout|index|min|max|outputs|"
                         r"msg_id|style|tooltip|disabled)=")


def wait_until_idle(page, lab: Lab, timeout: float, settle: float = 1.5) -> dict:
    """Wait until no cell is queued or running ([*]) and the kernel is idle, both for ``settle`` seconds."""
    deadline, calm_since, state = time.monotonic() + timeout, None, None
    while time.monotonic() < deadline:
        state = page.evaluate(STATE_JS)
        calm = (state is not None and state["status"] and all(s == "idle" for s in state["status"])
                and not any("*" in p for p in state["prompts"]) and lab.kernels_idle())
        if calm:
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since >= settle:
                return state
        else:
            calm_since = None
        time.sleep(0.25)
    raise TimeoutError(f"the notebook was still busy after {timeout:.0f} s: {state}")


def open_notebook(page, lab: Lab, name: str, timeout: float = 120.0) -> None:
    page.goto(lab.url(name), timeout=timeout * 1000)
    page.wait_for_selector(f"{ACTIVE} .jp-Notebook .jp-Cell", timeout=timeout * 1000)
    # The tab must be ours, and its kernel started (the indicator reads idle once the kernel is ready).
    page.wait_for_selector(f".jp-mod-current .lm-TabBar-tabLabel:text-is('{name}')", timeout=timeout * 1000)
    wait_until_idle(page, lab, timeout)


def click_menu(page, menu: str, item: str) -> None:
    page.click(f".lm-MenuBar-itemLabel:text-is('{menu}')")
    page.click(f".lm-Menu-itemLabel:text-is('{item}')")


def run_all_cells(page, lab: Lab, timeout: float) -> None:
    click_menu(page, "Run", "Run All Cells")
    # Run All marks every code cell [*] at once; then wait for them all to finish (or stop at an error).
    page.wait_for_function("""() => [...document.querySelectorAll('%s .jp-CodeCell .jp-InputPrompt')]
                             .some(p => p.textContent.includes('*') || /\\d/.test(p.textContent))""" % ACTIVE,
                           timeout=120_000)
    wait_until_idle(page, lab, timeout)


def save_and_read(page, path: Path, timeout: float = 30.0) -> dict:
    """Save with the toolbar's save button (into the temporary copy); return the notebook as written."""
    before = path.stat().st_mtime_ns
    page.click(f"{ACTIVE} .jp-NotebookPanel-toolbar [data-command='docmanager:save']")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.stat().st_mtime_ns != before:
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                pass  # caught it half-written
        time.sleep(0.25)
    raise TimeoutError(f"{path.name} was not saved within {timeout:.0f} s")


def screenshot(locator, path: Path) -> None:
    """Screenshot an element of the notebook. Off-screen cells are laid out only once scrolled to
    (content-visibility), which moves what is below them: scroll, let the layout settle, scroll again."""
    locator.scroll_into_view_if_needed()
    locator.page.wait_for_timeout(500)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path))


def problems_in_page(page) -> list[str]:
    """Errors a learner would see: tracebacks in any output (inside widgets too) and widget error messages."""
    found = []
    for cell in page.evaluate(OUTPUTS_JS):
        for out in cell["outputs"]:
            where = f"cell {cell['index']}" + (" (inside a widget)" if out["nested"] else "")
            text = out["text"]
            for message in WIDGET_ERRORS:
                if message.lower() in text.lower():
                    found.append(f"{where}: shows {message!r}: {text[:300]!r}")
            if out["mime"] == "application/vnd.jupyter.stderr" and TRACEBACK.search(text):
                found.append(f"{where}: shows an error: {text[-600:]!r}")
            if not out["nested"] and not out["widget"] and WIDGET_REPR.match(text):
                found.append(f"{where}: a widget shows as its text fallback, not as a widget: {text[:200]!r}")
    return found


def problems_in_saved(nb: dict) -> tuple[list[str], list[int]]:
    """From the saved notebook: error outputs, cells that never ran; and the indices of cells showing widgets."""
    found, widget_cells = [], []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code" or not cell_source(cell).strip():
            continue
        if cell.get("execution_count") is None:
            found.append(f"cell {i} did not run (Run All stopped before it)")
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                found.append(f"cell {i}: {out['ename']}: {out['evalue'][:300]}")
            if WIDGET_MIME in out.get("data", {}):
                widget_cells.append(i)
    return found, sorted(set(widget_cells))


def widgets_not_rendered(page, nb: dict, widget_cells: list[int]) -> list[str]:
    """Each widget output in the saved model must be drawn as widget elements in the same output slot."""
    dom = page.evaluate(OUTPUTS_JS)
    found = []
    for i in widget_cells:
        top = [o for o in dom[i]["outputs"] if not o["nested"]]
        for k, out in enumerate(nb["cells"][i]["outputs"]):
            if WIDGET_MIME not in out.get("data", {}):
                continue
            shown = top[k] if k < len(top) else None
            if shown is None or not (shown["widget"] or (shown["hidden"] and not shown["text"].strip())):
                what = "nothing" if shown is None else f"{shown['mime']} {shown['text'][:160]!r}"
                found.append(f"cell {i} output {k}: a widget, but the page shows {what}")
    return found


def drawn_widget_cells(page) -> list[int]:
    """Cells showing at least one widget right now (closed widgets, like finished progress bars, do not count)."""
    return [cell["index"] for cell in page.evaluate(OUTPUTS_JS)
            if any(o["widget"] and not o["hidden"] and not o["nested"] for o in cell["outputs"])]


CONTROLS = {"slider": ".noUi-handle", "dropdown": ".widget-dropdown select",
            "button": "button.jupyter-button, .widget-button"}


def controls_in(page, cell_index: int) -> list[str]:
    """The kinds of control to try: the button where there is one (it runs the work), else sliders and dropdowns."""
    cell = page.locator(f"{ACTIVE} .jp-Notebook .jp-Cell").nth(cell_index)
    kinds = [k for k, css in CONTROLS.items() if cell.locator(css).count()]
    return ["button"] if "button" in kinds else kinds  # a button runs what the sliders only configure


def use_control(page, cell_index: int, kind: str) -> str:
    """Move the first slider one step, pick the next dropdown option, or press the first button; say what."""
    cell = page.locator(f"{ACTIVE} .jp-Notebook .jp-Cell").nth(cell_index)
    control = cell.locator(CONTROLS[kind]).first
    control.scroll_into_view_if_needed()
    if kind == "slider":
        readout = control.locator("xpath=ancestor::*[contains(@class,'widget-slider')][1]//*[contains(@class,"
                                  "'widget-readout')]")
        shown = readout.first.text_content() if readout.count() else control.get_attribute("aria-valuenow")
        key = "ArrowLeft" if control.get_attribute("aria-valuenow") == control.get_attribute("aria-valuemax") \
            else "ArrowRight"
        control.focus()
        page.keyboard.press(key)  # what a learner's arrow key does; sends the value even with continuous_update=False
        return f"slider moved one step ({key}) from {shown}"
    if kind == "dropdown":
        options = control.locator("option").all_text_contents()
        current = control.evaluate("s => s.selectedIndex")
        target = (current + 1) % len(options)
        control.select_option(index=target)
        return f"dropdown changed from {options[current]!r} to {options[target]!r}"
    label = control.inner_text()
    control.click()
    return f"button {label!r} pressed"


def korean_rendering(page) -> tuple[list[dict], list[str]]:
    """Check Hangul in widget labels (and the lesson title) is drawn with real glyphs, not .notdef boxes.

    A canvas draws each Hangul syllable in the element's font and compares the pixels with unassigned code
    points, which every font draws as its .notdef box: equal pixels mean the learner sees boxes (tofu).
    Also asks Chromium (DevTools protocol) which platform fonts drew each label, for the report.
    """
    labels = page.evaluate(HANGUL_LABELS_JS)
    problems = []
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        for n, label in enumerate(labels):
            result = page.evaluate(FONT_CHECK_JS, {"font": label["font"], "text": label["text"]})
            label["tofu"] = result["tofu"]
            if result["tofu"] or result["allIdentical"]:
                problems.append(f"{label['tag']} {label['text']!r}: Hangul drawn as missing-glyph boxes "
                                f"{''.join(result['tofu'])!r} in font {label['font']!r}")
            node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": f'[data-e2e-hangul="{n}"]'})["nodeId"]
            if node:
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
                label["platform_fonts"] = {f["familyName"]: f["glyphCount"] for f in fonts}
    finally:
        cdp.detach()
    return labels, problems
