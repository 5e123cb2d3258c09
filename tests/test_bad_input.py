"""Bad input: a clear error naming file, event, field and value; exit code 1; nothing written.

Each file under ``tests/bad/`` is one malformed programme; ``tests/bad/expected.json`` lists, for
each, the words its messages must contain (besides the file name, which every line must start
with). The same corpus is run through ``confcal check``, ``confcal export -o`` over an existing
file and ``confcal export --split day``, and through the library.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import confcal
from confcal.cli import cli

BAD = Path(__file__).parent / "bad"
EXPECTED: dict[str, list[str]] = json.loads((BAD / "expected.json").read_text("utf-8"))


def _python_reads_deep_nesting() -> bool:
    """Whether this Python's json parses ``deeply_nested.json`` (5,000 levels): 3.11 and 3.12
    stop with a RecursionError, 3.13 reads it."""
    try:
        json.loads((BAD / "deeply_nested.json").read_text("utf-8"))
    except RecursionError:
        return False
    return True


if _python_reads_deep_nesting():
    # Read, the nested list is a title that is not text: refused all the same, located.
    EXPECTED["deeply_nested.json"] = ['event "talk"', "title: must be text, not a list"]
CASES = sorted(p.name for p in BAD.glob("*.json") if p.name != "expected.json")
OLD_CALENDAR = b"BEGIN:VCALENDAR\r\nX-OLD:the calendar published before\r\nEND:VCALENDAR\r\n"
OLD_TIME = 1_000_000_000  # 2001: an mtime no run could set by accident


def test_every_bad_file_has_its_expectations_and_there_are_enough() -> None:
    assert sorted(EXPECTED) == CASES
    assert len(CASES) >= 30


@pytest.fixture
def events(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The bad file, copied into a folder of its own (so that anything written there shows)."""
    name: str = request.param
    source = BAD / name
    target = tmp_path / source.name
    shutil.copyfile(source, target)
    return target


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def assert_refused(result: Result, events: Path, words: list[str] | None = None) -> None:
    """Exit code 1, no traceback, and every expected word (``words``, else the corpus's own for
    the file) on stderr in ``error:`` lines."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {result.exception!r}\n{result.output}"
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines
    for line in lines:
        assert line.startswith(f"error: {events}: "), line
    for word in EXPECTED[events.name] if words is None else words:
        assert word in result.stderr, f"{word!r} not in:\n{result.stderr}"


@pytest.mark.parametrize("events", CASES, indirect=True)
def test_check_reports_every_problem_with_file_event_field_and_value(events: Path) -> None:
    result = run("check", str(events))
    assert_refused(result, events)
    assert result.stdout == ""


@pytest.mark.parametrize("events", CASES, indirect=True)
def test_export_leaves_an_existing_calendar_byte_identical(events: Path) -> None:
    output = events.parent / "existing.ics"
    output.write_bytes(OLD_CALENDAR)
    os.utime(output, (OLD_TIME, OLD_TIME))
    before = sorted(p.name for p in events.parent.iterdir())
    result = run("export", str(events), "-o", str(output))
    assert_refused(result, events)
    assert output.read_bytes() == OLD_CALENDAR
    assert output.stat().st_mtime == OLD_TIME
    assert sorted(p.name for p in events.parent.iterdir()) == before  # no temporary file either


@pytest.mark.parametrize("events", CASES, indirect=True)
def test_export_split_does_not_create_the_folder(events: Path) -> None:
    folder = events.parent / "calendars" / "days"
    result = run("export", str(events), "--split", "day", "-o", str(folder))
    assert_refused(result, events)
    assert not (events.parent / "calendars").exists()


@pytest.mark.parametrize("events", CASES, indirect=True)
def test_export_to_stdout_writes_nothing(events: Path) -> None:
    result = run("export", str(events))
    assert_refused(result, events)
    assert result.stdout_bytes == b""


@pytest.mark.parametrize("events", CASES, indirect=True)
def test_library_raises_invalid_input_with_located_problems(events: Path) -> None:
    with pytest.raises(confcal.InvalidInput) as caught:
        confcal.load(events)
    error = caught.value
    assert isinstance(error, confcal.ConfcalError)
    assert all(p.source == str(events) for p in error.problems)
    for words in EXPECTED[events.name]:
        assert words in str(error)


def test_problem_carries_source_event_field_and_value(tmp_path: Path) -> None:
    events = tmp_path / "events.json"
    shutil.copyfile(BAD / "end_before_start.json", events)
    with pytest.raises(confcal.ConfcalError) as caught:
        confcal.load(events)
    assert isinstance(caught.value, confcal.InvalidInput)
    (problem,) = caught.value.problems
    assert (problem.source, problem.event, problem.field, problem.value) == (
        str(events),
        '"parsl-cwl"',
        "end",
        "2024-11-18T10:00",
    )
    assert str(problem) == (
        f'{events}: event "parsl-cwl": end: '
        "'2024-11-18T10:00' is not after start '2024-11-18T11:21'"
    )


def test_many_problems_are_reported_in_one_run_one_line_each(tmp_path: Path) -> None:
    events = tmp_path / "many_problems.json"
    shutil.copyfile(BAD / events.name, events)
    with pytest.raises(confcal.InvalidInput) as caught:
        confcal.load(events)
    located = {(p.event, p.field) for p in caught.value.problems}
    assert located == {
        (None, "calendar.day_change"),
        ('"one"', "end"),
        ('"two"', "locaton"),
        ('"three"', "start"),
        ("#4", "id"),
    }


def test_past_fifty_problems_the_rest_are_counted_not_printed(tmp_path: Path) -> None:
    events = tmp_path / "empty_events.json"
    document = {"calendar": {"name": "X", "timezone": "UTC"}, "events": [{}] * 20}
    events.write_text(json.dumps(document), "utf-8")
    with pytest.raises(confcal.InvalidInput) as caught:
        confcal.load(events)
    result = run("check", str(events))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 51
    assert lines[-1] == f"error: {events}: and {len(caught.value.problems) - 50} more problems"
    assert all(line.startswith(f"error: {events}: event #") for line in lines[:50])


def test_a_programme_too_wrong_to_read_ends_with_why_reading_stopped(tmp_path: Path) -> None:
    events = tmp_path / "empty_events.json"
    document = {"calendar": {"name": "X", "timezone": "UTC"}, "events": [{}] * 200_000}
    events.write_text(json.dumps(document), "utf-8")
    lines = run("check", str(events)).stderr.splitlines()
    assert len(lines) == 52
    assert lines[-2] == f"error: {events}: and 950 more problems"
    assert lines[-1].startswith(f"error: {events}: stopped reading after 1000 problems")


def test_the_bad_files_differ_from_a_good_one_only_in_what_is_wrong(tmp_path: Path) -> None:
    """The corpus's base programme itself is valid: each case fails for its own reason."""
    good = {
        "calendar": {"name": "Bad input", "timezone": "America/New_York"},
        "events": [
            {
                "id": "talk",
                "title": "A talk",
                "start": "2024-11-18T11:21",
                "end": "2024-11-18T11:44",
            }
        ],
    }
    events = tmp_path / "good.json"
    events.write_text(json.dumps(good), "utf-8")
    result = run("check", str(events))
    assert result.exit_code == 0, result.output


def test_a_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "nope.json"))
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path / 'nope.json'}: no such file\n"


def test_a_folder_given_as_the_programme_is_a_usage_error(tmp_path: Path) -> None:
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert "is a directory" in result.stderr
    assert "Traceback" not in result.output


def test_an_unreadable_programme_is_an_error_from_the_library(tmp_path: Path) -> None:
    with pytest.raises(confcal.InvalidInput, match="cannot read: Is a directory"):
        confcal.load(tmp_path)


def test_a_bad_source_date_epoch_is_reported_with_the_input_problems(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(confcal.InvalidInput) as caught:
        confcal.load(BAD / "bad_updated.json")
    messages = [str(p) for p in caught.value.problems]
    wrong = "SOURCE_DATE_EPOCH: 'yesterday' is not a number of seconds since 1970 in ASCII digits"
    assert any(m.startswith(wrong) for m in messages), messages
    assert any("calendar.updated" in m for m in messages)


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("not_utf8.json", "export"),
        ("deeply_nested.json", "export"),
        ("surrogate_in_title.json", "export"),
        ("many_problems.json", "check"),
    ],
)
def test_no_traceback_reaches_a_real_terminal(name: str, command: str, tmp_path: Path) -> None:
    """End to end, in a fresh interpreter with a plain C locale, as a Makefile runs it."""
    events = tmp_path / name
    shutil.copyfile(BAD / name, events)
    output = tmp_path / "out.ics"
    output.write_bytes(OLD_CALENDAR)
    args = [command, str(events)] + (["-o", str(output)] if command == "export" else [])
    env = {**os.environ, "LC_ALL": "C"}
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run(
        [sys.executable, "-m", "confcal", *args], capture_output=True, env=env, check=False
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, stderr
    assert "Traceback" not in stderr
    for line in stderr.splitlines():
        assert line.startswith(f"error: {events}: "), line
    assert done.stdout == b""
    assert output.read_bytes() == OLD_CALENDAR


# --- Anything at all: exit code 0 or 1, never an uncaught exception ---------------------------

_VALID = {
    "calendar": {
        "name": "Fuzz",
        "timezone": "Europe/Berlin",
        "day_change": "04:00",
        "updated": "2024-11-14T00:00:00Z",
    },
    "events": [
        {"id": "a", "title": "A", "start": "2024-12-27T11:00", "end": "2024-12-27T12:00"},
        {"id": "b", "title": "B", "start": "2024-12-28", "end": "2024-12-29", "location": "Hall"},
        {"id": "c", "title": "C", "start": "2025-10-26T02:30+01:00", "duration": "PT45M"},
    ],
}
_KEYS = [
    "calendar", "events", "name", "timezone", "description", "url", "uid_domain", "day_change",
    "updated", "id", "title", "start", "end", "duration", "type", "location", "speakers", "status",
]  # fmt: skip
_ZONES = [
    "Europe/Berlin", "America/New_York", "UTC", "", " ", "../../etc/passwd", "/etc/localtime",
    "Europe/../Europe/Berlin", "europe/berlin", "Etc/GMT+14", "EST5EDT", "posixrules", "Factory",
    "right/UTC", "A" * 300, "Europe/Berlin\x00", "\ud800", "Australia/Lord_Howe",
]  # fmt: skip

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.text(st.characters(codec=None, categories=["Cs", "Cc", "Zl", "Zp"]), max_size=5)
)
_json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Built from parts rather than st.from_regex, which is many times slower to draw from.
_times = st.builds(
    "{}-{:02d}-{:02d}{}".format,
    st.sampled_from([1, 1899, 1900, 2024, 2025, 2199, 2200, 9999]),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["", "T00:00", "T02:30", "T01:30", "T23:59", "T24:00", "T12:60", "T02:30:59"])
    | st.builds("T{:02d}:{:02d}{}".format, st.integers(0, 25), st.integers(0, 61),
                st.sampled_from(["", "Z", "+01:00", "+02:00", "-05:00", "+14:00", "+24:00"])),
)  # fmt: skip
_durations = st.builds(
    "{}P{}".format,
    st.sampled_from(["", "-", "+"]),
    st.sampled_from(["", "T", "1D", "T45M", "1W", "999999999D", "T1H30M", "2DT1S", "T0S", "1Y"]),
)
_field_values = (
    _json_values
    | _times
    | _durations
    | st.sampled_from(_ZONES)
    | st.text(max_size=40)
    | st.sampled_from(["confirmed", "CANCELLED", "postponed", "00:00", "23:59", "24:00", "\r\n"])
)


@st.composite
def _mutated(draw: st.DrawFn) -> object:
    """The valid programme with a few fields replaced, removed or added."""
    document = json.loads(json.dumps(_VALID))
    calendar, events = document["calendar"], document["events"]
    targets = [document, calendar, *events]  # taken first: a mutation may replace calendar/events
    for _ in range(draw(st.integers(1, 4))):
        target = draw(st.sampled_from(targets))
        key = draw(st.sampled_from(_KEYS) | st.text(max_size=8))
        if draw(st.integers(0, 3)) == 0:
            target.pop(key, None)
        else:
            target[key] = draw(_field_values)
    if draw(st.booleans()):
        events.append(draw(st.dictionaries(st.sampled_from(_KEYS), _field_values)))
    return document


@st.composite
def _documents(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "random", "text", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "text":
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    document = draw(_mutated()) if kind == "mutated" else draw(_json_values)
    ascii_only = draw(st.booleans())  # False: lone surrogates become bytes that are not UTF-8
    return json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "events.json"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_documents())
def test_check_never_crashes_on_any_document(fuzz_file: Path, data: bytes) -> None:
    fuzz_file.write_bytes(data)
    result = run("check", str(fuzz_file))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {result.exception!r} for {data!r}"
    )
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        assert result.stderr.startswith("error: ")
        assert result.stdout == ""


def test_a_file_name_with_a_control_character_is_shown_escaped(tmp_path: Path) -> None:
    events = tmp_path / "bad\x1b]0;owned\x07.json"
    events.write_text("{", "utf-8")
    result = run("check", str(events))
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr
    assert "\\x1b]0;owned\\x07.json" in result.stderr
