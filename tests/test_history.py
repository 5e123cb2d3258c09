"""The programme's history: SEQUENCE and LAST-MODIFIED for sessions that moved, reproducible
bytes, a file that survives ``make clean``, and readers that replace a re-imported session."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import attrs
import icalendar
import pytest
import vobject
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

import confcal
from confcal import history
from confcal.changes import State
from confcal.cli import cli
from confcal.errors import InvalidInput
from confcal.files import Split, render
from conftest import REPO

DATA = Path(__file__).parent / "data" / "workflow.json"
PUBLISHED = "2025-03-01T12:00:00Z"
CHANGED = "2025-03-05T08:00:00Z"


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    path = tmp_path / "events.json"
    shutil.copyfile(DATA, path)
    return path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def edit(path: Path, updated: str, **events: dict[str, str | None]) -> None:
    """Sets ``calendar.updated`` and each event's fields (``None`` removes one)."""
    document = json.loads(path.read_text("utf-8"))
    document["calendar"]["updated"] = updated
    for event in document["events"]:
        for key, value in events.get(event["id"].replace("-", "_"), {}).items():
            event.pop(key, None)
            if value is not None:
                event[key] = value
    path.write_text(json.dumps(document, indent=1), "utf-8")


def vevent(data: bytes, id: str) -> icalendar.Component:
    (found,) = [
        e
        for e in icalendar.Calendar.from_ical(data).walk("VEVENT")
        if str(e["UID"]).startswith(f"{id}@")
    ]
    return found


def export(programme: Path, out: Path, *options: str | Path) -> bytes:
    result = run("export", programme, "-o", out, *options)
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_a_moved_session_gets_the_next_sequence_and_when_it_moved(
    programme: Path, tmp_path: Path
) -> None:
    first = export(programme, tmp_path / "all.ics", "--history", tmp_path / "h.json")
    assert b"SEQUENCE" not in first and b"LAST-MODIFIED" not in first
    edit(programme, CHANGED, talk_a={"start": "2025-03-27T11:00"}, talk_b={"location": "Hall Z"})
    second = export(programme, tmp_path / "all.ics", "--history", tmp_path / "h.json")
    for id in ("talk-a", "talk-b"):
        event = vevent(second, id)
        assert event["SEQUENCE"] == 1
        assert event.decoded("LAST-MODIFIED") == dt.datetime(2025, 3, 5, 8, tzinfo=dt.UTC)
    unchanged = vevent(second, "opening")
    assert "SEQUENCE" not in unchanged and "LAST-MODIFIED" not in unchanged


@pytest.mark.parametrize(
    "change",
    [
        {"start": "2025-03-27T10:30"},
        {"duration": "PT1H"},
        {"location": "Room 9"},
        {"location": None},
        {"status": "cancelled"},
        {"status": "tentative"},
    ],
)
def test_time_length_room_and_status_are_changes(
    programme: Path, tmp_path: Path, change: dict[str, str | None]
) -> None:
    export(programme, tmp_path / "all.ics", "--history", tmp_path / "h.json")
    edit(programme, CHANGED, talk_a=change)
    again = export(programme, tmp_path / "all.ics", "--history", tmp_path / "h.json")
    assert vevent(again, "talk-a")["SEQUENCE"] == 1


def test_a_new_title_or_abstract_is_no_change(programme: Path, tmp_path: Path) -> None:
    export(programme, tmp_path / "all.ics", "--history", tmp_path / "h.json")
    edit(programme, CHANGED, talk_a={"title": "Talk A, retitled", "description": "New."})
    again = export(programme, tmp_path / "all.ics", "--history", tmp_path / "h.json")
    assert "SEQUENCE" not in vevent(again, "talk-a")


def test_a_session_moved_twice_counts_twice_and_keeps_its_sequence_in_between(
    programme: Path, tmp_path: Path
) -> None:
    out, kept = tmp_path / "all.ics", tmp_path / "h.json"
    export(programme, out, "--history", kept)
    edit(programme, CHANGED, talk_a={"location": "Room 9"})
    export(programme, out, "--history", kept)
    edit(programme, "2025-03-06T08:00:00Z", talk_b={"location": "Room 9"})
    third = export(programme, out, "--history", kept)
    assert vevent(third, "talk-a")["SEQUENCE"] == 1
    assert b"LAST-MODIFIED:20250305T080000Z" in vevent(third, "talk-a").to_ical()
    edit(programme, "2025-03-07T08:00:00Z", talk_a={"location": "Room 1"})  # moved back
    fourth = export(programme, out, "--history", kept)
    assert vevent(fourth, "talk-a")["SEQUENCE"] == 2


def test_the_same_programme_and_history_give_the_same_bytes(
    programme: Path, tmp_path: Path
) -> None:
    kept = tmp_path / "h.json"
    export(programme, tmp_path / "all.ics", "--history", kept)
    edit(programme, CHANGED, talk_a={"location": "Room 9"})
    before = kept.read_bytes()
    first = export(programme, tmp_path / "one.ics", "--history", kept)
    after = kept.read_bytes()
    kept.write_bytes(before)  # the same history as the first run had
    assert export(programme, tmp_path / "two.ics", "--history", kept) == first
    assert kept.read_bytes() == after
    # And every later run of the build (days, sessions, the page) agrees with the first.
    assert export(programme, tmp_path / "three.ics", "--history", kept) == first
    assert kept.read_bytes() == after


def test_every_file_of_a_build_gives_a_moved_session_the_same_sequence(
    programme: Path, tmp_path: Path
) -> None:
    kept = history.default_path(programme)  # found by the runs that do not name it
    export(programme, tmp_path / "all.ics", "--history", kept)
    edit(programme, CHANGED, talk_a={"location": "Room 9"})
    export(programme, tmp_path / "all.ics")
    for split in ("day", "event", "room"):
        out = tmp_path / split
        assert run("export", programme, "--split", split, "-o", out).exit_code == 0
        (data,) = [p.read_bytes() for p in out.glob("*.ics") if b"UID:talk-a@" in p.read_bytes()]
        assert vevent(data, "talk-a")["SEQUENCE"] == 1
    assert run("site", programme, "-o", tmp_path / "site").exit_code == 0
    page_file = (tmp_path / "site" / "sessions" / "talk-a.ics").read_bytes()
    assert vevent(page_file, "talk-a")["SEQUENCE"] == 1


def test_the_history_beside_the_programme_is_used_and_updated_without_being_named(
    programme: Path, tmp_path: Path
) -> None:
    beside = programme.with_name("events.history.json")
    assert history.default_path(programme) == beside
    export(programme, tmp_path / "all.ics")
    assert not beside.exists()  # none is started unasked
    export(programme, tmp_path / "all.ics", "--history", beside)
    edit(programme, CHANGED, talk_a={"location": "Room 9"})
    again = export(programme, tmp_path / "all.ics")
    assert vevent(again, "talk-a")["SEQUENCE"] == 1
    ignored = export(programme, tmp_path / "other.ics", "--no-history")
    assert "SEQUENCE" not in vevent(ignored, "talk-a")


def test_the_history_file_is_sorted_one_line_a_session(programme: Path, tmp_path: Path) -> None:
    kept = tmp_path / "h.json"
    export(programme, tmp_path / "all.ics", "--history", kept)
    lines = kept.read_text("utf-8").splitlines()
    assert lines[0] == '{"format": "confcal-history/1",'
    sessions = [line.split('"')[1] for line in lines[2:-1]]
    assert sessions == sorted(json.loads(DATA.read_text())["events"][i]["id"] for i in range(8))
    assert history.dumps(history.loads(kept.read_text("utf-8"))) == kept.read_text("utf-8")


def test_the_history_survives_make_clean(programme: Path, tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("no make")
    confcal_exe = shutil.which("confcal", path=str(REPO / ".venv" / "bin")) or "confcal"
    shutil.copyfile(REPO / "examples" / "Makefile", tmp_path / "Makefile")
    kept = history.default_path(programme)
    export(programme, tmp_path / "start.ics", "--history", kept)  # started once, by hand
    make = ["make", "-s", f"EVENTS={programme}", f"CONFCAL={confcal_exe}"]
    edit(programme, CHANGED, talk_a={"location": "Room 9"})
    subprocess.run(make, cwd=tmp_path, check=True, capture_output=True)
    built = (tmp_path / "build" / "calendar.ics").read_bytes()
    assert vevent(built, "talk-a")["SEQUENCE"] == 1
    subprocess.run([*make, "clean"], cwd=tmp_path, check=True, capture_output=True)
    assert not (tmp_path / "build").exists()
    assert kept.is_file()
    subprocess.run(make, cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / "build" / "calendar.ics").read_bytes() == built


def _reimported(first: bytes, second: bytes, id: str) -> list[tuple[int, str]]:
    """What a client that keeps events by UID holds after importing ``first`` then ``second``:
    it replaces its copy only by one with a higher SEQUENCE (RFC 5546 2.1.5), read here with
    vobject."""
    held: dict[str, tuple[int, str]] = {}
    for data in (first, second):
        for component in vobject.readComponents(data.decode("utf-8")):
            for event in component.vevent_list:
                uid = event.uid.value
                sequence = int(event.sequence.value) if hasattr(event, "sequence") else 0
                if uid not in held or sequence > held[uid][0]:
                    held[uid] = (sequence, event.location.value)
    return [v for k, v in held.items() if k.startswith(f"{id}@")]


def test_a_reimported_moved_session_replaces_the_old_one_in_readers_that_track_uids(
    programme: Path, tmp_path: Path
) -> None:
    kept = tmp_path / "h.json"
    first = export(programme, tmp_path / "all.ics", "--history", kept)
    edit(programme, CHANGED, talk_a={"location": "Room 9"})
    second = export(programme, tmp_path / "all.ics", "--history", kept)
    # vobject: the moved session wins, once; imported in the other order, too.
    assert _reimported(first, second, "talk-a") == [(1, "Room 9")]
    assert _reimported(second, first, "talk-a") == [(1, "Room 9")]
    # icalendar: same UID, higher SEQUENCE, a LAST-MODIFIED not after the DTSTAMP.
    old, new = vevent(first, "talk-a"), vevent(second, "talk-a")
    assert old["UID"] == new["UID"]
    assert old.get("SEQUENCE", 0) < new["SEQUENCE"]
    assert new.decoded("LAST-MODIFIED") <= new.decoded("DTSTAMP")


def test_an_exported_calendar_with_sequences_reads_back_to_the_same_bytes(
    programme: Path, tmp_path: Path
) -> None:
    kept = tmp_path / "h.json"
    export(programme, tmp_path / "all.ics", "--history", kept)
    edit(programme, CHANGED, talk_a={"location": "Room 9"})
    data = export(programme, tmp_path / "all.ics", "--history", kept)
    again = confcal.load(tmp_path / "all.ics")
    assert confcal.to_ical(again) == data


def test_without_a_history_nothing_changes_in_the_bytes(programme: Path) -> None:
    schedule = confcal.load(programme)
    revised, kept = history.revise(schedule, history.History())
    assert render(revised, Split.EVENT) == render(schedule, Split.EVENT)
    assert all(r.sequence == 0 and r.modified is None for r in kept.sessions.values())


def test_a_session_removed_and_back_goes_on_from_its_sequence(programme: Path) -> None:
    schedule = confcal.load(programme)
    _, kept = history.revise(schedule, history.History())
    moved = [
        attrs.evolve(e, location="Elsewhere") if e.id == "talk-a" else e for e in schedule.events
    ]
    _, kept = history.revise(attrs.evolve(schedule, events=moved), kept)
    without = [e for e in schedule.events if e.id != "talk-a"]
    _, kept = history.revise(attrs.evolve(schedule, events=without), kept)
    assert kept.sessions["talk-a"].sequence == 1
    back, _ = history.revise(schedule, kept)  # where it first was: a change again
    assert {e.id: e.sequence for e in back.events}["talk-a"] == 2


STATES = st.builds(
    State,
    start=st.sampled_from(["2025-03-27T09:00:00Z", "2025-03-27"]),
    end=st.sampled_from(["2025-03-27T10:00:00Z", "2025-03-28"]),
    room=st.none() | st.text(max_size=20),
    status=st.sampled_from([None, "confirmed", "tentative", "cancelled"]),
)
REVISIONS = st.builds(
    history.Revision,
    state=STATES,
    sequence=st.integers(0, 2**31 - 1),
    modified=st.none() | st.just(dt.datetime(2025, 3, 5, 8, tzinfo=dt.UTC)),
    previous=st.none() | STATES,
)


@settings(max_examples=50)
@given(st.dictionaries(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True), REVISIONS))
def test_the_history_file_reads_back_as_written(sessions: dict[str, history.Revision]) -> None:
    kept = history.History(sessions)
    text = history.dumps(kept)
    assert history.loads(text) == kept
    assert history.dumps(history.loads(text)) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "not a confcal history"),
        ('{"format": "confcal-history/1", "sessions": []}', 'must hold "format" and "sessions"'),
        (
            '{"format": "confcal-history/1", "sessions": {"a": {"start": "2025-03-27T09:00",'
            ' "end": "2025-03-27T10:00:00Z", "sequence": 0}}}',
            '<string>: event "a": start: must be a UTC time or a date as confcal writes it',
        ),
        (
            '{"format": "confcal-history/1", "sessions": {"a": {"start": "2025-03-27",'
            ' "end": "2025-03-28", "sequence": -1}}}',
            'event "a": sequence: must be from 0 to 2147483647: -1',
        ),
        ("{", "not JSON"),
    ],
)
def test_a_history_confcal_did_not_write_is_an_error_naming_what(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        history.loads(text)
    assert message in str(caught.value)


def test_a_bad_history_is_exit_1_and_writes_nothing(programme: Path, tmp_path: Path) -> None:
    kept = tmp_path / "h.json"
    kept.write_text('{"format": "confcal-history/1", "sessions": {"a": 5}}\n')
    result = run("export", programme, "-o", tmp_path / "all.ics", "--history", kept)
    assert result.exit_code == 1
    assert f'error: {kept}: event "a": must be an object: 5' in result.stderr
    assert not (tmp_path / "all.ics").exists()


def test_history_and_no_history_together_are_a_usage_error(programme: Path, tmp_path: Path) -> None:
    result = run("export", programme, "--history", tmp_path / "h.json", "--no-history")
    assert result.exit_code == 2
