"""A pytest plugin that keeps the text each notebook cell printed under nbval, one file per notebook.

nbval checks the notebooks but throws their outputs away; a run on borrowed hardware (the GPU machine) must keep
the numbers the lessons print (losses, ratios, sequence lengths). Loaded with ``-p nbval_outputs`` (this folder
on PYTHONPATH); writes ``<NBVAL_OUTPUTS_DIR>/<notebook stem>.txt``; does nothing when the variable is unset.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

OUTPUTS_VARIABLE = "NBVAL_OUTPUTS_DIR"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def cell_text(outputs: list) -> str:
    """The readable part of one cell's outputs: streams, plain-text results and errors (widgets and images left out)."""
    parts = []
    for out in outputs or []:
        kind = out.get("output_type")
        if kind == "stream":
            # progress bars redraw with carriage returns: keep each line's last state
            parts.append("\n".join(line.rsplit("\r", 1)[-1] for line in out.get("text", "").split("\n")))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if WIDGET_MIME not in data and "text/plain" in data and not data["text/plain"].startswith("<Figure"):
                parts.append(data["text/plain"])
        elif kind == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "\n".join(p.rstrip("\n") for p in parts if p.strip())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    yield
    folder = os.environ.get(OUTPUTS_VARIABLE, "").strip()
    if call.when != "call" or not folder or not hasattr(item, "test_outputs"):
        return
    text = cell_text(item.test_outputs)
    if not text:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    notebook = Path(str(item.fspath)).stem
    with open(path / f"{notebook}.txt", "a", encoding="utf-8") as fh:
        fh.write(f"--- {item.name}\n{text}\n")
