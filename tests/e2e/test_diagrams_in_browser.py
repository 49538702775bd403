"""Lesson 06's live gate widget in headless Chromium: the slider and the unit picker redraw the GRU cell.

Same lab, browser and page fixtures as test_widgets_in_browser.py (lessons/ copied to a temporary folder,
`make lab` started on a free loopback port, everything ended by process id). The test runs lesson 06 from
the Run menu, finds the cell that calls ``widgets.gate_widget``, checks no cell shows an error, moves the
step slider one step and changes the unit, asserting each time that the cell's picture changed, and that the
widget's Korean labels are drawn with Hangul glyphs. Screenshots go to artifacts/e2e/06_gru-gates*.png.
Run it alone: `.venv/bin/python -m pytest tests/e2e/test_diagrams_in_browser.py -p no:xdist -o addopts= -v`
(RNNCOURSE_E2E_DIR=solutions tests solutions/ instead of lessons/, as for the widget test).
"""
from __future__ import annotations

import json
import time

import pytest

import course_browser as cb
from test_widgets_in_browser import LESSONS_DIR, TIMEOUT, artifacts, browser, check, chromium, lab  # noqa: F401

LESSON = LESSONS_DIR / "06_gru.ipynb"
CALL = "gate_widget("


@pytest.fixture
def page(browser, lab, artifacts):  # noqa: F811  (this module's page, named like the widget test's)
    tab = browser.new_page()
    console: list[str] = []
    tab.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    tab.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
    yield tab
    (artifacts / "06_gru-gates-console.log").write_text("\n".join(console) + "\n", encoding="utf-8")
    tab.close()
    lab.shut_down_sessions()


def gate_cell(nb: dict) -> int | None:
    """Index of the code cell that builds the gate widget."""
    hits = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and CALL in cb.cell_source(c)]
    return hits[0] if hits else None


def test_lesson_06_has_the_gate_widget():
    nb = json.loads(LESSON.read_text(encoding="utf-8"))
    assert gate_cell(nb) is not None, f"{LESSON} has no cell calling {CALL}; regenerate lessons/ with make lessons"


def test_gate_widget_redraws_in_browser(lab, page, artifacts):
    index = gate_cell(json.loads(LESSON.read_text(encoding="utf-8")))
    if index is None:
        pytest.fail(f"{LESSON} has no cell calling {CALL}; regenerate lessons/ with make lessons", pytrace=False)
    cb.open_notebook(page, lab, LESSON.name)
    cb.run_all_cells(page, lab, TIMEOUT)
    lab.remember_processes()
    saved = cb.save_and_read(page, lab.notebook_dir / LESSON.name)
    problems, widget_cells = cb.problems_in_saved(saved)
    problems += cb.problems_in_page(page) + cb.widgets_not_rendered(page, saved, widget_cells)
    check(problems, f"{LESSON.name} after Run All Cells:", page, artifacts / "06_gru-gates-failed-cell.png")
    assert index in cb.drawn_widget_cells(page), f"cell {index} ({CALL}) shows no widget"

    cell = page.locator(f"{cb.ACTIVE} .jp-Notebook .jp-Cell").nth(index)
    picture = lambda: cell.locator(".jp-OutputArea-output img").evaluate_all("els => els.map(e => e.src)")  # noqa: E731
    assert picture(), f"cell {index}: the gate widget drew no picture"
    cb.screenshot(cell.locator(".jp-Cell-outputArea"), artifacts / "06_gru-gates.png")
    assert cb.controls_in(page, index) == ["slider", "dropdown"], "expected the step slider and the unit picker"
    for kind in ("slider", "dropdown"):
        before = picture()
        action = cb.use_control(page, index, kind)
        deadline = time.monotonic() + 60
        while picture() == before and time.monotonic() < deadline:
            time.sleep(0.25)
        cb.wait_until_idle(page, lab, TIMEOUT)
        assert picture() and picture() != before, f"cell {index}: {action}, but the picture did not change"
        check(cb.problems_in_page(page), f"{LESSON.name} after the gate widget was used ({action}):")
    cb.screenshot(cell.locator(".jp-Cell-outputArea"), artifacts / "06_gru-gates-after.png")

    labels, tofu = cb.korean_rendering(page)
    check(tofu, f"{LESSON.name}: Korean in the widgets shows as boxes (see artifacts/e2e/06_gru-gates.png):")
    assert {"시점 t", "유닛"} <= {label["text"] for label in labels}, [label["text"] for label in labels]
