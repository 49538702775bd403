"""The margin table: one row per claim, its worst value over every run, closest to failing first."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("robustness", ROOT / "scripts" / "robustness.py")
robustness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(robustness)


def row(key, value, margin, config="native", shift=0):
    return {"key": key, "what": "주장", "value": value, "op": "<", "threshold": 1.0, "margin": margin,
            "seeds": 1, "shift": shift, "cell": 3, "config": config}


def test_table_keeps_the_worst_run_and_sorts_by_margin():
    rows = [row("05.a", 0.2, 0.8), row("05.a", 0.7, 0.3, "old-cpu", 1), row("07.b", 0.95, 0.05)]
    runs = [{"config": "native", "shift": 0, "wall_s": 10.0, "exit": 0}]
    table = robustness.margin_table(rows, runs)
    body = [line for line in table.splitlines() if line.startswith("| `")]
    assert [line.split("`")[1] for line in body] == ["07.b", "05.a"]
    assert "old-cpu:1" in body[1] and "+30.0%" in body[1] and "| 2 |" in body[1]


def test_every_configuration_is_defined_for_the_ci_runs():
    for spec in robustness.CI_RUNS:
        config, shift = spec.split(":")
        assert config in robustness.CONFIGS and shift.isdigit()
    assert {"old-cpu", "two-threads", "native"} <= set(robustness.CONFIGS)
    assert robustness.CONFIGS["old-cpu"][0]["ATEN_CPU_CAPABILITY"] == "default"
