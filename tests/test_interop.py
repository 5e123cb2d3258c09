"""The SC24 calendar read back by independent readers: each session at its UTC time, text intact."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
import pytest

import confcal
import readers

# The seed's Eastern times, converted by hand: EST is UTC-5 throughout SC24 (17-22 Nov 2024).
EXPECTED_UTC = {
    "parsl-cwl": ("2024-11-18T16:21", "2024-11-18T16:44"),
    "seesaw-poster": ("2024-11-19T17:00", "2024-11-19T22:00"),
    "hpc-software-sustainability-bof": ("2024-11-19T22:15", "2024-11-19T23:45"),
    "workflows-community-bof": ("2024-11-19T22:15", "2024-11-19T23:45"),
    "serverless-hpc-panel": ("2024-11-21T15:30", "2024-11-21T17:00"),
    "iri-interfaces-bof": ("2024-11-21T17:15", "2024-11-21T18:15"),
    "globus-compute": ("2024-11-22T13:40", "2024-11-22T14:10"),
}
DOMAIN = "sc24.parsl-project.org"


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def seed_ics() -> bytes:
    return confcal.to_ical(confcal.load(Path(__file__).resolve().parents[1] / "events.json"))


@pytest.mark.parametrize("reader", sorted(readers.ALL_READERS))
def test_every_reader_puts_each_seed_session_at_its_utc_time(seed_ics: bytes, reader: str) -> None:
    times = readers.ALL_READERS[reader](seed_ics)
    expected = {
        f"{event_id}@{DOMAIN}": (_utc(start), _utc(end))
        for event_id, (start, end) in EXPECTED_UTC.items()
    }
    assert times == expected


def test_seed_text_survives_in_vobject_exactly_as_published(
    seed_ics: bytes, seed_path: Path
) -> None:
    import vobject

    source = {e["id"]: e for e in json.loads(seed_path.read_text("utf-8"))["events"]}
    cal = vobject.readOne(seed_ics.decode())
    assert len(cal.vevent_list) == len(source) == 7
    for vevent in cal.vevent_list:
        event = source[vevent.uid.value.split("@")[0]]
        assert vevent.summary.value == event["title"]
        assert vevent.location.value == event["location"]
        assert vevent.description.value.startswith(event["description"])
        assert vevent.categories.value == [event["type"]]


def test_seed_poster_names_its_author_in_the_description(seed_ics: bytes) -> None:
    cal = icalendar.Calendar.from_ical(seed_ics)
    (poster,) = [e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("seesaw-poster@")]
    assert str(poster["DESCRIPTION"]).endswith("\n\nSpeaker: Matthew Chung, UC Riverside")
    assert "ATTENDEE" not in poster and "ORGANIZER" not in poster


def test_seed_vtimezone_is_small_and_has_no_comment(seed_ics: bytes) -> None:
    start = seed_ics.index(b"BEGIN:VTIMEZONE")
    end = seed_ics.index(b"END:VTIMEZONE") + len(b"END:VTIMEZONE\r\n")
    block = seed_ics[start:end]
    assert len(block) < 1024
    assert b"COMMENT" not in block
    assert seed_ics.count(b"BEGIN:VTIMEZONE") == 1


@pytest.mark.parametrize("reader", sorted(readers.NATIVE_AVAILABLE))
def test_native_client_readers_run_where_ci_installs_them(reader: str) -> None:
    if not readers.NATIVE_AVAILABLE[reader]:
        if readers.NATIVE_REQUIRED:
            pytest.fail(f"{reader} is not installed, but .ci/run installs it")
        pytest.skip(f"{reader} is not installed (.ci/run installs it)")
    assert reader in readers.FILE_ZONE_READERS


@pytest.mark.skipif(not readers.NATIVE_AVAILABLE["libical"], reason="libical is not installed")
def test_libical_restriction_checker_finds_nothing_but_the_itip_organizer(seed_ics: bytes) -> None:
    # RFC 5546 (iTIP) wants an ORGANIZER in a PUBLISH; a programme has no one to name there, and
    # speakers are not organizers. Everything else, VTIMEZONE included, must pass.
    problems = readers.libical_problems(seed_ics)
    assert problems
    assert all("ORGANIZER" in p for p in problems), problems


@pytest.fixture(scope="module")
def language_ics() -> bytes:
    """A session with a language: SUMMARY, DESCRIPTION and the alarm carry LANGUAGE=de."""
    zone = "Europe/Berlin"
    start = confcal.localize(dt.datetime(2025, 3, 29, 10, 0), zone)
    event = confcal.Event(
        id="vortrag", title="Über Uhren, Zeit; und Zonen", start=start,
        end=start + dt.timedelta(hours=1), description="Ein Vortrag.", language="de-DE",
    )  # fmt: skip
    schedule = confcal.Schedule(name="Konferenz", timezone=zone, events=[event])
    data = confcal.to_ical(schedule, alarm=dt.timedelta(minutes=10))
    assert data.count(b";LANGUAGE=de-DE:") == 3
    return data


@pytest.mark.parametrize("reader", sorted(readers.ALL_READERS))
def test_every_reader_reads_a_calendar_with_language_parameters(
    language_ics: bytes, reader: str
) -> None:
    times = readers.ALL_READERS[reader](language_ics)
    start = dt.datetime(2025, 3, 29, 9, 0, tzinfo=dt.UTC)
    assert times == {"vortrag@konferenz.confcal.invalid": (start, start + dt.timedelta(hours=1))}


def test_the_language_parameter_leaves_the_text_as_it_was(language_ics: bytes) -> None:
    import vobject

    vevent = vobject.readOne(language_ics.decode()).vevent
    assert vevent.summary.value == "Über Uhren, Zeit; und Zonen"
    assert vevent.summary.params["LANGUAGE"] == ["de-DE"]
    assert vevent.description.value == "Ein Vortrag."


@pytest.mark.skipif(not readers.NATIVE_AVAILABLE["libical"], reason="libical is not installed")
def test_libical_finds_nothing_new_in_language_parameters(language_ics: bytes) -> None:
    problems = readers.libical_problems(language_ics)
    assert all("ORGANIZER" in p for p in problems), problems
