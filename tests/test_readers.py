"""The dispatcher (:mod:`confcal.readers`): which reader reads a file; where DTSTAMP comes from."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

import confcal
from confcal.errors import InvalidInput
from confcal.readers import detect
from test_events_json import document, one

FIXTURES = Path(__file__).resolve().parent / "frab"
UTC = dt.UTC


# --- Recognising the format -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pretalx.json", "frab-json"),
        ("frab.json", "frab-json"),
        ("schedule.xml", "frab-xml"),
        ("bomb.xml", "frab-xml"),
    ],
)
def test_format_is_recognised_by_content(name: str, expected: str) -> None:
    assert detect((FIXTURES / name).read_bytes()) == expected


def test_events_json_is_recognised_even_when_a_description_mentions_schedule() -> None:
    text = json.dumps(
        {
            "calendar": {"name": "C", "timezone": "Europe/Berlin"},
            "events": [
                {
                    "id": "a",
                    "title": "T",
                    "start": "2025-01-01T10:00",
                    "duration": "PT1H",
                    "description": '{"schedule": {"conference": {}}}',
                }
            ],
        }
    )
    assert detect(text.encode()) == "events"


def test_format_option_forces_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "programme.txt"
    path.write_bytes((FIXTURES / "schedule.xml").read_bytes())
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path, format="frab-json")
    assert "not valid JSON" in str(caught.value)
    assert confcal.load(path, format="frab-xml").name == "ExampleConf 2026"


# --- DTSTAMP, resolved at the edge ---------------------------------------------------------------


def test_dtstamp_comes_from_source_date_epoch_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.json"
    path.write_text(document(one(), updated="2024-11-14T00:00:00Z"), "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert confcal.load(path).dtstamp == dt.datetime.fromtimestamp(1700000000, UTC)


def test_loads_never_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    stamp = dt.datetime(2024, 1, 2, tzinfo=UTC)
    assert confcal.loads(document(one())).dtstamp == dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert confcal.loads(document(one()), dtstamp=stamp).dtstamp == stamp
    updated = document(one(), updated="2024-11-14T00:00:00Z")
    assert confcal.loads(updated, dtstamp=stamp).dtstamp == dt.datetime(2024, 11, 14, tzinfo=UTC)


def test_load_with_a_dtstamp_reads_neither_the_environment_nor_the_file_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.json"
    path.write_text(document(one()), "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    epoch = dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert confcal.load(path, dtstamp=epoch).dtstamp == epoch


def test_dtstamp_comes_from_calendar_updated_without_source_date_epoch() -> None:
    schedule = confcal.loads(document(one(), updated="2024-11-14T09:00:00+01:00"))
    assert schedule.dtstamp == dt.datetime(2024, 11, 14, 8, 0, tzinfo=UTC)


def test_dtstamp_comes_from_the_file_modification_time_last(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(document(one()), "utf-8")
    os.utime(path, (1600000000, 1600000000))
    assert confcal.load(path).dtstamp == dt.datetime.fromtimestamp(1600000000, UTC)


def test_dtstamp_never_comes_from_the_clock() -> None:
    assert confcal.loads(document(one())).dtstamp == dt.datetime(1970, 1, 1, tzinfo=UTC)
