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
WIDGET_LESSONS = cb.widget_lessons(LESSONS_DIR)
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
