"""The evidence of one scripts/gpu_run.sh run as Markdown: a time table per notebook (from nbval's junit xml)
and every asserted claim's value (from ``RNNCOURSE_MARGINS_DIR``).

    python scripts/gpu_summary.py JUNIT_XML CLAIMS_DIR [--title TEXT] > summary.md
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

NOTEBOOK = re.compile(r"\d\d_[A-Za-z0-9_]+")


def notebook_times(junit: Path) -> dict[str, dict[str, float]]:
    """Per notebook: cells run, cells failed (errors included), cells skipped and the summed cell seconds."""
    table: dict[str, dict[str, float]] = defaultdict(lambda: {"cells": 0, "failed": 0, "skipped": 0, "seconds": 0.0})
    for case in ET.parse(junit).iter("testcase"):
        found = NOTEBOOK.search(f"{case.get('classname') or ''} {case.get('file') or ''} {case.get('name') or ''}")
        row = table[found.group(0) if found else "?"]
        row["cells"] += 1
        row["seconds"] += float(case.get("time") or 0)
        if case.find("failure") is not None or case.find("error") is not None:
            row["failed"] += 1
        elif case.find("skipped") is not None:
            row["skipped"] += 1
    return dict(sorted(table.items()))


def load_claims(folder: Path) -> list[dict]:
    rows = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sorted(rows, key=lambda r: (r["key"], r.get("cell") or 0))


def render(times: dict[str, dict[str, float]], claims: list[dict], title: str) -> str:
    lines = [f"# {title}", "", "| notebook | cells | failed | skipped | seconds |", "|---|---:|---:|---:|---:|"]
    for name, row in times.items():
        lines.append(f"| {name} | {row['cells']} | {row['failed']} | {row['skipped']} | {row['seconds']:.1f} |")
    total = sum(r["seconds"] for r in times.values())
    lines += [f"| **all ({len(times)})** | {sum(r['cells'] for r in times.values())} | "
              f"{sum(r['failed'] for r in times.values())} | {sum(r['skipped'] for r in times.values())} | "
              f"{total:.1f} |", "",
              "Seconds are the notebook's cells added up (kernel start-up not counted); notebooks ran side by side.",
              "", "## Claims (`rc.claim`)", ""]
    if not claims:
        return "\n".join(lines + ["No claim was recorded.", ""])
    lines += ["| claim | cell | value | threshold | margin | holds |", "|---|---:|---:|---:|---:|---|"]
    for row in claims:
        holds = row["margin"] > 0
        lines.append(f"| `{row['key']}` | {row.get('cell')} | {row['value']:.4g} | {row['op']} {row['threshold']:.4g} | "
                     f"{row['margin']:+.1%} | {'yes' if holds else 'NO'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("junit", type=Path)
    parser.add_argument("claims", type=Path)
    parser.add_argument("--title", default="Notebooks under nbval")
    args = parser.parse_args(argv)
    if not args.junit.is_file():
        print(f"no junit xml at {args.junit}: pytest did not get as far as the notebooks", file=sys.stderr)
        return 1
    sys.stdout.write(render(notebook_times(args.junit), load_claims(args.claims), args.title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
