"""nbgrader 0.9.6, for real: its release of a lesson is byte-identical to what `make lessons` writes, and its
autograder gives exactly the points the graded cells carry — a submission with one exercise solved and the rest
stubbed gets that exercise's points and nothing else (a stub fails under the autograder), the solutions get full marks.

Run with `make test-grading` (not part of the main run: it installs nbgrader into its own virtualenv).
"""
from __future__ import annotations

import json

import pytest

from nbgrader_env import ROOT, Course, ensure_venv
from rnncourse.authoring import EXERCISE_POINTS, dumps, lesson_from_solution, source_notebook

# Two lessons that execute fast; lesson 00 has one exercise and concept questions, lesson 02 three exercises.
LESSONS = {"lesson00": "00_getting_started.ipynb", "lesson02": "02_activations_and_graphs.ipynb"}
PARTIAL, FULL = "one-solved", "all-solved"


def authored(assignment: str) -> dict:
    """The solution notebook as `make lessons` writes it into solutions/ (nbgrader's source)."""
    name = LESSONS[assignment]
    return source_notebook(json.loads((ROOT / "solutions" / name).read_text(encoding="utf-8")), name)


def nbgrader_meta(cell: dict) -> dict:
    return cell["metadata"].get("nbgrader", {})


def points(notebook: dict) -> dict[str, float]:
    """grade id → points of every graded cell."""
    return {m["grade_id"]: float(m["points"]) for m in map(nbgrader_meta, notebook["cells"]) if m.get("grade")}


def with_one_exercise_solved(release: dict, solution: dict) -> tuple[dict, str]:
    """The student version with the first exercise's answer cell filled in from the solution; its check's grade id."""
    check = next(k for k, p in points(release).items() if p == EXERCISE_POINTS)
    answer = check.removesuffix("-check") + "-answer"
    solved = next(c for c in solution["cells"] if nbgrader_meta(c).get("grade_id") == answer)
    cell = next(c for c in release["cells"] if nbgrader_meta(c).get("grade_id") == answer)
    cell["source"] = solved["source"]
    return release, check


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    """Every lesson an assignment: generate it, submit one-solved and all-solved work, autograde, read the scores."""
    course = Course(tmp_path_factory.mktemp("nbgrader-course"), ensure_venv())
    course.solved = {}
    for assignment, name in LESSONS.items():
        solution = authored(assignment)
        course.add_source(assignment, name, dumps(solution))
        course.nbgrader("generate_assignment", assignment)
        release = json.loads(course.release(assignment, name).read_text(encoding="utf-8"))
        partial, course.solved[assignment] = with_one_exercise_solved(release, solution)
        course.submit(PARTIAL, assignment, name, dumps(partial))
        course.submit(FULL, assignment, name, dumps(solution))
        course.nbgrader("autograde", assignment)
    course.results = course.scores()
    return course


@pytest.mark.parametrize("assignment", LESSONS)
def test_release_equals_make_lessons(course, assignment):
    name = LESSONS[assignment]
    released = course.release(assignment, name).read_text(encoding="utf-8")
    lesson = dumps(lesson_from_solution(authored(assignment), name))
    assert released == lesson, f"nbgrader's release of {name} differs from what `make lessons` writes to lessons/"


@pytest.mark.parametrize("assignment", LESSONS)
def test_one_exercise_solved_scores_exactly_its_points(course, assignment):
    solved, expected = course.solved[assignment], points(authored(assignment))
    scores = course.results[assignment][PARTIAL]
    assert {k: s[1] for k, s in scores.items()} == expected
    assert {k: s[0] for k, s in scores.items()} == {k: (p if k == solved else 0.0) for k, p in expected.items()}
    assert sum(s[0] for s in scores.values()) == EXERCISE_POINTS
    # the other checks scored nothing because they failed on the stub, not because something else broke
    for cell in course.autograded(PARTIAL, assignment, LESSONS[assignment])["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and meta["grade_id"] != solved:
            errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
            assert [e["ename"] for e in errors] == ["CheckFailed"], f"{meta['grade_id']}: {errors}"
            assert "NotImplementedError" in errors[0]["evalue"], errors[0]["evalue"]


@pytest.mark.parametrize("assignment", LESSONS)
def test_solutions_get_full_marks(course, assignment):
    total = sum(points(authored(assignment)).values())
    scores = course.results[assignment][FULL]
    assert all(score == maximum for score, maximum in scores.values()), scores
    assert sum(s[0] for s in scores.values()) == total > 0


@pytest.mark.parametrize("assignment", LESSONS)
def test_solutions_run_without_errors_under_the_autograder(course, assignment):
    """An instructor's feedback for a perfect submission shows no traceback anywhere (demonstration cells included)."""
    graded = course.autograded(FULL, assignment, LESSONS[assignment])
    errors = [(i, o["ename"], o["evalue"][:200]) for i, c in enumerate(graded["cells"]) if c["cell_type"] == "code"
              for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, f"cells that fail under nbgrader (NBGRADER_EXECUTION set): {errors}"
