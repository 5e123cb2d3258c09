"""The speed work of issue 17 used the way a careless or hostile user, or library code, would:
the package's lazy names, the remembered programme order and time checks, the cards and links
written in Python, and the serializer's per-event memory must change nothing a caller sees."""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import subprocess
import sys
import threading
import urllib.parse
import zoneinfo
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
import pytz
from dateutil import tz as dateutil_tz

import confcal
from confcal import Event, InvalidInput, Schedule, _fields, to_calendar, to_ical
from confcal.site._card import card
from confcal.site._page import sessions
from confcal.site.links import (
    ELLIPSIS,
    MAX_LINK_LENGTH,
    _quote,
    add_links,
    google_link,
    outlook_link,
    web_url,
)
from conftest import programmes_dir

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def _event(start: dt.date, end: dt.date | None = None, **fields: object) -> Event:
    if end is None:
        assert isinstance(start, dt.datetime)
        end = start + dt.timedelta(minutes=30)
    return Event(id=str(fields.pop("id", "s1")), title=str(fields.pop("title", "Talk")),
                 start=start, end=end, **fields)  # type: ignore[arg-type]  # fmt: skip


# --- The package's names, resolved on first use -------------------------------------------------


@pytest.mark.parametrize(
    "name", [".", "..", "../x", ".files", "files..x", "site.links", "readers._json", " files"]
)
def test_getattr_with_a_default_gives_the_default_for_a_name_that_is_no_attribute(
    name: str,
) -> None:
    """``getattr(module, name, default)`` and ``hasattr`` must only ever meet AttributeError:
    a name with a dot is no attribute, nor a way into ``import_module``."""
    assert getattr(confcal, name, "absent") == "absent"
    assert not hasattr(confcal, name)


def test_every_public_name_is_the_same_object_however_it_is_reached() -> None:
    names: dict[str, object] = {}
    exec("from confcal import *", names)  # the star import, as users write it
    for name in confcal.__all__:
        assert getattr(confcal, name) is names[name] is confcal.__dict__[name]
    assert set(confcal.__all__) <= set(dir(confcal))


def test_a_name_resolved_in_many_threads_at_once_is_one_object() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(confcal.to_local)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(value) for value in seen}) == 1


# --- Programme order, remembered per schedule ---------------------------------------------------


def _berlin(text: str) -> dt.datetime:
    return pytz.timezone(BERLIN).localize(dt.datetime.fromisoformat(text))


def _programme() -> Schedule:
    events = [
        _event(_berlin("2025-06-02T10:00"), id="b"),
        _event(_berlin("2025-06-01T09:00"), id="a"),
        # All-day: at the start of its first day in the calendar's zone, which decides whether
        # it comes before or after "late" (23:30 UTC on 1 June).
        _event(dt.date(2025, 6, 2), dt.date(2025, 6, 3), id="c-all-day"),
        _event(dt.datetime(2025, 6, 1, 23, 30, tzinfo=dt.UTC), id="late"),
    ]
    return Schedule(name="Order", timezone=BERLIN, events=events)


def _ids(schedule: Schedule) -> list[str]:
    return [e.id for e in schedule.sorted_events()]


def test_the_order_follows_the_zone_of_a_schedule_evolved_after_it_was_sorted() -> None:
    berlin = _programme()
    assert _ids(berlin) == ["a", "c-all-day", "late", "b"]  # 2 June 00:00 Berlin is 22:00 UTC
    new_york = attrs.evolve(berlin, timezone=NEW_YORK)  # 2 June 00:00 there is 04:00 UTC
    assert _ids(new_york) == ["a", "late", "c-all-day", "b"]
    assert _ids(berlin) == ["a", "c-all-day", "late", "b"]


def test_the_order_follows_the_events_of_a_schedule_evolved_after_it_was_sorted() -> None:
    schedule = _programme()
    schedule.sorted_events()
    earlier = _event(_berlin("2025-05-31T08:00"), id="z-first")
    grown = attrs.evolve(schedule, events=[*schedule.events, earlier])
    assert _ids(grown)[0] == "z-first"
    fewer = schedule.subset([e for e in schedule.events if e.id != "a"], name="Fewer")
    assert _ids(fewer) == ["c-all-day", "late", "b"]
    assert _ids(schedule.select(ids={"b", "a"})) == ["a", "b"]


def test_changing_the_returned_list_changes_no_later_answer() -> None:
    schedule = _programme()
    first = schedule.sorted_events()
    first.reverse()
    first.append(first[0])
    first.clear()
    assert _ids(schedule) == ["a", "c-all-day", "late", "b"]


def test_sorting_leaves_equality_hash_repr_fields_pickling_and_copies_as_they_were() -> None:
    schedule, twin = _programme(), _programme()
    before = (repr(schedule), hash(schedule), attrs.asdict(schedule), pickle.dumps(schedule))
    schedule.sorted_events()
    assert (repr(schedule), hash(schedule), attrs.asdict(schedule)) == before[:3]
    assert pickle.dumps(schedule) == before[3]
    assert schedule == twin and hash(schedule) == hash(twin)
    for other in (
        pickle.loads(pickle.dumps(schedule)),
        copy.copy(schedule),
        copy.deepcopy(schedule),
    ):
        assert other == schedule
        assert _ids(other) == _ids(schedule)


def test_threads_sorting_one_fresh_schedule_at_once_all_get_programme_order() -> None:
    for _ in range(5):
        schedule = _programme()
        seen: list[list[str]] = []

        def sort(schedule: Schedule = schedule, seen: list[list[str]] = seen) -> None:
            seen.append(_ids(schedule))

        threads = [threading.Thread(target=sort) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert seen == [["a", "c-all-day", "late", "b"]] * 8


def test_a_new_schedule_where_a_dead_one_was_gets_its_own_order() -> None:
    """The order is kept by identity: an id reused after a schedule dies must not find the dead
    schedule's order."""
    for n in range(50):
        first = _event(_berlin(f"2025-06-01T{9 + n % 5:02}:00"), id=f"old{n}")
        old = Schedule(name="Old", timezone=BERLIN, events=[first])
        del first
        old.sorted_events()
        del old  # freed at once (no cycles): the new schedule often gets its id
        new = Schedule(name="New", timezone=BERLIN, events=[_event(_berlin("2025-06-01T09:00"),
                                                                   id=f"new{n}")])  # fmt: skip
        assert _ids(new) == [f"new{n}"]


# --- A time's zone checks, remembered per wall clock, zone and offset ---------------------------


def _refusal(make: Callable[[], Event]) -> str:
    with pytest.raises(InvalidInput) as caught:
        make()
    return str(caught.value)


_BERLIN_PYTZ = pytz.timezone(BERLIN)
_BERLIN_ZI = zoneinfo.ZoneInfo(BERLIN)
_SUMMER = _BERLIN_PYTZ.localize(dt.datetime(2025, 6, 1, 10)).tzinfo
_WINTER_NOON = dt.datetime(2025, 1, 15, 12)


class _Named(dt.tzinfo):
    """A caller's tzinfo that names an IANA zone (``zone``, as pytz's do) with a fixed offset."""

    def __init__(self, zone: str, hours: float) -> None:
        self.zone = zone
        self._offset = dt.timedelta(hours=hours)

    def utcoffset(self, value: dt.datetime | None) -> dt.timedelta:
        return self._offset

    def dst(self, value: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)

    def tzname(self, value: dt.datetime | None) -> str:
        return "X"


#: (what passes, what the same wall clock in a form refused before the speed work is): a good
#: time first, so that the check of the bad one is asked with the good one remembered.
_POISONERS: list[tuple[str, Callable[[], Event], Callable[[], Event], str]] = [
    (
        "pytz zone attached with replace (LMT, +00:53)",
        lambda: _event(_BERLIN_PYTZ.localize(_WINTER_NOON)),
        lambda: _event(_WINTER_NOON.replace(tzinfo=_BERLIN_PYTZ)),
        "never has at that time",
    ),
    (
        "pytz summer offset on a winter day",
        lambda: _event(_BERLIN_PYTZ.localize(_WINTER_NOON)),
        lambda: _event(_WINTER_NOON.replace(tzinfo=_SUMMER)),
        "never has at that time",
    ),
    (
        "a caller's tzinfo named Europe/Berlin with winter's offset in summer",
        lambda: _event(_BERLIN_PYTZ.localize(dt.datetime(2025, 6, 1, 10))),
        lambda: _event(dt.datetime(2025, 6, 1, 10, tzinfo=_Named(BERLIN, 1))),
        "never has at that time",
    ),
    (
        "a zone name no one knows, the same offset",
        lambda: _event(_BERLIN_PYTZ.localize(_WINTER_NOON)),
        lambda: _event(_WINTER_NOON.replace(tzinfo=_Named("Europe/Berln", 1))),
        "unknown time zone",
    ),
    (
        "the spring gap in New York, after the same wall clock in Berlin",
        lambda: _event(_BERLIN_PYTZ.localize(dt.datetime(2025, 3, 9, 2, 30))),
        lambda: _event(dt.datetime(2025, 3, 9, 2, 30, tzinfo=zoneinfo.ZoneInfo(NEW_YORK))),
        "does not exist in America/New_York",
    ),
    (
        "the spring gap with fold=1, after fold=1 of a good time",
        lambda: _event(dt.datetime(2025, 3, 30, 1, 0, fold=1, tzinfo=_BERLIN_ZI)),
        lambda: _event(dt.datetime(2025, 3, 30, 2, 30, fold=1, tzinfo=_BERLIN_ZI)),
        "does not exist in Europe/Berlin",
    ),
    (
        "the spring gap in dateutil's Berlin, after zoneinfo's good neighbour",
        lambda: _event(dt.datetime(2025, 3, 30, 3, 30, tzinfo=_BERLIN_ZI)),
        lambda: _event(dt.datetime(2025, 3, 30, 2, 30, tzinfo=dateutil_tz.gettz(BERLIN))),
        "does not exist",
    ),
    (
        "the repeated hour with an offset Berlin has at no time",
        lambda: _event(dt.datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=_BERLIN_ZI)),
        lambda: _event(dt.datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=_Named(BERLIN, 3))),
        "never has at that time",
    ),
]


@pytest.mark.parametrize(
    ("good", "bad", "message"),
    [case[1:] for case in _POISONERS],
    ids=[case[0] for case in _POISONERS],
)
def test_a_time_refused_cold_is_refused_the_same_after_its_wall_clock_passed(
    good: Callable[[], Event], bad: Callable[[], Event], message: str
) -> None:
    _fields._named_problem.cache_clear()
    cold = _refusal(bad)
    assert message in cold
    good()
    assert _refusal(bad) == cold
    good()  # and a bad time remembered nothing that refuses the good one
    assert _refusal(bad) == cold


def test_both_readings_of_a_repeated_hour_pass_and_keep_their_instants() -> None:
    _fields._named_problem.cache_clear()
    naive = dt.datetime(2025, 10, 26, 2, 30)
    first = _event(naive.replace(tzinfo=_BERLIN_ZI, fold=0))
    second = _event(naive.replace(tzinfo=_BERLIN_ZI, fold=1))
    pytz_second = _event(_BERLIN_PYTZ.localize(naive, is_dst=False))
    assert isinstance(first.start, dt.datetime) and isinstance(second.start, dt.datetime)
    assert isinstance(pytz_second.start, dt.datetime)
    assert first.start.astimezone(dt.UTC) == dt.datetime(2025, 10, 26, 0, 30, tzinfo=dt.UTC)
    assert second.start.astimezone(dt.UTC) == dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.UTC)
    assert pytz_second.start.astimezone(dt.UTC) == second.start.astimezone(dt.UTC)


# --- Cards and links, written in Python ---------------------------------------------------------

_HOSTILE = (
    '</script><script>alert("x")</script> &amp; &#39; \u202eevil\u202c 👩‍👩‍👧 \u00ad '
    "{{ 7*7 }} {% raw %} %2F %25 + # ? = 'quoted' \"double\""
)


def _query(link: str) -> dict[str, str]:
    pairs = urllib.parse.parse_qsl(
        urllib.parse.urlsplit(link).query, keep_blank_values=True, strict_parsing=True
    )
    assert len(dict(pairs)) == len(pairs)
    return dict(pairs)


@pytest.mark.parametrize("abstract_length", [0, 10, 5_000_000])
def test_hostile_text_reaches_the_links_as_text_and_the_card_as_escaped_text(
    abstract_length: int,
) -> None:
    abstract = (_HOSTILE + "\n\n") * (abstract_length // len(_HOSTILE)) or None
    event = _event(
        _berlin("2025-06-01T10:00"),
        title=_HOSTILE,
        location=_HOSTILE,
        description=abstract,
        speakers=(_HOSTILE, "Zoë"),
        url='https://example.org/s?a="1"&b=<2>',
        type=_HOSTILE,
        track=_HOSTILE,
    )
    google, outlook = add_links(event, BERLIN)
    assert (google, outlook) == (google_link(event, BERLIN), outlook_link(event))
    for link, title_key, body_key in ((google, "text", "details"), (outlook, "subject", "body")):
        assert link.isascii() and len(link) <= MAX_LINK_LENGTH
        params = _query(link)
        assert params[title_key] == _HOSTILE
        assert params["location"] == _HOSTILE
        body = params[body_key]
        assert body.startswith(f"Speakers: {_HOSTILE}, Zoë")
        assert body.endswith('https://example.org/s?a="1"&b=<2>')
        if abstract:
            assert (ELLIPSIS in body) == (abstract_length > 10)
    schedule = Schedule(name="Hostile", timezone=BERLIN, events=[event])
    html = card(sessions(schedule)[0], "../", BERLIN)
    assert "<script>" not in html and "</script>" not in html
    escaped = "&lt;/script&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp;amp; &amp;#39;"
    assert escaped in html
    assert 'href="https://example.org/s?a=&#34;1&#34;&amp;b=&lt;2&gt;"' in html


PROGRAMMES = programmes_dir()


@pytest.mark.skipif(PROGRAMMES is None, reason="../shared/programmes is not here")
@pytest.mark.parametrize("name", ["38c3", "fosdem2026"])
@pytest.mark.parametrize("source", ["events.json", "source-schedule.xml"])
def test_every_add_link_of_a_real_programme_has_its_utc_times_and_its_text(
    name: str, source: str
) -> None:
    assert PROGRAMMES is not None
    schedule = confcal.load(PROGRAMMES / name / source)
    expected = json.loads((PROGRAMMES / name / "expected.json").read_text("utf-8"))
    assert {e.id for e in schedule.events} == set(expected)
    for event in schedule.events:
        want = expected[event.id]
        google, outlook = (_query(link) for link in add_links(event, schedule.timezone))
        compact = "/".join(
            want[key].replace("-", "").replace(":", "") for key in ("start_utc", "end_utc")
        )
        assert google["dates"] == compact, event.id
        assert (outlook["startdt"], outlook["enddt"]) == (want["start_utc"], want["end_utc"])
        page = web_url(event.url)
        whole = "\n\n".join(p for p in (event.speaker_line, event.description, page) if p)
        for params, title, body in ((google, "text", "details"), (outlook, "subject", "body")):
            assert params[title] == event.title, event.id
            assert params.get("location", "") == (event.location or ""), event.id
            details = params.get(body, "")
            if details != whole:  # cut: the abstract's start, an ellipsis, then the page
                start, ellipsis, end = details.rpartition(ELLIPSIS)
                assert ellipsis and whole.startswith(start), event.id
                assert end == (f"\n\n{page}" if page else ""), event.id
        for text in (event.title, event.location, event.description, event.speaker_line):
            assert _quote(text or "") == urllib.parse.quote(text or "", safe="")


# --- The serializer's bytes are icalendar's ------------------------------------------------------

_ODD_ZONES = [
    "America/Argentina/ComodRivadavia", "America/Port-au-Prince", "Etc/GMT+5", "Etc/GMT-14",
    "Antarctica/Troll", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu",
    "America/St_Johns", "Europe/Dublin", "Africa/Casablanca", "Pacific/Apia", "US/Pacific-New",
    "America/Indiana/Knox_IN", "Etc/UTC", "UTC", "Zulu", "GMT0",
]  # fmt: skip


def _odd_programme(zone: str) -> Schedule:
    events = []
    for n, name in enumerate(z for z in _ODD_ZONES if z in zoneinfo.available_timezones()):
        naive = dt.datetime(2025, 3 + n % 8, 1 + n, 9 + n % 12, 30 * (n % 2))
        if n % 2:
            start = naive.replace(tzinfo=zoneinfo.ZoneInfo(name))
        else:
            start = pytz.timezone(name).localize(naive)
        events.append(_event(
            start, start + dt.timedelta(minutes=45 + 60 * 24 * (n % 3)), id=f"z{n}",
            title=f"In {name}; a, b\\c\n", language=["de", "pt-BR", None][n % 3],
            description=["Ab;str,act\n\n" * 20, None][n % 2], track=["Talk", "talk", None][n % 3],
            type="Talk", sequence=[0, 3, 2**31 - 1][n % 3], speakers=("A, B", "Ö"),
            last_modified=[None, dt.datetime(2025, 1, 1, tzinfo=dt.UTC)][n % 2],
            status=[None, "cancelled", "tentative", "confirmed"][n % 4],
            location="Room; 1, \\A", url="https://x.org/a;b,c",
        ))  # fmt: skip
    events.append(_event(dt.date(2025, 3, 29), dt.date(2025, 4, 2), id="all-days", title="All"))
    return Schedule(name="Odd; zones, \\ all", timezone=zone, events=events, day_change=dt.time(3))


@pytest.mark.parametrize("zone", ["Etc/GMT+5", "America/Argentina/ComodRivadavia", "UTC"])
@pytest.mark.parametrize("alarm", [None, dt.timedelta(minutes=10), dt.timedelta(days=366)])
def test_calendars_with_odd_tzids_history_and_alarms_are_icalendars_bytes(
    zone: str, alarm: dt.timedelta | None
) -> None:
    schedule = _odd_programme(zone)
    assert to_ical(schedule, alarm=alarm) == bytes(to_calendar(schedule, alarm=alarm).to_ical())
    # The same events again, in a schedule of another zone: each event's bytes and zones are
    # remembered by the event, and must not carry the first schedule's zone.
    other = attrs.evolve(schedule, timezone="Pacific/Chatham")
    assert to_ical(other, alarm=alarm) == bytes(to_calendar(other, alarm=alarm).to_ical())


# --- The command line ---------------------------------------------------------------------------


_STDIN_PROGRAMME = {
    "calendar": {"name": "Stdin </script>", "timezone": BERLIN, "updated": "2025-01-01T00:00Z"},
    "events": [
        {"id": "a", "title": _HOSTILE, "start": "2025-03-30T01:30", "end": "2025-03-30T03:30",
         "location": _HOSTILE},
    ],
}  # fmt: skip


def test_export_from_stdin_is_the_export_of_the_file(tmp_path: Path) -> None:
    programme = tmp_path / "events.json"
    programme.write_text(json.dumps(_STDIN_PROGRAMME), "utf-8")
    command = [sys.executable, "-m", "confcal", "export", "-q"]
    with programme.open("rb") as stdin:
        piped = subprocess.run([*command, "-"], stdin=stdin, capture_output=True, check=False)
    named = subprocess.run([*command, str(programme)], capture_output=True, check=False)
    assert piped.returncode == named.returncode == 0, (piped.stderr, named.stderr)
    assert piped.stdout == named.stdout
    assert b"DTSTART;TZID=Europe/Berlin:20250330T013000" in piped.stdout
