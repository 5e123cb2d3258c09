"""Writing the site's calendars in a forked child while its pages render (confcal._background).

The fork happens only in a process without other threads; pytest-xdist's workers run one of
their own, so each case runs in a fresh interpreter, as ``confcal site`` does.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from confcal import _background, files
from confcal._background import in_background
from confcal._tree import Digests, Rendering, Tree
from confcal.errors import OutputError
from forking import forking, programme, python, site_files

pytestmark = forking


def test_the_site_written_in_the_background_is_the_one_written_in_one_process(
    tmp_path: Path,
) -> None:
    programme(tmp_path / "events.json")
    result = python(
        """
        background = build("bg")
        forks = len(FORKS)
        _background.can_fork = _tree.can_fork = lambda: False
        alone = build("alone")
        print(json.dumps({"forks": forks, "after": len(FORKS), "bg": background, "alone": alone}))
        """,
        cwd=tmp_path,
    )
    assert result["forks"] == result["after"] == 1
    names = [Path(p).relative_to("bg") for p in result["bg"]]  # type: ignore[attr-defined]
    assert names == [Path(p).relative_to("alone") for p in result["alone"]]  # type: ignore[attr-defined]
    assert names[-1] == Path("index.html")  # the page last, after the background's files
    assert site_files(tmp_path / "bg") == site_files(tmp_path / "alone")
    assert not list((tmp_path / "bg").rglob(".confcal-tmp-*"))


def test_a_rebuild_in_the_background_reports_only_what_changed(tmp_path: Path) -> None:
    path = programme(tmp_path / "events.json")
    edited = json.loads(path.read_text(encoding="utf-8"))
    edited["events"][3]["location"] = "Moved hall"
    moved = json.dumps(edited)
    result = python(
        f"""
        build("site")
        Path("events.json").write_text({moved!r}, encoding="utf-8")
        changed = build("site")
        print(json.dumps({{"forks": len(FORKS), "changed": changed}}))
        """,
        cwd=tmp_path,
    )
    assert result["forks"] == 2
    changed = {str(Path(p).relative_to("site")) for p in result["changed"]}  # type: ignore[attr-defined]
    assert "sessions/s3.ics" in changed
    assert "calendar.ics" in changed
    assert "sessions/s4.ics" not in changed
    assert "rooms/room-3.ics" in changed  # s3's old room loses it, its new one gains it


def test_a_write_failing_in_the_background_fails_the_run_and_the_next_run_repairs(
    tmp_path: Path,
) -> None:
    programme(tmp_path / "events.json")
    result = python(
        """
        from confcal._folder import Folder
        from confcal.errors import OutputError
        real = Folder._temporary
        def failing(self, name, data, mode, temporary):
            if os.getpid() != PARENT and name == "s30.ics":
                raise OutputError(f"{self.path / name}: cannot write: No space left on device")
            return real(self, name, data, mode, temporary)
        Folder._temporary = failing
        try:
            build("site")
        except OutputError as error:
            message = str(error)
        Folder._temporary = real
        build("site")
        _background.can_fork = _tree.can_fork = lambda: False
        build("fresh")
        print(json.dumps({"forks": len(FORKS), "message": message}))
        """,
        cwd=tmp_path,
    )
    assert result["forks"] == 2
    assert result["message"] == "site/sessions/s30.ics: cannot write: No space left on device"
    assert site_files(tmp_path / "site") == site_files(tmp_path / "fresh")
    assert not list((tmp_path / "site").rglob(".confcal-tmp-*"))


def test_a_page_failing_to_render_stops_the_background_writer_before_the_folder_is_let_go(
    tmp_path: Path,
) -> None:
    programme(tmp_path / "events.json", sessions=400)
    result = python(
        """
        from confcal import site
        real = site._Site.pages
        def failing(self):
            raise MemoryError("rendering the page")
        site._Site.pages = failing
        try:
            build("site")
        except MemoryError:
            pass
        try:
            os.waitpid(-1, os.WNOHANG)
            reaped = False
        except ChildProcessError:
            reaped = True
        lock = Path("site/.confcal-lock").exists()
        site._Site.pages = real
        build("site")
        _background.can_fork = _tree.can_fork = lambda: False
        build("fresh")
        print(json.dumps({"forks": len(FORKS), "reaped": reaped, "lock": lock}))
        """,
        cwd=tmp_path,
    )
    assert result == {"forks": 2, "reaped": True, "lock": False}
    assert site_files(tmp_path / "site") == site_files(tmp_path / "fresh")
    assert not list((tmp_path / "site").rglob(".confcal-tmp-*"))


def test_the_childs_outcome_reaches_the_parent_whatever_it_is(tmp_path: Path) -> None:
    result = python(
        """
        from confcal.errors import OutputError
        outcomes = {}
        def outcome(work):
            try:
                with _background.in_background(work) as result:
                    return repr(result())
            except BaseException as error:
                last = str(error).splitlines()[-1] if str(error) else ""
                return f"{type(error).__name__}: {last}"
        def refused():
            raise OutputError("out/a.ics: cannot write: Read-only file system")
        def broken():
            raise ValueError("a bug")
        def interrupted():
            raise KeyboardInterrupt
        def killed():
            os.kill(os.getpid(), signal.SIGKILL)
        outcomes["value"] = outcome(lambda: [os.getpid() != PARENT, "é"])
        outcomes["refused"] = outcome(refused)
        outcomes["broken"] = outcome(broken)
        outcomes["interrupted"] = outcome(interrupted)
        outcomes["killed"] = outcome(killed)
        print(json.dumps({"forks": len(FORKS), **outcomes}))
        """,
        cwd=tmp_path,
    )
    assert result == {
        "forks": 5,
        "value": "[True, 'é']",
        "refused": "OutputError: out/a.ics: cannot write: Read-only file system",
        "broken": "RuntimeError: ValueError: a bug",
        "interrupted": "KeyboardInterrupt: ",
        "killed": "OutputError: the process writing the files ended without a result (killed "
        "by signal 9)",
    }


def test_leaving_the_block_early_stops_the_child_and_waits_for_it(tmp_path: Path) -> None:
    result = python(
        """
        def slow():
            for _ in range(600):
                time.sleep(0.1)
        started = time.monotonic()
        try:
            with _background.in_background(slow):
                raise LookupError("the caller fails")
        except LookupError:
            pass
        try:
            os.kill(FORKS[0], 0)
            gone = False
        except ProcessLookupError:
            gone = True
        print(json.dumps({"gone": gone, "quick": time.monotonic() - started < 30}))
        """,
        cwd=tmp_path,
    )
    assert result == {"gone": True, "quick": True}


def test_a_program_that_ignores_its_children_still_gets_the_result(tmp_path: Path) -> None:
    """With SIGCHLD ignored (daemons do), the system reaps the child: waitpid finds none."""
    result = python(
        """
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        with _background.in_background(lambda: "written") as written:
            value = written()
        print(json.dumps({"value": value, "forks": len(FORKS)}))
        """,
        cwd=tmp_path,
    )
    assert result == {"value": "written", "forks": 1}


def test_no_child_is_forked_beside_another_thread(tmp_path: Path) -> None:
    result = python(
        """
        import threading
        alone = _background.can_fork()
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        with _background.in_background(os.getpid) as pid:
            done_here = pid() == os.getpid()
        beside = _background.can_fork()
        stop.set()
        thread.join()
        found = {"alone": alone, "beside": beside, "here": done_here, "forks": len(FORKS)}
        print(json.dumps(found))
        """,
        cwd=tmp_path,
    )
    assert result == {"alone": True, "beside": False, "here": True, "forks": 0}


def test_where_none_may_fork_the_work_is_done_at_once_and_its_error_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_background, "can_fork", lambda: False)
    done = []

    def write() -> str:
        done.append(os.getpid())
        return "written"

    with in_background(write) as result:
        assert done == [os.getpid()]
        assert result() == "written"

    def refused() -> None:
        raise OutputError("out: cannot write")

    with pytest.raises(OutputError, match="out: cannot write"), in_background(refused):
        pass


def _rendering(
    background: dict[str, dict[str, bytes]],
    foreground: dict[str, dict[str, bytes]],
    seen: list[dict[str, dict[str, bytes]]],
) -> Rendering:
    def last(digests: Digests) -> Tree:
        seen.append({sub: dict(files) for sub, files in digests.items()})
        return {"": {"last.txt": b"last"}}

    return Rendering(lambda: background, lambda: foreground, last)


def test_each_file_named_without_bytes_is_made_by_one_part_and_the_last_sees_every_digest(
    tmp_path: Path,
) -> None:
    seen: list[dict[str, dict[str, bytes]]] = []
    rendering = _rendering({"a": {"1.ics": b"one"}}, {"": {"index.html": b"page"}}, seen)
    tree: dict[str, dict[str, bytes | None]] = {
        "a": {"1.ics": None, "2.ics": b"two"},
        "": {"last.txt": None, "index.html": None},
    }
    written = files.write_tree(tmp_path / "out", tree, rendering=rendering)
    assert [p.relative_to(tmp_path / "out") for p in written] == [
        Path("a/1.ics"), Path("a/2.ics"), Path("last.txt"), Path("index.html")
    ]  # fmt: skip
    assert (tmp_path / "out" / "a" / "1.ics").read_bytes() == b"one"
    assert seen == [
        {
            "a": {
                "1.ics": hashlib.sha256(b"one").digest(),
                "2.ics": hashlib.sha256(b"two").digest(),
            },
            "": {"index.html": hashlib.sha256(b"page").digest()},
        }
    ]


@pytest.mark.parametrize(
    ("background", "why"),
    [
        ({"a": {"1.ics": b"one", "3.ics": b"unplanned"}}, "not named without bytes"),
        ({"a": {"2.ics": b"at hand already"}}, "not named without bytes"),
        ({}, "named but never rendered"),
    ],
)
def test_a_file_made_but_not_planned_or_planned_but_not_made_is_a_bug_caught_before_writing(
    tmp_path: Path, background: dict[str, dict[str, bytes]], why: str
) -> None:
    rendering = _rendering(background, {}, [])
    tree: dict[str, dict[str, bytes | None]] = {
        "a": {"1.ics": None, "2.ics": b"two"},
        "": {"last.txt": None},
    }
    with pytest.raises(AssertionError, match=why):
        files.write_tree(tmp_path / "out", tree, rendering=rendering)
    assert not list((tmp_path / "out").rglob("*.ics"))
