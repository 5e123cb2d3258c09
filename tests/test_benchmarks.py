"""The benchmark runner keeps working: one tiny round, checked for its report, never for times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

pytestmark = pytest.mark.skipif(
    not (BENCHMARKS / "run.py").exists(), reason="benchmarks/ is not part of this installation"
)


def test_runner_prints_every_ratio_line_in_a_tiny_configuration() -> None:
    tiny = ["--sessions", "20", "--repeat", "1", "--sizes", "10,20"]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), *tiny],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for start in (
        "full export, 20 sessions: ",
        "full + per-day + per-event exports, 20 sessions: ",
        "command line export, 20 sessions: ",
        "whole publish (confcal site, fresh folder), 20 sessions: ",
        "unchanged rebuild (confcal site again), 20 sessions: ",
        "confcal --help: ",
        "growth, 10 sessions: ",
        "growth, 20 sessions: ",
        "growth ratio, per-session time at 20 vs 10 sessions: ",
    ):
        assert any(line.startswith(start) for line in lines), (start, done.stdout)
    ratios = [line for line in lines if "ratio" in line]
    assert len(ratios) == 7
    assert all("(goal <= " in line for line in ratios)


def test_generator_is_deterministic_and_holds_text_that_needs_escaping() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import generate
    finally:
        sys.path.remove(str(BENCHMARKS))
    first = generate.generate(300, seed=1, zone="Europe/Berlin")
    assert first == generate.generate(300, seed=1, zone="Europe/Berlin")
    assert first != generate.generate(300, seed=2, zone="Europe/Berlin")
    assert len(first["events"]) == 300
    text = json.dumps(first, ensure_ascii=False)
    for needle in (",", ";", "\\\\", "\\n", "\\t", "ü", "🚀"):
        assert needle in text, needle
    assert any(e["start"][11:13] in {"00", "01"} for e in first["events"])  # after midnight
    assert len({e.get("location") for e in first["events"]}) >= 20


def test_generated_programme_loads_and_the_baseline_reads_it(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import baseline
        import generate
    finally:
        sys.path.remove(str(BENCHMARKS))
    import confcal

    path = generate.write(tmp_path / "events.json", 200, seed=3)
    schedule = confcal.load(path)
    assert len(schedule.events) == 200
    assert len(schedule.days()) >= 3
    assert baseline.build(path).count(b"BEGIN:VEVENT") == 200
