"""The dispatcher (:mod:`confcal.readers`): which reader reads a file; where DTSTAMP comes from."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import confcal
from confcal import readers
from confcal.errors import ConfcalError, InvalidInput
from confcal.readers import detect, events_json, frab_json, frab_xml
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


# --- Arguments of the wrong type ------------------------------------------------------------------

#: What a careless caller passes: never a TypeError or AttributeError back, always a ConfcalError.
WRONG = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.binary(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
    st.builds(object),
)
EVENTS = document(one())


def _calls(value: object) -> list[Callable[[], object]]:
    """Every public reading function of confcal and confcal.readers, given ``value`` in one of
    its parameters, the others as they should be."""
    calls: list[Callable[[], object]] = [
        lambda: confcal.loads(value),  # type: ignore[arg-type]
        lambda: confcal.load(value),  # type: ignore[arg-type]
        lambda: confcal.dumps(value),  # type: ignore[arg-type]
        lambda: readers.parse_refresh(value),  # type: ignore[arg-type]
        lambda: frab_json.loads(value, timezone="UTC"),  # type: ignore[arg-type]
        lambda: events_json.loads(value),  # type: ignore[arg-type]
    ]
    if not isinstance(value, bytes):  # bytes are a file's content to these: read, not refused
        calls.append(lambda: detect(value))  # type: ignore[arg-type]
        calls.append(lambda: frab_xml.loads(value))  # type: ignore[arg-type]
    for keyword in ("format", "source", "timezone", "on_warning", "dtstamp"):
        if value is None and keyword in ("timezone", "on_warning", "dtstamp"):
            continue  # None is what these default to
        options: dict[str, Any] = {keyword: value}
        calls.append(functools.partial(confcal.loads, EVENTS, **options))
        if keyword != "source":  # load's source is the path
            calls.append(functools.partial(confcal.load, _EXAMPLE, **options))
    return calls


_EXAMPLE = Path(__file__).resolve().parent.parent / "events.json"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=WRONG)
def test_any_argument_of_the_wrong_type_raises_a_confcal_error(value: object) -> None:
    for call in _calls(value):
        with pytest.raises(ConfcalError):
            call()


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: confcal.loads(None), "text"),  # type: ignore[arg-type]
        (lambda: confcal.loads(123), "text"),  # type: ignore[arg-type]
        (lambda: confcal.load(None), "path"),  # type: ignore[arg-type]
        (lambda: confcal.load(0), "path"),  # type: ignore[arg-type]
        (lambda: confcal.load(b"events.json"), "path"),  # type: ignore[arg-type]
        (lambda: detect(None), "data"),  # type: ignore[arg-type]
        (lambda: confcal.dumps("events.json"), "schedule"),  # type: ignore[arg-type]
        (lambda: readers.parse_refresh(6), "refresh"),  # type: ignore[arg-type]
        (lambda: confcal.loads(EVENTS, format="xml"), "format"),  # type: ignore[arg-type]
        (lambda: confcal.loads(EVENTS, source=None), "source"),  # type: ignore[arg-type]
        (lambda: confcal.loads(EVENTS, on_warning=[]), "on_warning"),  # type: ignore[arg-type]
        (lambda: confcal.loads(EVENTS, dtstamp=dt.datetime(2024, 1, 1)), "dtstamp"),
        (lambda: confcal.loads(EVENTS, timezone=1), "timezone"),  # type: ignore[arg-type]
    ],
)
def test_an_argument_of_the_wrong_type_is_named_in_the_error(
    call: Callable[[], object], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        call()
    (problem,) = caught.value.problems
    assert problem.field == field
    assert problem.message.startswith("must be ")


def test_a_path_with_a_nul_byte_is_no_such_file() -> None:
    with pytest.raises(InvalidInput) as caught:
        confcal.load("events\0.json")
    assert str(caught.value) == r"'events\x00.json': no such file"


def test_loads_reads_bytes_as_load_reads_the_file() -> None:
    content = _EXAMPLE.read_bytes()
    assert confcal.loads(content) == confcal.loads(content.decode("utf-8"))
    assert detect(content.decode("utf-8")) == detect(content) == "events"


@pytest.mark.parametrize(
    ("epoch", "shown"),
    [
        ("-1", "'-1'"),
        ("yesterday", "'yesterday'"),
        ("\u0663", "'\u0663'"),  # ARABIC-INDIC DIGIT THREE, which int() reads as 3
        ("1\uff12", "'1\uff12'"),  # a full-width 2
        ("+5", "'+5'"),
        (" 5", "' 5'"),
        ("5_000", "'5_000'"),
        ("1700000000\n", r"'1700000000\n'"),
        ("\x1b[31m", r"'\x1b[31m'"),
    ],
)
def test_source_date_epoch_must_be_ascii_digits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: str, shown: str
) -> None:
    path = tmp_path / "events.json"
    path.write_text(document(one()), "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert (problem.source, problem.value) == ("SOURCE_DATE_EPOCH", epoch)
    assert str(problem).startswith(f"SOURCE_DATE_EPOCH: {shown} is not a number of seconds since")


def test_source_date_epoch_past_the_year_9999_is_refused_shortened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.json"
    path.write_text(document(one()), "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "9" * 5000)
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    assert str(caught.value).startswith("SOURCE_DATE_EPOCH: '999")
    assert str(caught.value).endswith("999' seconds since 1970 is past the year 9999")
    assert len(str(caught.value)) < 200


def test_source_date_epoch_of_leading_zeros_and_zero_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.json"
    path.write_text(document(one()), "utf-8")
    for epoch, expected in (("0", 0), ("0001700000000", 1700000000)):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        assert confcal.load(path).dtstamp == dt.datetime.fromtimestamp(expected, UTC)


@pytest.mark.parametrize(
    ("epoch", "shown"),
    [(" ", "' '"), ("1e9", "'1e9'"), ("abc", "'abc'"), ("1700000000.5", "'1700000000.5'"),
     ("-1", "'-1'"), ("+5", "'+5'"), ("5_000", "'5_000'"), ("17\n", r"'17\n'")],
)  # fmt: skip
def test_every_bad_source_date_epoch_gets_one_message_saying_the_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: str, shown: str
) -> None:
    """' ' and '1e9' had a short message, '-1' and '5_000' (which int() reads) a long one."""
    path = tmp_path / "events.json"
    path.write_text(document(one()), "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    assert str(caught.value) == (
        f"SOURCE_DATE_EPOCH: {shown} is not a number of seconds since 1970 in ASCII digits 0-9 "
        "(no sign, blank or separator), as reproducible builds have it"
    )


def test_a_dtstamp_argument_past_the_years_is_refused_as_the_argument() -> None:
    with pytest.raises(InvalidInput) as caught:
        confcal.loads(EVENTS, dtstamp=dt.datetime(2300, 1, 1, tzinfo=UTC))
    (problem,) = caught.value.problems
    assert problem.field == "dtstamp"
    assert "year 2300 is outside 1900 to 2199" in problem.message


def test_an_updated_past_the_years_in_utc_is_located_at_calendar_updated() -> None:
    # 2199 as written, 2200 in UTC: what dumps() would write, and then refuse to read back.
    updated = "2199-12-31T23:30:00-01:00"
    with pytest.raises(InvalidInput) as caught:
        confcal.loads(document(one(), updated=updated))
    (problem,) = caught.value.problems
    assert (problem.field, problem.value) == ("calendar.updated", updated)
    assert "year 2200 is outside 1900 to 2199" in problem.message


def test_source_date_epoch_past_the_years_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.json"
    path.write_text(document(one()), "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "7258118400")  # 2200-01-01
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert problem.source == "SOURCE_DATE_EPOCH"
    assert "year 2200 is outside 1900 to 2199" in problem.message


def test_a_dtstamp_that_is_no_instant_in_utc_is_refused_as_the_argument() -> None:
    early = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with pytest.raises(InvalidInput) as caught:
        confcal.loads(EVENTS, dtstamp=early)
    assert str(caught.value) == (
        "dtstamp: 0001-01-01T00:00:00+01:00 is out of range: it is no instant in UTC"
    )


# --- How much is read ----------------------------------------------------------------------------


def test_the_input_limit_holds_a_hundred_thousand_sessions_of_every_format() -> None:
    """The sizes the limit's comment gives: 100,000 sessions of rC3's pretalx schedule.json."""
    assert readers.INPUT_LIMIT >= 100_000 * 4_751


def test_a_file_larger_than_the_limit_is_refused_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "INPUT_LIMIT", 1 << 20)
    path = tmp_path / "events.json"
    with path.open("wb") as big:
        big.truncate((1 << 20) + 1)  # sparse: one byte past the limit
    read: list[int] = []
    real_open = Path.open

    class Counting:
        """The opened file, counting what is read from it."""

        def __init__(self, file: Any) -> None:
            self.file = file

        def __enter__(self) -> Counting:
            return self

        def __exit__(self, *exc: object) -> None:
            self.file.close()

        def fileno(self) -> int:
            return int(self.file.fileno())

        def read(self, size: int) -> bytes:
            data: bytes = self.file.read(size)
            read.append(len(data))
            return data

    monkeypatch.setattr(Path, "open", lambda *a, **k: Counting(real_open(*a, **k)))
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    assert str(caught.value) == f"{path}: larger than 1 MiB; confcal reads programmes up to 1 MiB"
    assert sum(read) == 0


def test_a_file_as_large_as_the_limit_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.json"
    path.write_text(document(one()), "utf-8")
    monkeypatch.setattr(readers, "INPUT_LIMIT", path.stat().st_size)
    assert len(confcal.load(path).events) == 1
    monkeypatch.setattr(readers, "INPUT_LIMIT", path.stat().st_size - 1)
    with pytest.raises(InvalidInput, match="larger than 0 MiB"):
        confcal.load(path)


@pytest.mark.parametrize("size", [(1 << 16) - 1, 1 << 16, (1 << 16) + 1])
def test_a_pipe_or_device_is_read_up_to_the_limit_and_no_further(
    monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """`confcal check /dev/zero` ended in MemoryError, `yes | confcal check /dev/stdin` in all
    memory: a file of no size (a pipe, a device) was read whole."""
    monkeypatch.setattr(readers, "INPUT_LIMIT", size)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # a writer that never stops, as `yes` does
        os.close(read_end)
        try:
            while True:
                os.write(write_end, b"y\n" * 4096)
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        with pytest.raises(InvalidInput, match="larger than 0 MiB; confcal reads programmes"):
            confcal.load(f"/dev/fd/{read_end}")
        with pytest.raises(InvalidInput, match="larger than 0 MiB; confcal reads programmes"):
            confcal.load("/dev/zero")
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)


@pytest.mark.parametrize("command", ["cat /dev/zero", "yes"])
def test_check_of_an_endless_input_is_an_error_not_all_memory(command: str) -> None:
    """The real limit, in a real process: 512 MiB read, then a located error."""
    result = subprocess.run(
        f"{command} | {shlex.quote(sys.executable)} -m confcal check /dev/stdin",
        shell=True, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stderr == (
        "error: /dev/stdin: larger than 512 MiB; confcal reads programmes up to 512 MiB\n"
    )
