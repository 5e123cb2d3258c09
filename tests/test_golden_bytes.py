"""Every calendar byte stays what it was: the guard for moving code around.

The digests in ``data/golden.json`` were recorded from the code before a restructure; a change
that is meant to change calendar bytes (new text handling, say) records them again, on purpose:

    CONFCAL_RECORD_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_bytes.py

The small programmes go through the command line as a user runs it; the real ones (38C3 and
FOSDEM, in both formats) through the library, read once each. Every calendar is digested with its
name, so a file that moved, appeared or vanished counts as much as a changed byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import confcal
from confcal.cli import cli
from confcal.files import render
from confcal.ical import PRODID
from conftest import REPO, programmes_dir

GOLDEN = Path(__file__).parent / "data" / "golden.json"
RECORD = os.environ.get("CONFCAL_RECORD_GOLDEN") == "1"
PROGRAMMES = programmes_dir()
# DTSTAMP of a programme that does not say when it changed comes from SOURCE_DATE_EPOCH.
EPOCH = "1733000000"
SPLITS = ("none", "day", "event")
#: confcal's version when the digests were recorded: a release changes every calendar's PRODID
#: and nothing else, so the calendars are digested with that line as it was then.
RECORDED_PRODID = b"PRODID:-//confcal//confcal 0.1.0//EN"


def _as_recorded(data: bytes) -> bytes:
    """``data`` with this version's PRODID line as it was when the digests were recorded."""
    return data.replace(f"PRODID:{PRODID}".encode(), RECORDED_PRODID)


def _digest(folder: Path) -> str:
    """One digest of every calendar under ``folder``, names included."""
    total = hashlib.sha256()
    for path in sorted(folder.rglob("*.ics")):
        total.update(path.relative_to(folder).as_posix().encode() + b"\0")
        total.update(hashlib.sha256(_as_recorded(path.read_bytes())).digest())
    return total.hexdigest()


def _benchmark(folder: Path) -> Path:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from generate import write
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    return Path(write(folder / "benchmark.json", 300))


def _run(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.output


def _cli_digests(tmp: Path) -> dict[str, str]:
    """The small programmes through every command that writes calendars."""
    digests = {}
    for name, source in {"seed": REPO / "events.json", "benchmark": _benchmark(tmp)}.items():
        for split in SPLITS:
            out = tmp / name / split
            target = out / "all.ics" if split == "none" else out
            _run(["export", str(source), "--split", split, "-o", str(target)])
            digests[f"{name} export --split {split}"] = _digest(out)
        _run(["site", str(source), "-o", str(tmp / name / "site")])
        digests[f"{name} site"] = _digest(tmp / name / "site")
    _run(["export", str(REPO / "events.json"), "--alarm", "15", "-o", str(tmp / "alarm/all.ics")])
    digests["seed export --alarm 15"] = _digest(tmp / "alarm")
    return digests


def _programme_digests(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The real programmes in both formats, every split, read once each (the page is skipped:
    it costs more than all their calendars)."""
    if PROGRAMMES is None:
        return {}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    digests = {}
    for name in ("38c3", "fosdem2026"):
        for source in ("events.json", "source-schedule.xml"):
            schedule = confcal.load(PROGRAMMES / name / source)
            for split in confcal.Split:
                total = hashlib.sha256()
                for file, data in sorted(render(schedule, split).items()):
                    recorded = _as_recorded(data)
                    total.update(file.encode() + b"\0" + hashlib.sha256(recorded).digest())
                case = f"{name}-{source.removeprefix('source-')} {split.value}"
                digests[case] = total.hexdigest()
    return digests


def test_calendar_bytes_are_those_recorded_before_the_restructure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digests = _cli_digests(tmp_path) | _programme_digests(monkeypatch)
    if RECORD:
        recorded = json.loads(GOLDEN.read_text("utf-8")) if GOLDEN.exists() else {}
        recorded.update(digests)
        GOLDEN.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", "utf-8")
    recorded = json.loads(GOLDEN.read_text("utf-8"))
    missing = {case for case in recorded if case not in digests}
    if PROGRAMMES is None:
        missing = {case for case in missing if not case.startswith(("38c3", "fosdem"))}
    assert not missing, f"cases recorded but not run: {sorted(missing)}"
    changed = {case for case, digest in digests.items() if recorded.get(case) != digest}
    assert not changed, f"calendar bytes changed: {sorted(changed)}"


@pytest.mark.skipif(PROGRAMMES is None, reason="../shared/programmes is not here")
def test_the_real_programmes_are_among_the_recorded_cases() -> None:
    recorded = json.loads(GOLDEN.read_text("utf-8"))
    assert {case.split()[0] for case in recorded} >= {
        "38c3-events.json", "38c3-schedule.xml", "fosdem2026-events.json",
        "fosdem2026-schedule.xml",
    }  # fmt: skip
