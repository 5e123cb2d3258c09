"""The confcal command: thin over the library, data to stdout, messages to stderr."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner

from confcal.cli import _Bar, _progress, cli
from confcal.ical import MAX_ALARM


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "confcal", *args], capture_output=True, text=True, check=False
    )


def test_export_writes_the_whole_programme_to_stdout(seed_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", str(seed_path)])
    assert result.exit_code == 0, result.output
    cal = icalendar.Calendar.from_ical(result.stdout_bytes)
    assert len(cal.walk("VEVENT")) == 7


def test_export_to_a_file_writes_the_same_bytes_as_stdout(seed_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "parsl.ics"
    runner = CliRunner()
    assert runner.invoke(cli, ["export", str(seed_path), "-o", str(target)]).exit_code == 0
    assert target.read_bytes() == runner.invoke(cli, ["export", str(seed_path)]).stdout_bytes


def test_split_day_writes_one_calendar_per_conference_day(seed_path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["export", str(seed_path), "--split", "day", "-o", str(tmp_path / "d")]
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "d").glob("*.ics"))
    assert files == ["2024-11-18.ics", "2024-11-19.ics", "2024-11-21.ics", "2024-11-22.ics"]
    tuesday = icalendar.Calendar.from_ical((tmp_path / "d" / "2024-11-19.ics").read_bytes())
    assert len(tuesday.walk("VEVENT")) == 3
    assert len(tuesday.walk("VTIMEZONE")) == 1


def test_split_event_writes_one_complete_calendar_per_session(
    seed_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "s"
    assert (
        CliRunner()
        .invoke(cli, ["export", str(seed_path), "--split", "event", "-o", str(out)])
        .exit_code
        == 0
    )
    files = sorted(out.glob("*.ics"))
    assert len(files) == 7
    cwl = icalendar.Calendar.from_ical((out / "parsl-cwl.ics").read_bytes())
    (vevent,) = cwl.walk("VEVENT")
    assert str(vevent["UID"]) == "parsl-cwl@sc24.parsl-project.org"
    assert vevent.decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(
        2024, 11, 18, 16, 21, tzinfo=dt.UTC
    )
    assert len(cwl.walk("VTIMEZONE")) == 1


def test_uids_are_the_same_in_full_day_and_event_files(seed_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    uids = {}
    for split in ("none", "day", "event"):
        target = tmp_path / split
        out = str(target / "all.ics") if split == "none" else str(target)
        target.mkdir()
        assert (
            runner.invoke(cli, ["export", str(seed_path), "--split", split, "-o", out]).exit_code
            == 0
        )
        uids[split] = sorted(
            str(e["UID"])
            for f in target.glob("*.ics")
            for e in icalendar.Calendar.from_ical(f.read_bytes()).walk("VEVENT")
        )
    assert uids["none"] == uids["day"] == uids["event"]
    assert len(uids["none"]) == 7


def test_rebuild_removes_the_file_of_a_day_that_has_no_events_left(tmp_path: Path) -> None:
    events = tmp_path / "events.json"
    two_days = (
        '{"calendar": {"name": "C", "timezone": "UTC"}, "events": ['
        '{"id": "a", "title": "A", "start": "2024-11-18T09:00", "end": "2024-11-18T10:00"}%s]}'
    )
    events.write_text(
        two_days
        % ',{"id": "b", "title": "B", "start": "2024-11-19T09:00", "end": "2024-11-19T10:00"}'
    )
    out, keep = tmp_path / "days", tmp_path / "days" / "notes.txt"
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["export", str(events), "--split", "day", "-o", str(out)]).exit_code == 0
    )
    keep.write_text("mine")
    events.write_text(two_days % "")
    assert (
        runner.invoke(cli, ["export", str(events), "--split", "day", "-o", str(out)]).exit_code == 0
    )
    assert sorted(p.name for p in out.iterdir()) == [
        ".confcal-files",
        "2024-11-18.ics",
        "notes.txt",
    ]


def test_unchanged_output_is_not_rewritten(seed_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "parsl.ics"
    runner = CliRunner()
    runner.invoke(cli, ["export", str(seed_path), "-o", str(target)])
    os.utime(target, (1, 1))
    assert runner.invoke(cli, ["export", str(seed_path), "-o", str(target)]).exit_code == 0
    assert target.stat().st_mtime == 1


def test_check_prints_a_one_line_summary(seed_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(seed_path)])
    assert result.exit_code == 0
    assert result.output == (
        f"{seed_path}: ok: 7 events on 4 days (2024-11-18 to 2024-11-22), "
        "time zone America/New_York\n"
    )


def test_bad_input_exits_1_with_the_problem_on_stderr_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "events.json"
    bad.write_text('{"calendar": {"name": "C", "timezone": "Mars/Base"}, "events": []}')
    result = run("check", str(bad))
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"error: {bad}: calendar.timezone: unknown time zone 'Mars/Base'" in result.stderr
    assert "Traceback" not in result.stderr


def test_split_without_a_folder_is_a_usage_error(seed_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", str(seed_path), "--split", "day"])
    assert result.exit_code == 2
    assert "give the folder with -o" in result.output


@pytest.mark.parametrize(
    "args", [["export"], ["export", "x.json", "--split", "week"], ["frobnicate"]]
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert CliRunner().invoke(cli, args).exit_code == 2


def test_python_dash_m_confcal_runs_the_cli(seed_path: Path) -> None:
    result = run("check", str(seed_path))
    assert result.returncode == 0
    assert "7 events" in result.stdout


@pytest.mark.parametrize("command", ["export", "check"])
def test_every_command_help_shows_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert f"confcal {command} events.json" in result.output


def _programme(tmp_path: Path, **event: object) -> Path:
    import json

    base = {"id": "e", "title": "T", "start": "2024-11-18T09:00", "end": "2024-11-18T10:00"}
    path = tmp_path / "events.json"
    calendar = {"name": "C", "timezone": "America/New_York"}
    path.write_text(json.dumps({"calendar": calendar, "events": [{**base, **event}]}))
    return path


@pytest.mark.parametrize(
    "command", [["export", "--split", "event"], ["export", "--split", "day"], ["site"]]
)
def test_title_with_a_line_break_exports_through_every_split(
    tmp_path: Path, command: list[str]
) -> None:
    events = _programme(tmp_path, title="Line one\nline two")
    result = CliRunner().invoke(
        cli, [command[0], str(events), *command[1:], "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    calendars = list((tmp_path / "out").rglob("*.ics"))
    assert calendars
    for path in calendars:
        (vevent,) = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        assert str(vevent["SUMMARY"]) == "Line one\nline two"


def test_output_to_a_pipe_is_written_not_replaced(tmp_path: Path) -> None:
    events = _programme(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    result = run("export", str(events), "-o", str(fifo))
    out, _ = reader.communicate(timeout=30)
    assert result.returncode == 0, result.stderr
    assert out.startswith(b"BEGIN:VCALENDAR")
    assert fifo.is_fifo()


def test_output_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    events = _programme(tmp_path)
    real = tmp_path / "srv" / "calendar.ics"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "calendar.ics"
    link.symlink_to(real)
    assert CliRunner().invoke(cli, ["export", str(events), "-o", str(link)]).exit_code == 0
    assert link.is_symlink()
    assert real.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_an_alarm_longer_than_a_year_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["export", str(_programme(tmp_path)), "--alarm", "9999999999999"]
    )
    assert result.exit_code == 2


def test_the_alarm_option_takes_up_to_the_librarys_limit(tmp_path: Path) -> None:
    limit = MAX_ALARM // dt.timedelta(minutes=1)
    events = _programme(tmp_path)
    for minutes, code in ((limit, 0), (limit + 1, 2)):
        result = CliRunner().invoke(cli, ["export", str(events), "--alarm", str(minutes)])
        assert result.exit_code == code, result.output


def test_check_counts_one_event_on_one_day_in_the_singular(tmp_path: Path) -> None:
    events = tmp_path / "one.json"
    events.write_text(
        '{"calendar": {"name": "One", "timezone": "UTC"}, "events": [{"id": "a", "title": "A",'
        ' "start": "2025-06-01T10:00", "end": "2025-06-01T11:00"}]}',
        "utf-8",
    )
    result = CliRunner().invoke(cli, ["check", str(events)])
    assert result.exit_code == 0, result.output
    assert ": ok: 1 event on 1 day (2025-06-01 to 2025-06-01), time zone UTC" in result.output


# --- Command-line conventions: stdin, closed pipes, completion, progress ------------------------


def _piped(args: list[str], data: bytes, **env: str) -> subprocess.CompletedProcess[bytes]:
    """confcal with ``data`` on stdin through a pipe (never a file)."""
    return subprocess.run(
        [sys.executable, "-m", "confcal", *args],
        input=data,
        capture_output=True,
        check=False,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_a_programme_from_stdin_takes_dtstamp_from_updated(seed_path: Path, name: str) -> None:
    piped = _piped(["export", name], seed_path.read_bytes())
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == CliRunner().invoke(cli, ["export", str(seed_path)]).stdout_bytes


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_a_piped_programme_without_updated_is_an_error_never_the_clock(
    seed_path: Path, name: str
) -> None:
    document = json.loads(seed_path.read_text("utf-8"))
    del document["calendar"]["updated"]
    data = json.dumps(document).encode()
    piped = _piped(["export", name], data)
    assert (piped.returncode, piped.stdout) == (1, b"")
    assert b"read from stdin, which has no modification time" in piped.stderr
    assert b"calendar.updated" in piped.stderr and b"SOURCE_DATE_EPOCH" in piped.stderr
    stamped = _piped(["export", name], data, SOURCE_DATE_EPOCH="1733000000")
    assert stamped.returncode == 0, stamped.stderr
    assert b"DTSTAMP:20241130T205320Z" in stamped.stdout


def test_stdin_works_for_every_command_that_reads(seed_path: Path) -> None:
    for command in (["check", "-"], ["list", "-"], ["convert", "-"]):
        piped = _piped(command, seed_path.read_bytes())
        assert piped.returncode == 0, (command, piped.stderr)
        assert piped.stdout


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], ["export", "--help"], ["diff", "--help"], ["diff", "A", "A"]],
)
def test_a_closed_pipe_ends_quietly_for_every_command(seed_path: Path, args: list[str]) -> None:
    args = [str(seed_path) if a == "A" else a for a in args]
    reader, writer = os.pipe()
    os.close(reader)  # whatever is written now meets a closed pipe
    try:
        done = subprocess.run(
            [sys.executable, "-m", "confcal", *args], stdout=writer, capture_output=False,
            stderr=subprocess.PIPE, check=False,
        )  # fmt: skip
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (0, b"")


def test_an_events_json_without_events_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "events.json"
    empty.write_text('{"calendar": {"name": "C", "timezone": "Europe/Berlin"}, "events": []}')
    result = run("export", str(empty), "-o", str(tmp_path / "all.ics"))
    assert result.returncode == 1
    assert f"error: {empty}: events: is empty: the programme lists no events" in result.stderr
    assert not (tmp_path / "all.ics").exists()


def _completions(*words: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "confcal"],
        env={
            **os.environ,
            "_CONFCAL_COMPLETE": "bash_complete",
            "COMP_WORDS": " ".join(["confcal", *words]),
            "COMP_CWORD": str(len(words)),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    return [line.partition(",")[2] for line in done.stdout.splitlines()]


def test_the_shell_completes_commands_options_and_zone_names() -> None:
    assert "diff" in _completions("d")
    assert _completions("export", "x", "--spl") == ["--split"]
    assert _completions("export", "x", "--split", "") == ["none", "day", "event", "track", "room"]
    assert _completions("list", "x", "--tz", "europe/berl") == ["Europe/Berlin"]
    assert "America/New_York" in _completions("check", "x", "--timezone", "America/N")


#: Runs the command as its console script does, then prints every module loaded, as JSON, as the
#: last line of stderr.
_LOADED = """
import json, sys
from confcal.cli import main
sys.argv = ["confcal", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
#: What printing help or completing a word has no use for: calendars, zones, the model, the
#: readers, the writer, the page.
_THE_LIBRARY = {"icalendar", "pytz", "dateutil", "jinja2", "defusedxml", "lxml"} | {
    f"confcal.{m}" for m in ("model", "zones", "ical", "files", "readers", "site", "history")
}


def _loaded(*args: str, **env: str) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, *args],
        env={**os.environ, **env}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.stdout, set(json.loads(done.stderr.splitlines()[-1]))


@pytest.mark.parametrize("args", [["--help"], ["export", "--help"], ["site", "-h"], ["--version"]])
def test_help_and_version_start_without_the_library(args: list[str]) -> None:
    shown, loaded = _loaded(*args)
    assert "Usage: confcal" in shown or "version" in shown
    assert "confcal.cli" in loaded
    assert not loaded & _THE_LIBRARY, sorted(loaded & _THE_LIBRARY)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["ex"], "export"),
        (["export", "x", "--format", ""], "frab-xml"),
        (["export", "x", "--refresh", "PT1H", "--split", ""], "track"),  # no check while completing
        (["list", "x", "--tz", "Europe/Berlin", "--tr"], "--track"),
    ],
)
def test_shell_completion_starts_without_the_library(words: list[str], expected: str) -> None:
    """The shell runs confcal on every TAB: only a zone name (``--tz europe/<TAB>``) needs a
    part of the library, the zones."""
    shown, loaded = _loaded(
        _CONFCAL_COMPLETE="bash_complete",
        COMP_WORDS=" ".join(["confcal", *words]),
        COMP_CWORD=str(len(words)),
    )
    assert f"plain,{expected}" in shown.splitlines()
    assert not loaded & _THE_LIBRARY, sorted(loaded & _THE_LIBRARY)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_run_shows_a_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(_Bar, "DELAY", 0.0)  # as if the run had lasted a second already
    with _progress() as bar:
        tell = bar.phase("writing")
        assert tell is not None
        tell(10, 10)
    assert "writing" in terminal.getvalue() and "100%" in terminal.getvalue()
    assert terminal.getvalue().endswith("\n")


def test_a_short_run_or_a_stderr_that_is_no_terminal_shows_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(_Bar, "DELAY", 3600.0)  # a run shorter than that
    with _progress() as bar:
        tell = bar.phase("rendering")
        assert tell is not None
        tell(5, 10)
    assert terminal.getvalue() == ""
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setattr(_Bar, "DELAY", 0.0)
    assert _Bar().phase("rendering") is None
