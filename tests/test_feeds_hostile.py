"""Hostile and careless use of issue 17's feeds, history, diff and stdin: what an organizer who
republishes hourly from a Makefile in CI, or a hostile file, does to them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner, Result

from confcal._fields import RESERVED_NAMES
from confcal.cli import cli
from confcal.files import feed_slug

DATA = Path(__file__).parent / "data" / "workflow.json"


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    path = tmp_path / "events.json"
    shutil.copyfile(DATA, path)
    return path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def edit(path: Path, updated: str | None, **starts: str) -> None:
    """Sets ``calendar.updated`` (``None`` removes it) and the start of each event named."""
    document = json.loads(path.read_text("utf-8"))
    if updated is None:
        document["calendar"].pop("updated", None)
    else:
        document["calendar"]["updated"] = updated
    for event in document["events"]:
        if event["id"] in starts:
            event["start"] = starts[event["id"]]
    path.write_text(json.dumps(document, indent=1), "utf-8")


def _history(sequence: str | int) -> str:
    """A history whose session ``opening`` is where the programme has it."""
    return (
        '{"format": "confcal-history/1", "sessions": {"opening": {"start": '
        '"2025-03-27T08:00:00Z", "end": "2025-03-27T08:30:00Z", "room": "Hall A", '
        f'"status": "confirmed", "sequence": {sequence}}}}}}}\n'
    )


# --- The history file -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "clobbered"),
    [
        (["export", "{p}", "-o", "{t}/all.ics", "--history", "{t}/all.ics"], "all.ics"),
        (
            ["export", "{p}", "--split", "event", "-o", "{t}/out", "--history",
             "{t}/out/talk-a.ics"],
            "out/talk-a.ics",
        ),
        (["site", "{p}", "-o", "{t}/pub", "--history", "{t}/pub/calendar.ics"], "pub/calendar.ics"),
    ],
)  # fmt: skip
def test_a_history_path_that_is_one_of_the_outputs_is_refused_not_written_over_it(
    programme: Path, tmp_path: Path, args: list[str], clobbered: str
) -> None:
    # `make` with a typo in a variable: the history and the calendar named the same. The run
    # exits 0 and the published calendar is the history's JSON.
    result = run(*(a.format(p=programme, t=tmp_path) for a in args))
    written = tmp_path / clobbered
    assert result.exit_code != 0 or written.read_bytes().startswith(b"BEGIN:VCALENDAR"), (
        written.read_text("utf-8")[:80]
    )


def test_a_history_with_a_huge_number_is_an_error_not_a_traceback(
    programme: Path, tmp_path: Path
) -> None:
    kept = tmp_path / "h.json"
    kept.write_text(_history("9" * 5000), "utf-8")
    result = run("export", programme, "-o", tmp_path / "all.ics", "--history", kept)
    assert result.exit_code == 1
    assert not isinstance(result.exception, ValueError), result.exception
    assert f"error: {kept}" in result.stderr


def test_a_deeply_nested_history_is_an_error_not_a_traceback(
    programme: Path, tmp_path: Path
) -> None:
    kept = tmp_path / "h.json"
    kept.write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    result = run("export", programme, "-o", tmp_path / "all.ics", "--history", kept)
    assert result.exit_code == 1
    assert not isinstance(result.exception, RecursionError), result.exception
    assert f"error: {kept}" in result.stderr


def test_a_session_listed_twice_in_the_history_is_an_error_not_a_lower_sequence(
    programme: Path, tmp_path: Path
) -> None:
    # A merge conflict in the committed history resolved by keeping both lines: JSON takes the
    # last one, so a session published with SEQUENCE 5 goes back to 0, and every client that
    # holds 5 ignores it from then on.
    kept = tmp_path / "h.json"
    entry = (
        '"opening": {"start": "2025-03-27T08:00:00Z", "end": "2025-03-27T08:30:00Z", '
        '"room": "Hall A", "status": "confirmed", "sequence": %d}'
    )
    sessions = f"{entry % 5},\n  {entry % 0}"
    kept.write_text(f'{{"format": "confcal-history/1", "sessions": {{\n  {sessions}}}}}\n')
    assert json.loads(kept.read_text("utf-8"))  # valid JSON, "opening" twice
    result = run("export", programme, "-o", tmp_path / "all.ics", "--history", kept)
    if result.exit_code == 0:
        calendar = icalendar.Calendar.from_ical((tmp_path / "all.ics").read_bytes())
        (opening,) = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("opening@")]
        assert opening.get("SEQUENCE", 0) >= 5
    else:
        assert "opening" in result.stderr


def test_last_modified_is_never_after_dtstamp_when_updated_goes_back(
    programme: Path, tmp_path: Path
) -> None:
    # RFC 5545 3.8.7.2: with METHOD:PUBLISH, DTSTAMP is when the calendar was made; a session
    # cannot have been modified (3.8.7.3) after that. calendar.updated going back (a typo, a
    # revert, SOURCE_DATE_EPOCH from an older commit) published LAST-MODIFIED 03-05 under
    # DTSTAMP 03-02.
    kept = tmp_path / "h.json"
    out = tmp_path / "all.ics"
    assert run("export", programme, "-o", out, "--history", kept).exit_code == 0
    edit(programme, "2025-03-05T08:00:00Z", **{"talk-a": "2025-03-27T11:00"})
    assert run("export", programme, "-o", out, "--history", kept).exit_code == 0
    edit(programme, "2025-03-02T08:00:00Z")
    result = run("export", programme, "-o", out, "--history", kept)
    if result.exit_code != 0:
        return  # refused, saying why: fine
    calendar = icalendar.Calendar.from_ical(out.read_bytes())
    for event in calendar.walk("VEVENT"):
        if "LAST-MODIFIED" in event:
            assert event.decoded("LAST-MODIFIED") <= event.decoded("DTSTAMP"), event["UID"]


# --- stdin ------------------------------------------------------------------------------------


def test_stdin_from_a_here_document_takes_no_dtstamp_from_the_clock(
    programme: Path, tmp_path: Path
) -> None:
    # bash feeds a here-document of more than a pipe's worth (64 KiB) through a deleted
    # temporary file: its modification time is the clock, so `confcal export - <<EOF` of a
    # real programme gave a new DTSTAMP every run. Without updated or SOURCE_DATE_EPOCH, the
    # issue says: an error saying so.
    edit(programme, None)
    heredoc = tmp_path / "sh-thd.tmp"
    shutil.copyfile(programme, heredoc)
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    with heredoc.open("rb") as stdin:
        heredoc.unlink()
        result = subprocess.run(
            [sys.executable, "-m", "confcal", "export", "-"],
            stdin=stdin, capture_output=True, env=environment, check=False,
        )  # fmt: skip
    assert result.returncode == 1, result.stdout[:400]
    assert b"SOURCE_DATE_EPOCH" in result.stderr


def test_diff_of_stdin_with_itself_says_stdin_is_read_once(programme: Path) -> None:
    # `cat events.json | confcal diff - -`: the second read of the pipe is empty, and the
    # message blamed an empty file nobody gave.
    text = programme.read_text("utf-8")
    result = CliRunner().invoke(cli, ["diff", "-", "-"], input=text)
    assert result.exit_code != 0
    assert "empty" not in result.stderr, result.stderr


# --- Track and room feeds ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["CON", "Aux", "nul", "com1", "Nul.1", "LPT9"])
def test_a_feed_slug_is_never_a_windows_device_name(name: str) -> None:
    # Event ids that Windows cannot hold as file names are refused (_fields.RESERVED_NAMES);
    # a track or room called CON made con.ics, which a Windows checkout or unzip cannot create.
    assert not RESERVED_NAMES.fullmatch(feed_slug(name))
    assert not RESERVED_NAMES.fullmatch(f"{feed_slug(name)}.ics")


def test_split_track_of_a_programme_without_tracks_is_an_error_not_an_empty_folder(
    programme: Path, tmp_path: Path
) -> None:
    # As a --track that matches nothing: `--split track` for a programme with no track wrote
    # an empty folder and exited 0, saying nothing.
    out = tmp_path / "tracks"
    result = run("export", programme, "--split", "track", "-o", out, "--no-history")
    assert result.exit_code == 1
    assert "track" in result.stderr


def test_a_history_never_publishes_a_lower_sequence_than_the_programme_has(
    programme: Path, tmp_path: Path
) -> None:
    # The programme is an .ics (another tool's export, which confcal reads back with its
    # SEQUENCE). Its author bumped talk-a's SEQUENCE to 4 for a change confcal does not count
    # (the title): without a history confcal publishes 4, with one it went back to 0.
    upstream = tmp_path / "upstream.ics"
    kept = tmp_path / "h.json"
    assert run("export", programme, "--no-history", "-o", upstream).exit_code == 0
    assert run("export", upstream, "--history", kept, "-o", tmp_path / "1.ics").exit_code == 0
    text = upstream.read_bytes().replace(
        b"SUMMARY:Talk A\r\n", b"SUMMARY:Talk A (new title)\r\nSEQUENCE:4\r\n"
    )
    upstream.write_bytes(text)
    out = tmp_path / "2.ics"
    assert run("export", upstream, "--history", kept, "-o", out).exit_code == 0
    calendar = icalendar.Calendar.from_ical(out.read_bytes())
    (talk,) = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("talk-a@")]
    assert talk.get("SEQUENCE", 0) >= 4


@pytest.mark.parametrize("option", ["--track", "--room", "--type"])
def test_an_empty_filter_value_is_an_error_not_the_sessions_without_one(
    programme: Path, option: str
) -> None:
    # `--track ''` (an unset Makefile variable: --track '$(TRACK)') matched every session
    # without a track, and `Schedule.select(tracks="")` the same, though the docstring says a
    # value no event has is refused.
    document = json.loads(programme.read_text("utf-8"))
    for event in document["events"][:2]:
        event.pop({"--track": "track", "--room": "location", "--type": "type"}[option], None)
    programme.write_text(json.dumps(document), "utf-8")
    result = run("list", programme, option, "")
    assert result.exit_code == 1, result.stdout


def test_an_empty_id_filter_is_an_error_naming_it(programme: Path) -> None:
    result = run("list", programme, "--id", "")
    assert result.exit_code == 1
    assert "--id" in result.stderr


def test_history_dash_is_a_usage_error_not_a_file_named_dash(
    programme: Path, tmp_path: Path
) -> None:
    result = run("export", programme, "-o", tmp_path / "all.ics", "--history", "-")
    assert result.exit_code != 0
    assert not (Path.cwd() / "-").exists()
    assert not (tmp_path / "all.ics").exists()
