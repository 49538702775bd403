"""Build the course website: execute every solutions/ notebook with the course's environment, then render the
executed notebooks with Sphinx + MyST-NB (in the site's own environment) into build/site/html.

    python scripts/build_site.py --sphinx build/site-venv/bin/sphinx-build [--jobs 2] [--reuse]

Solution code is kept (the site is read by learners who want to check their work) but hidden behind a
"정답 보기" toggle; the nbgrader markers are removed from what is shown.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "site"
WIDGETS_NPM = "@jupyter-widgets/html-manager@1.0.15"  # ipywidgets 8's HTML embedder, served from the site itself
MATHJAX_NPM = "mathjax@3.2.2"  # the version Sphinx 8 loads from a CDN by default
MATHJAX_PARTS = ("input/", "output/chtml", "ui/", "a11y/")  # what tex-mml-chtml.js loads on demand
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def execute(src: Path, dst: Path) -> float:
    """Run one notebook top to bottom in a kernel of this interpreter, keeping widget state; returns seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(src, as_version=4)
    start = time.monotonic()
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(src.parent)}},
                   store_widget_state=True).execute()
    nbformat.write(nb, dst)
    return time.monotonic() - start


def hide_solutions(path: Path) -> int:
    """Tag solution cells hide-input and drop the marker lines from their source; returns how many."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    count = 0
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] != "code" or MARKERS[0] not in source:
            continue
        cell["source"] = "\n".join(line for line in source.split("\n") if not line.strip().startswith(MARKERS))
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "hide-input" not in tags:
            tags.append("hide-input")
        count += 1
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    return count


def relink_glossary(path: Path) -> None:
    """Point the lessons' glossary links (../docs/glossary.md in the repository) at the site's own glossary page."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("](../docs/glossary.md)", "](../glossary.md)"), encoding="utf-8")


def npm_tarball(spec: str) -> Path:
    """The npm registry's tarball of ``spec`` (name@version), downloaded once into build/npm."""
    cache = ROOT / "build" / "npm"
    cache.mkdir(parents=True, exist_ok=True)
    name, version = spec.rsplit("@", 1)
    tarball = cache / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not tarball.exists():
        subprocess.run(["npm", "pack", spec, "--silent"], cwd=cache, check=True, stdout=subprocess.DEVNULL)
    return tarball


def unpack(tarball: Path, prefix: str, target: Path, keep=lambda name: True) -> None:
    """Extract the files under ``prefix`` in an npm tarball (those ``keep`` accepts, no source maps) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith(prefix) and not member.name.endswith(".map"):
                member.name = member.name.removeprefix(prefix)
                if keep(member.name):
                    tar.extract(member, target, filter="data")


def fetch_browser_scripts(static: Path) -> None:
    """Serve the widget embedder and MathJax from the site itself, so that pages render offline too."""
    unpack(npm_tarball(WIDGETS_NPM), "package/dist/", static / "widgets")
    unpack(npm_tarball(MATHJAX_NPM), "package/es5/", static / "mathjax",
           keep=lambda name: name == "tex-mml-chtml.js" or name.startswith(MATHJAX_PARTS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sphinx", required=True, help="sphinx-build of the site's environment")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (one torch thread each)")
    parser.add_argument("--reuse", action="store_true", help="keep executed notebooks newer than their source")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    src = BUILD / "src"
    lessons = src / "lessons"
    lessons.mkdir(parents=True, exist_ok=True)
    for name in ("conf.py", "index.md"):
        shutil.copy2(ROOT / "site" / name, src / name)
    for folder in ("_static", "_ext"):
        shutil.copytree(ROOT / "site" / folder, src / folder, dirs_exist_ok=True)
    shutil.copy2(ROOT / "docs" / "glossary.md", src / "glossary.md")
    fetch_browser_scripts(src / "_static")

    notebooks = sorted((ROOT / "solutions").glob("*.ipynb"))
    for stale in set(lessons.glob("*.ipynb")) - {lessons / p.name for p in notebooks}:
        stale.unlink()
    todo = [p for p in notebooks if not (args.reuse and (lessons / p.name).exists()
                                          and (lessons / p.name).stat().st_mtime > p.stat().st_mtime)]
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for path, seconds in zip(todo, pool.map(lambda p: execute(p, lessons / p.name), todo)):
            print(f"executed {path.name}: {seconds:.0f} s", flush=True)
            hide_solutions(lessons / path.name)
            relink_glossary(lessons / path.name)
    executed = time.monotonic() - start
    start = time.monotonic()
    code = subprocess.call([args.sphinx, "-b", "html", "-q", "-j", "2", str(src), str(BUILD / "html")])
    print(f"site: executed {len(todo)} notebooks in {executed:.0f} s, rendered in {time.monotonic() - start:.0f} s "
          f"→ {BUILD / 'html' / 'index.html'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
