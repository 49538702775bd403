"""The committed notebooks: generated lessons in sync, no outputs, every lesson built to the blueprint."""
import json
from pathlib import Path

import pytest

from rnncourse.authoring import BEGIN, render

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
REQUIRED_HEADINGS = ["학습 목표", "사전 지식", "직접 해보기", "정리", "더 읽을거리"]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def text(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def test_there_are_notebooks():
    assert SOLUTIONS, "solutions/ has no notebooks"


def test_lessons_are_generated_from_solutions():
    wanted = render(ROOT / "solutions")
    have = {p.name: p.read_text(encoding="utf-8") for p in LESSONS}
    assert sorted(have) == sorted(wanted), "lessons/ and solutions/ hold different notebooks: run `make lessons`"
    stale = [name for name in wanted if have[name] != wanted[name]]
    assert not stale, f"lessons/ is out of date for {stale}: run `make lessons` and commit"


@pytest.mark.parametrize("path", SOLUTIONS + LESSONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_without_outputs(path):
    for i, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] == "code":
            assert not cell["outputs"] and cell["execution_count"] is None, f"cell {i} of {path.name} has outputs"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_lesson_structure(path):
    nb = load(path)
    cells = nb["cells"]
    markdown = "\n".join(text(c) for c in cells if c["cell_type"] == "markdown")
    assert text(cells[0]).startswith("# "), "the first cell must be the Korean title"
    missing = [h for h in REQUIRED_HEADINGS if h not in markdown]
    assert not missing, f"{path.name} lacks sections {missing}"
    code = [text(c) for c in cells if c["cell_type"] == "code" and "REPO_URL" not in text(c)]  # after Colab's cell
    assert "rc.setup(" in code[0] and "rc.device()" in code[0], "the first code cell sets up the lesson"
    assert any(BEGIN in c for c in code), f"{path.name} has no exercise"
    assert "rnncourse.checks" in "\n".join(code), f"{path.name} calls no self-check"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_exercises_are_function_bodies(path):
    """A stubbed exercise must not stop the lesson: the solution block sits inside a function."""
    for i, cell in enumerate(load(path)["cells"]):
        for line in text(cell).split("\n"):
            if BEGIN in line and cell["cell_type"] == "code":
                assert line.startswith((" ", "\t")), f"{path.name} cell {i}: solution block at top level"


def test_file_names_are_numbered_ascii():
    for path in SOLUTIONS:
        assert path.name.isascii() and path.name[:2].isdigit() and path.name[2] == "_", path.name
