"""The organizer's workflow through the CLI: reproducible bytes, DTSTAMP's sources, files left
alone when unchanged, per-session files, filters, reminders, cancellations, subscription hints."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import vDDDTypes

import confcal
from confcal.cli import cli
from confcal.errors import InvalidInput
from confcal.files import MANIFEST
from ical_props import duration, prop

DATA = Path(__file__).parent / "data" / "workflow.json"
REPOSITORY_EVENTS = Path(__file__).resolve().parents[1] / "events.json"
ALL_IDS = {
    "opening", "talk-a", "talk-b", "late-party", "exhibition", "workshop-x", "bof-y", "closing",
}  # fmt: skip
TIMED_NOT_CANCELLED = ALL_IDS - {"exhibition", "workshop-x"}


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    path = tmp_path / "events.json"
    shutil.copyfile(DATA, path)
    return path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def edit(
    path: Path, events: dict[str, dict[str, str]] | None = None, **calendar: str | None
) -> None:
    """Rewrites events.json: ``calendar`` keys set (``None`` removes one); each event in
    ``events`` updated with its fields, or removed when they are empty."""
    document = json.loads(path.read_text("utf-8"))
    for key, value in calendar.items():
        document["calendar"].pop(key, None)
        if value is not None:
            document["calendar"][key] = value
    kept = []
    for event in document["events"]:
        fields = (events or {}).get(event["id"])
        if fields == {}:
            continue
        event.update(fields or {})
        kept.append(event)
    document["events"] = kept
    path.write_text(json.dumps(document), "utf-8")


def read(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


def vevents(path: Path) -> dict[str, icalendar.Component]:
    return {str(e["UID"]).split("@")[0]: e for e in read(path).walk("VEVENT")}


def uids_in(folder: Path) -> set[str]:
    return {uid for f in folder.glob("*.ics") for uid in vevents(f)}


def export(programme: Path, out: Path, split: str, *options: str) -> Result:
    result = run("export", programme, "--split", split, "-o", out, *options)
    assert result.exit_code == 0, result.output
    return result


def files_of(out: Path) -> dict[str, bytes]:
    if out.is_file():
        return {"": out.read_bytes()}
    return {f.name: f.read_bytes() for f in sorted(out.iterdir())}


# --- Reproducible output ---------------------------------------------------------------------


@pytest.fixture
def machine_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lets a test change the process's local zone (TZ) and restores it afterwards."""
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("split", ["none", "day", "event"])
def test_same_input_gives_identical_bytes_whatever_the_run_or_local_zone(
    programme: Path, tmp_path: Path, split: str, monkeypatch: pytest.MonkeyPatch, machine_zone: None
) -> None:
    outputs = []
    for n, zone in enumerate(["UTC", "Pacific/Chatham", "America/St_Johns"]):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        out = tmp_path / f"run{n}" / ("all.ics" if split == "none" else "folder")
        out.parent.mkdir()
        export(programme, out, split)
        outputs.append(files_of(out))
    assert outputs[0] == outputs[1] == outputs[2]
    assert all(outputs[0].values())


def stamps(path: Path) -> set[str]:
    return {prop(e, "DTSTAMP", vDDDTypes).to_ical().decode() for e in read(path).walk("VEVENT")}


def test_dtstamp_is_source_date_epoch_before_everything(
    programme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    export(programme, tmp_path / "a.ics", "none")
    assert stamps(tmp_path / "a.ics") == {"20231114T221320Z"}


def test_dtstamp_is_calendar_updated_without_source_date_epoch_whatever_the_mtime(
    programme: Path, tmp_path: Path
) -> None:
    os.utime(programme, (1_000_000_000, 1_000_000_000))
    export(programme, tmp_path / "a.ics", "none")
    os.utime(programme, (1_100_000_000, 1_100_000_000))
    export(programme, tmp_path / "b.ics", "none")
    assert stamps(tmp_path / "a.ics") == {"20250301T120000Z"}
    assert (tmp_path / "a.ics").read_bytes() == (tmp_path / "b.ics").read_bytes()


def test_dtstamp_is_the_file_mtime_without_updated_never_the_clock(
    programme: Path, tmp_path: Path
) -> None:
    edit(programme, updated=None)
    os.utime(programme, (1_000_000_000, 1_000_000_000))  # 2001-09-09T01:46:40Z
    export(programme, tmp_path / "a.ics", "none")
    assert stamps(tmp_path / "a.ics") == {"20010909T014640Z"}
    os.utime(programme, (1_000_000_060, 1_000_000_060))
    export(programme, tmp_path / "b.ics", "none")
    assert stamps(tmp_path / "b.ics") == {"20010909T014740Z"}


def test_same_source_date_epoch_gives_identical_bytes_whatever_the_mtime(
    programme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(programme, updated=None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    os.utime(programme, (1_000_000_000, 1_000_000_000))
    export(programme, tmp_path / "a", "event")
    os.utime(programme, (1_200_000_000, 1_200_000_000))
    export(programme, tmp_path / "b", "event")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def test_a_bad_source_date_epoch_is_an_error_and_writes_nothing(
    programme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result = run("export", programme, "-o", tmp_path / "a.ics")
    assert result.exit_code == 1
    assert "SOURCE_DATE_EPOCH" in result.stderr
    assert "'yesterday'" in result.stderr
    assert not (tmp_path / "a.ics").exists()


# --- Files left alone, stale files removed ---------------------------------------------------


def backdate(folder: Path) -> dict[str, int]:
    """Sets every file's mtime an hour back; returns the mtimes (ns) by name."""
    past = time.time_ns() - 3600 * 10**9
    for f in folder.iterdir():
        os.utime(f, ns=(past, past))
    return {f.name: f.stat().st_mtime_ns for f in folder.iterdir()}


@pytest.mark.parametrize("split", ["day", "event"])
def test_a_rebuild_of_the_same_programme_rewrites_no_file(
    programme: Path, tmp_path: Path, split: str
) -> None:
    out = tmp_path / "out"
    export(programme, out, split)
    before = backdate(out)
    export(programme, out, split)
    assert {f.name: f.stat().st_mtime_ns for f in out.iterdir()} == before


def test_a_rebuild_of_the_same_programme_leaves_the_whole_calendar_alone(
    programme: Path, tmp_path: Path
) -> None:
    export(programme, tmp_path / "all.ics", "none")
    before = backdate(tmp_path)["all.ics"]
    export(programme, tmp_path / "all.ics", "none")
    assert (tmp_path / "all.ics").stat().st_mtime_ns == before


def test_an_edit_rewrites_only_the_files_it_changes(programme: Path, tmp_path: Path) -> None:
    days, sessions = tmp_path / "days", tmp_path / "sessions"
    export(programme, days, "day")
    export(programme, sessions, "event")
    days_before, sessions_before = backdate(days), backdate(sessions)
    edit(programme, {"closing": {"location": "Hall B"}})
    export(programme, days, "day")
    export(programme, sessions, "event")
    changed = {f.name for f in days.iterdir() if f.stat().st_mtime_ns != days_before[f.name]}
    assert changed == {"2025-03-29.ics"}
    changed = {
        f.name for f in sessions.iterdir() if f.stat().st_mtime_ns != sessions_before[f.name]
    }
    assert changed == {"closing.ics"}


def test_a_day_without_events_and_a_removed_session_lose_their_files(
    programme: Path, tmp_path: Path
) -> None:
    days, sessions = tmp_path / "days", tmp_path / "sessions"
    export(programme, days, "day")
    export(programme, sessions, "event")
    (days / "index.html").write_text("the organizer's own page")
    edit(programme, {"closing": {}, "exhibition": {"end": "2025-03-28"}})
    export(programme, days, "day")
    export(programme, sessions, "event")
    assert sorted(f.name for f in days.glob("*.ics")) == ["2025-03-27.ics", "2025-03-28.ics"]
    assert not (sessions / "closing.ics").exists()
    assert (days / "index.html").read_text() == "the organizer's own page"
    assert (days / MANIFEST).read_text() == "2025-03-27.ics\n2025-03-28.ics\n"


# --- Per-session files -----------------------------------------------------------------------


def test_split_event_writes_one_complete_calendar_per_session(
    programme: Path, tmp_path: Path
) -> None:
    export(programme, tmp_path / "s", "event")
    assert {f.name for f in (tmp_path / "s").glob("*.ics")} == {f"{i}.ics" for i in ALL_IDS}
    for event_id in ALL_IDS:
        calendar = read(tmp_path / "s" / f"{event_id}.ics")
        (event,) = calendar.walk("VEVENT")
        assert event["UID"] == f"{event_id}@conf.example.org"
        assert calendar["X-WR-CALNAME"] == event["SUMMARY"]
        if event_id != "exhibition":
            assert [z["TZID"] for z in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
            assert event["DTSTART"].params["TZID"] == "Europe/Berlin"


# --- Filters ---------------------------------------------------------------------------------

SPLITS = ["none", "day", "event"]


def selected(programme: Path, tmp_path: Path, split: str, *filters: str) -> set[str]:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    out = folder / ("all.ics" if split == "none" else split)
    export(programme, out, split, *filters)
    return set(vevents(out)) if split == "none" else uids_in(out)


@pytest.mark.parametrize("split", ["day", "event"])
def test_filtered_export_into_a_folder_keeps_the_other_files(
    programme: Path, tmp_path: Path, split: str
) -> None:
    out = tmp_path / split
    export(programme, out, split)
    everything = {f.name for f in out.glob("*.ics")}
    export(programme, out, split, "--type", "talk")
    assert {f.name for f in out.glob("*.ics")} == everything
    (out / "stale.ics").write_text("from an earlier run")
    listed = (out / ".confcal-files").read_text("utf-8") + "stale.ics\n"
    (out / ".confcal-files").write_text(listed)
    export(programme, out, split)  # a full export still removes what is gone
    assert {f.name for f in out.glob("*.ics")} == everything


@pytest.mark.parametrize("split", SPLITS)
def test_type_filter_ignores_case_and_repeats(programme: Path, tmp_path: Path, split: str) -> None:
    assert selected(programme, tmp_path, split, "--type", "TALK") == {"talk-a", "talk-b"}
    assert selected(programme, tmp_path, split, "--type", "keynote", "--type", "bof") == {
        "opening", "closing", "bof-y",
    }  # fmt: skip


@pytest.mark.parametrize("split", SPLITS)
def test_day_filter_takes_conference_days(programme: Path, tmp_path: Path, split: str) -> None:
    # The 01:00 party belongs to the 27th: the conference's days change at 04:00.
    assert selected(programme, tmp_path, split, "--day", "2025-03-27") == {
        "opening", "talk-a", "talk-b", "late-party", "exhibition",
    }  # fmt: skip
    assert selected(programme, tmp_path, split, "--day", "2025-03-28", "--day", "2025-03-29") == {
        "exhibition", "workshop-x", "bof-y", "closing",
    }  # fmt: skip


@pytest.mark.parametrize("split", SPLITS)
def test_id_filter_ignores_case_and_repeats(programme: Path, tmp_path: Path, split: str) -> None:
    assert selected(programme, tmp_path, split, "--id", "Opening", "--id", "closing") == {
        "opening", "closing",
    }  # fmt: skip


@pytest.mark.parametrize("split", SPLITS)
def test_filters_combine_each_one_narrowing(programme: Path, tmp_path: Path, split: str) -> None:
    chosen = selected(
        programme, tmp_path, split, "--type", "keynote", "--type", "exhibition",
        "--day", "2025-03-29",
    )  # fmt: skip
    assert chosen == {"exhibition", "closing"}


def test_day_filter_with_split_day_writes_only_the_days_asked_for(
    programme: Path, tmp_path: Path
) -> None:
    export(programme, tmp_path / "days", "day", "--day", "2025-03-28")
    assert [f.name for f in (tmp_path / "days").glob("*.ics")] == ["2025-03-28.ics"]


def test_a_filtered_calendar_keeps_the_uids_and_name_of_the_whole(
    programme: Path, tmp_path: Path
) -> None:
    export(programme, tmp_path / "talks.ics", "none", "--type", "talk")
    calendar = read(tmp_path / "talks.ics")
    assert calendar["X-WR-CALNAME"] == "Workflow Conf 2025"
    assert {str(e["UID"]) for e in calendar.walk("VEVENT")} == {
        "talk-a@conf.example.org", "talk-b@conf.example.org",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (
            ["--type", "Keynot"],
            "--type: no event has the type 'Keynot'; did you mean 'Keynote'? (the",
        ),
        (["--day", "2025-03-30"], "--day: 2025-03-30 is not a day of the programme (its days"),
        (["--id", "nope"], "--id: no event has the id 'nope'"),
        (
            ["--type", "BOF", "--day", "2025-03-27"],
            "no event matches all the filters together (--type BOF --day 2025-03-27)",
        ),
    ],
)
@pytest.mark.parametrize("split", SPLITS)
def test_a_filter_that_matches_nothing_is_an_error_and_writes_nothing(
    programme: Path, tmp_path: Path, split: str, filters: list[str], message: str
) -> None:
    out = tmp_path / ("all.ics" if split == "none" else "folder")
    if split != "none":
        export(programme, out, split)
    before = files_of(out) if out.exists() else None
    result = run("export", programme, "--split", split, "-o", out, *filters)
    assert result.exit_code == 1
    assert f"error: {programme}: {message}" in result.stderr
    assert (files_of(out) if out.exists() else None) == before


def test_every_value_that_matches_nothing_is_reported(programme: Path) -> None:
    result = run("export", programme, "--type", "x", "--type", "talk", "--id", "y", "--id", "z")
    assert result.exit_code == 1
    assert result.stderr.count("error: ") == 3


@pytest.mark.parametrize("day", ["2025-3-27", "27.03.2025", "2025-02-30", "20250327", "tomorrow"])
def test_a_day_that_is_not_yyyy_mm_dd_is_a_usage_error(programme: Path, day: str) -> None:
    result = run("export", programme, "--day", day)
    assert result.exit_code == 2
    assert "is not a date YYYY-MM-DD" in result.stderr


@settings(max_examples=60, deadline=None)
@given(
    types=st.sets(st.sampled_from(["keynote", "TALK", "Social", "exhibition", "bof"])),
    days=st.sets(st.sampled_from([dt.date(2025, 3, d) for d in (27, 28, 29)])),
    ids=st.sets(st.sampled_from(sorted(ALL_IDS))),
)
def test_select_keeps_exactly_the_events_that_pass_every_filter(
    types: set[str], days: set[dt.date], ids: set[str]
) -> None:
    schedule = confcal.load(DATA)
    by_day = {e.id: set(e.days(schedule.timezone, schedule.day_change)) for e in schedule.events}
    expected = [
        e.id
        for e in schedule.events
        if (not types or (e.type or "").lower() in {t.lower() for t in types})
        and (not days or by_day[e.id] & days)
        and (not ids or e.id in ids)
    ]
    if not expected and (types or days or ids):
        with pytest.raises(InvalidInput, match="no event matches all the filters together"):
            schedule.select(types=types, days=days, ids=ids)
        return
    chosen = schedule.select(types=types, days=days, ids=ids)
    assert [e.id for e in chosen.events] == expected
    assert (chosen.name, chosen.timezone, chosen.dtstamp) == (
        schedule.name, schedule.timezone, schedule.dtstamp,
    )  # fmt: skip


# --- Reminders -------------------------------------------------------------------------------


@pytest.mark.parametrize("split", SPLITS)
def test_alarm_reminds_before_each_timed_session_not_all_day_or_cancelled_ones(
    programme: Path, tmp_path: Path, split: str
) -> None:
    out = tmp_path / ("all.ics" if split == "none" else "folder")
    export(programme, out, split, "--alarm", "15")
    events = {}
    for f in [out] if split == "none" else list(out.glob("*.ics")):
        events.update(vevents(f))
    with_alarm = set()
    for event_id, event in events.items():
        alarms = event.walk("VALARM")
        if alarms:
            with_alarm.add(event_id)
            (alarm,) = alarms
            assert alarm["ACTION"] == "DISPLAY"
            assert alarm["DESCRIPTION"] == event["SUMMARY"]
            assert duration(alarm, "TRIGGER") == dt.timedelta(minutes=-15)
            assert prop(alarm, "TRIGGER", vDDDTypes).params.get("RELATED", "START") == "START"
    assert with_alarm == TIMED_NOT_CANCELLED


def test_alarm_is_written_as_a_negative_duration(programme: Path, tmp_path: Path) -> None:
    export(programme, tmp_path / "a.ics", "none", "--alarm", "90", "--id", "opening")
    assert b"\r\nTRIGGER:-PT1H30M\r\n" in (tmp_path / "a.ics").read_bytes()


def test_no_alarm_without_the_option(programme: Path, tmp_path: Path) -> None:
    export(programme, tmp_path / "a.ics", "none")
    assert b"VALARM" not in (tmp_path / "a.ics").read_bytes()


@pytest.mark.parametrize("minutes", ["-5", "ten", "1.5"])
def test_an_alarm_that_is_not_a_whole_number_of_minutes_is_a_usage_error(
    programme: Path, minutes: str
) -> None:
    assert run("export", programme, "--alarm", minutes).exit_code == 2


# --- Status ----------------------------------------------------------------------------------


@pytest.mark.parametrize("split", SPLITS)
def test_statuses_are_kept_in_every_file_and_cancelled_sessions_stay(
    programme: Path, tmp_path: Path, split: str
) -> None:
    out = tmp_path / ("all.ics" if split == "none" else "folder")
    export(programme, out, split)
    events = {}
    for f in [out] if split == "none" else list(out.glob("*.ics")):
        events.update(vevents(f))
    assert set(events) == ALL_IDS
    statuses = {i: str(e.get("STATUS")) for i, e in events.items() if "STATUS" in e}
    assert statuses == {"workshop-x": "CANCELLED", "bof-y": "TENTATIVE", "opening": "CONFIRMED"}


def test_the_cancelled_session_is_in_its_day_file(programme: Path, tmp_path: Path) -> None:
    export(programme, tmp_path / "days", "day")
    events = vevents(tmp_path / "days" / "2025-03-28.ics")
    assert events["workshop-x"]["STATUS"] == "CANCELLED"


# --- Subscription hints ----------------------------------------------------------------------


def test_the_whole_calendar_carries_subscription_hints(programme: Path, tmp_path: Path) -> None:
    export(programme, tmp_path / "all.ics", "none")
    data = (tmp_path / "all.ics").read_bytes()
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in data
    assert b"\r\nX-PUBLISHED-TTL:PT6H\r\n" in data
    calendar = read(tmp_path / "all.ics")
    assert calendar["X-WR-CALNAME"] == "Workflow Conf 2025"
    assert calendar["X-WR-CALDESC"] == "Three days in Berlin."


def test_calendar_refresh_in_events_json_sets_the_interval(programme: Path, tmp_path: Path) -> None:
    edit(programme, refresh="P1D")
    export(programme, tmp_path / "all.ics", "none")
    data = (tmp_path / "all.ics").read_bytes()
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:P1D\r\n" in data
    assert b"\r\nX-PUBLISHED-TTL:P1D\r\n" in data


def test_the_refresh_option_overrides_events_json(programme: Path, tmp_path: Path) -> None:
    edit(programme, refresh="P1D")
    export(programme, tmp_path / "all.ics", "none", "--refresh", "PT1H")
    assert duration(read(tmp_path / "all.ics"), "REFRESH-INTERVAL") == dt.timedelta(hours=1)


@pytest.mark.parametrize("split", ["day", "event"])
def test_day_and_session_files_have_a_name_but_no_refresh_hints(
    programme: Path, tmp_path: Path, split: str
) -> None:
    export(programme, tmp_path / "folder", split, "--refresh", "PT1H")
    for f in (tmp_path / "folder").glob("*.ics"):
        calendar = read(f)
        assert "REFRESH-INTERVAL" not in calendar
        assert "X-PUBLISHED-TTL" not in calendar
        assert calendar["X-WR-CALNAME"]


@pytest.mark.parametrize("value", ["6h", "PT0S", "-PT1H", "P"])
def test_a_bad_calendar_refresh_is_reported_with_file_field_and_value(
    programme: Path, tmp_path: Path, value: str
) -> None:
    edit(programme, refresh=value)
    result = run("export", programme, "-o", tmp_path / "all.ics")
    assert result.exit_code == 1
    assert f"error: {programme}: calendar.refresh: {value!r} is not a positive" in result.stderr
    assert not (tmp_path / "all.ics").exists()


@pytest.mark.parametrize("value", ["6h", "PT0S", "-PT1H"])
def test_a_bad_refresh_option_is_a_usage_error(programme: Path, value: str) -> None:
    result = run("export", programme, "--refresh", value)
    assert result.exit_code == 2
    assert "is not a positive ISO 8601 duration" in result.stderr


# --- The repository's own programme ----------------------------------------------------------


def test_the_repository_programme_exports_the_same_bytes_twice(tmp_path: Path) -> None:
    for name in ("a", "b"):
        export(REPOSITORY_EVENTS, tmp_path / name, "event")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    assert len(files_of(tmp_path / "a")) == 8  # seven sessions and the manifest


@pytest.mark.parametrize("command", [[], ["export"], ["check"], ["list"]])
def test_every_help_shows_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "confcal " in result.output
