"""Generate the student notebooks in lessons/ from the authored ones in solutions/.

Uses nbgrader's own markers, so instructors can also run nbgrader on solutions/ unchanged:
the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` become a stub that raises
``NotImplementedError`` (code) or an answer prompt (markdown). Outputs are always stripped.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
MARKDOWN_STUB = ["여기에 답을 쓰세요. (YOUR ANSWER HERE)"]


class AuthoringError(ValueError):
    """A solution notebook that cannot be turned into a lesson."""


def strip_solutions(source: str, cell_type: str, where: str) -> str:
    """Replace every marked solution block in one cell's source by the stub, keeping indentation."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.split("\n"), start=1):
        if BEGIN in line:
            if inside:
                raise AuthoringError(f"{where}, line {number}: nested {BEGIN!r}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            stub = CODE_STUB if cell_type == "code" else MARKDOWN_STUB
            out.extend(indent + s for s in stub)
        elif END in line:
            if not inside:
                raise AuthoringError(f"{where}, line {number}: {END!r} without {BEGIN!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise AuthoringError(f"{where}: {BEGIN!r} is never closed by {END!r}")
    return "\n".join(out)


def clean_cell(cell: dict) -> dict:
    """A copy of the cell without outputs, execution count or run-time metadata."""
    cell = dict(cell)
    if cell["cell_type"] == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    metadata = {k: v for k, v in cell.get("metadata", {}).items() if k not in ("execution", "collapsed", "scrolled")}
    cell["metadata"] = metadata
    return cell


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def lesson_from_solution(notebook: dict, where: str) -> dict:
    """The student version of one solution notebook (a new dict; the input is not changed)."""
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        cell = clean_cell(cell)
        cell["source"] = strip_solutions(_source(cell), cell["cell_type"], f"{where}, cell {index}")
        cells.append(cell)
    metadata = {k: v for k, v in notebook.get("metadata", {}).items() if k != "widgets"}
    return {**notebook, "cells": cells, "metadata": metadata}


def dumps(notebook: dict) -> str:
    """Serialise like Jupyter does (indent 1, UTF-8 kept), so regenerated files are byte-stable."""
    return json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def render(solutions: Path) -> dict[str, str]:
    """File name → lesson text for every notebook in ``solutions``."""
    result = {}
    for path in sorted(solutions.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        result[path.name] = dumps(lesson_from_solution(notebook, path.name))
    return result


def strip_outputs(solutions: Path) -> list[str]:
    """Remove outputs and execution counts from the solution notebooks in place (authors run them)."""
    changed = []
    for path in sorted(solutions.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cleaned = dumps({**notebook, "cells": [clean_cell(c) for c in notebook["cells"]]})
        if path.read_text(encoding="utf-8") != cleaned:
            path.write_text(cleaned, encoding="utf-8")
            changed.append(path.name)
    return changed


def generate(solutions: Path, lessons: Path) -> list[str]:
    """Write lessons/ from solutions/, removing lessons whose solution is gone; returns changed names."""
    lessons.mkdir(parents=True, exist_ok=True)
    wanted = render(solutions)
    changed = []
    for name, text in wanted.items():
        target = lessons / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(name)
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
    stripped = strip_outputs(args.solutions)
    if stripped:
        print(f"solutions: outputs stripped from {', '.join(stripped)}")
    changed = generate(args.solutions, args.lessons)
    print(f"lessons: {len(changed)} notebook(s) written" + (f": {', '.join(changed)}" if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
