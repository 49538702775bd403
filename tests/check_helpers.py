"""Shared assertions for the self-check tests (tests/test_checks_lessonNN.py)."""
import pytest

from rnncourse.checks import CheckFailed


def stub(*args):
    """A learner's function not written yet."""
    raise NotImplementedError()


def assert_korean_failure(check_fn, wrong, words):
    """The check rejects ``wrong`` with a Korean CheckFailed that names its title and contains ``words``."""
    with pytest.raises(AssertionError) as err:
        check_fn(wrong)
    assert isinstance(err.value, CheckFailed)
    message = str(err.value)
    assert message.startswith(f"[{check_fn.title}]")
    assert any("\uac00" <= ch <= "\ud7a3" for ch in message), message  # Hangul
    for word in words:
        assert word in message, (word, message)
