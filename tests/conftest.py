"""Tests never write a learner's progress file: every passing self-check records into a temporary one."""
import pytest


@pytest.fixture(autouse=True)
def _private_progress_file(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
