"""Output safety: nothing lost, nothing written outside the output path, and a message instead
of a traceback, under careless paths, planted links, crashes and concurrent runs (issue 13).

Runs that must be real processes (to be killed, or to race for a folder) are forks of the test
process, which has confcal imported already: a fork costs milliseconds where starting Python
costs a third of a second. Only what needs a fresh interpreter (stdout at exit) starts one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import io
import json
import os
import random
import resource
import shlex
import signal
import stat
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Iterator, Sequence
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import confcal
import confcal.listing
import confcal.site
from confcal import _folder, _manifest, files
from confcal._folder import LOCK, TEMPORARY_PREFIX
from confcal.cli import cli
from confcal.errors import PipeClosed, Problem
from confcal.files import MANIFEST, Split, render, write_atomic, write_files

# --- Programmes and runs -----------------------------------------------------------------------


def programme(*ids: str, version: int = 1) -> dict[str, object]:
    """A small programme: one event per id, alternating over two days and two types."""
    events = [
        {
            "id": event_id,
            "title": f"{event_id} v{version}",
            "start": f"2024-12-{27 + n % 2}T{10 + n}:00",
            "duration": "PT30M",
            "type": "talk" if n % 2 == 0 else "bof",
        }
        for n, event_id in enumerate(ids)
    ]
    calendar = {"name": "Safety", "timezone": "Europe/Berlin", "updated": "2024-12-01T00:00:00Z"}
    return {"calendar": calendar, "events": events}


A = programme("alpha", "beta", "gamma")
B = programme("beta", "gamma", "delta", version=2)
C = programme("alpha", "delta", "omega", version=3)


def save(path: Path, document: dict[str, object]) -> Path:
    path.write_text(json.dumps(document), "utf-8")
    return path


def expected(
    document: dict[str, object], split: str, filters: Sequence[str] = ()
) -> dict[str, bytes]:
    """The files ``confcal export --split SPLIT FILTERS`` writes for ``document``."""
    options = dict(zip(filters[::2], filters[1::2], strict=True))
    schedule = confcal.loads(json.dumps(document))
    days = [dt.date.fromisoformat(options["--day"])] if "--day" in options else []
    chosen = schedule.select(
        types=[options["--type"]] if "--type" in options else [],
        days=days,
        ids=[options["--id"]] if "--id" in options else [],
    )
    return render(chosen, Split(split), days=days)


def run(*args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env or None)


def assert_error(result: Result, *words: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr


def calendars(folder: Path) -> dict[str, bytes]:
    """The .ics files in ``folder`` (regular files only) by name."""
    if not folder.exists():
        return {}
    return {
        p.name: p.read_bytes()
        for p in folder.iterdir()
        if p.name.endswith(".ics") and not p.is_symlink() and p.is_file()
    }


def manifest(folder: Path) -> set[str]:
    path = folder / MANIFEST
    if not path.exists():
        return set()
    # Without the /build line: what the folder was built from, not a name (see test_site.py).
    return {line for line in path.read_text("utf-8").splitlines() if not line.startswith("/")}


def assert_exactly(folder: Path, files: dict[str, bytes]) -> None:
    """``folder`` holds ``files`` and their manifest, and nothing else: no temporary file, no
    lock, no calendar of another run."""
    assert sorted(p.name for p in folder.iterdir()) == sorted([*files, MANIFEST])
    assert calendars(folder) == files
    assert (folder / MANIFEST).read_text("utf-8") == "".join(f"{n}\n" for n in sorted(files))


#: The modules that write (confcal.files over its machinery): the os module they see is the one
#: the tests replace.
WRITERS = (files, _folder)


class _Os(types.SimpleNamespace):
    """The os module as the writers see it, with some calls replaced (and os itself unchanged
    for everything else in the process)."""

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)


def patch_os(monkeypatch: pytest.MonkeyPatch, **calls: object) -> None:
    replaced = _Os(**calls)
    for module in WRITERS:
        monkeypatch.setattr(module, "os", replaced)


class _DyingOs:
    """The os module as the writers see it, except that the process SIGKILLs itself before its
    N-th step that changes something (or could block): a crash at an exact, chosen point.

    fsync does nothing (a step all the same): it guards against a power cut, which leaves no
    test to check, while SIGKILL leaves what was written in the page cache; skipping it makes
    the many runs of these tests cheap."""

    STEPS = frozenset({"open", "write", "replace", "unlink", "fsync", "mkdir", "fchmod", "close"})

    def __init__(self, steps: int) -> None:
        self.left = steps

    def __getattr__(self, name: str) -> object:
        real = getattr(os, name)
        if name not in self.STEPS:
            return real

        def step(*args: object, **kwargs: object) -> object:
            self.left -= 1
            if self.left < 0:
                os.kill(os.getpid(), signal.SIGKILL)
            return None if name == "fsync" else real(*args, **kwargs)

        return step


def fork_run(
    args: Sequence[str],
    *,
    die_at: int | None = None,
    start: int | None = None,
    env: dict[str, str] | None = None,
    user: int | None = None,
    on_wait: int | None = None,
    stdout: int | None = None,
    stderr: int | None = None,
) -> int:
    """Run ``confcal ARGS`` in a forked process; its pid.

    ``die_at``: SIGKILL it before that many output steps. ``start``: a pipe to read a byte from
    before starting. ``user``: the uid to run as. ``on_wait``: a pipe to write a byte to when
    it first waits for a folder's lock. ``stdout``, ``stderr``: its file descriptors 1 and 2
    (default: /dev/null), set up as Python sets them up, and flushed at exit as Python does:
    exit code 120 if that fails.
    """
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null if stdout is None else stdout, 1)
        os.dup2(null if stderr is None else stderr, 2)
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)))
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
        os.environ.update(env or {})
        if user is not None:
            try:
                os.setgroups([])
                os.setgid(user)
                os.setuid(user)
            except OSError:
                os._exit(77)
        if start is not None:
            os.read(start, 1)
        patch = pytest.MonkeyPatch()  # never undone: the child exits
        if on_wait is not None:
            pipe = on_wait

            def sleep(seconds: float) -> None:
                os.write(pipe, b"w")
                os.close(pipe)  # only the first time: then as time.sleep
                patch.setattr(
                    _folder,
                    "time",
                    types.SimpleNamespace(monotonic=real.monotonic, sleep=real.sleep),
                )
                real.sleep(seconds)

            real = time  # the module _folder imports
            patch.setattr(
                _folder, "time", types.SimpleNamespace(monotonic=real.monotonic, sleep=sleep)
            )
        dying = _DyingOs(10**9 if die_at is None else die_at)
        for module in WRITERS:
            patch.setattr(module, "os", dying)
        try:
            cli.main(list(args), prog_name="confcal")
        except SystemExit as exit:
            code = exit.code or 0 if isinstance(exit.code, int | None) else 1
        try:
            sys.stdout.flush()
        except OSError:
            code = 120
    finally:
        os._exit(code)


def wait(pid: int) -> int:
    """The exit code of the forked run; minus the signal that killed it."""
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@contextlib.contextmanager
def deadline(seconds: int = 30) -> Iterator[None]:
    """A TimeoutError instead of a test that hangs: what runs inside used to wait forever."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Everything under ``folder``: each file's bytes (a link's target), None for a folder; a
    manifest without its /build line, which holds the files' times and inodes."""
    return {
        str(p.relative_to(folder)): (
            os.readlink(p).encode() if p.is_symlink() else None if p.is_dir() else _bytes(p)
        )
        for p in sorted(folder.rglob("*"))
    }


def _bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name != MANIFEST:
        return data
    return b"".join(line for line in data.splitlines(True) if not line.startswith(b"/build "))


@pytest.fixture
def events(tmp_path: Path) -> Path:
    return save(tmp_path / "events.json", A)


# --- Devices, pipes and /dev/stdout: written in place --------------------------------------------


def test_export_to_dev_stdout_appended_to_a_file_keeps_the_file(tmp_path: Path) -> None:
    """The issue's own command, through a shell, as a user types it."""
    save(tmp_path / "ev.json", A)
    script = 'echo AGG > agg.txt && "$PYTHON" -m confcal export ev.json -o /dev/stdout >> agg.txt'
    done = subprocess.run(
        ["sh", "-c", script], cwd=tmp_path, capture_output=True, check=False,
        env={**os.environ, "PYTHON": sys.executable},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "agg.txt").read_bytes() == b"AGG\n" + expected(A, "none")[""]


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/stderr", "/dev/fd/1", "/proc/self/fd/2"])
@pytest.mark.parametrize("opened", ["appending", "after a header"])
def test_dev_stdout_and_the_like_are_written_where_they_stand_keeping_what_is_there(
    events: Path, tmp_path: Path, name: str, opened: str
) -> None:
    """`>> agg.txt` and `{ echo HEADER; confcal ... -o /dev/stdout; } > f` both keep the text."""
    log = tmp_path / "log"
    if opened == "appending":
        log.write_bytes(b"AGG\n")
        fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    else:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.write(fd, b"AGG\n")
    try:
        code = wait(fork_run(["export", str(events), "-o", name], stdout=fd, stderr=fd))
    finally:
        os.close(fd)
    assert code == 0
    assert log.read_bytes() == b"AGG\n" + expected(A, "none")[""]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.json", "log"]


def test_dev_stdout_into_a_pipe_is_written_into_it(events: Path) -> None:
    reader, writer = os.pipe()
    try:
        code = wait(fork_run(["export", str(events), "-o", "/dev/stdout"], stdout=writer))
        os.close(writer)
        with os.fdopen(reader, "rb") as pipe:
            assert pipe.read() == expected(A, "none")[""]
    finally:
        with contextlib.suppress(OSError):
            os.close(writer)
    assert code == 0


@pytest.mark.parametrize("name", ["/dev/fd/{}", "/proc/self/fd/{}"])
def test_an_open_file_named_by_number_is_appended_to_not_replaced(
    name: str, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    log.write_bytes(b"earlier\n")
    inode = log.stat().st_ino
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    try:
        assert write_atomic(Path(name.format(fd)), b"calendar\n")
    finally:
        os.close(fd)
    assert log.read_bytes() == b"earlier\ncalendar\n"
    assert log.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log"]


def test_a_fifo_is_written_into_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_atomic(fifo, b"BEGIN:VCALENDAR\r\n")
        assert os.read(reader, 100) == b"BEGIN:VCALENDAR\r\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_character_device_is_written_into_and_stays_one() -> None:
    assert write_atomic(Path("/dev/null"), b"BEGIN:VCALENDAR\r\n")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_a_full_device_is_an_error_naming_it(events: Path) -> None:
    assert_error(
        run("export", str(events), "-o", "/dev/full"),
        "/dev/full: cannot write: No space left on device",
    )


def test_a_fifo_nobody_reads_is_an_error_not_a_wait_that_never_ends(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with deadline(), pytest.raises(confcal.OutputError, match="nobody is reading it"):
        write_atomic(fifo, b"BEGIN:VCALENDAR\r\n")
    with deadline():
        result = run("export", str(save(tmp_path / "events.json", A)), "-o", str(fifo))
    assert_error(result, f"{fifo}: nobody is reading it (a FIFO)")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# --- The input is never the output ---------------------------------------------------------------


@pytest.mark.parametrize("how", ["itself", "symlink", "hardlink"])
@pytest.mark.parametrize("command", ["export", "convert"])
def test_an_output_that_is_the_input_is_refused_before_anything_is_read(
    how: str, command: str, tmp_path: Path
) -> None:
    """The input is not even valid: the refusal comes before reading it."""
    source = tmp_path / "events.json"
    source.write_bytes(b"{not json")
    target = {"itself": source, "symlink": tmp_path / "out.ics", "hardlink": tmp_path / "h.ics"}
    if how == "symlink":
        target[how].symlink_to(source.name)
    elif how == "hardlink":
        os.link(source, target[how])
    assert_error(run(command, str(source), "-o", str(target[how])), "is the input file")
    assert source.read_bytes() == b"{not json"


def test_a_split_folder_that_is_the_input_is_refused_before_it_is_read(tmp_path: Path) -> None:
    source = tmp_path / "events.json"
    source.write_bytes(b"{not json")
    result = run("export", str(source), "--split", "event", "-o", str(source))
    assert_error(result, "is the input file")
    assert source.read_bytes() == b"{not json"


def test_an_input_inside_the_folder_where_a_calendar_goes_is_refused(tmp_path: Path) -> None:
    """`--split event` would write alpha.ics: the programme someone saved under that name."""
    folder = tmp_path / "out"
    folder.mkdir()
    source = save(folder / "alpha.ics", A)
    assert_error(run("export", str(source), "--split", "event", "-o", str(folder)), "input file")
    assert json.loads(source.read_text("utf-8")) == A
    assert sorted(p.name for p in folder.iterdir()) == ["alpha.ics"]


def test_an_input_listed_as_a_stale_calendar_is_not_removed(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    source = save(folder / "old.ics", B)
    (folder / MANIFEST).write_text("old.ics\n", "utf-8")
    assert_error(run("export", str(source), "--split", "event", "-o", str(folder)), "input file")
    assert json.loads(source.read_text("utf-8")) == B


def test_an_input_in_the_site_folder_may_stay_there(tmp_path: Path) -> None:
    """Publishing the programme beside its page is fine: confcal writes other names."""
    public = tmp_path / "public"
    public.mkdir()
    source = save(public / "events.json", A)
    assert run("site", str(source), "-o", str(public)).exit_code == 0
    assert json.loads(source.read_text("utf-8")) == A


@pytest.mark.parametrize(
    ("name", "mode"),
    [("/proc/self/fd/{}", os.O_RDWR), ("/dev/fd/{}", os.O_WRONLY | os.O_APPEND)],
    ids=["read-write", "appending"],
)
@pytest.mark.parametrize("command", ["export", "convert"])
def test_an_open_file_that_is_the_input_is_refused_before_anything_is_read(
    tmp_path: Path, name: str, mode: int, command: str
) -> None:
    """`-o /proc/self/fd/3 3<>events.json`, `-o /dev/fd/3 3>>events.json`."""
    source = tmp_path / "events.json"
    source.write_bytes(b"{not json")
    fd = os.open(source, mode)
    try:
        result = run(command, str(source), "-o", name.format(fd))
    finally:
        os.close(fd)
    assert_error(result, f"{name.format(fd)}: is the input file")
    assert source.read_bytes() == b"{not json"


@pytest.mark.parametrize(
    "args",
    [["export"], ["export", "-o", "-"], ["export", "-o", "/dev/stdout"], ["convert"], ["list"],
     ["check"]],
)  # fmt: skip
def test_stdout_that_is_the_input_is_refused_before_anything_is_read(
    tmp_path: Path, args: list[str]
) -> None:
    """`confcal export events.json >> events.json`: the programme would get its calendar
    appended (`list` and `check` their text)."""
    source = tmp_path / "events.json"
    source.write_bytes(b"{not json")
    appended = os.open(source, os.O_WRONLY | os.O_APPEND)
    errors = os.open(tmp_path / "errors", os.O_WRONLY | os.O_CREAT)
    try:
        code = wait(fork_run([args[0], str(source), *args[1:]], stdout=appended, stderr=errors))
    finally:
        os.close(appended)
        os.close(errors)
    message = (tmp_path / "errors").read_text("utf-8")
    assert code == 1, message
    assert message.startswith("error: ") and "is the input file" in message, message
    assert source.read_bytes() == b"{not json"


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``command``, with ``confcal`` the package under test, run by a shell in ``cwd``."""
    confcal_command = f"{shlex.quote(sys.executable)} -m confcal"
    return subprocess.run(
        command.replace("confcal", confcal_command, 1), shell=True, cwd=cwd,
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("command", "writes"),
    [
        # a warning (the zone given is ignored) was appended to the programme, exit code 0
        ("confcal export IN --timezone Europe/Berlin -o out.ics 2>>IN", "out.ics"),
        # the refusal of -o /dev/stderr was appended: the very thing it refused
        ("confcal export IN -o /dev/stderr 2>>IN", None),
        ("confcal export IN --split day -o out 2>>IN", "out"),
        ("confcal check IN 2>>IN", None),
        ("confcal list IN 2>>IN", None),
        ("confcal convert IN -o out.json 2>>IN", "out.json"),
        ("confcal site IN -o out 2>>IN", "out"),
        ("confcal export IN -o '' 2>>IN", None),  # even a usage error of confcal's own
    ],
)
@pytest.mark.parametrize("good", [True, False], ids=["good", "bad"])
def test_stderr_that_is_the_input_is_refused_first_saying_so_on_stdout(
    tmp_path: Path, command: str, writes: str | None, good: bool
) -> None:
    content = json.dumps(A).encode() if good else b'{"calendar": {}, "events": [{}]}'
    source = tmp_path / "in.json"
    source.write_bytes(content)
    result = _shell(command.replace("IN", "in.json"), tmp_path)
    assert result.returncode == 1
    assert source.read_bytes() == content
    assert result.stdout == (
        b"error: stderr: is the input file in.json; send the messages to another file\n"
    )
    assert result.stderr == b""
    assert writes is None or not (tmp_path / writes).exists()


def test_stderr_and_stdout_both_the_input_are_refused_saying_nothing(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    source.write_bytes(b"{not json")
    result = _shell("confcal check in.json >>in.json 2>>in.json", tmp_path)
    assert result.returncode == 1
    assert source.read_bytes() == b"{not json"


def test_stderr_that_is_another_file_still_gets_the_messages(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    source.write_bytes(b"{not json")
    result = _shell("confcal check in.json 2>>errors.txt", tmp_path)
    assert result.returncode == 1
    assert (tmp_path / "errors.txt").read_text("utf-8").startswith("error: in.json: ")
    assert result.stdout == b""


def test_a_fifo_that_is_the_input_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """Reading it would wait for a writer, and writing it feed the run its own output."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with deadline():
        result = run("export", str(fifo), "-o", str(fifo))
    assert_error(result, f"{fifo}: is the input file")


# --- Only what confcal wrote is replaced or removed --------------------------------------------

SITE_FILES = [
    "index.html",
    "calendar.ics",
    "days/2024-12-27.ics",
    "days/2024-12-27.html",
    "data/sessions.json",
    "sessions/alpha.ics",
]


@pytest.mark.parametrize("planted", SITE_FILES)
def test_a_site_file_confcal_did_not_write_is_refused_before_anything_is_written(
    events: Path, tmp_path: Path, planted: str
) -> None:
    public = tmp_path / "public"
    (public / planted).parent.mkdir(parents=True, exist_ok=True)
    (public / planted).write_bytes(b"the organizer's own")
    before = snapshot(public)
    assert_error(
        run("site", str(events), "-o", str(public)),
        f"{public / planted}: exists and confcal did not write it (it is not in {MANIFEST}); "
        "move it away, or remove it",
    )
    assert snapshot(public) == before


def test_a_split_file_confcal_did_not_write_is_refused_before_anything_is_written(
    events: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "gamma.ics").write_bytes(b"the organizer's own")
    result = run("export", str(events), "--split", "event", "-o", str(folder))
    assert_error(result, f"{folder / 'gamma.ics'}: exists and confcal did not write it")
    assert snapshot(folder) == {"gamma.ics": b"the organizer's own"}


@pytest.mark.parametrize("planted", SITE_FILES)
def test_a_file_holding_exactly_what_confcal_writes_is_taken_over(
    events: Path, tmp_path: Path, planted: str
) -> None:
    """A copy of a site confcal built (rsync'd back, or made before the list existed)."""
    reference, public = tmp_path / "reference", tmp_path / "public"
    assert run("site", str(events), "-o", str(reference)).exit_code == 0
    (public / planted).parent.mkdir(parents=True)
    (public / planted).write_bytes((reference / planted).read_bytes())
    inode = (public / planted).stat().st_ino
    assert run("site", str(events), "-o", str(public)).exit_code == 0
    assert (public / planted).stat().st_ino == inode  # left alone
    folder, name = os.path.split(planted)
    assert name in manifest(public / folder)
    assert snapshot(public) == snapshot(reference)


#: What the site's folder lists: its page, script, worker and calendar, and its sub-folders
#: (no tracks/ or rooms/: the sessions here have neither).
SITE = {"app.js", "calendar.ics", "index.html", "sw.js", "data/", "days/", "sessions/"}


def test_a_split_taking_over_a_site_folder_removes_the_page_and_its_calendars(
    events: Path, tmp_path: Path
) -> None:
    """`site`, then `export --split event` into the same folder: no page linking to calendars
    that are gone, no days/ and sessions/ left behind."""
    public = tmp_path / "public"
    assert run("site", str(events), "-o", str(public)).exit_code == 0
    assert manifest(public) == SITE
    assert run("export", str(events), "--split", "event", "-o", str(public)).exit_code == 0
    assert_exactly(public, expected(A, "event"))


def test_a_site_sub_folder_holding_other_files_keeps_them_and_stays_listed(
    events: Path, tmp_path: Path
) -> None:
    public = tmp_path / "public"
    assert run("site", str(events), "-o", str(public)).exit_code == 0
    (public / "days" / "notes.txt").write_text("mine", "utf-8")
    assert run("export", str(events), "--split", "day", "-o", str(public)).exit_code == 0
    assert sorted(p.name for p in (public / "days").iterdir()) == ["notes.txt"]
    assert not (public / "sessions").exists() and not (public / "index.html").exists()
    assert manifest(public) == {*expected(A, "day"), "days/"}
    assert run("site", str(events), "-o", str(public)).exit_code == 0  # and back
    assert (public / "days" / "notes.txt").read_text("utf-8") == "mine"
    assert manifest(public) == SITE
    assert not set(expected(A, "day")) & {p.name for p in public.iterdir()}


def test_a_site_taking_over_a_split_folder_removes_its_calendars(
    events: Path, tmp_path: Path
) -> None:
    public = tmp_path / "public"
    assert run("export", str(events), "--split", "event", "-o", str(public)).exit_code == 0
    assert run("site", str(events), "-o", str(public)).exit_code == 0
    assert sorted(p.name for p in public.iterdir()) == sorted(
        [MANIFEST, *(name.rstrip("/") for name in SITE)]
    )


# --- Symbolic links ------------------------------------------------------------------------------


@pytest.mark.parametrize("victim_holds", ["its own text", "the new calendar"])
def test_a_link_planted_in_a_split_folder_is_replaced_and_its_target_left_alone(
    events: Path, tmp_path: Path, victim_holds: str
) -> None:
    """Also when the target already holds the very bytes confcal would write: the link must go
    all the same, or the folder keeps pointing outside."""
    folder = tmp_path / "out"
    new = expected(A, "event")
    data = b"victim" if victim_holds == "its own text" else new["alpha.ics"]
    victim = tmp_path / "victim"
    victim.write_bytes(data)
    assert run("export", str(events), "--split", "event", "-o", str(folder)).exit_code == 0
    (folder / "alpha.ics").unlink()
    (folder / "alpha.ics").symlink_to("../victim")  # where a calendar confcal wrote was
    assert run("export", str(events), "--split", "event", "-o", str(folder)).exit_code == 0
    assert victim.read_bytes() == data
    assert not (folder / "alpha.ics").is_symlink()
    assert_exactly(folder, new)


def test_a_dangling_link_in_a_split_folder_creates_nothing_outside(
    events: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    assert run("export", str(events), "--split", "event", "-o", str(folder)).exit_code == 0
    (folder / "alpha.ics").unlink()
    (folder / "alpha.ics").symlink_to("../elsewhere/alpha.ics")
    assert run("export", str(events), "--split", "event", "-o", str(folder)).exit_code == 0
    assert not (tmp_path / "elsewhere").exists()
    assert_exactly(folder, expected(A, "event"))


@pytest.mark.parametrize("target", ["../victim", "../elsewhere/alpha.ics"])
def test_a_link_confcal_did_not_write_is_refused_and_nothing_written_through_it(
    events: Path, tmp_path: Path, target: str
) -> None:
    """Not listed, so someone else's: refused like any file confcal did not write."""
    folder = tmp_path / "out"
    folder.mkdir()
    victim = tmp_path / "victim"
    victim.write_bytes(expected(A, "event")["alpha.ics"])  # even the very bytes: a link stays
    (folder / "alpha.ics").symlink_to(target)
    result = run("export", str(events), "--split", "event", "-o", str(folder))
    assert_error(result, f"{folder / 'alpha.ics'}: exists and confcal did not write it")
    assert (folder / "alpha.ics").is_symlink()
    assert victim.read_bytes() == expected(A, "event")["alpha.ics"]
    assert not (tmp_path / "elsewhere").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["alpha.ics"]


@pytest.mark.parametrize(
    "planted", ["calendar.ics", "index.html", "days/2024-12-27.ics", "sessions/alpha.ics"]
)
def test_a_link_planted_in_the_site_is_replaced_and_its_target_left_alone(
    events: Path, tmp_path: Path, planted: str
) -> None:
    public = tmp_path / "public"
    assert run("site", str(events), "-o", str(public)).exit_code == 0
    victim = tmp_path / "victim"
    victim.write_bytes(b"victim")
    (public / planted).unlink()
    (public / planted).symlink_to(victim)
    assert run("site", str(events), "-o", str(public)).exit_code == 0
    assert victim.read_bytes() == b"victim"
    assert (public / planted).is_file() and not (public / planted).is_symlink()


@pytest.mark.parametrize("sub", ["days", "sessions"])
@pytest.mark.parametrize("target", ["elsewhere", "nowhere"])
def test_a_site_sub_folder_that_is_a_link_is_refused_and_nothing_is_written_through_it(
    events: Path, tmp_path: Path, sub: str, target: str
) -> None:
    public = tmp_path / "public"
    public.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (public / sub).symlink_to(f"../{target}")
    assert_error(run("site", str(events), "-o", str(public)), f"{public / sub}: is a symbolic link")
    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert not (tmp_path / "nowhere").exists()


def test_a_manifest_that_is_a_link_is_refused_and_its_target_left_alone(
    events: Path, tmp_path: Path
) -> None:
    """Its target's lines would otherwise be taken for files to remove, and it overwritten."""
    folder = tmp_path / "out"
    folder.mkdir()
    precious = tmp_path / "precious.ics"
    precious.write_bytes(b"mine")
    listed = tmp_path / "list"
    listed.write_text("../precious.ics\nprecious.ics\n", "utf-8")
    (folder / MANIFEST).symlink_to(listed)
    result = run("export", str(events), "--split", "event", "-o", str(folder))
    assert_error(result, f"{folder / MANIFEST}: is a symbolic link")
    assert listed.read_text("utf-8") == "../precious.ics\nprecious.ics\n"
    assert precious.read_bytes() == b"mine"
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST]


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_left_alone(
    events: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / LOCK).symlink_to("../nowhere")
    result = run("export", str(events), "--split", "event", "-o", str(folder))
    assert_error(result, f"{folder / LOCK}: is a symbolic link")
    assert not (tmp_path / "nowhere").exists()


def _owned_by_someone_else(link: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() == 0:
        os.lchown(link, NOBODY, NOBODY)
    else:  # confcal then believes it runs as another user
        patch_os(monkeypatch, geteuid=lambda: os.getuid() + 1)


@pytest.mark.parametrize("split", ["none", "event"])
def test_an_output_link_owned_by_someone_else_is_not_followed(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: str
) -> None:
    """A link someone planted in a shared web folder where `-o` points."""
    victim = tmp_path / "victim"
    if split == "event":
        victim.mkdir()
    else:
        victim.write_bytes(b"victim")
    link = tmp_path / "calendar"
    link.symlink_to(victim)
    _owned_by_someone_else(link, monkeypatch)
    result = run("export", str(events), "--split", split, "-o", str(link))
    assert_error(result, f"{link}: is a symbolic link owned by someone else")
    assert victim.is_dir() or victim.read_bytes() == b"victim"
    assert not victim.is_dir() or list(victim.iterdir()) == []


def test_an_output_folder_link_you_own_is_followed(events: Path, tmp_path: Path) -> None:
    """`-o public` where public -> releases/2024: the usual way to switch a site over."""
    (tmp_path / "releases").mkdir()
    (tmp_path / "public").symlink_to("releases")
    assert run("site", str(events), "-o", str(tmp_path / "public")).exit_code == 0
    assert (tmp_path / "public").is_symlink()
    assert (tmp_path / "releases" / "index.html").is_file()


@pytest.mark.parametrize(
    "args",
    [
        ["export", "{events}", "--split", "event", "-o", "{tmp}/evild/sub"],
        ["export", "{events}", "-o", "{tmp}/evild/a.ics"],
        ["export", "{events}", "-o", "{tmp}/evild/new/deeper/a.ics"],
        ["site", "{events}", "-o", "{tmp}/evild/inner"],
        ["convert", "{events}", "-o", "{tmp}/evild/events.json"],
        ["export", "{events}", "-o", "evild/a.ics"],  # relative, from the folder holding it
        ["export", "{events}", "-o", "{tmp}/mine/a.ics"],  # reached through a link you own
    ],
)
def test_a_link_owned_by_someone_else_is_not_followed_anywhere_on_the_path(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "evild"
    link.symlink_to(elsewhere)
    (tmp_path / "mine").symlink_to("evild")
    _owned_by_someone_else(link, monkeypatch)
    monkeypatch.chdir(tmp_path)
    result = run(*[a.format(events=events, tmp=tmp_path) for a in args])
    shown = "evild" if args[-1].startswith("evild") else str(link)
    assert_error(result, f"{shown}: is a symbolic link owned by someone else")
    assert list(elsewhere.iterdir()) == []


def test_a_link_you_own_on_the_path_is_followed(events: Path, tmp_path: Path) -> None:
    (tmp_path / "releases").mkdir()
    (tmp_path / "public").symlink_to("releases")
    target = tmp_path / "public" / "2024" / "all.ics"
    assert run("export", str(events), "-o", str(target)).exit_code == 0
    assert (tmp_path / "releases" / "2024" / "all.ics").read_bytes() == expected(A, "none")[""]


def _swap_at_open(monkeypatch: pytest.MonkeyPatch, folder: Path, victim: Path) -> list[Path]:
    """Between confcal's check of the path and its opening of what it checked, replace
    ``folder`` by a link to ``victim`` (as renameat2 RENAME_EXCHANGE in a loop did, 10 runs in
    150): the swaps made."""
    swapped: list[Path] = []

    def swap() -> None:
        if not swapped:
            folder.rename(folder.with_name(folder.name + ".real"))
            folder.symlink_to(victim)
            swapped.append(folder)

    monkeypatch.setattr(files, "_before_open", swap)
    return swapped


@pytest.mark.parametrize(
    ("args", "output"),
    [
        (["export"], "sub/all.ics"),
        (["export"], "sub/new/all.ics"),  # created below the folder swapped
        (["convert"], "sub/events.json"),
        (["export", "--split", "event"], "sub"),
        (["export", "--split", "day"], "sub/days"),
        (["export", "--split", "day"], "sub/new/days"),
        (["site"], "sub/site"),
    ],
)
def test_a_folder_on_the_output_path_swapped_for_a_link_after_the_check_is_refused(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], output: str
) -> None:
    """A user owning a folder on the path swapped a sub-folder for a link between confcal's
    check and its open by name: the output went into the victim's folder."""
    shared = tmp_path / "shared"
    (shared / "sub" / "days").mkdir(parents=True)
    (shared / "sub" / "site").mkdir()
    victim = tmp_path / "victim"
    (victim / "days").mkdir(parents=True)
    (victim / "site").mkdir()
    (victim / "all.ics").write_bytes(b"the victim's")
    before = sorted(p.relative_to(victim) for p in victim.rglob("*"))
    swapped = _swap_at_open(monkeypatch, shared / "sub", victim)
    result = run(args[0], str(events), *args[1:], "-o", str(shared / output))
    assert swapped
    assert_error(
        result, f"{shared / output}: changed while confcal was checking it (a folder on the way "
        "was replaced); run again",
    )  # fmt: skip
    assert sorted(p.relative_to(victim) for p in victim.rglob("*")) == before
    assert (victim / "all.ics").read_bytes() == b"the victim's"


def test_a_folder_to_create_that_turns_into_a_link_after_the_check_is_refused(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Missing when checked, a link when created: confcal created folders through it."""
    shared = tmp_path / "shared"
    shared.mkdir()
    victim = tmp_path / "victim"
    victim.mkdir()
    monkeypatch.setattr(files, "_before_open", lambda: (shared / "new").symlink_to(victim))
    result = run("export", str(events), "-o", str(shared / "new" / "deeper" / "all.ics"))
    assert_error(result, "changed while confcal was checking it")
    assert list(victim.iterdir()) == []


def test_a_fifo_whose_folder_is_swapped_for_a_link_after_the_check_is_not_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO (or device) is opened by name to be written in place: through the swapped folder
    it was the victim's regular file, overwritten from its start."""
    source = save(tmp_path / "events.json", A)
    shared = tmp_path / "shared"
    (shared / "sub").mkdir(parents=True)
    os.mkfifo(shared / "sub" / "pipe")
    reader = os.open(shared / "sub" / "pipe", os.O_RDONLY | os.O_NONBLOCK)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "pipe").write_bytes(b"the victim's")
    _swap_at_open(monkeypatch, shared / "sub", victim)
    try:
        result = run("export", str(source), "-o", str(shared / "sub" / "pipe"))
    finally:
        os.close(reader)
    assert_error(result, "changed while confcal was checking it")
    assert (victim / "pipe").read_bytes() == b"the victim's"


def test_a_path_left_as_checked_is_written_through_the_hook(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook itself changes nothing: the output goes where the check said."""
    calls: list[None] = []
    monkeypatch.setattr(files, "_before_open", lambda: calls.append(None))
    target = tmp_path / "a" / "b" / "all.ics"
    assert run("export", str(events), "-o", str(target)).exit_code == 0
    assert run("export", str(events), "--split", "event", "-o", str(tmp_path / "s")).exit_code == 0
    assert target.read_bytes() == expected(A, "none")[""]
    assert_exactly(tmp_path / "s", expected(A, "event"))
    assert len(calls) == 2


# --- Concurrent runs -----------------------------------------------------------------------------


def test_two_runs_into_one_folder_leave_exactly_one_runs_files(tmp_path: Path) -> None:
    """Without the lock, one run prunes what the other just wrote, or lists what it did not."""
    folder = tmp_path / "out"
    sources = [save(tmp_path / "a.json", A), save(tmp_path / "b.json", B)]
    outcomes = [expected(A, "event"), expected(B, "event")]
    for _ in range(20):
        start, go = os.pipe()
        args = [
            ["export", str(source), "--split", "event", "-o", str(folder)] for source in sources
        ]
        wait_long = {"CONFCAL_LOCK_TIMEOUT": "60"}
        pids = [fork_run(a, start=start, env=wait_long) for a in args]
        os.write(go, b"go")  # both start at once
        codes = [wait(pid) for pid in pids]
        os.close(start)
        os.close(go)
        assert codes == [0, 0]
        state = calendars(folder)
        assert state in outcomes  # whichever ended last, as a whole
        assert_exactly(folder, state)


def test_a_second_run_waits_for_the_first_to_finish(events: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    lock = os.open(folder / LOCK, os.O_RDONLY | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    waiting, told = os.pipe()
    pid = fork_run(
        ["export", str(events), "--split", "event", "-o", str(folder)],
        env={"CONFCAL_LOCK_TIMEOUT": "60"}, on_wait=told,
    )  # fmt: skip
    os.close(told)
    assert os.read(waiting, 1) == b"w"  # it is waiting for the lock
    assert sorted(p.name for p in folder.iterdir()) == [LOCK]
    os.unlink(folder / LOCK)  # as a finishing run does
    os.close(lock)
    os.close(waiting)
    assert wait(pid) == 0
    assert_exactly(folder, expected(A, "event"))


@pytest.mark.parametrize("command", [["export", "--split", "day"], ["site"]])
def test_a_run_that_cannot_get_the_lock_in_time_gives_up_naming_the_folder(
    events: Path, tmp_path: Path, command: list[str]
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    lock = os.open(folder / LOCK, os.O_RDONLY | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        result = run(
            command[0], str(events), *command[1:], "-o", str(folder),
            CONFCAL_LOCK_TIMEOUT="0.05",
        )  # fmt: skip
    finally:
        os.close(lock)
    assert_error(result, f"{folder}: another confcal run is writing into this folder")
    assert sorted(p.name for p in folder.iterdir()) == [LOCK]


@pytest.mark.parametrize(
    "value",
    ["soon", "inf", "1e999", "nan", "-1", "-0.5", "1e300", "100000", "86400.5", "9" * 400, "1_0",
     "\u0663", " 5 ", "5 ", "+5", "1e3", ".5", "5.", "0x10"],
)  # fmt: skip
def test_a_lock_timeout_that_is_not_ascii_seconds_up_to_a_day_is_an_error(
    events: Path, tmp_path: Path, value: str
) -> None:
    """`inf` and `1e999` waited forever, `1e300` as good as forever, `nan` and `-1` not at all;
    `1_0`, `٣` and ` 5 ` were read as Python reads a float, unlike SOURCE_DATE_EPOCH."""
    result = run(
        "export", str(events), "--split", "day", "-o", str(tmp_path / "o"),
        CONFCAL_LOCK_TIMEOUT=value,
    )  # fmt: skip
    assert_error(
        result, "CONFCAL_LOCK_TIMEOUT: ", "is not a number of seconds from 0 to 86400 (a day) in "
        "ASCII digits, with an optional fraction: such as 30 or 2.5",
    )  # fmt: skip
    assert len(result.stderr) < 300  # a long value is shortened
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("value", "seconds"), [("", 10.0), ("0", 0.0), ("2.5", 2.5), ("007", 7.0), ("86400", 86400.0)]
)
def test_a_lock_timeout_of_ascii_seconds_up_to_a_day_is_read_and_an_empty_one_is_the_default(
    monkeypatch: pytest.MonkeyPatch, value: str, seconds: float
) -> None:
    """Empty means unset, as for SOURCE_DATE_EPOCH (it was an error)."""
    monkeypatch.setenv("CONFCAL_LOCK_TIMEOUT", value)
    assert _folder.lock_timeout() == seconds


def test_an_empty_lock_timeout_writes_as_an_unset_one(events: Path, tmp_path: Path) -> None:
    result = run(
        "export", str(events), "--split", "event", "-o", str(tmp_path / "o"),
        CONFCAL_LOCK_TIMEOUT="",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert_exactly(tmp_path / "o", expected(A, "event"))


# --- Crashes -------------------------------------------------------------------------------------


def _steps(tmp_path: Path, old: Path, new: Path) -> int:
    """How many output steps a run of ``new`` takes over a folder written from ``old``."""
    folder = tmp_path / "measure"
    assert run("export", str(old), "--split", "event", "-o", str(folder)).exit_code == 0
    counting = _DyingOs(10**9)
    with pytest.MonkeyPatch.context() as patch:
        for module in WRITERS:
            patch.setattr(module, "os", counting)
        assert run("export", str(new), "--split", "event", "-o", str(folder)).exit_code == 0
    return 10**9 - counting.left


def test_runs_killed_at_random_points_leave_whole_calendars_and_the_next_run_cleans_up(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "out"
    sources = {"a": save(tmp_path / "a.json", A), "b": save(tmp_path / "b.json", B)}
    files = {"a": expected(A, "event"), "b": expected(B, "event")}
    steps = min(_steps(tmp_path, sources["a"], sources["b"]), _steps(tmp_path, *sources.values()))
    assert steps > 20
    rng = random.Random(13)
    run("export", str(sources["b"]), "--split", "event", "-o", str(folder))
    for round_ in range(32):
        old, new = ("a", "b") if round_ % 2 else ("b", "a")  # the folder holds old's files
        args = ["export", str(sources[new]), "--split", "event", "-o", str(folder)]
        code = wait(fork_run(args, die_at=rng.randrange(steps)))
        assert code == -signal.SIGKILL  # 32 runs killed
        for name, data in calendars(folder).items():
            assert data in {files[old].get(name), files[new].get(name)}, name
            assert icalendar.Calendar.from_ical(data).walk("VEVENT")
            assert name in manifest(folder)  # listed before it was created
        assert run(*args).exit_code == 0
        assert_exactly(folder, files[new])


def test_a_run_that_fails_part_way_lists_what_it_created_so_the_next_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"

    def full_at_beta(src: str, dst: str, **dir_fds: int) -> None:
        if dst == "beta.ics":  # the last in programme order
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.replace(src, dst, **dir_fds)

    patch_os(monkeypatch, replace=full_at_beta)
    result = run("export", str(save(tmp_path / "a.json", A)), "--split", "event", "-o", str(folder))
    assert_error(result, f"{folder / 'beta.ics'}: cannot write: No space left on device")
    assert set(calendars(folder)) == {"alpha.ics", "gamma.ics"}
    assert manifest(folder) >= {"alpha.ics", "gamma.ics"}
    monkeypatch.undo()
    b = save(tmp_path / "b.json", B)
    assert run("export", str(b), "--split", "event", "-o", str(folder)).exit_code == 0
    assert_exactly(folder, expected(B, "event"))


@pytest.mark.parametrize("split", ["none", "event"])
def test_temporary_files_of_dead_runs_are_removed_and_those_of_live_ones_kept(
    events: Path, tmp_path: Path, split: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    dead = folder / f"{TEMPORARY_PREFIX}0123456789abcdef"
    dead.write_bytes(b"half a calendar")
    before_0_2 = folder / ".alpha.ics.k2j_x9a1.tmp"  # mkstemp's, by confcal before 0.2
    before_0_2.write_bytes(b"half a calendar")
    of_a_gone_session = folder / ".gone.ics.k2j_x9a1.tmp"
    if split == "event":
        of_a_gone_session.write_bytes(b"half a calendar")
        (folder / MANIFEST).write_text("gone.ics\n", "utf-8")
    live = folder / f"{TEMPORARY_PREFIX}live"
    live.write_bytes(b"being written")
    held = os.open(live, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        target = folder / "alpha.ics" if split == "none" else folder
        assert run("export", str(events), "--split", split, "-o", str(target)).exit_code == 0
    finally:
        os.close(held)
    assert not dead.exists() and not before_0_2.exists() and not of_a_gone_session.exists()
    assert live.read_bytes() == b"being written"


def test_the_folder_is_fsynced_after_the_renames(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []

    def replace(src: str, dst: str, **dir_fds: int) -> None:
        steps.append(f"rename {dst}")
        os.replace(src, dst, **dir_fds)

    def fsync(fd: int) -> None:
        steps.append("sync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "sync file")
        os.fsync(fd)

    patch_os(monkeypatch, replace=replace, fsync=fsync)
    folder = tmp_path / "out"
    assert run("export", str(events), "--split", "event", "-o", str(folder)).exit_code == 0
    assert steps[:3] == ["sync file", f"rename {MANIFEST}", "sync folder"]  # the list first
    renames = ["rename alpha.ics", "rename gamma.ics", "rename beta.ics"]  # programme order
    # Every file on disk before the first rename (a few: an fsync each), the folder after them.
    assert steps[3:] == [*["sync file"] * 3, *renames, "sync folder"]
    steps.clear()
    b = save(tmp_path / "b.json", B)
    assert run("export", str(b), "--split", "event", "-o", str(folder)).exit_code == 0
    assert steps[-3:] == ["sync file", f"rename {MANIFEST}", "sync folder"]
    steps.clear()
    assert run("export", str(events), "-o", str(tmp_path / "all.ics")).exit_code == 0
    assert steps == ["sync file", "rename all.ics", "sync folder"]


# --- Messages instead of tracebacks --------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [["export"], ["export", "--split", "event"], ["site"], ["convert"]]
)
def test_a_name_too_long_is_an_error_naming_it(
    events: Path, tmp_path: Path, command: list[str]
) -> None:
    target = tmp_path / ("x" * 300)
    result = run(command[0], str(events), *command[1:], "-o", str(target))
    assert_error(result, f"{target}: cannot", "File name too long")


def test_a_folder_too_deep_for_its_name_is_an_error_naming_it(events: Path, tmp_path: Path) -> None:
    target = tmp_path / ("x" * 300) / "all.ics"
    assert_error(run("export", str(events), "-o", str(target)), "File name too long")


def test_a_manifest_that_lists_a_folder_is_an_error_and_the_folder_stays(
    events: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    (folder / "old.ics").mkdir(parents=True)
    (folder / MANIFEST).write_text("old.ics\n", "utf-8")
    result = run("export", str(events), "--split", "event", "-o", str(folder))
    assert_error(result, f"{folder / MANIFEST}: lists 'old.ics', which is a folder")
    assert (folder / "old.ics").is_dir()
    assert calendars(folder) == {}


def test_a_calendar_name_taken_by_a_folder_is_an_error_before_anything_is_written(
    events: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    (folder / "gamma.ics").mkdir(parents=True)
    result = run("export", str(events), "--split", "event", "-o", str(folder))
    assert_error(result, f"{folder / 'gamma.ics'}: is a folder")
    assert sorted(p.name for p in folder.iterdir()) == ["gamma.ics"]


@pytest.mark.parametrize("content", [b"\xff\xfeo\x00l\x00d\x00.ics\n", b"old.ics\n\x80\n"])
def test_a_manifest_that_is_not_utf8_is_an_error_and_removes_nothing(
    events: Path, tmp_path: Path, content: bytes
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "old.ics").write_bytes(b"kept")
    (folder / MANIFEST).write_bytes(content)
    result = run("export", str(events), "--split", "event", "-o", str(folder))
    assert_error(result, f"{folder / MANIFEST}: is not UTF-8")
    assert (folder / "old.ics").read_bytes() == b"kept"


def test_a_manifest_that_is_a_folder_is_an_error(events: Path, tmp_path: Path) -> None:
    (tmp_path / "out" / MANIFEST).mkdir(parents=True)
    result = run("export", str(events), "--split", "day", "-o", str(tmp_path / "out"))
    assert_error(result, f"{tmp_path / 'out' / MANIFEST}: is not a file")


@pytest.mark.parametrize(
    ("call", "errno_", "words"),
    [
        ("open", errno.EACCES, "cannot write: Permission denied"),
        ("open", errno.EROFS, "cannot write: Read-only file system"),
        ("write", errno.ENOSPC, "cannot write: No space left on device"),
        ("fsync", errno.EIO, "cannot write: Input/output error"),
        ("mkdir", errno.EACCES, "cannot write: Permission denied"),
        ("unlink", errno.EACCES, "cannot remove: Permission denied"),
    ],
)
def test_every_os_error_while_writing_is_an_output_error_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str, errno_: int, words: str
) -> None:
    """Each call the site's writing makes, failing as a read-only or full disk makes it fail."""
    public = tmp_path / "public"
    confcal.site.build_site(confcal.loads(json.dumps(A)), public)
    (public / "sessions" / "stale.ics").write_bytes(b"stale")
    with (public / "sessions" / MANIFEST).open("a") as listed:
        listed.write("stale.ics\n")
    real = getattr(os, call)

    def failing(name: object, *args: object, **kwargs: object) -> object:
        wanted = {"open": TEMPORARY_PREFIX, "mkdir": "days", "unlink": "stale.ics"}.get(call)
        if wanted is None or (isinstance(name, str) and name.startswith(wanted)):
            raise OSError(errno_, os.strerror(errno_))
        return real(name, *args, **kwargs)

    if call == "mkdir":
        (public / "days").rename(tmp_path / "days")
    patch_os(monkeypatch, **{call: failing})
    with pytest.raises(confcal.OutputError, match=words) as caught:
        confcal.site.build_site(confcal.loads(json.dumps(B)), public)
    assert str(public) in str(caught.value)
    if call == "unlink":
        assert str(public / "sessions" / "stale.ics") in str(caught.value)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder another user can read (pytest's own are private to their user)."""
    folder = Path(tempfile.mkdtemp(prefix="confcal-"))
    try:
        folder.chmod(0o755)
        yield folder
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=False)


NOBODY = 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as another user")


def run_as_nobody(args: list[str], tmp_path: Path) -> str:
    """Run confcal as user nobody; its messages."""
    messages = tmp_path / "messages"
    fd = os.open(messages, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        code = wait(fork_run(args, user=NOBODY, stderr=fd))
    finally:
        os.close(fd)
    if code == 77:
        pytest.skip("cannot change user here")
    text = messages.read_text("utf-8")
    assert code == 1, text
    assert text.startswith("error: ") and "Traceback" not in text
    return text


@as_root
@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["export"], "all.ics: cannot write: Permission denied"),
        (["convert"], "all.ics: cannot write: Permission denied"),
        (["export", "--split", "event"], "out: cannot create: Permission denied"),
        (["site"], "out: cannot create: Permission denied"),
    ],
)
def test_an_output_folder_the_user_may_not_write_is_an_error_naming_it(
    shared: Path, tmp_path: Path, command: list[str], words: str
) -> None:
    source = save(shared / "events.json", A)
    source.chmod(0o644)
    locked = shared / "locked"
    locked.mkdir()  # root's, 0755: nobody may not write in it
    target = locked / ("all.ics" if command[-1] in {"export", "convert"} else "out")
    messages = run_as_nobody([command[0], str(source), *command[1:], "-o", str(target)], tmp_path)
    assert f"{locked}/{words}" in messages
    assert list(locked.iterdir()) == []


@as_root
def test_a_read_only_folder_with_a_stale_calendar_is_an_error_naming_the_file(
    shared: Path, tmp_path: Path
) -> None:
    source = save(shared / "events.json", A)
    source.chmod(0o644)
    folder = shared / "out"
    assert run("export", str(source), "--split", "event", "-o", str(folder)).exit_code == 0
    (folder / "stale.ics").write_bytes(b"stale")
    with (folder / MANIFEST).open("a") as listed:
        listed.write("stale.ics\n")
    (folder / LOCK).touch()  # left by a killed run: it need not be created
    messages = run_as_nobody(
        ["export", str(source), "--split", "event", "-o", str(folder)], tmp_path
    )
    assert f"{folder / 'stale.ics'}: cannot remove: Permission denied" in messages
    assert (folder / "stale.ics").read_bytes() == b"stale"


def test_a_huge_manifest_is_refused_without_reading_it(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A planted 300 MB .confcal-files (sparse: it costs no disk) was read whole, and more."""
    folder = tmp_path / "out"
    folder.mkdir()
    with (folder / MANIFEST).open("wb") as planted:
        planted.truncate(300 << 20)
    read = []

    def counting(fd: int, size: int) -> bytes:
        read.append(size)
        return os.read(fd, size)

    patch_os(monkeypatch, read=counting)
    result = run("export", str(events), "--split", "event", "-o", str(folder))
    assert_error(result, f"{folder / MANIFEST}: is larger than 16 MiB, so not the list")
    assert sum(read) <= _manifest.MANIFEST_LIMIT + 1
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST]


def test_more_files_than_a_manifest_may_list_are_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What confcal writes it must read back: a longer list would be refused next time."""
    monkeypatch.setattr(_manifest, "MANIFEST_LIMIT", 1000)
    folder = tmp_path / "out"
    with pytest.raises(confcal.OutputError, match="20 files are more than confcal can list"):
        write_files(folder, {f"{n:0100d}.ics": b"x" for n in range(20)})
    assert list(folder.iterdir()) == []


def test_a_file_name_longer_than_a_system_takes_is_refused_before_it_is_listed(
    tmp_path: Path,
) -> None:
    """Listed first, it would make the next run's list one confcal never writes."""
    folder = tmp_path / "out"
    with pytest.raises(confcal.OutputError, match="refusing the file name"):
        write_files(folder, {"x" * 252 + ".ics": b"x"})
    assert not folder.exists()
    assert write_files(folder, {"x" * 251 + ".ics": b"x"}) == [folder / ("x" * 251 + ".ics")]


def test_a_list_nearly_full_of_earlier_names_blames_them_not_this_runs_files(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """161k stale names and 4 new files said "4 files are more than confcal can list"."""
    monkeypatch.setattr(_manifest, "MANIFEST_LIMIT", 1000)
    folder = tmp_path / "out"
    folder.mkdir()
    stale = "".join(f"{n:050d}.ics\n" for n in range(18))  # 972 bytes, under the limit
    (folder / MANIFEST).write_text(stale, "utf-8")
    result = run("export", str(events), "--split", "event", "-o", str(folder))
    assert_error(
        result, f"{folder / MANIFEST}: would pass 0 MiB with the 18 names earlier runs wrote "
        "there and this one does not; remove the calendars it lists and the list, then run again",
    )  # fmt: skip
    assert "3 files are more" not in result.stderr
    assert snapshot(folder) == {MANIFEST: stale.encode("utf-8")}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"alpha.ics\n\0\0\0\n", "holds NUL bytes"),
        (b"alpha.ics\n../../victim.ics\n", "lists '../../victim.ics', a name confcal never"),
        (b".confcal-lock\n", "lists '.confcal-lock', a name confcal never writes"),
        # It said "cannot read: File name too long", naming a file that is not there.
        (b"x" * 252 + b".ics\n", f"lists '{'x' * 57}..."),  # then "a name confcal never..."
        ("é".encode() * 127 + b".ics\n", f"lists '{'é' * 57}..."),  # 258 bytes
        (b"d" * 256 + b"/\n", f"lists '{'d' * 57}..."),
        # Names ending in \r were not there to remove, and the files confcal wrote stayed.
        (b"alpha.ics\r\nbeta.ics\r\n", "has CR LF line ends (edited on Windows?), so not the"),
    ],
)
def test_a_manifest_confcal_cannot_have_written_is_an_error_and_removes_nothing(
    events: Path, tmp_path: Path, content: bytes, words: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "alpha.ics").write_bytes(b"kept")
    (folder / MANIFEST).write_bytes(content)
    result = run("export", str(events), "--split", "event", "-o", str(folder))
    assert_error(result, f"{folder / MANIFEST}: {words}")
    assert snapshot(folder) == {"alpha.ics": b"kept", MANIFEST: content}


def test_a_path_with_control_characters_is_shown_escaped(events: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "\x1b]0;owned\x07\x1b[2J"
    blocker.write_bytes(b"a file")
    result = run("export", str(events), "-o", str(blocker / "all.ics"))
    assert_error(result, "is a file, not a folder", "\\x1b[2J")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_check_shows_an_input_name_with_control_characters_escaped(tmp_path: Path) -> None:
    source = save(tmp_path / "ev\x1b[2J.json", A)
    result = run("check", str(source))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(repr(str(source))) and "\x1b" not in result.stdout


def test_a_very_long_path_is_shortened_in_the_middle(events: Path, tmp_path: Path) -> None:
    target = tmp_path.joinpath(*["d" * 200] * 30, "all.ics")  # 6 KB: longer than PATH_MAX
    result = run("export", str(events), "-o", str(target))
    assert_error(result, f"{str(target)[:200]}", "...", f"{'d' * 180}/all.ics: cannot")
    assert len(result.stderr) < 700
    long_source = Problem("broken", source=str(target))
    assert len(str(long_source)) < 600 and str(long_source).endswith("all.ics: broken")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["export", "-o", "newdir/"], "-o newdir/: ends with /, so names a folder: give a file"),
        (["export", "-o", "newdir/."], "-o newdir/.: ends with ., so names a folder"),
        (["convert", "-o", "newdir/"], "-o newdir/: ends with /, so names a folder: give a file"),
        (["export", "-o", ""], "-o '': an empty path"),
        (["export", "--split", "day", "-o", ""], "-o '': an empty path"),
        (["convert", "-o", ""], "-o '': an empty path"),
        (["site", "-o", ""], "-o '': an empty path"),
        (["site", "-o", "-"], "-o -: - means stdout; site writes a folder"),
        (["export", "--split", "event", "-o", "-"], "-o -: - means stdout; --split event writes"),
    ],
)
def test_an_output_that_cannot_be_what_is_meant_is_a_usage_error(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], words: str
) -> None:
    """`-o newdir/` wrote a file named newdir, `-o ''` meant the current folder, and
    `site -o -` built a folder named -."""
    monkeypatch.chdir(tmp_path)
    result = run(args[0], str(events), *args[1:])
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.json"]


@pytest.mark.parametrize(
    "args",
    [["export", "--split", "day", "-o", "/dev/null"], ["export", "--split", "event", "-o",
     "/dev/stdout"], ["site", "-o", "/dev/null"]],
)  # fmt: skip
def test_a_device_given_as_the_folder_is_called_a_device(events: Path, args: list[str]) -> None:
    result = run(args[0], str(events), *args[1:])
    assert_error(result, f"{args[-1]}: is a device, not a folder; ")


def test_a_file_of_the_kernel_is_an_error_naming_it(events: Path) -> None:
    assert_error(run("export", str(events), "-o", "/proc/self/status"), "/status: cannot write")


# --- stdout --------------------------------------------------------------------------------------

COMMANDS = ["export", "list", "check", "convert"]


def _messages(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)


@pytest.mark.parametrize("command", COMMANDS)
def test_stdout_on_a_full_disk_is_an_error(events: Path, tmp_path: Path, command: str) -> None:
    full = os.open("/dev/full", os.O_WRONLY)
    errors = _messages(tmp_path / "errors")
    try:
        code = wait(fork_run([command, str(events)], stdout=full, stderr=errors))
    finally:
        os.close(full)
        os.close(errors)
    assert code == 1
    message = (tmp_path / "errors").read_text()
    assert message == "error: stdout: cannot write: No space left on device\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_closed_pipe_on_stdout_ends_silently(events: Path, tmp_path: Path, command: str) -> None:
    """`confcal list big.json | head`: head has what it wanted; nothing went wrong."""
    reader, writer = os.pipe()
    os.close(reader)  # whatever is written now meets a closed pipe
    errors = _messages(tmp_path / "errors")
    try:
        code = wait(fork_run([command, str(events)], stdout=writer, stderr=errors))
    finally:
        os.close(writer)
        os.close(errors)
    assert (code, (tmp_path / "errors").read_text()) == (0, "")


def test_a_closed_pipe_behind_dev_stdout_ends_silently(events: Path, tmp_path: Path) -> None:
    reader, writer = os.pipe()
    os.close(reader)
    errors = _messages(tmp_path / "errors")
    try:
        args = ["export", str(events), "-o", "/dev/stdout"]
        code = wait(fork_run(args, stdout=writer, stderr=errors))
    finally:
        os.close(writer)
        os.close(errors)
    assert (code, (tmp_path / "errors").read_text()) == (0, "")


def test_text_stdout_cannot_encode_is_an_error_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A terminal set to Latin-1 and a title in Japanese: a message, not a traceback."""
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="latin-1"))
    with pytest.raises(
        confcal.OutputError,
        match="stdout: cannot write '東京' in its encoding latin-1: set PYTHONIO",
    ):
        files.write_stdout("Tokyo 東京\n")


def test_a_closed_pipe_is_an_output_error_to_a_library_caller() -> None:
    """Every error confcal raises is a ConfcalError; the command line tells this one apart."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        with pytest.raises(PipeClosed, match="the reader closed the pipe") as caught:
            write_atomic(Path(f"/dev/fd/{writer}"), b"BEGIN:VCALENDAR\r\n")
    finally:
        os.close(writer)
    assert isinstance(caught.value, confcal.OutputError)


def test_a_real_interpreter_exits_cleanly_on_a_full_disk_and_a_closed_pipe(events: Path) -> None:
    """What Python itself does at exit with what is still buffered: no "Exception ignored"."""
    reader, writer = os.pipe()
    os.close(reader)
    with open("/dev/full", "wb") as full:
        outputs: list[tuple[str, int | io.BufferedWriter]] = [("export", full), ("list", writer)]
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "confcal", command, str(events)],
                stdout=stdout,
                stderr=subprocess.PIPE,
            )
            for command, stdout in outputs
        ]
    os.close(writer)
    messages = [p.communicate(timeout=60)[1] for p in runs]
    assert [p.returncode for p in runs] == [1, 0]
    assert messages == [b"error: stdout: cannot write: No space left on device\n", b""]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export"], "stdout is closed"),
        (["export", "-o", "-"], "stdout is closed"),
        (["export", "-o", "/dev/stdout"], "/dev/stdout: stdout is closed"),
        (["list"], "stdout is closed"),
        (["check"], "stdout is closed"),
        (["convert"], "stdout is closed"),
    ],
)
def test_a_closed_stdout_is_an_error_not_a_traceback(
    events: Path, args: list[str], message: str
) -> None:
    """`confcal export events.json >&-`: Python starts with sys.stdout None."""
    command = [sys.executable, "-m", "confcal", args[0], str(events), *args[1:]]
    done = subprocess.run(
        ["sh", "-c", '"$@" >&-', "sh", *command], stderr=subprocess.PIPE, timeout=120, check=False
    )
    assert (done.returncode, done.stderr.decode()) == (1, f"error: {message}\n")


# --- Any sequence of runs ------------------------------------------------------------------------

_RUN = st.tuples(
    st.sampled_from([A, B, C]),
    st.sampled_from(["all", "--type", "--id", "--day"]),
    st.none() | st.integers(min_value=0, max_value=70),
)


def _filters(document: dict[str, object], kind: str) -> list[str]:
    first = document["events"][0]  # type: ignore[index]
    return {
        "all": [],
        "--type": ["--type", first["type"]],
        "--id": ["--id", first["id"]],
        "--day": ["--day", first["start"][:10]],
    }[kind]


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(split=st.sampled_from(["event", "day"]), runs=st.lists(_RUN, min_size=1, max_size=5))
def test_any_sequence_of_runs_leaves_the_last_complete_runs_files(
    tmp_path: Path, split: str, runs: list[tuple[dict[str, object], str, int | None]]
) -> None:
    """After a complete unfiltered run the folder holds exactly its files; a filtered run adds
    or replaces its own and keeps the others'; a killed run leaves each calendar whole, as it
    was or as the run wrote it, and listed; and a last full run leaves exactly its own."""
    with tempfile.TemporaryDirectory(dir=tmp_path) as work:
        folder = Path(work, "out")
        possible: dict[str, set[bytes]] = {}  # every version a calendar may be in now
        required: dict[str, bytes] = {}  # what must be there, as it is
        for n, (document, kind, die_at) in enumerate(runs):
            source = save(Path(work, f"{n}.json"), document)
            filters = _filters(document, kind)
            files = expected(document, split, filters)
            args = ["export", str(source), "--split", split, *filters, "-o", str(folder)]
            code = wait(fork_run(args, die_at=die_at))
            state = calendars(folder)
            if code == 0:
                leftovers = [p for p in folder.iterdir() if p.name.startswith(("..", ".confcal-t"))]
                assert not leftovers and not (folder / LOCK).exists()
                assert manifest(folder) == set(state)
                if kind == "all":
                    assert state == files
                    required, possible = {}, {}
                required.update(files)
                possible.update({name: {data} for name, data in files.items()})
            else:
                assert code == -signal.SIGKILL
                assert set(state) <= manifest(folder)
                for name, data in files.items():
                    possible.setdefault(name, set()).add(data)
                # an unfiltered run may have removed the rest; any run may have replaced its own
                required = {} if kind == "all" else {
                    name: data for name, data in required.items() if name not in files
                }  # fmt: skip
            for name, data in state.items():
                assert data in possible.get(name, set()), name
                assert icalendar.Calendar.from_ical(data).walk("VEVENT")
            for name, data in required.items():
                assert state.get(name) == data, name
            if code == 0:  # now known exactly
                required, possible = state, {name: {data} for name, data in state.items()}
        last = save(Path(work, "last.json"), A)
        assert run("export", str(last), "--split", split, "-o", str(folder)).exit_code == 0
        assert_exactly(folder, expected(A, split))


# --- Batches: as large as the limit of open files allows ----------------------------------------


@pytest.mark.parametrize(
    ("limit", "batch"),
    [(64, 32), (1024, 512), (20_000, 4096), (10, 16), (resource.RLIM_INFINITY, 4096)],
)
def test_a_batch_takes_at_most_half_the_open_file_limit(
    monkeypatch: pytest.MonkeyPatch, limit: int, batch: int
) -> None:
    monkeypatch.setattr(resource, "getrlimit", lambda _: (limit, resource.RLIM_INFINITY))
    assert _folder._batch_size() == batch


def test_many_files_are_written_under_a_low_limit_of_open_files(tmp_path: Path) -> None:
    """300 session files with 64 descriptors: batches of 32, each flushed, then renamed."""
    document: dict[str, object] = {
        "calendar": {
            "name": "Many",
            "timezone": "Europe/Berlin",
            "updated": "2024-12-01T00:00:00Z",
        },
        "events": [
            {
                "id": f"s{n:03d}",
                "title": f"Session {n}",
                "start": f"2024-12-{27 + n // 100}T{9 + n % 100 // 10:02d}:{n % 10 * 5:02d}",
                "duration": "PT5M",
            }
            for n in range(300)
        ],
    }
    events = save(tmp_path / "events.json", document)
    folder = tmp_path / "out"
    script = (
        "import resource, sys; from confcal.cli import main; "
        "resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64)); "
        f"sys.argv = ['confcal', 'export', {str(events)!r}, '--split', 'event', '-o', "
        f"{str(folder)!r}]; main()"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    written = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".ics"}
    assert written == expected(document, "event")
