import json
from pathlib import Path

import pytest
from traitlets.config import Config

from rnncourse.authoring import (CODE_STUB, EXERCISE_POINTS, QUESTION_POINTS, AuthoringError, dumps,
                                 lesson_from_solution, nbgrader_metadata, render_sources, source_notebook,
                                 strip_solutions)

ROOT = Path(__file__).resolve().parents[1]

SOLVED = """def rnn_step(x, h):
    \"\"\"One step.\"\"\"
    ### BEGIN SOLUTION
    return np.tanh(x + h)
    ### END SOLUTION

print("kept")"""


def code(source: str, **extra) -> dict:
    return {"cell_type": "code", "source": source, "outputs": [], "execution_count": None, "metadata": {}, **extra}


def markdown(source: str) -> dict:
    return {"cell_type": "markdown", "source": source, "metadata": {}}


def notebook(*cells: dict) -> dict:
    return {"cells": list(cells), "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


LESSON = notebook(
    markdown("# 05. LSTM"),
    code("import rnncourse as rc\nfrom rnncourse.checks import lesson05 as check\n"
         "from rnncourse.checks.questions import lesson05 as q05\nrc.setup(seed=0)"),
    code(SOLVED),
    code("check.rnn_step(rnn_step);"),
    code("def wrong(x, h):\n    return x\n\ntry:\n    check.rnn_step(wrong)\nexcept AssertionError as err:\n"
         "    print(err)"),
    code('def 답_1():\n    ### BEGIN SOLUTION\n    return "b"\n    ### END SOLUTION'),
    code("q05.q1(답_1)"),
    code("%time rnn_step(1, 2)"),
)


def test_code_solution_becomes_the_korean_stub_indented():
    out = strip_solutions(SOLVED, "t")
    assert "np.tanh" not in out
    assert "    # 여기에 코드를 작성하세요\n    raise NotImplementedError()" in out
    assert out.startswith("def rnn_step(x, h):") and out.endswith('print("kept")')


@pytest.mark.parametrize("bad", [
    "### BEGIN SOLUTION\nx = 1",
    "x = 1\n### END SOLUTION",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
])
def test_unbalanced_markers_are_errors(bad):
    with pytest.raises(AuthoringError):
        strip_solutions(bad, "t")


@pytest.mark.parametrize("cell", [
    markdown("답은 `BEGIN SOLUTION`/`END SOLUTION` 주석으로 감쌉니다."),
    markdown("### BEGIN SOLUTION\n비밀 답\n### END SOLUTION"),
    code("x = 1  # BEGIN SOLUTION 표시는 여기"),
    code('print("### BEGIN HIDDEN TESTS")'),
])
def test_nbgrader_words_outside_marker_lines_are_refused(cell):
    """nbgrader opens a region on any line holding its words: the generator refuses them, naming cell and line."""
    with pytest.raises(AuthoringError, match=r"01_x.ipynb, cell 1, line 1: .*reword this line"):
        nbgrader_metadata(notebook(markdown("# 제목"), cell), "01_x.ipynb")


def test_metadata_marks_solutions_graded_checks_and_the_check_imports():
    meta = nbgrader_metadata(LESSON, "05_lstm.ipynb")
    common = {"schema_version": 3, "task": False}
    assert meta == [
        None,
        {**common, "grade": False, "solution": False, "locked": True, "grade_id": "lesson05-imports-check-q05"},
        {**common, "grade": False, "solution": True, "locked": False, "grade_id": "lesson05-rnn_step-answer"},
        {**common, "grade": True, "solution": False, "locked": True, "grade_id": "lesson05-rnn_step-check",
         "points": EXERCISE_POINTS},
        None,  # a check called on a demonstration function is not graded
        {**common, "grade": False, "solution": True, "locked": False, "grade_id": "lesson05-q1-answer"},
        {**common, "grade": True, "solution": False, "locked": True, "grade_id": "lesson05-q1-check",
         "points": QUESTION_POINTS},
        None,
    ]


def test_a_check_inside_the_solution_cell_is_refused():
    nb = notebook(code("from rnncourse.checks.questions import lesson03 as q03"),
                  code('def 답_1():\n    ### BEGIN SOLUTION\n    return 5\n    ### END SOLUTION\n\nq03.q1(답_1)'))
    with pytest.raises(AuthoringError, match="cell 1: the self-check is called in the solution cell itself"):
        nbgrader_metadata(nb, "03_bptt.ipynb")


def test_an_unchecked_solution_is_refused():
    with pytest.raises(AuthoringError, match="cell 0: a solution cell whose answer no self-check cell checks"):
        nbgrader_metadata(notebook(code(SOLVED)), "01_x.ipynb")


def test_a_check_graded_twice_is_refused():
    nb = notebook(LESSON["cells"][1], code(SOLVED), code("check.rnn_step(rnn_step)"), code("check.rnn_step(rnn_step)"))
    with pytest.raises(AuthoringError, match="both get grade id 'lesson05-rnn_step-check'"):
        nbgrader_metadata(nb, "05_lstm.ipynb")


def test_source_notebook_is_idempotent_and_replaces_stale_metadata():
    stale = json.loads(json.dumps(LESSON))
    stale["cells"][4]["metadata"]["nbgrader"] = {"grade": True, "grade_id": "old", "points": 9}
    stale["cells"][3]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "✅"}]
    stale["metadata"]["widgets"] = {"state": {}}
    once = source_notebook(stale, "05_lstm.ipynb")
    assert dumps(source_notebook(once, "05_lstm.ipynb")) == dumps(once) == dumps(source_notebook(LESSON, "05_lstm.ipynb"))
    assert stale["cells"][3]["outputs"]  # the input is not modified


def test_lesson_is_the_locked_stubbed_release():
    lesson = lesson_from_solution(LESSON, "05_lstm.ipynb")
    cells = lesson["cells"]
    assert "np.tanh" not in cells[2]["source"] and "return \"b\"" not in cells[5]["source"]
    assert cells[2]["metadata"]["deletable"] is False and "editable" not in cells[2]["metadata"]
    for i in (1, 3, 6):
        assert cells[i]["metadata"]["deletable"] is False and cells[i]["metadata"]["editable"] is False
    for i in (1, 2, 3, 5, 6):
        nbgrader = cells[i]["metadata"]["nbgrader"]
        assert len(nbgrader["checksum"]) == 32 and nbgrader["cell_type"] == "code"
    assert cells[4]["metadata"] == {} and cells[0]["metadata"] == {}


def test_dumps_splits_sources_into_lines_like_nbformat():
    text = dumps(notebook(code("a = 1\nb = 2\n")))
    assert json.loads(text)["cells"][0]["source"] == ["a = 1\n", "b = 2\n"]
    assert text.endswith("}\n")


def test_nbgrader_config_uses_the_same_stub():
    """nbgrader_config.py gives nbgrader the stub `make lessons` writes (the round trip in tests/nbgrader proves
    the whole release is the same; this catches a drifted stub in the main run)."""
    config = Config()
    path = ROOT / "nbgrader_config.py"
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), {"get_config": lambda: config,
                                                                         "__file__": str(path)})
    assert config.ClearSolutions.code_stub == {"python": "\n".join(CODE_STUB)}


def test_committed_solutions_carry_the_metadata_make_lessons_writes():
    committed = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "solutions").glob("*.ipynb"))}
    stale = [name for name, text in render_sources(ROOT / "solutions").items() if committed[name] != text]
    assert not stale, f"solutions/ lacks the nbgrader metadata or still has outputs in {stale}: run `make lessons`"


def test_colab_cells_get_the_repository_url_of_pyproject():
    from rnncourse.authoring import repository_url, source_notebook

    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": 'import sys\nREPO_URL = "https://example.invalid/old"  # 강좌 저장소\n'}
    title = {"cell_type": "markdown", "metadata": {}, "source": "# 제목"}
    out = source_notebook({"cells": [title, cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, "00_x.ipynb")
    assert f'REPO_URL = "{repository_url()}"  # 강좌 저장소' in out["cells"][1]["source"]
    assert repository_url().startswith("https://")


def test_every_lesson_installs_from_the_same_repository():
    import json
    from pathlib import Path

    from rnncourse.authoring import REPO_URL_LINE, repository_url

    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "solutions").glob("*.ipynb")) + sorted((root / "lessons").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        lines = [m.group(0) for c in cells if c["cell_type"] == "code"
                 for m in REPO_URL_LINE.finditer("".join(c["source"]))]
        assert len(lines) == 1 and f'"{repository_url()}"' in lines[0], f"{path.name}: Colab cell {lines}"
