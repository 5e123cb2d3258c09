"""Real published programmes (38C3, FOSDEM 2026): every session at its instant, on its day.

They live beside the repository, never in it; these tests skip where they are absent.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
from pathlib import Path

import pytest

import confcal
import readers
from conftest import programmes_dir

PROGRAMMES = programmes_dir()
pytestmark = pytest.mark.skipif(PROGRAMMES is None, reason="../shared/programmes is not here")
NAMES = ["38c3", "fosdem2026"]


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module", params=NAMES)
def programme(request: pytest.FixtureRequest) -> tuple[Path, confcal.Schedule, bytes]:
    assert PROGRAMMES is not None
    folder = PROGRAMMES / request.param
    schedule = confcal.load(folder / "events.json")
    return folder, schedule, confcal.to_ical(schedule)


def test_every_session_is_exported_at_its_published_utc_instant(
    programme: tuple[Path, confcal.Schedule, bytes],
) -> None:
    folder, schedule, data = programme
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    times = readers.by_dateutil_tzical(data)
    domain = schedule.uid_host
    assert len(times) == len(expected)
    for event_id, want in expected.items():
        assert times[f"{event_id}@{domain}"] == (_utc(want["start_utc"]), _utc(want["end_utc"])), (
            event_id
        )


def test_every_session_is_on_its_published_conference_day(
    programme: tuple[Path, confcal.Schedule, bytes],
) -> None:
    folder, schedule, _ = programme
    expected = json.loads((folder / "days.json").read_text("utf-8"))
    days = {
        day.isoformat(): sorted(e.id for e in part.events) for day, part in schedule.days().items()
    }
    assert days == {day: sorted(ids) for day, ids in expected.items()}


def test_titles_and_rooms_survive_unchanged(
    programme: tuple[Path, confcal.Schedule, bytes],
) -> None:
    import vobject

    folder, schedule, data = programme
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    domain = schedule.uid_host
    got = {
        e.uid.value: (e.summary.value, e.location.value)
        for e in vobject.readOne(data.decode()).vevent_list
    }
    want = {f"{i}@{domain}": (e["summary"], e["location"]) for i, e in expected.items()}
    assert got == want
    assert (
        collections.Counter(t for t, _ in got.values()).most_common(1)[0][1] > 1
    )  # repeated titles
