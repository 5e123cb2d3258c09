"""Writing calendars: all or nothing, only inside the folder asked for, and no text from the input
that turns into iCalendar structure."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
import vobject
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

import confcal
from confcal._folder import TEMPORARY_PREFIX
from confcal.cli import cli
from confcal.files import MANIFEST, Split, write_atomic, write_files
from confcal.zones import localize
from ical_props import prop

OLD = b"BEGIN:VCALENDAR\r\nX-OLD:published before\r\nEND:VCALENDAR\r\n"
PROGRAMME = {
    "calendar": {"name": "Writing", "timezone": "Europe/Berlin", "updated": "2024-12-01T00:00:00Z"},
    "events": [
        {
            "id": "opening",
            "title": "Opening",
            "start": "2024-12-27T10:30",
            "end": "2024-12-27T11:00",
        },
        {"id": "closing", "title": "Closing", "start": "2024-12-30T17:00", "duration": "PT1H"},
    ],
}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def events(tmp_path: Path) -> Path:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(PROGRAMME), "utf-8")
    return path


def assert_clean_failure(result: Result, *words: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ")
    for word in words:
        assert word in result.stderr


# --- Where the output cannot go ------------------------------------------------------------------


def test_output_under_a_file_is_a_clear_error(events: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "calendars"
    blocker.write_bytes(b"not a folder")
    result = run("export", str(events), "-o", str(blocker / "all.ics"))
    assert_clean_failure(result, str(blocker), "is a file, not a folder")
    assert blocker.read_bytes() == b"not a folder"


def test_output_that_is_a_folder_is_a_clear_error(events: Path, tmp_path: Path) -> None:
    result = run("export", str(events), "-o", str(tmp_path))
    assert_clean_failure(result, str(tmp_path), "is a folder")


def test_split_into_a_file_is_a_clear_error(events: Path, tmp_path: Path) -> None:
    target = tmp_path / "days"
    target.write_bytes(OLD)
    result = run("export", str(events), "--split", "day", "-o", str(target))
    assert_clean_failure(result, str(target), "is a file")
    assert target.read_bytes() == OLD


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
def test_output_into_a_read_only_folder_is_a_clear_error(events: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = run("export", str(events), "-o", str(locked / "all.ics"))
    finally:
        locked.chmod(0o700)
    assert_clean_failure(result, str(locked / "all.ics"), "cannot write: Permission denied")
    assert list(locked.iterdir()) == []


def test_output_in_a_folder_that_does_not_exist_yet_creates_it(
    events: Path, tmp_path: Path
) -> None:
    """The README's first command, in a fresh clone: ``-o calendars/parsl-sc24.ics``."""
    target = tmp_path / "calendars" / "all.ics"
    result = run("export", str(events), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")


# --- All or nothing ----------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TEMPORARY_PREFIX))


def test_a_failed_rename_leaves_the_old_file_and_no_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "all.ics"
    target.write_bytes(OLD)

    def full_disk(src: str, dst: str, **dir_fds: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(confcal.OutputError, match="cannot write: No space left on device"):
        write_atomic(target, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_an_interrupt_while_writing_leaves_the_old_file_and_no_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or a kill) halfway: the target is the old calendar, whole."""
    target = tmp_path / "all.ics"
    target.write_bytes(OLD)

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"BEGIN:VCALENDAR\r\n" + b"X" * 100_000)
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_a_failed_write_through_the_cli_is_exit_code_1_and_loses_nothing(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "all.ics"
    target.write_bytes(OLD)

    def full_disk(src: str, dst: str, **dir_fds: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full_disk)
    result = run("export", str(events), "-o", str(target))
    assert_clean_failure(result, f"{target}: cannot write: No space left on device")
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_the_written_file_is_readable_by_others_like_the_one_it_replaces(
    events: Path, tmp_path: Path
) -> None:
    """mkstemp makes private files; a web server must still read the calendar."""
    target = tmp_path / "all.ics"
    target.write_bytes(OLD)
    target.chmod(0o644)
    assert run("export", str(events), "-o", str(target)).exit_code == 0
    assert target.stat().st_mode & 0o777 == 0o644
    assert target.read_bytes() != OLD


# --- Only inside the folder ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../escaped.ics", "/tmp/escaped.ics", "sub/escaped.ics", "..", ".", ""]
)
def test_write_files_refuses_names_that_leave_the_folder(name: str, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    with pytest.raises(confcal.OutputError, match="refusing the file name"):
        write_files(folder, {"fine.ics": b"x", name: b"x"})
    assert not folder.exists()  # checked before anything is written
    assert not (tmp_path / "escaped.ics").exists()


@pytest.mark.parametrize("line", ["../victim.ics", "{victim}", "sub/../../victim.ics"])
def test_a_tampered_manifest_cannot_delete_files_outside_the_folder(
    tmp_path: Path, line: str
) -> None:
    """A name confcal never writes makes the list not confcal's: an error, nothing removed."""
    folder = tmp_path / "out"
    folder.mkdir()
    victim = tmp_path / "victim.ics"
    victim.write_bytes(OLD)
    listed = f"old.ics\n{line.format(victim=victim)}\n"
    (folder / MANIFEST).write_text(listed, "utf-8")
    with pytest.raises(confcal.OutputError, match="a name confcal never writes"):
        write_files(folder, {"new.ics": b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"})
    assert victim.read_bytes() == OLD
    assert (folder / MANIFEST).read_text("utf-8") == listed
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST]


def test_split_by_event_writes_only_inside_the_folder(events: Path, tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    assert run("export", str(events), "--split", "event", "-o", str(folder)).exit_code == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert written == [
        "events.json",
        "sessions",
        f"sessions/{MANIFEST}",
        "sessions/closing.ics",
        "sessions/opening.ics",
    ]


@pytest.mark.parametrize(
    "bad_id", ["../up", "a/b", "a\\b", "..", ".hidden", "CON", "nul.txt", "x" * 201]
)
def test_an_id_that_is_not_a_safe_file_name_is_refused_by_the_model(bad_id: str) -> None:
    start = localize(dt.datetime(2024, 12, 27, 10), "Europe/Berlin")
    with pytest.raises(confcal.InvalidInput) as caught:
        confcal.Event(id=bad_id, title="T", start=start, end=start + dt.timedelta(hours=1))
    assert caught.value.problems[0].field == "id"
    assert caught.value.problems[0].value == bad_id


# --- No injection ------------------------------------------------------------------------------

_INJECTIONS = [
    "\r\nBEGIN:VEVENT\r\nUID:injected\r\nEND:VEVENT",
    "\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected",
    "x;TZID=Evil:1\r\n ATTACH:https://evil.example",
    'a,b;c:d\\e "quoted"',
    "\u2028BEGIN:VALARM\u2029TRIGGER:-PT5M\x85END:VALARM",
]


def _vevents(data: bytes) -> list[icalendar.Component]:
    calendar = icalendar.Calendar.from_ical(data)
    return list(calendar.walk("VEVENT"))


@pytest.mark.parametrize("text", _INJECTIONS)
def test_text_with_line_breaks_stays_one_property_end_to_end(text: str, tmp_path: Path) -> None:
    """Line breaks in a title, location or description are written escaped, never raw."""
    programme = json.loads(json.dumps(PROGRAMME))
    programme["events"][0]["description"] = text
    programme["events"][1]["title"] = text
    programme["events"][1]["location"] = text
    events = tmp_path / "events.json"
    events.write_text(json.dumps(programme), "utf-8")
    target = tmp_path / "all.ics"
    result = run("export", str(events), "-o", str(target))
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    first, second = _vevents(data)
    assert set(first) == {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION"}
    # As the model keeps line breaks, whatever the editor wrote (CRLF, NEL).
    written = text.replace("\r\n", "\n").replace("\x85", "\n")
    assert str(first["DESCRIPTION"]) == written
    assert set(second) == {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION"}
    assert str(second["SUMMARY"]) == written
    assert str(second["LOCATION"]) == written
    lines = data.replace(b"\r\n ", b"").split(b"\r\n")  # unfolded
    assert lines.count(b"BEGIN:VEVENT") == 2
    assert not [line for line in lines if line.startswith((b"UID:injected", b"ATTACH", b"TRIGGER"))]
    assert not list(icalendar.Calendar.from_ical(data).walk("VALARM"))
    assert len(vobject.readOne(data.decode("utf-8")).vevent_list) == 2


def _same(read: str, given: str) -> bool:
    """Whether icalendar read back what was given, where icalendar can (see test_ical.py: it
    turns a literal backslash before n into a line break)."""
    return read == given or "\\n" in given.lower()


def _unescape(text: str) -> str:
    """RFC 5545 3.3.11 TEXT unescaped."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], text)


def _no_control(*, line_breaks: bool) -> st.SearchStrategy[str]:
    allowed = "\t\n" if line_breaks else "\t"
    characters = st.characters(
        codec="utf-8",
        exclude_categories=["Cs"],
        exclude_characters=[
            chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in allowed
        ],
    )
    return st.text(
        characters | st.sampled_from(list(":;,\\\"'\n=^") if line_breaks else list(":;,\\\"'=^")),
        max_size=60,
    )


_line = _no_control(line_breaks=False)
_url = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Zs", "Cc"], exclude_characters="\\")
    | st.sampled_from(list(":;,?&=#")),
    min_size=1,
    max_size=40,
)


@settings(max_examples=100, deadline=None)
@given(
    title=_no_control(line_breaks=True).filter(str.strip),
    location=_no_control(line_breaks=True),
    description=_no_control(line_breaks=True),
    kind=_line,
    url=_url,
    speakers=st.lists(_line, max_size=3),
    name=_line.filter(str.strip),
)
def test_no_text_turns_into_properties_or_components(
    title: str, location: str, description: str, kind: str, url: str, speakers: list[str], name: str
) -> None:
    """Whatever the text, the output has one VEVENT per event with exactly its properties,
    and each reads back as the text given."""
    start = localize(dt.datetime(2024, 12, 27, 10), "Europe/Berlin")
    event = confcal.Event(
        id="talk",
        title=title,
        start=start,
        end=start + dt.timedelta(hours=1),
        location=location or None,
        description=description or None,
        type=kind or None,
        url=url,
        speakers=speakers,
    )
    later = start + dt.timedelta(hours=2)
    other = confcal.Event(id="other", title="Other", start=later, end=later + dt.timedelta(hours=1))
    schedule = confcal.Schedule(name=name, timezone="Europe/Berlin", events=[event, other])
    data = confcal.to_ical(schedule)
    calendar = icalendar.Calendar.from_ical(data)
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE", "VEVENT", "VEVENT"]
    assert set(calendar) == {
        "PRODID", "VERSION", "CALSCALE", "METHOD", "NAME", "X-WR-CALNAME", "X-WR-TIMEZONE",
        "REFRESH-INTERVAL", "X-PUBLISHED-TTL",
    }  # fmt: skip
    # icalendar reads X- properties unparsed; they are written as TEXT (RFC 5545 3.8.8.2).
    (calname,) = re.findall(rb"^X-WR-CALNAME:(.*)$", data.replace(b"\r\n ", b""), re.M)
    assert _unescape(calname.decode().rstrip("\r")) == name
    written, plain = calendar.walk("VEVENT")
    expected = {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "URL"}
    expected |= {"LOCATION"} if location else set()
    expected |= {"CATEGORIES"} if kind else set()
    expected |= {"DESCRIPTION"} if description or speakers else set()
    assert set(written) == expected
    assert set(plain) == {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"}
    assert _same(str(written["SUMMARY"]), title)
    assert _same(str(written["URL"]), url)
    if location:
        assert _same(str(written["LOCATION"]), location)
    if description:
        assert _same(str(written["DESCRIPTION"])[: len(description)], description)
    if kind:
        assert prop(written, "CATEGORIES", icalendar.vCategory).cats == [kind]


def test_confcal_imports_renders_and_writes_stdout_without_fcntl(tmp_path: Path) -> None:
    """Where fcntl does not exist (Windows), confcal still imports and renders; writing a file,
    which the locks make safe, is an OutputError saying why."""
    script = """if True:
        import sys
        sys.modules["fcntl"] = None  # as on Windows: import fcntl raises ImportError
        from pathlib import Path
        import confcal
        from confcal.files import Split, render, write_atomic, write_stdout
        schedule = confcal.load(sys.argv[1])
        write_stdout(render(schedule, Split.NONE)[""])
        try:
            write_atomic(Path(sys.argv[2]), b"x")
        except confcal.OutputError as error:
            sys.stderr.write(str(error))
        """
    events = tmp_path / "events.json"
    events.write_text(json.dumps(PROGRAMME), "utf-8")
    done = subprocess.run(
        [sys.executable, "-c", script, str(events), str(tmp_path / "all.ics")],
        capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"only on POSIX systems" in done.stderr
    assert not (tmp_path / "all.ics").exists()


@pytest.mark.parametrize("split", list(confcal.Split))
def test_render_and_write_files_tell_their_progress_up_to_the_total(
    seed_path: Path, tmp_path: Path, split: confcal.Split
) -> None:
    schedule = confcal.load(seed_path)
    told: list[tuple[int, int]] = []
    files = confcal.render(schedule, split, progress=lambda done, total: told.append((done, total)))
    assert files == confcal.render(schedule, split)  # the same bytes, told or not
    events = {Split.NONE: 7, Split.DAY: 7, Split.EVENT: 7, Split.TRACK: 0, Split.ROOM: 7}[split]
    assert [done for done, _ in told] == list(range(1, events + 1))
    assert {total for _, total in told} <= {events}
    if split is not confcal.Split.NONE:
        written: list[tuple[int, int]] = []
        write_files(tmp_path / "out", files, progress=lambda d, t: written.append((d, t)))
        assert written == [(n, len(files)) for n in range(1, len(files) + 1)]
