import pytest

from rnncourse.authoring import AuthoringError, lesson_from_solution, strip_solutions

SOLVED = """def rnn_step(x, h):
    \"\"\"One step.\"\"\"
    ### BEGIN SOLUTION
    return np.tanh(x + h)
    ### END SOLUTION

print("kept")"""


def test_code_solution_becomes_an_indented_stub():
    out = strip_solutions(SOLVED, "code", "t")
    assert "np.tanh" not in out
    assert "    # YOUR CODE HERE\n    raise NotImplementedError()" in out
    assert out.startswith("def rnn_step(x, h):") and out.endswith('print("kept")')


def test_markdown_solution_becomes_a_prompt():
    out = strip_solutions("질문\n### BEGIN SOLUTION\n비밀 답\n### END SOLUTION", "markdown", "t")
    assert "비밀 답" not in out and "여기에 답을 쓰세요" in out


@pytest.mark.parametrize("bad", [
    "### BEGIN SOLUTION\nx = 1",
    "x = 1\n### END SOLUTION",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
])
def test_unbalanced_markers_are_errors(bad):
    with pytest.raises(AuthoringError):
        strip_solutions(bad, "code", "t")


def test_outputs_and_counts_are_stripped():
    nb = {"cells": [{"cell_type": "code", "source": SOLVED, "outputs": [{"output_type": "stream"}],
                     "execution_count": 4, "metadata": {"execution": {}, "tags": ["x"]}}],
          "metadata": {"widgets": {}, "kernelspec": {}}, "nbformat": 4, "nbformat_minor": 5}
    lesson = lesson_from_solution(nb, "nb")
    cell = lesson["cells"][0]
    assert cell["outputs"] == [] and cell["execution_count"] is None
    assert cell["metadata"] == {"tags": ["x"]}
    assert "widgets" not in lesson["metadata"]
    assert nb["cells"][0]["outputs"]  # the input is not modified
