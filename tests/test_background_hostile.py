"""The two-process publish (confcal._background, confcal._tree) used as a careless user, a
hostile environment or a library caller would: Ctrl-C, a killed parent, SIGCHLD ignored, the
progress callbacks.

Each case runs in a fresh interpreter in a session of its own (pytest-xdist's workers run a
thread, so no child is forked inside them; and a Ctrl-C there reaches only that interpreter and
its child).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from confcal import files
from confcal._folder import TEMPORARY_PREFIX
from forking import forking, programme, python, script, site_files


@forking
def test_ctrl_c_while_the_child_cleans_up_leaves_no_temporary_file(tmp_path: Path) -> None:
    """Ctrl-C reaches the parent and the child (the whole foreground group). The child starts
    removing its batch of temporaries; the parent, interrupted too, tells it to stop with
    SIGTERM, which the child turns into a second KeyboardInterrupt in the middle of that
    clean-up: the rest of the batch stays in sessions/ (hundreds to thousands of
    .confcal-tmp-* files in a 10,000-session publish, most Ctrl-Cs while the child writes)."""
    programme(tmp_path / "events.json", sessions=300)
    result = python(
        """
        from confcal import _folder, site
        real_sync, real_unlink = _folder._sync_files, os.unlink
        def sync(folder, fds):
            if os.getpid() != PARENT and folder.path.name == "sessions":
                os.killpg(0, signal.SIGINT)  # Ctrl-C, as the terminal sends it
                time.sleep(30)  # interrupted here
            return real_sync(folder, fds)
        def unlink(path, *args, **kwargs):
            if os.getpid() != PARENT and str(path).startswith(".confcal-tmp-"):
                time.sleep(0.01)  # a slow disk: the clean-up takes a while
            return real_unlink(path, *args, **kwargs)
        _folder._sync_files, os.unlink = sync, unlink
        real_pages = site._Site.pages
        def pages(self):
            time.sleep(60)  # still rendering the pages when Ctrl-C comes
            return real_pages(self)
        site._Site.pages = pages
        try:
            build("site")
            interrupted = False
        except KeyboardInterrupt:
            interrupted = True
        left = sorted(p.name for p in Path("site").rglob(".confcal-tmp-*"))
        print(json.dumps({"forks": len(FORKS), "interrupted": interrupted, "left": left[:3]}))
        """,
        cwd=tmp_path,
    )
    assert result == {"forks": 1, "interrupted": True, "left": []}


@forking
def test_a_program_that_ignores_sigchld_gets_its_site_written(tmp_path: Path) -> None:
    """SIGCHLD ignored (a daemon's habit, inherited across exec by `confcal site` too): the
    kernel reaps the child itself and waitpid() fails with ECHILD; the publish must not fail
    with ChildProcessError after the child wrote its files, leaving no index.html."""
    programme(tmp_path / "events.json", sessions=300)
    result = python(
        """
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        try:
            build("site")
            error = None
        except BaseException as failure:
            error = f"{type(failure).__name__}: {failure}"
        alone("fresh")
        print(json.dumps({"forks": len(FORKS), "error": error}))
        """,
        cwd=tmp_path,
    )
    assert result == {"forks": 1, "error": None}
    assert site_files(tmp_path / "site") == site_files(tmp_path / "fresh")


@forking
def test_the_rendering_progress_is_told_to_the_caller_not_to_the_child(tmp_path: Path) -> None:
    """build_site(rendering=...) is told (done, total) "as the calendars are rendered": in the
    two-process path the callback runs in the forked child, so the caller hears nothing (and
    a callback that writes to a socket or a terminal does so from another process)."""
    programme(tmp_path / "events.json", sessions=300)
    result = python(
        """
        told = []
        build("site", rendering=lambda done, total: told.append(os.getpid()))
        in_one = []
        alone("fresh", rendering=lambda done, total: in_one.append(os.getpid()))
        print(json.dumps({
            "forks": len(FORKS), "told": len(told) > 0, "one": len(in_one) > 0,
            "elsewhere": sorted(set(told) - {PARENT}),
        }))
        """,
        cwd=tmp_path,
    )
    assert result == {"forks": 1, "told": True, "one": True, "elsewhere": []}


@forking
def test_an_exception_from_a_progress_callback_reaches_the_caller_as_it_was_raised(
    tmp_path: Path,
) -> None:
    """A program cancels a publish by raising its own exception from the progress callback; it
    gets that exception back in one process, a RuntimeError holding a traceback's text in two."""
    programme(tmp_path / "events.json", sessions=300)
    result = python(
        """
        class Cancelled(Exception):
            pass
        def cancel(done, total):
            raise Cancelled("the user pressed Cancel")
        caught = []
        for run in (build, alone):
            try:
                run(run.__name__, rendering=cancel)
            except Exception as error:
                caught.append(type(error).__name__)
        print(json.dumps({"forks": len(FORKS), "caught": caught}))
        """,
        cwd=tmp_path,
    )
    assert result == {"forks": 1, "caught": ["Cancelled", "Cancelled"]}


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


@forking
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_parent_killed_with_sigterm_leaves_no_child_writing_on(tmp_path: Path) -> None:
    """`kill PID` (SIGTERM to confcal alone, as a supervisor or a user does) ends the parent at
    once; the child, an orphan, goes on writing into the folder (holding its lock) for as long
    as its work takes. It should stop too, removing its temporary files."""
    programme(tmp_path / "events.json", sessions=300)
    code = script(
        """
        from confcal import _folder
        real = _folder.Folder._temporary
        def slow(self, name, data, mode, temporary):
            if os.getpid() != PARENT:
                Path("child").write_text(str(os.getpid()))
                time.sleep(0.1)  # a slow disk: 300 sessions take 30 s
            return real(self, name, data, mode, temporary)
        _folder.Folder._temporary = slow
        build("site")
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code], cwd=tmp_path, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    marker = tmp_path / "child"
    try:
        for _ in range(600):
            if marker.exists() and marker.read_text():
                break
            time.sleep(0.1)
        child = int(marker.read_text())
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=60) == -signal.SIGTERM
        for _ in range(600):  # until the child is gone: at once if stopped, 30 s if not
            if not _alive(child):
                break
            time.sleep(0.1)
        written = len(list((tmp_path / "site" / "sessions").glob("*.ics")))
        # The child's own: the parent, ended by SIGTERM's default action, removes none of its
        # temporaries (pages it was writing), as in one process; the next run does.
        left = list((tmp_path / "site" / "sessions").glob(".confcal-tmp-*"))
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.wait()
        if marker.exists() and _alive(child := int(marker.read_text())):
            os.kill(child, signal.SIGKILL)
    assert written < 300, "the orphaned child wrote every session after its parent was gone"
    assert left == []


def test_ctrl_c_as_a_temporary_file_is_created_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creating a file is where a publish spends most of its writing time (the child of the
    two-process publish nearly all of it), so that is where Ctrl-C lands: the temporary is
    created, and the KeyboardInterrupt is raised as ``os.open`` returns, before its descriptor
    is kept for the clean-up. One .confcal-tmp-* file is left in sessions/ (in one process
    too: seen after most Ctrl-Cs of a 10,000-session publish, with 9b7e7a3 as with main)."""
    real = os.open
    created: list[str] = []

    def interrupted_open(path: str, flags: int, *args: object, **kwargs: object) -> int:
        fd = real(path, flags, *args, **kwargs)  # type: ignore[arg-type]
        if str(path).startswith(TEMPORARY_PREFIX):
            created.append(str(path))
            if len(created) == 3:
                raise KeyboardInterrupt  # as the signal handler raises it, once open returns
        return fd

    monkeypatch.setattr(os, "open", interrupted_open)
    tree = {"sessions": {f"s{n}.ics": b"BEGIN:VCALENDAR\r\n" for n in range(20)}}
    with pytest.raises(KeyboardInterrupt):
        files.write_tree(tmp_path / "out", tree)
    monkeypatch.undo()
    assert len(created) == 3
    assert list((tmp_path / "out").rglob(TEMPORARY_PREFIX + "*")) == []
