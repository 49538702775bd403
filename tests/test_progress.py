"""Local progress: passing checks record themselves, rc.progress() lists every known check by lesson, in Korean."""
import json
import os

import pytest

import rnncourse as rc
from rnncourse.checks import lesson00
from rnncourse.progress import load, progress_path, record


def test_progress_goes_to_the_test_file_not_home(tmp_path):
    assert progress_path() == tmp_path / "progress.json"


def test_passing_check_records_itself_once(tmp_path):
    assert lesson00.running_sum(lesson00.reference_running_sum) is True
    first = load()["00"]["누적 합"]
    assert lesson00.running_sum(lesson00.reference_running_sum) is True
    assert load()["00"]["누적 합"] == first
    assert json.loads((tmp_path / "progress.json").read_text(encoding="utf-8"))["version"] == 1


def test_failures_stubs_and_the_autograder_record_nothing(monkeypatch):
    with pytest.raises(AssertionError):
        lesson00.running_sum(lambda xs: [0.0] * len(xs) if xs else [1.0])
    assert lesson00.running_sum(lambda xs: (_ for _ in ()).throw(NotImplementedError())) is None
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert lesson00.running_sum(lesson00.reference_running_sum) is True
    assert load() == {}


def test_unwritable_or_corrupt_file_never_crashes(tmp_path, monkeypatch):
    (tmp_path / "progress.json").write_text("{not json", encoding="utf-8")
    assert load() == {}
    assert record(3, "x") is True and load() == {"03": {"x": load()["03"]["x"]}}
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("RNNCOURSE_PROGRESS_FILE", str(blocker / "sub" / "progress.json"))
    assert record(1, "y") is False
    assert lesson00.running_sum(lesson00.reference_running_sum) is True  # the check still passes
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".progress-")]


def test_progress_table_lists_every_lesson_and_marks_done():
    assert lesson00.running_sum(lesson00.reference_running_sum) is True
    table = rc.progress()
    lessons = {row[0] for row in table.rows}
    assert set(range(11)) <= lessons
    assert (0, "연습", "누적 합", True) in table.rows
    assert all(kind in ("연습", "심화", "질문") for _, kind, _, _ in table.rows)
    text = repr(table)
    assert "강의" in text and "전체:" in text and "마쳤습니다" in text
    assert "<table>" in table._repr_html_()


def test_progress_chart_draws():
    import matplotlib
    matplotlib.use("Agg")
    ax = rc.progress().plot()
    assert ax.get_title() == "강의별 진도"
