"""Every seed flows through rnncourse.env (rc.seed / rc.rng / rc.generator / rc.seed_everything).

So RNNCOURSE_SEED_SHIFT moves every random draw of the package and the lessons. rnncourse/env.py is the one
place allowed to seed generators directly; rnncourse/checks/ keeps fixed data for testing learner code (not
shifted) and makes it only through check_rng / check_generator / check_torch_seed in checks/_core.py.
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = re.compile(
    r"torch\.manual_seed\s*\(|\.manual_seed\s*\(|np\.random\.default_rng\s*\(|numpy\.random\.default_rng\s*\("
    r"|np\.random\.seed\s*\(|numpy\.random\.seed\s*\(|(?<![\w.])random\.seed\s*\(|torch\.Generator\s*\("
    r"|torch\.cuda\.manual_seed")


def offenders(name: str, text: str) -> list[str]:
    """'name:line: code' for every line of ``text`` that seeds a generator directly (comments ignored)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        if FORBIDDEN.search(code):
            found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_the_scanner_finds_each_forbidden_call():
    for call in ("torch.manual_seed(0)", "g = torch.Generator()", "gen.manual_seed(3)", "np.random.default_rng(1)",
                 "np.random.seed(1)", "random.seed(2)", "torch.cuda.manual_seed_all(0)"):
        assert offenders("x", call), call
    for fine in ("rc.seed_everything(0)", "rc.rng(1)", "rc.generator(2)", "env_rng(seed)", "# torch.manual_seed(0)",
                 "rng.random(3)"):
        assert not offenders("x", fine), fine


def test_package_seeds_only_through_env():
    found = []
    for path in sorted((ROOT / "rnncourse").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.as_posix() in ("rnncourse/env.py", "rnncourse/checks/_core.py"):
            continue
        found += offenders(relative.as_posix(), path.read_text(encoding="utf-8"))
    assert not found, "seed these through rnncourse.env (rc.seed / rc.rng / rc.generator):\n" + "\n".join(found)


def test_notebooks_seed_only_through_env():
    found = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            if cell["cell_type"] == "code":
                found += offenders(f"{path.name} cell {index}", "".join(cell["source"]))
    assert not found, "seed these through rnncourse.env (rc.seed / rc.rng / rc.generator):\n" + "\n".join(found)


def test_checks_seed_only_in_their_fixed_data_helpers():
    """checks/_core.py may seed directly, but only inside check_rng / check_generator / check_torch_seed."""
    import ast

    path = ROOT / "rnncourse" / "checks" / "_core.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in ("check_rng", "check_generator", "check_torch_seed"):
            allowed |= set(range(node.lineno, node.end_lineno + 1))
    found = [line for line in offenders("_core.py", path.read_text(encoding="utf-8"))
             if int(line.split(":")[1]) not in allowed]
    assert allowed and not found, found
