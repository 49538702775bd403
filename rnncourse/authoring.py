"""Generate the student notebooks in lessons/ from the authored ones in solutions/, exactly as nbgrader would.

solutions/ is the one source. ``make lessons`` first writes nbgrader's cell metadata into solutions/ (derived from
the code alone, so rerunning changes nothing): every cell with a ``### BEGIN SOLUTION`` … ``### END SOLUTION``
region is a solution cell, every cell that calls a self-check on a function answered in a solution cell is a graded
cell (exercises 2 points, concept questions 1), and the cell that imports the checks is read-only, so a submission
is graded by the course's own checks. It then writes lessons/ the way ``nbgrader generate_assignment`` (0.9.6, with
the repository's ``nbgrader_config.py``) releases the same notebook — regions replaced by the Korean stub, outputs
cleared, cells locked, checksums computed — byte for byte (tests/nbgrader runs nbgrader itself and compares).
"""
from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Callable

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = ["# 여기에 코드를 작성하세요", "raise NotImplementedError()"]
EXERCISE_POINTS, QUESTION_POINTS = 2, 1
SCHEMA_VERSION = 3
CHECKS_PACKAGE, QUESTIONS_PACKAGE = "rnncourse.checks", "rnncourse.checks.questions"
# nbgrader acts on these words wherever they occur in a line, in any cell, prose and comments included
# (solution regions, hidden tests, mark schemes, autotests); only the course's own marker lines may use them.
NBGRADER_WORDS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                  "BEGIN MARK SCHEME", "END MARK SCHEME", "AUTOTEST")
GRADE_ID = re.compile(r"^[a-zA-Z0-9_-]+$")


class AuthoringError(ValueError):
    """A solution notebook that cannot be turned into a lesson."""


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def check_nbgrader_words(source: str, cell_type: str, where: str) -> None:
    """Fail unless nbgrader's reserved words appear only as the course's own marker lines in a code cell."""
    for number, line in enumerate(source.split("\n"), start=1):
        if cell_type == "code" and line.strip() in (BEGIN, END):
            continue
        word = next((w for w in NBGRADER_WORDS if w in line), None)
        if word:
            raise AuthoringError(
                f"{where}, line {number}: {word!r} appears in a {cell_type} line, and nbgrader acts on it wherever "
                f"it occurs (a solution region would open in prose). Use it only as a code line that is exactly "
                f"{BEGIN!r} or {END!r}; reword this line: {line.strip()!r}")


def strip_solutions(source: str, where: str) -> str:
    """Replace every marked solution block in one code cell's source by the stub, keeping indentation."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.split("\n"), start=1):
        if line.strip() == BEGIN:
            if inside:
                raise AuthoringError(f"{where}, line {number}: nested {BEGIN!r}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + s for s in CODE_STUB)
        elif line.strip() == END:
            if not inside:
                raise AuthoringError(f"{where}, line {number}: {END!r} without {BEGIN!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise AuthoringError(f"{where}: {BEGIN!r} is never closed by {END!r}")
    return "\n".join(out)


# ---------------------------------------------------------------- which cell is what
def _parse(source: str, where: str) -> ast.Module:
    """The cell's code as Python (IPython magics and shell lines blanked)."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError as err:
        raise AuthoringError(f"{where}: not valid Python ({err.msg}, line {err.lineno})") from None


def _check_imports(tree: ast.Module) -> dict[str, str]:
    """Local name → module path, for every name a cell binds to a check module or a check function."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(CHECKS_PACKAGE):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(CHECKS_PACKAGE + ".") and alias.asname:
                    names[alias.asname] = alias.name
    return names


def _defined_names(tree: ast.Module) -> set[str]:
    """Top-level names a cell defines (functions, classes, assignments)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _checks_called(tree: ast.Module, checks: dict[str, str], answers: set[str]) -> list[tuple[str, str, str]]:
    """(check name, check module path, answer) for every call of a check on an answered function."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name)
                and node.args[0].id in answers):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in checks:
            found.append((func.attr, f"{checks[func.value.id]}.{func.attr}", node.args[0].id))
        elif isinstance(func, ast.Name) and func.id in checks:
            found.append((func.id, checks[func.id], node.args[0].id))
    return found


def _lesson_id(name: str) -> str:
    """'05_lstm.ipynb' → 'lesson05', the prefix of every grade id in that notebook."""
    match = re.match(r"(\d+)_", name)
    if not match:
        raise AuthoringError(f"{name}: a lesson file name starts with its number, like '05_lstm.ipynb'")
    return f"lesson{match.group(1)}"


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False, points: int = 0) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": SCHEMA_VERSION,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def nbgrader_metadata(notebook: dict, name: str) -> list[dict | None]:
    """Each cell's ``metadata.nbgrader`` (None for an ordinary cell), derived from the code alone.

    Solution cells hold a solution region; a graded cell calls a check (imported from ``rnncourse.checks``) on a
    function a solution cell defines — a demonstration calling a check on some other function is not graded; a
    read-only cell imports the checks. Grade ids name the lesson and the check: ``lesson05-lstm_step-answer`` and
    ``lesson05-lstm_step-check``; a question ``q1`` of lesson 00: ``lesson00-q1-answer``, ``lesson00-q1-check``.
    """
    lesson = _lesson_id(name)
    cells = notebook["cells"]
    trees: dict[int, ast.Module] = {}
    checks: dict[str, str] = {}
    answers: dict[str, int] = {}  # function answered in a solution cell → that cell's index
    for index, cell in enumerate(cells):
        where = f"{name}, cell {index}"
        source = _source(cell)
        check_nbgrader_words(source, cell["cell_type"], where)
        if cell["cell_type"] != "code":
            continue
        trees[index] = tree = _parse(source, where)
        checks.update(_check_imports(tree))
        if any(line.strip() == BEGIN for line in source.split("\n")):
            answers.update(dict.fromkeys(_defined_names(tree), index))

    metadata: list[dict | None] = [None] * len(cells)
    solution_ids: dict[int, str] = {}
    for index, tree in trees.items():
        if index in answers.values():
            continue
        called = _checks_called(tree, checks, set(answers))
        if not called:
            imported = _check_imports(tree)
            if imported:
                metadata[index] = _meta(f"{lesson}-imports-{'-'.join(sorted(imported))}")
            continue
        if len({c[:2] for c in called}) > 1:
            raise AuthoringError(f"{name}, cell {index}: one graded cell per check, found {[c[0] for c in called]}")
        check, path, answer = called[0]
        points = QUESTION_POINTS if path.startswith(QUESTIONS_PACKAGE + ".") else EXERCISE_POINTS
        metadata[index] = _meta(f"{lesson}-{check}-check", grade=True, points=points)
        solution_ids.setdefault(answers[answer], f"{lesson}-{check}-answer")
    for index in sorted(set(answers.values())):
        if index not in solution_ids and _checks_called(trees[index], checks, set(answers)):
            raise AuthoringError(f"{name}, cell {index}: the self-check is called in the solution cell itself; "
                                 f"move the check call into its own code cell right below (nbgrader grades a "
                                 f"whole cell, and a solution cell cannot also be the graded one)")
        if index not in solution_ids:
            raise AuthoringError(f"{name}, cell {index}: a solution cell whose answer no self-check cell checks "
                                 f"(a check cell calls e.g. `check.NAME(function)` on a function this cell defines)")
        metadata[index] = _meta(solution_ids[index], solution=True)

    seen: dict[str, int] = {}
    for index, meta in enumerate(metadata):
        if meta is None:
            continue
        if not GRADE_ID.match(meta["grade_id"]):
            raise AuthoringError(f"{name}, cell {index}: grade id {meta['grade_id']!r} must match {GRADE_ID.pattern}")
        if meta["grade_id"] in seen:
            raise AuthoringError(f"{name}, cells {seen[meta['grade_id']]} and {index}: both get grade id "
                                 f"{meta['grade_id']!r} (a check graded twice?)")
        seen[meta["grade_id"]] = index
    return metadata


# ---------------------------------------------------------------- source and release notebooks
def clean_cell(cell: dict) -> dict:
    """A copy of the cell without outputs, execution count or run-time metadata."""
    cell = copy.deepcopy(cell)
    if cell["cell_type"] == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items()
                        if k not in ("execution", "collapsed", "scrolled")}
    return cell


REPO_URL_LINE = re.compile(r'^REPO_URL = ".*"(.*)$', re.M)


def repository_url() -> str:
    """The course repository's address, set once in pyproject.toml's [project.urls] (the Colab cells install from it)."""
    import tomllib

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    urls = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("urls", {})
    if "Repository" not in urls:
        raise AuthoringError("pyproject.toml needs [project.urls] Repository = \"https://…\" (the Colab cells use it)")
    return urls["Repository"]


def with_repository_url(source: str, url: str) -> str:
    """A Colab cell's ``REPO_URL = "…"`` line rewritten to ``url`` (other cells are unchanged)."""
    return REPO_URL_LINE.sub(lambda m: f'REPO_URL = "{url}"{m.group(1)}', source)


def source_notebook(notebook: dict, name: str) -> dict:
    """The solution notebook as committed: no outputs or widget state, nbgrader metadata derived afresh,
    the repository address of pyproject.toml in its Colab cell."""
    cells = []
    url = None
    for cell, meta in zip(notebook["cells"], nbgrader_metadata(notebook, name)):
        cell = clean_cell(cell)
        if cell["cell_type"] == "code" and REPO_URL_LINE.search(_source(cell)):
            url = url or repository_url()
            cell["source"] = with_repository_url(_source(cell), url)
        cell["metadata"].pop("nbgrader", None)
        if meta is not None:
            cell["metadata"]["nbgrader"] = meta
        cells.append(cell)
    metadata = {k: v for k, v in notebook.get("metadata", {}).items() if k not in ("widgets", "celltoolbar")}
    return {**notebook, "cells": cells, "metadata": metadata}


def _checksum(cell: dict, source: str) -> str:
    """nbgrader's ``utils.compute_checksum`` (0.9.6): what its autograder compares to see a changed cell."""
    meta = cell["metadata"]["nbgrader"]
    locked = not meta["solution"] and (meta["grade"] or meta["locked"])
    parts = [source, cell["cell_type"], str(meta["grade"]), str(meta["solution"]), str(locked), meta["grade_id"]]
    if meta["grade"]:
        parts.append(str(float(meta["points"])))
    return hashlib.md5("".join(parts).encode("utf-8")).hexdigest()


def release_cell(cell: dict, where: str) -> dict:
    """One cell of the student version: nbgrader's LockCells, ClearSolutions and ComputeChecksums."""
    cell = copy.deepcopy(cell)
    source = _source(cell)
    meta = cell["metadata"].get("nbgrader")
    if cell["cell_type"] == "code":
        source = strip_solutions(source, where)
    cell["source"] = source
    if meta is not None:
        cell["metadata"]["deletable"] = False
        if not meta["solution"]:
            cell["metadata"]["editable"] = False
        meta["checksum"] = _checksum(cell, source)
        meta["cell_type"] = cell["cell_type"]
    return cell


def lesson_from_solution(notebook: dict, name: str) -> dict:
    """The student version of one solution notebook (a new dict; the input is not changed)."""
    source = source_notebook(notebook, name)
    cells = [release_cell(cell, f"{name}, cell {i}") for i, cell in enumerate(source["cells"])]
    return {**source, "cells": cells}


def dumps(notebook: dict) -> str:
    """Serialise as nbformat does (sources split into lines, indent 1, UTF-8 kept), so nbgrader's output and
    regenerated files are byte-identical."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        cell["source"] = _source(cell).splitlines(keepends=True)
    return json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


# ---------------------------------------------------------------- files
def _notebooks(solutions: Path) -> dict[Path, dict]:
    return {p: json.loads(p.read_text(encoding="utf-8")) for p in sorted(solutions.glob("*.ipynb"))}


def _render_all(solutions: Path, make: Callable[[dict, str], dict]) -> dict[str, str]:
    """File name → text for every notebook; the problems of all notebooks are reported together."""
    texts, problems = {}, []
    for path, notebook in _notebooks(solutions).items():
        try:
            texts[path.name] = dumps(make(notebook, path.name))
        except AuthoringError as err:
            problems.append(str(err))
    if problems:
        raise AuthoringError("\n".join(problems))
    return texts


def render(solutions: Path) -> dict[str, str]:
    """File name → lesson text for every notebook in ``solutions``."""
    return _render_all(solutions, lesson_from_solution)


def render_sources(solutions: Path) -> dict[str, str]:
    """File name → the solution notebook's committed text (outputs stripped, nbgrader metadata written)."""
    return _render_all(solutions, source_notebook)


def _write_changed(texts: dict[str, str], folder: Path) -> list[str]:
    changed = []
    for name, text in texts.items():
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(name)
    return changed


def update_sources(solutions: Path) -> list[str]:
    """Strip outputs and write nbgrader metadata into the solution notebooks in place; returns changed names."""
    return _write_changed(render_sources(solutions), solutions)


def generate(solutions: Path, lessons: Path) -> list[str]:
    """Write lessons/ from solutions/, removing lessons whose solution is gone; returns changed names."""
    lessons.mkdir(parents=True, exist_ok=True)
    wanted = render(solutions)
    changed = _write_changed(wanted, lessons)
    for stale in lessons.glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
            changed.append(stale.name)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate student notebooks from solution notebooks.")
    parser.add_argument("solutions", type=Path)
    parser.add_argument("lessons", type=Path)
    args = parser.parse_args(argv)
    try:
        updated = update_sources(args.solutions)
        changed = generate(args.solutions, args.lessons)
    except AuthoringError as err:
        print(f"make lessons: {err}", file=sys.stderr)
        return 1
    if updated:
        print(f"solutions: outputs stripped and nbgrader metadata written in {', '.join(updated)}")
    print(f"lessons: {len(changed)} notebook(s) written" + (f": {', '.join(changed)}" if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
