"""A learner's progress, kept locally: each passing self-check records itself, ``progress()`` shows what is done.

The record is a small JSON file, ``$RNNCOURSE_PROGRESS_FILE`` or else ``~/.cache/rnncourse/progress.json``
(``$XDG_CACHE_HOME`` respected); nothing leaves the machine. Writing is atomic (a temporary file renamed over
the old one) and never raises: a read-only home only means progress is not remembered. Under nbgrader's
autograder nothing is recorded — the grader runs every student's notebook on the instructor's machine, so a
record there would describe no one.
"""
from __future__ import annotations

import html
import importlib
import json
import os
import pkgutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

PROGRESS_VARIABLE = "RNNCOURSE_PROGRESS_FILE"
KINDS = ("연습", "심화", "질문")


def progress_path() -> Path:
    """Where progress is kept: $RNNCOURSE_PROGRESS_FILE, else the user's cache folder."""
    explicit = os.environ.get(PROGRESS_VARIABLE, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rnncourse" / "progress.json"


def load() -> dict[str, dict[str, str]]:
    """The recorded passes, {"05": {title: ISO time}}; an unreadable or malformed file counts as empty."""
    try:
        data = json.loads(progress_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    done = data.get("done") if isinstance(data, dict) else None
    if not isinstance(done, dict):
        return {}
    return {str(lesson): {str(t): str(when) for t, when in titles.items()}
            for lesson, titles in done.items() if isinstance(titles, dict)}


def record(lesson: int, title: str) -> bool:
    """Remember that check ``title`` of ``lesson`` passed (first time kept); False when it could not be written."""
    path = progress_path()
    done = load()
    titles = done.setdefault(f"{lesson:02d}", {})
    if title in titles:
        return True
    titles[title] = time.strftime("%Y-%m-%dT%H:%M:%S")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"version": 1, "done": done}, out, ensure_ascii=False, indent=1, sort_keys=True)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        return False
    return True


def discover() -> None:
    """Import every lesson's check and concept-question module, so that each check registers itself."""
    for package in ("rnncourse.checks", "rnncourse.checks.questions"):
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        for found in pkgutil.iter_modules(getattr(module, "__path__", [])):
            if found.name.startswith("lesson"):
                importlib.import_module(f"{package}.{found.name}")


@dataclass
class Progress:
    """What is done, lesson by lesson: rows of (lesson, kind, title, done); prints as a table in Korean."""

    rows: list[tuple[int, str, str, bool]]

    def summary(self) -> list[tuple[int, dict[str, tuple[int, int]]]]:
        """Per lesson, per kind: (done, total)."""
        out: dict[int, dict[str, list[int]]] = {}
        for lesson, kind, _, done in self.rows:
            cell = out.setdefault(lesson, {}).setdefault(kind, [0, 0])
            cell[0] += int(done)
            cell[1] += 1
        return [(lesson, {k: (v[0], v[1]) for k, v in kinds.items()}) for lesson, kinds in sorted(out.items())]

    def _left(self, lesson: int) -> str:
        """The exercises of ``lesson`` not done yet (questions are counted, not listed, to keep the table short)."""
        rows = [(kind, title, done) for les, kind, title, done in self.rows if les == lesson]
        if all(done for _, _, done in rows):
            return "모두 마쳤습니다 ✅"
        left = [title for kind, title, done in rows if kind != "질문" and not done]
        return ", ".join(left) if left else "질문만 남았습니다"

    def _lines(self) -> list[str]:
        lines = ["강의  " + "  ".join(f"{k:>6}" for k in KINDS) + "  남은 연습"]
        for lesson, kinds in self.summary():
            counts = "  ".join(f"{(f'{kinds[k][0]}/{kinds[k][1]}' if k in kinds else '-'):>7}" for k in KINDS)
            lines.append(f"{lesson:02d}   {counts}  " + self._left(lesson))
        done = sum(r[3] for r in self.rows)
        lines.append(f"전체: {len(self.rows)}개 가운데 {done}개를 마쳤습니다.")
        return lines

    def __repr__(self) -> str:
        return "\n".join(self._lines())

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{k}</th>" for k in ("강의", *KINDS, "남은 연습"))
        body = []
        for lesson, kinds in self.summary():
            cells = "".join(f"<td>{kinds[k][0]}/{kinds[k][1]}</td>" if k in kinds else "<td>-</td>" for k in KINDS)
            body.append(f"<tr><td>{lesson:02d}</td>{cells}<td>{html.escape(self._left(lesson))}</td></tr>")
        done = sum(r[3] for r in self.rows)
        return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
                f"<p>전체: {len(self.rows)}개 가운데 {done}개를 마쳤습니다.</p>")

    def plot(self, ax: Optional[Any] = None) -> Any:
        """A stacked bar chart: per lesson, the share of its checks that are done."""
        import matplotlib.pyplot as plt  # noqa: PLC0415  (only when a chart is asked for)

        from rnncourse.env import use_korean_font  # noqa: PLC0415
        use_korean_font()
        summary = self.summary()
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3))
        lessons = [f"{lesson:02d}" for lesson, _ in summary]
        done = [sum(v[0] for v in kinds.values()) for _, kinds in summary]
        total = [sum(v[1] for v in kinds.values()) for _, kinds in summary]
        ax.bar(lessons, total, color="0.85", label="전체")
        ax.bar(lessons, done, color="tab:green", label="마침")
        ax.set_xlabel("강의")
        ax.set_ylabel("확인 문제 수")
        ax.set_title("강의별 진도")
        ax.legend()
        return ax


def progress(chart: bool = False) -> Progress:
    """Which exercises and concept questions of which lessons are done (a table; ``chart=True`` also draws it)."""
    from rnncourse.checks._core import REGISTRY  # noqa: PLC0415  (the checks import this module back)

    discover()
    done = load()
    rows = sorted(((info.lesson, info.kind, info.title, info.title in done.get(f"{info.lesson:02d}", {}))
                   for info in REGISTRY.values()), key=lambda r: (r[0], KINDS.index(r[1]) if r[1] in KINDS else 9))
    result = Progress(rows)
    if chart:
        result.plot()
    return result
