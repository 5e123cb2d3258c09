"""The library refuses what no calendar can hold, whatever Python type it comes as.

Every error is a ConfcalError: a value of the wrong type for a field of Event or Schedule, or for
a parameter of select() or to_ical(), is an InvalidInput naming that field, never a TypeError or
AttributeError now or later; a time its zone skips is refused whatever tzinfo carries it; and a
URL with a user name or password is never published.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Callable
from pathlib import Path

import pytest
import pytz
from click.testing import CliRunner
from dateutil import tz as dateutil_tz
from hypothesis import given
from hypothesis import strategies as st

import confcal
from confcal import Event, InvalidInput, Schedule
from confcal.cli import cli
from confcal.zones import get_zone, localize
from fields import untyped

NY = "America/New_York"
GAP = dt.datetime(2024, 3, 10, 2, 30)  # New York's clocks go from 02:00 to 03:00
REPEATED = dt.datetime(2024, 11, 3, 1, 30)  # New York's clocks go from 02:00 back to 01:00


def at(text: str, zone: str = NY) -> dt.datetime:
    return localize(dt.datetime.fromisoformat(text), zone)


EVENT: dict[str, object] = {
    "id": "e",
    "title": "Talk",
    "start": at("2024-11-18T11:21"),
    "end": at("2024-11-18T11:44"),
}
SCHEDULE: dict[str, object] = {"name": "Conf", "timezone": NY}


def event(**fields: object) -> Event:
    return Event(**{**EVENT, **fields})  # type: ignore[arg-type]


def schedule(**fields: object) -> Schedule:
    return Schedule(**{**SCHEDULE, "events": [event()], **fields})  # type: ignore[arg-type]


def refused(make: object, field: str) -> InvalidInput:
    """The one problem ``make()`` raises, checked to name ``field``."""
    assert callable(make)
    with pytest.raises(InvalidInput) as caught:
        make()
    assert [p.field for p in caught.value.problems] == [field], caught.value
    return caught.value


# --- Wrong types: an InvalidInput naming the field ---------------------------------------------


def outcome(make: Callable[[], object]) -> InvalidInput | None:
    """The InvalidInput ``make()`` raises, or None; any other exception fails the test."""
    assert callable(make)
    try:
        make()
    except InvalidInput as error:
        return error
    return None


def _text_or_none(value: object) -> bool:
    return value is None or isinstance(value, str)


def _names(value: object) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(s, str) for s in value)


#: For each field, whether a value has the type it takes (its content may still be refused).
EVENT_TYPES: dict[str, Callable[[object], bool]] = {
    "id": lambda v: isinstance(v, str),
    "title": lambda v: isinstance(v, str),
    "start": lambda v: isinstance(v, dt.date),
    "end": lambda v: isinstance(v, dt.date),
    "type": _text_or_none,
    "track": _text_or_none,
    "location": _text_or_none,
    "description": _text_or_none,
    "url": _text_or_none,
    "speakers": _names,
    "status": _text_or_none,
    "language": _text_or_none,
}
SCHEDULE_TYPES: dict[str, Callable[[object], bool]] = {
    "name": lambda v: isinstance(v, str),
    "timezone": lambda v: isinstance(v, str),
    # In any order (the calendar sorts them), so a set will do.
    "events": lambda v: (
        isinstance(v, list | tuple | set | frozenset) and all(isinstance(e, Event) for e in v)
    ),
    "description": _text_or_none,
    "url": _text_or_none,
    "uid_domain": _text_or_none,
    "day_change": lambda v: isinstance(v, dt.time),
    "dtstamp": lambda v: isinstance(v, dt.datetime),
    "refresh": lambda v: v is None or isinstance(v, dt.timedelta),
}

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.binary(max_size=6),
    st.lists(st.none() | st.integers() | st.text(max_size=4), max_size=3),
    st.tuples(st.integers()),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sets(st.text(max_size=3), max_size=2),
    st.builds(object),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.times(),
    st.timedeltas(),
)


@given(field=st.sampled_from(sorted(EVENT_TYPES)), value=ANY_VALUE)
def test_any_event_field_of_a_wrong_type_is_an_invalid_input_naming_it(
    field: str, value: object
) -> None:
    error = outcome(lambda: event(**{field: value}))
    if not EVENT_TYPES[field](value):
        assert error is not None, f"{field}={value!r} was accepted"
        assert [p.field for p in error.problems] == [field]


@given(field=st.sampled_from(sorted(SCHEDULE_TYPES)), value=ANY_VALUE)
def test_any_schedule_field_of_a_wrong_type_is_an_invalid_input_naming_it(
    field: str, value: object
) -> None:
    error = outcome(lambda: confcal.to_ical(schedule(**{field: value})))
    if not SCHEDULE_TYPES[field](value):
        assert error is not None, f"{field}={value!r} was accepted"
        assert [p.field for p in error.problems] == [field]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("speakers", None, "must be a list of names, not None"),
        ("speakers", "Alice", "must be a list of names, not one text: 'Alice' (write ['Alice'])"),
        ("speakers", {"Alice", "Bob"}, "not a set, whose order changes from run to run"),
        ("speakers", ["Alice", None], "must hold only names (text), not NoneType: None"),
        ("title", 5, "must be text, not int: 5"),
        ("start", "2024-11-19", "must be a datetime or a date, not str: '2024-11-19'"),
        ("url", 5, "must be a URL (text), not int: 5"),
        ("status", 1, "must be one of confirmed, tentative, cancelled, not int: 1"),
        ("language", 1, "must be a language tag such as 'en' (text), not int: 1"),
        ("id", 7, "must be text, not int: 7"),
    ],
)
def test_event_says_what_type_a_field_takes(field: str, value: object, message: str) -> None:
    error = refused(lambda: event(**{field: value}), field)
    assert message in str(error)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("events", None, "must be a list of Event, not None"),
        ("events", [object()], "expected Event, got object"),
        ("dtstamp", "2024-11-14T00:00:00Z", "must be a timezone-aware datetime, not str"),
        (
            "dtstamp",
            dt.datetime(2024, 11, 14),
            "must be timezone-aware, not naive: 2024-11-14T00:00:00",
        ),
        ("day_change", None, "must be a time of day (datetime.time), not None"),
        ("day_change", "04:00", "must be a time of day (datetime.time), not str: '04:00'"),
        ("day_change", dt.time(4, 0, 30), "not a time of day in whole minutes"),
        ("day_change", dt.time(4, tzinfo=dt.UTC), "without a time zone"),
        ("refresh", "PT6H", "must be a duration (datetime.timedelta) or None, not str: 'PT6H'"),
        ("uid_domain", 5, "must be a domain name (text), not int: 5"),
        ("url", 5, "must be a URL (text), not int: 5"),
        ("timezone", None, "must be an IANA time zone name"),
        ("timezone", ["Europe/Berlin"], "must be an IANA time zone name"),
        ("name", 5, "must be text, not int: 5"),
    ],
)
def test_schedule_says_what_type_a_field_takes(field: str, value: object, message: str) -> None:
    error = refused(lambda: schedule(**{field: value}), field)
    assert message in str(error)


def test_a_dtstamp_before_the_first_instant_python_knows_is_refused() -> None:
    stamp = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert "out of range" in str(refused(lambda: schedule(dtstamp=stamp), "dtstamp"))


@pytest.mark.parametrize(
    "stamp",
    [
        dt.datetime(2300, 1, 1, tzinfo=dt.UTC),
        dt.datetime(1899, 12, 31, 23, 59, tzinfo=dt.UTC),
        # 2199 where it is written, 2200 in UTC (which events.json's "updated" holds)
        dt.datetime(2199, 12, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-1))),
    ],
)
def test_a_dtstamp_events_json_could_not_hold_is_refused_at_construction(
    stamp: dt.datetime,
) -> None:
    # Not built and then refused by loads(dumps(s)): the years rule is the model's.
    error = refused(lambda: schedule(dtstamp=stamp), "dtstamp")
    assert "is outside 1900 to 2199; a typo?" in str(error)


def test_the_last_dtstamp_events_json_holds_is_accepted_and_read_back() -> None:
    s = schedule(dtstamp=dt.datetime(2199, 12, 31, 23, 59, 59, tzinfo=dt.UTC))
    assert confcal.loads(confcal.dumps(s)) == s


def test_events_may_come_as_any_iterable_of_events() -> None:
    assert schedule(events=(e for e in [event()])).events == (event(),)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda s: confcal.to_ical(untyped(None)), "schedule"),
        (lambda s: confcal.to_calendar(untyped(s.events[0])), "schedule"),
        (lambda s: confcal.to_ical(s, alarm=untyped(15)), "alarm"),
        (lambda s: confcal.to_calendar(s, alarm=untyped(15)), "alarm"),
        (lambda s: confcal.to_ical(s, alarm=untyped("PT15M")), "alarm"),
        (lambda s: confcal.to_ical(s, alarm=untyped([dt.timedelta(minutes=5)])), "alarm"),
        (lambda s: confcal.to_ical(s, alarm=-dt.timedelta(minutes=5)), "alarm"),
        (lambda s: confcal.to_ical(s, alarm=dt.timedelta.max), "alarm"),
        (lambda s: confcal.to_ical(s, alarm=dt.timedelta(days=367)), "alarm"),
        (lambda s: confcal.to_ical(s, alarm=dt.timedelta(minutes=5, microseconds=1)), "alarm"),
        (lambda s: confcal.to_vevent(s.events[0], uid_domain=untyped(5)), "uid_domain"),
        (lambda s: confcal.to_vevent(s.events[0], dtstamp=untyped("2024-11-14")), "dtstamp"),
        (lambda s: confcal.to_vevent(s.events[0], dtstamp=dt.datetime(2024, 11, 14)), "dtstamp"),
        (lambda s: confcal.to_vevent(s.events[0], uid_domain=untyped(None)), "uid_domain"),
        (lambda s: confcal.to_vevent(s.events[0], uid_domain=""), "uid_domain"),
        (lambda s: confcal.to_vevent(s.events[0], uid_domain="has space/x"), "uid_domain"),
        (
            lambda s: confcal.to_vevent(
                s.events[0], dtstamp=dt.datetime(2300, 1, 1, tzinfo=dt.UTC)
            ),
            "dtstamp",
        ),
    ],
)
def test_writing_with_a_wrong_alarm_uid_domain_or_stamp_is_an_invalid_input(
    make: object, field: str
) -> None:
    assert callable(make)
    refused(lambda: make(schedule()), field)


@pytest.mark.parametrize(
    ("field", "value"), [("uid_domain", "has space/x"), ("dtstamp", dt.datetime(2024, 11, 14))]
)
def test_to_vevent_words_a_uid_domain_and_a_stamp_as_the_schedule_does(
    field: str, value: object
) -> None:
    # One rule each, in _fields: the same message from the model and from to_vevent.
    first = schedule().events[0]
    from_model = refused(lambda: schedule(**{field: value}), field)
    from_writer = refused(lambda: confcal.to_vevent(first, **{field: value}), field)  # type: ignore[arg-type]
    assert from_writer.problems[0].message == from_model.problems[0].message


def test_an_alarm_as_a_timedelta_is_written() -> None:
    assert b"TRIGGER:-PT15M" in confcal.to_ical(schedule(), alarm=dt.timedelta(minutes=15))
    component = confcal.to_vevent(
        event(), uid_domain="x.example", dtstamp=confcal.model.EPOCH, alarm=dt.timedelta(0)
    )
    assert component.walk("VALARM")


@pytest.mark.parametrize(
    ("filters", "field", "message"),
    [
        ({"types": None}, "types", "must be a list of types (text), not None"),
        ({"types": [5]}, "types", "must hold only types (text), not int: 5"),
        ({"days": "2024-11-18"}, "days", "not one text"),
        ({"days": ["2024-11-18"]}, "days", "must hold only dates (datetime.date), not str"),
        ({"days": [dt.datetime(2024, 11, 18)]}, "days", "not datetime"),
        ({"days": dt.date(2024, 11, 18)}, "days", "must be a list of dates"),
        ({"ids": {"e": 1}}, "ids", "must be a list of ids (text), not dict"),
    ],
)
def test_select_refuses_a_filter_that_is_not_a_list_of_its_values(
    filters: dict[str, object], field: str, message: str
) -> None:
    error = refused(lambda: schedule().select(**filters), field)  # type: ignore[arg-type]
    assert message in str(error)


@pytest.mark.parametrize("parameter", ["types", "ids", "tracks", "rooms"])
def test_select_takes_one_text_as_one_value_never_its_letters(parameter: str) -> None:
    # "BOF" read letter by letter would ask for the types B, O and F.
    with pytest.raises(InvalidInput) as caught:
        schedule().select(**{parameter: "BOF"})  # type: ignore[arg-type]
    assert [p.value for p in caught.value.problems] == ["BOF"]


def test_select_takes_any_iterable_of_values_once() -> None:
    # select() is annotated to take Collections, but takes any iterable: here, generators.
    chosen = schedule().select(ids=(i for i in ["E"]), days={dt.date(2024, 11, 18)})
    assert [e.id for e in chosen.events] == ["e"]
    with pytest.raises(InvalidInput, match="no event has the id 'nope'"):
        schedule().select(ids=(i for i in ["nope"]))


@pytest.mark.parametrize(
    "make",
    [
        lambda long: schedule().select(types=[long]),
        lambda long: schedule().select(ids=[long]),
        lambda long: event(status=long),
        lambda long: schedule(timezone=long),
        lambda long: get_zone(long),
    ],
)
def test_a_runaway_value_is_shown_shortened_in_the_message(make: object) -> None:
    assert callable(make)
    with pytest.raises(InvalidInput) as caught:
        make("x" * 1_000_000)
    assert len(str(caught.value)) < 400


def test_zone_functions_refuse_what_is_not_a_zone_name_or_a_datetime() -> None:
    refused(lambda: get_zone(5), "timezone")  # type: ignore[arg-type]
    refused(lambda: localize(dt.datetime(2024, 1, 1), ["Europe/Berlin"]), "timezone")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="takes a datetime, not str"):
        localize("2024-01-01T10:00", NY)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="must be a timedelta, not int"):
        localize(REPEATED, NY, -5)  # type: ignore[arg-type]


# --- Years: those the loader reads -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "start", "end"),
    [
        ("start", dt.date(1899, 12, 31), dt.date(1900, 1, 2)),
        ("start", dt.date(1, 1, 1), dt.date(1, 1, 2)),
        ("end", dt.date(2199, 12, 31), dt.date(2200, 1, 2)),
        (
            "start",
            dt.datetime(1, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))),
            dt.datetime(1, 1, 1, 3, tzinfo=dt.timezone(dt.timedelta(hours=5))),
        ),
        (
            "start",
            dt.datetime(9999, 12, 31, 20, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            dt.datetime(9999, 12, 31, 21, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        ),
    ],
)
def test_times_outside_the_years_1900_to_2199_are_refused(
    field: str, start: dt.date, end: dt.date
) -> None:
    assert "outside 1900 to 2199; a typo?" in str(
        refused(lambda: event(start=start, end=end), field)
    )


def test_an_all_day_event_may_end_on_the_last_day_of_2199() -> None:
    assert confcal.to_vevent(event(start=dt.date(2199, 12, 31), end=dt.date(2200, 1, 1)))


# --- A time its zone skips ---------------------------------------------------------------------


class _SpringForward(dt.tzinfo):
    """A tzinfo of the caller's own, without an IANA name: New York's 2024 spring change only."""

    _CHANGE = dt.datetime(2024, 3, 10, 2, 0)  # wall clock: 02:00 becomes 03:00

    def utcoffset(self, value: dt.datetime | None) -> dt.timedelta:
        assert value is not None
        wall = value.replace(tzinfo=None)
        if wall < self._CHANGE or (wall < self._CHANGE + dt.timedelta(hours=1) and not value.fold):
            return dt.timedelta(hours=-5)
        return dt.timedelta(hours=-4)

    def fromutc(self, value: dt.datetime) -> dt.datetime:
        instant = value.replace(tzinfo=None)
        hours = -5 if instant < self._CHANGE + dt.timedelta(hours=5) else -4
        return (instant + dt.timedelta(hours=hours)).replace(tzinfo=self)

    def dst(self, value: dt.datetime | None) -> dt.timedelta:
        return self.utcoffset(value) + dt.timedelta(hours=5)

    def tzname(self, value: dt.datetime | None) -> str:
        return "EDT" if self.dst(value) else "EST"


def test_a_tzinfo_without_a_name_keeps_its_real_times_and_writes_them_in_utc() -> None:
    before = dt.datetime(2024, 3, 10, 1, 30, tzinfo=_SpringForward())
    after = dt.datetime(2024, 3, 10, 3, 30, tzinfo=_SpringForward())
    written = confcal.to_vevent(event(start=before, end=after)).to_ical()
    assert b"DTSTART:20240310T063000Z" in written
    assert b"DTEND:20240310T073000Z" in written


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(GAP.replace(tzinfo=_SpringForward()), id="own-tzinfo"),
        pytest.param(GAP.replace(tzinfo=zoneinfo.ZoneInfo(NY)), id="zoneinfo"),
        pytest.param(GAP.replace(tzinfo=zoneinfo.ZoneInfo(NY), fold=1), id="zoneinfo-fold"),
        pytest.param(pytz.timezone(NY).localize(GAP, is_dst=False), id="pytz-standard"),
        pytest.param(pytz.timezone(NY).localize(GAP, is_dst=True), id="pytz-daylight"),
        pytest.param(GAP.replace(tzinfo=dateutil_tz.gettz(NY)), id="dateutil"),
        pytest.param(
            dt.datetime(2040, 3, 11, 2, 30, tzinfo=zoneinfo.ZoneInfo(NY)), id="zoneinfo-2040"
        ),
    ],
)
def test_a_time_the_clocks_skip_is_refused_whatever_tzinfo_carries_it(start: dt.datetime) -> None:
    end = start.replace(hour=4)
    error = refused(lambda: event(start=start, end=end), "start")
    assert "02:30 does not exist in" in str(error)
    assert "the clocks skip it" in str(error)


def test_a_skipped_end_time_is_refused_too() -> None:
    start = at("2024-03-10T01:00")
    end = GAP.replace(tzinfo=zoneinfo.ZoneInfo(NY))
    error = refused(lambda: event(start=start, end=end), "end")
    assert "2024-03-10T02:30 does not exist in America/New_York" in str(error)


def test_the_loader_and_the_model_say_the_same_of_a_skipped_time() -> None:
    with pytest.raises(InvalidInput) as loaded:
        localize(GAP, NY)
    with pytest.raises(InvalidInput) as built:
        event(start=GAP.replace(tzinfo=zoneinfo.ZoneInfo(NY)), end=at("2024-03-10T04:00"))
    assert loaded.value.problems[0].message == built.value.problems[0].message


def test_a_fixed_offset_names_one_instant_so_no_time_of_it_is_skipped() -> None:
    # 02:30 at -05:00 is an instant (07:30 UTC) even on the night New York skips 02:30: kept, and
    # written in UTC, as every time in a zone without an IANA name.
    minus_five = dt.timezone(dt.timedelta(hours=-5))
    start = GAP.replace(tzinfo=minus_five)
    written = confcal.to_vevent(event(start=start, end=start + dt.timedelta(hours=1))).to_ical()
    assert b"DTSTART:20240310T073000Z" in written


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            REPEATED.replace(tzinfo=zoneinfo.ZoneInfo(NY)),
            REPEATED.replace(tzinfo=zoneinfo.ZoneInfo(NY), fold=1),
            id="zoneinfo",
        ),
        pytest.param(
            pytz.timezone(NY).localize(REPEATED, is_dst=True),
            pytz.timezone(NY).localize(REPEATED, is_dst=False),
            id="pytz",
        ),
        pytest.param(
            REPEATED.replace(tzinfo=dateutil_tz.gettz(NY)),
            dateutil_tz.enfold(REPEATED.replace(tzinfo=dateutil_tz.gettz(NY)), fold=1),
            id="dateutil",
        ),
    ],
)
def test_both_times_of_a_repeated_hour_are_kept_and_written_in_utc(
    first: dt.datetime, second: dt.datetime
) -> None:
    written = [
        confcal.to_vevent(event(start=start, end=start + dt.timedelta(minutes=20))).to_ical()
        for start in (first, second)
    ]
    assert b"DTSTART:20241103T053000Z" in written[0]
    assert b"DTSTART:20241103T063000Z" in written[1]


# --- No credentials in a published URL ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@example.org/sc24/",
        "https://token@example.org/",
        "http://user:secret@example.org:8080/x?y=1",
        "//user:secret@example.org/",
    ],
)
@pytest.mark.parametrize("make", [event, schedule], ids=["event", "schedule"])
def test_a_url_with_a_user_or_password_is_refused_without_showing_them(
    url: str, make: object
) -> None:
    assert callable(make)
    error = refused(lambda: make(url=url), "url")
    message = str(error)
    assert "user name or password" in message and "remove them" in message
    assert "secret" not in message and "token" not in message
    assert "secret" not in repr(error.problems[0].value)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/talks/@alice",
        "https://example.org/?who=a@b",
        "https://example.org/#@top",
        "mailto:programme@example.org",
    ],
)
def test_an_at_sign_outside_the_host_part_is_no_credential(url: str) -> None:
    assert event(url=url).url == url
    assert schedule(url=url).url == url


def _events_json(tmp_path: Path, calendar_url: str | None, event_url: str | None) -> Path:
    calendar: dict[str, object] = {"name": "Conf", "timezone": NY}
    if calendar_url:
        calendar["url"] = calendar_url
    talk: dict[str, object] = {
        "id": "talk", "title": "Talk", "start": "2024-11-18T10:00", "end": "2024-11-18T11:00",
    }  # fmt: skip
    if event_url:
        talk["url"] = event_url
    path = tmp_path / "events.json"
    path.write_text(json.dumps({"calendar": calendar, "events": [talk]}), "utf-8")
    return path


def test_credentials_in_events_json_are_located_errors(tmp_path: Path) -> None:
    path = _events_json(tmp_path, "https://u:pw@example.org/", "https://u:pw@example.org/talk")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(f"{path}: calendar.url: 'https://...@example.org/' holds" in x for x in lines)
    assert any(f'{path}: event "talk": url: ' in x and "user name or password" in x for x in lines)
    assert "pw@" not in result.output


def test_credentials_in_a_pretalx_schedule_are_located_errors(tmp_path: Path) -> None:
    document = json.loads((Path(__file__).parent / "frab" / "frab.json").read_text("utf-8"))
    document["schedule"]["conference"]["url"] = "https://admin:s3cret@pretalx.example/conf/"
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(document), "utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}: conference.url: 'https://...@pretalx.example/conf/' holds" in result.output
    assert "s3cret" not in result.output


class _Broken(dt.tzinfo):
    """A tzinfo whose utcoffset() breaks the datetime protocol."""

    def utcoffset(self, value: dt.datetime | None) -> dt.timedelta:
        return 5  # type: ignore[return-value]

    # As dt.tzinfo's own, which the stubs declare abstract.
    def tzname(self, value: dt.datetime | None) -> str | None:
        raise NotImplementedError("a tzinfo subclass must implement tzname()")

    def dst(self, value: dt.datetime | None) -> dt.timedelta | None:
        raise NotImplementedError("a tzinfo subclass must implement dst()")


def test_a_tzinfo_that_fails_is_an_invalid_input_naming_the_field() -> None:
    broken = dt.datetime(2024, 1, 1, 10, tzinfo=_Broken())
    assert "_Broken, fails" in str(refused(lambda: event(start=broken), "start"))
    assert "_Broken, fails" in str(refused(lambda: schedule(dtstamp=broken), "dtstamp"))


@pytest.mark.parametrize("url", ["\\,", "https://example.org/a\\b", "\\"])
def test_a_backslash_in_a_url_is_refused_as_no_uri_holds_one(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Schedule(name="X", timezone="UTC", url=url)
    assert caught.value.problems[0].field == "url"
    assert "backslashes" in caught.value.problems[0].message


class _RaisingZone(dt.tzinfo):
    """A caller's tzinfo that fails with something other than a ValueError."""

    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta:
        raise RuntimeError("the zone server is down")

    dst = utcoffset

    def tzname(self, when: dt.datetime | None) -> str:
        raise KeyError(when)


def test_a_tzinfo_that_raises_anything_is_an_invalid_input_naming_the_field() -> None:
    start = dt.datetime(2024, 11, 19, 8, 30, tzinfo=_RaisingZone())
    with pytest.raises(InvalidInput) as caught:
        Event(id="k", title="T", start=start, end=start + dt.timedelta(hours=1))
    assert caught.value.problems[0].field == "start"
    assert "the zone server is down" in caught.value.problems[0].message
    with pytest.raises(InvalidInput) as caught:
        Schedule(name="X", timezone="UTC", dtstamp=start)
    assert caught.value.problems[0].field == "dtstamp"


def test_a_c1_control_character_is_refused_as_the_c0_ones_are() -> None:
    start = localize(dt.datetime(2024, 11, 19, 8, 30), "America/New_York")
    with pytest.raises(InvalidInput) as caught:
        Event(id="k", title="\x9b31mRED", start=start, end=start + dt.timedelta(hours=1))
    assert caught.value.problems[0].field == "title"
    with pytest.raises(InvalidInput):
        Schedule(name="Cal\x9b2J", timezone="UTC")


def test_nel_is_a_line_break_like_cr_and_crlf() -> None:
    start = localize(dt.datetime(2024, 11, 19, 8, 30), "America/New_York")
    event = Event(id="k", title="One\x85Two", start=start, end=start + dt.timedelta(hours=1))
    assert event.title == "One\nTwo"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"sequence": -1}, "sequence", "-1 is not a whole number from 0 to 2147483647"),
        ({"sequence": 2**31}, "sequence", "is not a whole number from 0"),
        ({"sequence": True}, "sequence", "must be a whole number (int), not bool"),
        ({"sequence": "1"}, "sequence", "must be a whole number (int), not str"),
        ({"last_modified": dt.datetime(2025, 3, 5)}, "last_modified", "must be timezone-aware"),
        ({"last_modified": "2025-03-05"}, "last_modified", "a timezone-aware datetime"),
    ],
)
def test_a_revision_no_calendar_can_hold_is_refused_naming_the_field(
    fields: dict[str, object], field: str, message: str
) -> None:
    assert message in str(refused(lambda: event(**fields), field))


def test_last_modified_is_kept_in_utc() -> None:
    moved = event(sequence=3, last_modified=at("2025-03-05T09:00", "Europe/Berlin"))
    assert moved.last_modified == dt.datetime(2025, 3, 5, 8, tzinfo=dt.UTC)
    assert moved.last_modified is not None and moved.last_modified.tzinfo is dt.UTC
