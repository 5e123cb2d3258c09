"""Feeds and filters by track and room: ``--split track|room``, ``--track``/``--room``,
``Schedule.select(tracks=..., rooms=...)``, and the file names of the feeds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

import confcal
from confcal.cli import cli
from confcal.errors import InvalidInput
from confcal.files import MANIFEST, Split, feed_slug, render
from confcal.model import Event, Schedule
from confcal.zones import localize

ZONE = "Europe/Berlin"


def _event(id: str, hour: int, track: str | None = None, location: str | None = None) -> Event:
    start = localize(dt.datetime(2025, 3, 27, hour), ZONE)
    end = start + dt.timedelta(hours=1)
    return Event(id=id, title=id.title(), start=start, end=end, track=track, location=location)


def _programme() -> Schedule:
    return Schedule(
        name="Conf",
        timezone=ZONE,
        url="https://conf.example.org/",
        events=[
            _event("rust-1", 9, track="Rust", location="Hall 1"),
            _event("rust-2", 10, track="rust", location="H.1302 (Depage)"),
            _event("go-1", 11, track="Go", location="Hall 1"),
            _event("plenary", 12),  # neither track nor room
        ],
    )


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    path = tmp_path / "events.json"
    path.write_text(confcal.dumps(_programme()), "utf-8")
    return path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def uids(data: bytes) -> list[str]:
    calendar = icalendar.Calendar.from_ical(data)
    return [str(e["UID"]).split("@")[0] for e in calendar.walk("VEVENT")]


def test_a_track_feed_holds_the_tracks_sessions_ignoring_case_and_keeps_the_refresh_hint() -> None:
    files = render(_programme(), Split.TRACK)
    assert sorted(files) == ["go.ics", "rust.ics"]
    assert uids(files["rust.ics"]) == ["rust-1", "rust-2"]
    calendar = icalendar.Calendar.from_ical(files["rust.ics"])
    # Named by the first spelling in programme order; a feed to subscribe to, so it says how
    # often to reload.
    assert str(calendar["X-WR-CALNAME"]) == "Conf (Rust)"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H" in files["rust.ics"]
    assert b"X-PUBLISHED-TTL:PT6H" in files["rust.ics"]


def test_a_room_feed_is_named_by_a_slug_and_a_session_without_room_is_in_none() -> None:
    files = render(_programme(), Split.ROOM)
    assert sorted(files) == ["h-1302-depage--70d2d5309893.ics", "hall-1.ics"]
    assert uids(files["hall-1.ics"]) == ["rust-1", "go-1"]
    everywhere = [uid for data in files.values() for uid in uids(data)]
    assert "plenary" not in everywhere


def test_feeds_keep_the_uids_of_the_whole_calendar() -> None:
    whole = render(_programme(), Split.NONE)[""]
    feed = render(_programme(), Split.TRACK)["go.ics"]
    assert b"UID:go-1@conf.example.org" in whole
    assert b"UID:go-1@conf.example.org" in feed


def test_subset_keeps_the_refresh_hint_and_days_and_sessions_are_downloads_without_it() -> None:
    schedule = _programme()
    assert schedule.subset(schedule.events[:1], name="part").refresh == schedule.refresh
    assert schedule.subset(schedule.events[:1], name="part", feed=False).refresh is None
    assert all(day.refresh is None for day in schedule.days().values())
    for data in render(schedule, Split.EVENT).values():
        assert b"REFRESH-INTERVAL" not in data


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Rust", "rust"),
        ("Open Source Design", "open-source-design"),
        ("K.4.201", "k.4.201"),
        ("Saal GLITCH", "saal-glitch"),
        ("C++", "c--cedb1bac7efc"),
        ("Hall-1", "hall-1--788bc37ccb5b"),
        ("Café", "cafe--850f7dc43910"),
        ("東京", "x--130016b2599b"),
    ],
)
def test_a_feed_slug_is_pinned_so_subscriptions_keep_their_url(name: str, slug: str) -> None:
    assert feed_slug(name) == slug


@given(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=80))
def test_two_names_select_tells_apart_never_share_a_feed_slug(one: str, two: str) -> None:
    if one.casefold() != two.casefold():
        assert feed_slug(one) != feed_slug(two)
    else:
        assert feed_slug(one) == feed_slug(two)


@given(st.text(min_size=1, max_size=500))
def test_a_feed_slug_is_a_safe_file_name(name: str) -> None:
    slug = feed_slug(name)
    assert slug and not slug.startswith((".", "-")) and "/" not in slug
    assert slug.isascii() and len(f"{slug}.ics".encode()) <= 100


def test_export_split_track_writes_a_feed_per_track(programme: Path, tmp_path: Path) -> None:
    out = tmp_path / "tracks"
    result = run("export", programme, "--split", "track", "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "go.ics", "rust.ics"]


def test_export_split_room_writes_a_feed_per_room(programme: Path, tmp_path: Path) -> None:
    out = tmp_path / "rooms"
    result = run("export", programme, "--split", "room", "-o", out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.glob("*.ics")} == {"hall-1.ics", "h-1302-depage--70d2d5309893.ics"}


def test_track_and_room_filters_repeat_ignore_case_and_combine(programme: Path) -> None:
    result = run("export", programme, "--track", "RUST", "--track", "go", "--room", "hall 1")
    assert result.exit_code == 0, result.output
    assert uids(result.stdout_bytes) == ["rust-1", "go-1"]


def test_a_track_filter_limits_the_track_feeds_written(programme: Path, tmp_path: Path) -> None:
    out = tmp_path / "tracks"
    assert run("export", programme, "--split", "track", "-o", out).exit_code == 0
    result = run("export", programme, "--split", "track", "--track", "go", "-o", out)
    assert result.exit_code == 0, result.output
    # A filtered run never prunes: the other feeds stay.
    assert {p.name for p in out.glob("*.ics")} == {"go.ics", "rust.ics"}


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--track", "Rusty", "--track: no event has the track 'Rusty'; did you mean 'Rust'?"),
        ("--room", "Hal 1", "--room: no event has the room 'Hal 1'; did you mean 'Hall 1'?"),
        ("--track", "zzz", "--track: no event has the track 'zzz' (the tracks are: Go, Rust)"),
    ],
)
def test_a_track_or_room_that_matches_nothing_is_an_error_naming_it(
    programme: Path, tmp_path: Path, option: str, value: str, message: str
) -> None:
    out = tmp_path / "out.ics"
    result = run("export", programme, option, value, "-o", out)
    assert result.exit_code == 1
    assert f"error: {programme}: {message}" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_list_takes_the_track_and_room_filters(programme: Path) -> None:
    result = run("list", programme, "--room", "h.1302 (depage)")
    assert result.exit_code == 0, result.output
    assert "Rust-2" in result.stdout and "Rust-1" not in result.stdout


def test_select_by_track_and_room_in_the_library() -> None:
    schedule = _programme()
    assert [e.id for e in schedule.select(tracks=["rust"]).events] == ["rust-1", "rust-2"]
    assert [e.id for e in schedule.select(rooms="Hall 1", tracks="Go").events] == ["go-1"]
    with pytest.raises(InvalidInput) as caught:
        schedule.select(rooms=["Hall 2"], tracks=["Perl"])
    assert [p.field for p in caught.value.problems] == ["track", "room"]


def test_a_long_list_of_rooms_is_shortened_in_the_message() -> None:
    events = [_event(f"e{n}", 9, location=f"Room {n:02}") for n in range(30)]
    schedule = Schedule(name="Conf", timezone=ZONE, events=events)
    with pytest.raises(InvalidInput, match=r"Room 19, and 10 more\)"):
        schedule.select(rooms=["Attic"])


def test_the_track_feeds_of_a_programme_round_trip_as_events_json(tmp_path: Path) -> None:
    # A feed is a programme like any other: readable again, the same sessions.
    path = tmp_path / "rust.ics"
    path.write_bytes(render(_programme(), Split.TRACK)["rust.ics"])
    again = confcal.load(path)
    assert [e.id for e in again.sorted_events()] == ["rust-1", "rust-2"]
    assert json.loads(confcal.dumps(again))["calendar"]["name"] == "Conf (Rust)"
