"""``confcal diff`` and :func:`confcal.changes.diff`: what changed for attendees between two
programmes, in any format, matched by id."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import confcal
from confcal.changes import Kind, diff
from confcal.cli import cli

DATA = Path(__file__).parent / "data" / "workflow.json"


def run(*args: str | Path, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


@pytest.fixture
def old(tmp_path: Path) -> Path:
    path = tmp_path / "old.json"
    shutil.copyfile(DATA, path)
    return path


@pytest.fixture
def new(tmp_path: Path) -> Path:
    """The programme a day later: one session added, one removed, two moved, one cancelled, one
    confirmed, one retitled (no change to attendees' plans)."""
    document = json.loads(DATA.read_text("utf-8"))
    events = {e["id"]: e for e in document["events"]}
    events["talk-a"].update(start="2025-03-27T11:00")  # same length, an hour later
    events["talk-b"].update(location="Hall B")
    events["bof-y"].update(status="cancelled")
    events["opening"].update(title="Opening and welcome")
    events["late-party"].update(status="tentative")
    del events["closing"]
    events["lightning"] = {
        "id": "lightning", "title": "Lightning talks", "start": "2025-03-28T16:00",
        "duration": "PT1H", "location": "Hall A",
    }  # fmt: skip
    document["events"] = list(events.values())
    path = tmp_path / "new.json"
    path.write_text(json.dumps(document), "utf-8")
    return path


EXPECTED = """\
added: lightning 'Lightning talks': 2025-03-28 16:00-17:00, Hall A
removed: closing 'Closing': 2025-03-29 16:00-17:00, Hall A
moved: talk-b 'Talk B': 2025-03-27 10:00-10:45, Room 2 -> 2025-03-27 10:00-10:45, Hall B
moved: talk-a 'Talk A': 2025-03-27 10:00-10:45, Room 1 -> 2025-03-27 11:00-11:45, Room 1
cancelled: bof-y 'BoF Y': 2025-03-28 18:00-19:00, Room 2
status: late-party 'Late party': no status -> tentative
"""


def test_diff_prints_added_removed_moved_and_cancelled_sessions(old: Path, new: Path) -> None:
    result = run("diff", old, new)
    assert (result.exit_code, result.stdout, result.stderr) == (0, EXPECTED, "")


def test_diff_exit_code_says_whether_anything_changed(old: Path, new: Path) -> None:
    assert run("diff", old, new, "--exit-code").exit_code == 1
    same = run("diff", old, old, "--exit-code")
    assert (same.exit_code, same.stdout) == (0, "")


def test_diff_reads_any_format_and_stdin(old: Path, new: Path, tmp_path: Path) -> None:
    as_ics = tmp_path / "old.ics"
    assert run("export", old, "-o", as_ics).exit_code == 0
    from_ics = run("diff", as_ics, new)
    assert (from_ics.exit_code, from_ics.stdout) == (0, EXPECTED)
    piped = subprocess.run(
        [sys.executable, "-m", "confcal", "diff", "-", str(new)],
        input=old.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert (piped.returncode, piped.stdout.decode()) == (0, EXPECTED)


def test_a_reinstated_session_and_a_changed_length_are_told(old: Path, tmp_path: Path) -> None:
    document = json.loads(DATA.read_text("utf-8"))
    for event in document["events"]:
        if event["id"] == "workshop-x":
            event["status"] = "confirmed"
        if event["id"] == "talk-a":
            event["duration"] = "PT1H"
    later = tmp_path / "later.json"
    later.write_text(json.dumps(document), "utf-8")
    found = {c.id: c.kind for c in diff(confcal.load(old), confcal.load(later))}
    assert found == {"workshop-x": Kind.REINSTATED, "talk-a": Kind.MOVED}


def test_a_bad_programme_is_exit_1_naming_it(old: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", "utf-8")
    result = run("diff", old, bad)
    assert result.exit_code == 1
    assert f"error: {bad}:" in result.stderr and result.stdout == ""
