"""The course as a learner sees it: JupyterLab and its widgets, end to end in headless Chromium.

nbval proves the Python runs; this proves the browser shows it. For every lesson whose code imports
ipywidgets, the test
  1. starts the course exactly as learners do, with `make lab` (LAB_DIR / LAB_ARGS: headless, a free
     loopback port, a token); the kernels inherit the test-suite's offline guard;
  2. opens the notebook in Debian's Chromium (driven by Playwright), runs all cells from the Run menu and
     waits for the kernel to go idle;
  3. asserts no cell shows an error (error outputs, tracebacks inside widgets, "Error displaying widget",
     "Failed to load model class") and that every widget output is drawn as widget elements, not as its
     text fallback such as "IntSlider(value=...)";
  4. screenshots the first widget to artifacts/e2e/<lesson>.png and checks that Korean in the widgets'
     labels (and the lesson title) is drawn with Hangul glyphs, not missing-glyph boxes (needs fonts-nanum);
  5. in the first widget with controls, moves its slider and changes its dropdown (or else presses its
     button), asserting each time that what it drives (the plot's image, the Output widget) changes and
     no error appears; screenshots it again to artifacts/e2e/<lesson>-after.png.

Which notebooks: lessons/, because that is what learners open. solutions/ differs only inside the
exercise functions (see tests/test_notebooks.py), has the same widget code, and nbval runs it; lessons/
additionally proves the widgets work while the exercises are still unsolved.

Nothing is written to the repo: lessons/ is copied to a temporary folder and the lab serves that copy
(the test saves the copy to read back the outputs); Jupyter's settings, workspaces and runtime files go to
the same temporary folder. JupyterLab, its kernels and Chromium are ended by process id at the end, even
on failure. Run it with `make e2e` (`make test` runs it after the main suite).
Environment: RNNCOURSE_E2E_INSTALL=0 installs nothing; RNNCOURSE_E2E_TIMEOUT (seconds per wait, 300);
RNNCOURSE_E2E_DIR=solutions tests another folder of notebooks instead of lessons/.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

import course_browser as cb

LESSONS_DIR = cb.ROOT / os.environ.get("RNNCOURSE_E2E_DIR", "lessons")
# Lesson 06 has its own browser test (test_diagrams_in_browser.py): the same run-all, error, rendering and Korean
# glyph checks as below, and its gate widget's controls driven; running the lesson twice would only cost time.
DEDICATED = {"06_gru.ipynb"}
WIDGET_LESSONS = [p for p in cb.widget_lessons(LESSONS_DIR) if p.name not in DEDICATED]
TIMEOUT = float(os.environ.get("RNNCOURSE_E2E_TIMEOUT", "300"))


def test_some_lessons_have_widgets():
    assert WIDGET_LESSONS, f"no notebook in {LESSONS_DIR} imports ipywidgets: the browser test would test nothing"


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """artifacts/e2e/ holds this run's screenshots, logs and summaries only (CI keeps the folder)."""
    shutil.rmtree(cb.ARTIFACTS, ignore_errors=True)
    cb.ARTIFACTS.mkdir(parents=True)
    return cb.ARTIFACTS


@pytest.fixture(scope="module")
def chromium() -> str:
    cb.ensure_playwright()
    return cb.ensure_browser()


@pytest.fixture(scope="module")
def lab(tmp_path_factory, artifacts, chromium):
    work = tmp_path_factory.mktemp("rnncourse-e2e")
    served = work / "lessons"
    shutil.copytree(LESSONS_DIR, served, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    server = cb.Lab(served, work / "jupyter", artifacts / "jupyterlab.log")
    try:
        server.start()
        yield server
    finally:
        survivors = server.stop()
        assert not survivors, f"processes survived the end of the test: {survivors}"


@pytest.fixture(scope="module")
def browser(tmp_path_factory, chromium):
    with cb.chromium_context(chromium, tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def page(browser, lab, artifacts, request):
    tab = browser.new_page()
    console: list[str] = []
    tab.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    tab.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
    yield tab
    stem = request.node.callspec.params["lesson"].stem if hasattr(request.node, "callspec") else "page"
    (artifacts / f"{stem}-console.log").write_text("\n".join(console) + "\n", encoding="utf-8")
    report = getattr(request.node, "rep_call", None)
    if report is None or report.failed:
        try:
            tab.screenshot(path=str(artifacts / f"{stem}-failure.png"))
        except Exception:  # noqa: BLE001  (the page may be gone; the failure itself is reported)
            pass
    tab.close()
    lab.shut_down_sessions()  # this lesson's kernel ends before the next one starts


def check(problems: list[str], headline: str, page=None, shot: Path | None = None) -> None:
    """Fail with every problem listed; first screenshot the first cell a problem names, if any."""
    if not problems:
        return
    cell = re.search(r"\bcell (\d+)", problems[0])
    if page is not None and shot is not None and cell:
        try:
            where = page.locator(f"{cb.ACTIVE} .jp-Notebook .jp-Cell").nth(int(cell.group(1)))
            cb.screenshot(where.locator(".jp-Cell-outputArea"), shot)
            headline += f" (screenshot: {shot.relative_to(cb.ROOT)})"
        except Exception:  # noqa: BLE001  (the screenshot is a help, the failure is the point)
            pass
    pytest.fail(headline + "\n  " + "\n  ".join(problems), pytrace=False)


@pytest.mark.parametrize("lesson", WIDGET_LESSONS, ids=lambda p: p.stem)
def test_lesson_widgets_work_in_browser(lesson: Path, lab, page, artifacts):
    started = time.monotonic()
    cells = page.locator(f"{cb.ACTIVE} .jp-Notebook .jp-Cell")
    cb.open_notebook(page, lab, lesson.name)
    cb.run_all_cells(page, lab, TIMEOUT)
    lab.remember_processes()

    # 1. No errors, and every widget drawn as a widget.
    saved = cb.save_and_read(page, lab.notebook_dir / lesson.name)
    problems, widget_cells = cb.problems_in_saved(saved)
    bad = artifacts / f"{lesson.stem}-failed-cell.png"
    problems += cb.problems_in_page(page) + cb.widgets_not_rendered(page, saved, widget_cells)
    check(problems, f"{lesson.name} after Run All Cells (a widget error or text fallback means the jupyterlab_widgets "
                    f"front-end is missing or does not match ipywidgets):", page, bad)
    assert widget_cells, f"{lesson.name} imports ipywidgets but no cell displayed a widget"
    shown = cb.drawn_widget_cells(page)
    assert shown, f"{lesson.name}: every widget output is empty or closed; nothing to look at"

    # 2. The first widget as the learner sees it, and its Korean labels drawn with real glyphs.
    cb.screenshot(cells.nth(shown[0]).locator(".jp-Cell-outputArea"), artifacts / f"{lesson.stem}.png")
    labels, tofu = cb.korean_rendering(page)
    check(tofu, f"{lesson.name}: Korean shows as boxes; install a Korean font (apt-get install fonts-nanum). "
                f"See artifacts/e2e/{lesson.stem}.png:")

    # 3. Use the first widget that has controls (its slider and dropdown, or else its button): each time,
    #    what it drives (the plot, the Output widget) must change, and no error may appear.
    controlled = [i for i in shown if cb.controls_in(page, i)]
    assert controlled, f"{lesson.name}: no slider, dropdown or button in any widget"
    actions = []
    for kind in cb.controls_in(page, controlled[0]):
        before = page.evaluate(cb.DRIVEN_JS)
        actions.append(cb.use_control(page, controlled[0], kind))
        deadline = time.monotonic() + 60
        while page.evaluate(cb.DRIVEN_JS) == before and time.monotonic() < deadline:
            time.sleep(0.25)
        cb.wait_until_idle(page, lab, TIMEOUT)
        assert page.evaluate(cb.DRIVEN_JS) != before, f"{lesson.name} cell {controlled[0]}: {actions[-1]}, but nothing changed"
        check(cb.problems_in_page(page), f"{lesson.name} after the widget was used ({actions[-1]}):", page, bad)
    cb.screenshot(cells.nth(controlled[0]).locator(".jp-Cell-outputArea"), artifacts / f"{lesson.stem}-after.png")

    summary = {"lesson": lesson.name, "seconds": round(time.monotonic() - started, 1), "widget_cells": widget_cells,
               "screenshot_cell": shown[0], "driven_cell": controlled[0], "actions": actions,
               "korean": [{k: v for k, v in label.items() if k in ("text", "tag", "platform_fonts", "tofu")}
                          for label in labels]}
    (artifacts / f"{lesson.stem}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n",
                                                    encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False))


# ------------------------------------------------------------------------------------ lesson 09's dashboard
# A two-cell notebook builds lesson 09's dashboard exactly as the lesson does (a short default run), so its
# layout is checked in a 1280 px wide JupyterLab without running the whole lesson first.
DASHBOARD_NOTEBOOK = {
    "nbformat": 4, "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "outputs": [], "execution_count": None,
               "source": source} for i, source in enumerate([
                   "import rnncourse as rc\nfrom IPython.display import display\nfrom rnncourse import dashboard\n"
                   "rc.setup(seed=0)",
                   "dash = dashboard.build_dashboard(run_default=True, epochs=30)\ndisplay(dash.widget)"])],
}

DASHBOARD_LAYOUT_JS = """() => {
  const dash = document.querySelector('%s .rnncourse-dashboard');
  if (!dash) return null;
  const box = e => { const r = e.getBoundingClientRect(); return {l: r.left, r: r.right, t: r.top, b: r.bottom}; };
  const seen = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
                      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const grid = dash.querySelector('.widget-gridbox');
  const controls = [...grid.children].map(c => ({
    label: (c.querySelector('.widget-label') || {}).textContent || '',
    box: box(c), overflows: c.scrollWidth > c.clientWidth + 1,
    parts: [...c.querySelectorAll('.widget-label, .widget-readout, .slider-container, select, input')]
             .filter(seen).map(p => ({cls: p.className, box: box(p)})),
    readout: c.querySelector('.widget-readout') ? {shown: seen(c.querySelector('.widget-readout')),
                                                   text: c.querySelector('.widget-readout').textContent.trim()}
                                                : null}));
  const status = dash.querySelector('.rnncourse-dashboard-status');
  return {dash: box(dash), grid: box(grid), controls, status: status ? status.textContent.trim() : null,
          status_box: status ? box(status) : null, button: box(dash.querySelector('button'))};
}""" % cb.ACTIVE


def dashboard_layout_problems(layout: dict | None) -> list[str]:
    """Every control inside the dashboard and its column, no two overlapping, every slider's value shown."""
    if layout is None:
        return ["no element with class rnncourse-dashboard in the notebook"]
    problems = []
    inside = lambda a, b, slack=1.0: (a["l"] >= b["l"] - slack and a["r"] <= b["r"] + slack  # noqa: E731
                                      and a["t"] >= b["t"] - slack and a["b"] <= b["b"] + slack)
    overlap = lambda a, b: min(a["r"], b["r"]) - max(a["l"], b["l"]) > 1 and min(a["b"], b["b"]) - max(a["t"], b["t"]) > 1  # noqa: E731,E501
    controls = layout["controls"]
    sliders = [c for c in controls if c["readout"] is not None]
    if len(controls) != 10 or len(sliders) != 7:
        problems.append(f"expected 10 controls, 7 of them sliders; found {len(controls)} and {len(sliders)}")
    for c in controls:
        name = c["label"] or "a control"
        if not inside(c["box"], layout["grid"]):
            problems.append(f"{name}: its box {c['box']} leaves the grid {layout['grid']}")
        if c["overflows"]:
            problems.append(f"{name}: its content is wider than its box (cut off)")
        for part in c["parts"]:
            if not inside(part["box"], c["box"]):
                problems.append(f"{name}: {part['cls']!r} {part['box']} sticks out of the control {c['box']}")
        if c["readout"] is not None and not (c["readout"]["shown"] and c["readout"]["text"]):
            problems.append(f"{name}: the slider's value is not shown (readout {c['readout']})")
    for i, a in enumerate(controls):
        for b in controls[i + 1:]:
            if overlap(a["box"], b["box"]):
                problems.append(f"{a['label']} and {b['label']} overlap")
    if not inside(layout["grid"], layout["dash"]) or not inside(layout["status_box"], layout["dash"]):
        problems.append(f"the grid or the status line leaves the dashboard {layout['dash']}")
    if overlap(layout["button"], layout["status_box"]):
        problems.append("the button and the status line overlap")
    return problems


def test_dashboard_layout_in_browser(lab, page, artifacts):
    """Lesson 09's dashboard at 1280 px: values shown, nothing cut off or overlapping, status done after a run."""
    from rnncourse import dashboard

    name = "dashboard_layout.ipynb"
    (lab.notebook_dir / name).write_text(json.dumps(DASHBOARD_NOTEBOOK), encoding="utf-8")
    cb.open_notebook(page, lab, name)
    cb.run_all_cells(page, lab, TIMEOUT)
    lab.remember_processes()
    check(cb.problems_in_page(page), "the dashboard notebook after Run All Cells:")
    page.wait_for_selector(f"{cb.ACTIVE} .rnncourse-dashboard .widget-readout", timeout=TIMEOUT * 1000)
    where = page.locator(f"{cb.ACTIVE} .rnncourse-dashboard")
    cb.screenshot(where, artifacts / "dashboard.png")
    layout = page.evaluate(DASHBOARD_LAYOUT_JS)
    (artifacts / "dashboard-layout.json").write_text(json.dumps(layout, ensure_ascii=False, indent=1) + "\n",
                                                     encoding="utf-8")
    check(dashboard_layout_problems(layout), "lesson 09's dashboard as built (see artifacts/e2e/dashboard.png):")
    assert layout["status"].startswith(dashboard.DONE), f"status after the default run: {layout['status']!r}"

    before = page.evaluate(cb.DRIVEN_JS)
    where.locator("button").first.click()
    # On a busy machine the kernel can look idle before the click's run starts: wait for the status line to
    # change from the default run's and leave "학습 중" (done, or an error), then for the kernel.
    page.wait_for_function("(args) => { const e = document.querySelector(args[0]); const t = e && e.textContent.trim();"
                           " return t && t !== args[2] && !t.includes(args[1]); }",
                           arg=[f"{cb.ACTIVE} .rnncourse-dashboard-status", dashboard.RUNNING, layout["status"]],
                           timeout=TIMEOUT * 1000)
    cb.wait_until_idle(page, lab, TIMEOUT)
    after = page.evaluate(DASHBOARD_LAYOUT_JS)
    cb.screenshot(where, artifacts / "dashboard-after.png")
    assert page.evaluate(cb.DRIVEN_JS) != before, "pressing 학습 시작 changed neither the plot nor the status"
    check(cb.problems_in_page(page) + dashboard_layout_problems(after), "the dashboard after 학습 시작:")
    assert after["status"].startswith(dashboard.DONE) and dashboard.RUNNING not in after["status"], \
        f"the status after training ended: {after['status']!r}"
