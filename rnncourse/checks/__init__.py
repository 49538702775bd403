"""Self-checks for the exercises, one module per lesson (``from rnncourse.checks import lesson01``)."""
from rnncourse.checks._core import CheckFailed, expect_close, expect_shape, self_check

__all__ = ["CheckFailed", "expect_close", "expect_shape", "self_check"]
