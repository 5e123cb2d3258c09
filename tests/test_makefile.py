"""examples/Makefile in a temporary copy of the repository: it builds what changed and only that."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import icalendar
import pytest

from confcal.files import feed_slug

REPOSITORY = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
# The console script of the confcal under test, beside the Python running the tests.
CONFCAL = Path(sys.executable).with_name("confcal")

pytestmark = [
    pytest.mark.skipif(MAKE is None, reason="make is not installed"),
    pytest.mark.skipif(
        not CONFCAL.exists(), reason=f"no confcal script beside {sys.executable} (pip install -e .)"
    ),
]

SESSIONS = {
    "parsl-cwl", "seesaw-poster", "hpc-software-sustainability-bof", "workflows-community-bof",
    "serverless-hpc-panel", "iri-interfaces-bof", "globus-compute",
}  # fmt: skip
DAYS = {"2024-11-18", "2024-11-19", "2024-11-21", "2024-11-22"}
#: events.json's rooms (it has no tracks): a feed each, in rooms/.
ROOMS = {"B302", "B302-B305", "B210", "B212", "B313B-B314", "B311"}


def room(name: str) -> str:
    return f"rooms/{feed_slug(name)}.ics"


def copy_of_repository(folder: Path) -> Path:
    """A copy of the repository as far as the Makefile sees it: events.json and examples/."""
    (folder / "examples").mkdir(parents=True)
    shutil.copyfile(REPOSITORY / "events.json", folder / "events.json")
    shutil.copyfile(REPOSITORY / "examples" / "Makefile", folder / "examples" / "Makefile")
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fresh copy, nothing built."""
    return copy_of_repository(tmp_path / "repo")


@pytest.fixture(scope="module")
def first_build(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One `make` in a fresh copy, run once for the module (each confcal run costs a process)."""
    repo = copy_of_repository(tmp_path_factory.mktemp("first") / "repo")
    return repo, make(repo)


@pytest.fixture
def built(first_build: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path) -> Path:
    """A copy of the first build, every file's mtime kept."""
    assert first_build[1].returncode == 0, first_build[1].stderr
    return Path(shutil.copytree(first_build[0], tmp_path / "repo", symlinks=True))


def make(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    env.pop("SOURCE_DATE_EPOCH", None)
    assert MAKE is not None
    return subprocess.run(
        [MAKE, "--no-print-directory", f"CONFCAL={CONFCAL}", *args],
        cwd=repo / "examples", env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def mtimes(folder: Path) -> dict[str, int]:
    return {str(f.relative_to(folder)): f.stat().st_mtime_ns for f in folder.rglob("*")}


def calendars(build: Path) -> set[str]:
    return {str(f.relative_to(build)) for f in build.rglob("*.ics")}


def everything_built() -> set[str]:
    exports = {f"days/{d}.ics" for d in DAYS} | {f"sessions/{s}.ics" for s in SESSIONS}
    return {"calendar.ics"} | exports | {room(r) for r in ROOMS}


def confcal_commands(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The confcal commands make printed, without the path of the executable."""
    lines = result.stdout.splitlines()
    return [line.split(" ", 1)[1].strip() for line in lines if line.startswith(str(CONFCAL))]


def set_mtime(path: Path, ns: int) -> None:
    os.utime(path, ns=(ns, ns))


def test_first_build_makes_the_whole_programme_each_day_and_each_session(
    first_build: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    repo, result = first_build
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("confcal export") == 0
    assert result.stdout.count("confcal site") == 1  # one run writes everything
    build = repo / "examples" / "build"
    assert calendars(build) == everything_built()
    assert "Parsl+CWL" in (build / "days" / "2024-11-18.html").read_text("utf-8")
    assert f'href="{room("B302")}"' in (build / "index.html").read_text("utf-8")
    for name in calendars(build):
        assert icalendar.Calendar.from_ical((build / name).read_bytes()).walk("VEVENT")


def test_a_second_make_does_nothing(built: Path) -> None:
    before = mtimes(built / "examples" / "build")
    assert make(built, "-q").returncode == 0  # -q: exit 0 only if everything is up to date
    second = make(built)
    assert second.returncode == 0
    assert "confcal" not in second.stdout
    assert mtimes(built / "examples" / "build") == before


def backdate(build: Path, hours: int = 1) -> int:
    """Sets every built file's mtime ``hours`` back (so no test needs to sleep); returns it."""
    past = time.time_ns() - hours * 3600 * 10**9
    for path in build.rglob("*"):
        set_mtime(path, past)
    return past


def test_touching_events_json_runs_confcal_but_rewrites_no_calendar(built: Path) -> None:
    build = built / "examples" / "build"
    past = backdate(build, hours=2)
    set_mtime(built / "events.json", past + 3600 * 10**9)  # touched an hour after the build
    before = {name: t for name, t in mtimes(build).items() if name.endswith(".ics")}
    assert make(built, "-q").returncode != 0
    result = make(built)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("confcal site") == 1
    assert {name: t for name, t in mtimes(build).items() if name.endswith(".ics")} == before
    assert make(built, "-q").returncode == 0


def test_an_edit_rewrites_only_its_files_and_removes_what_is_gone(built: Path) -> None:
    build = built / "examples" / "build"
    backdate(build)
    before = mtimes(build)
    document = json.loads((built / "events.json").read_text("utf-8"))
    document["events"] = [e for e in document["events"] if e["id"] != "globus-compute"]
    document["events"][0]["location"] = "B303"  # parsl-cwl moves
    (built / "events.json").write_text(json.dumps(document), "utf-8")
    assert make(built).returncode == 0
    gone = {"days/2024-11-22.ics", "sessions/globus-compute.ics", room("B302")}
    assert calendars(build) == (everything_built() | {room("B303")}) - gone
    changed = {n for n, t in mtimes(build).items() if n.endswith(".ics") and t != before.get(n)}
    assert changed == {
        "calendar.ics", "days/2024-11-18.ics", "sessions/parsl-cwl.ics", room("B303"),
        room("B311"),  # globus-compute was in B311
    }  # fmt: skip


def test_a_calendar_deleted_by_hand_is_made_again(built: Path) -> None:
    build = built / "examples" / "build"
    (build / "calendar.ics").unlink()
    shutil.rmtree(build / "sessions")
    assert make(built, "-q").returncode != 0
    assert make(built).returncode == 0
    assert calendars(build) == everything_built()
    # One session's file removed by hand: make does not see it, the next confcal run does.
    (build / "days" / "2024-11-18.ics").unlink()
    set_mtime(built / "events.json", time.time_ns())
    assert make(built).returncode == 0
    assert calendars(build) == everything_built()


def test_a_history_edited_by_hand_rebuilds_and_survives_clean(built: Path) -> None:
    build = built / "examples" / "build"
    history = built / "events.history.json"
    # Started once by hand, as the README says; then make finds it beside events.json.
    started = subprocess.run(
        [CONFCAL, "site", "../events.json", "--history", "../events.history.json", "-o", "build"],
        cwd=built / "examples", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert make(built).returncode == 0
    assert make(built, "-q").returncode == 0
    document = json.loads(history.read_text("utf-8"))
    document["sessions"]["parsl-cwl"]["room"] = "B101"  # as if published there before
    history.write_text(json.dumps(document), "utf-8")
    assert make(built, "-q").returncode != 0
    assert make(built).returncode == 0
    parsl = (build / "sessions" / "parsl-cwl.ics").read_text("utf-8")
    assert "SEQUENCE:1" in parsl  # moved from B101 since the last publication
    assert make(built, "clean").returncode == 0
    assert history.exists()
    assert json.loads(history.read_text("utf-8"))["sessions"]["parsl-cwl"]["sequence"] == 1


def test_a_new_confcal_rebuilds(built: Path, tmp_path: Path) -> None:
    # The same confcal under another path: the stamps are older than it only once it is "new".
    wrapper = tmp_path / "bin" / "confcal"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nexec "{CONFCAL}" "$@"\n')
    wrapper.chmod(0o755)
    past = backdate(built / "examples" / "build", hours=2)
    set_mtime(wrapper, past - 3600 * 10**9)
    set_mtime(built / "events.json", past - 3600 * 10**9)
    assert make(built, "-q", f"CONFCAL={wrapper}").returncode == 0
    set_mtime(wrapper, past + 3600 * 10**9)  # reinstalled since the build
    assert make(built, "-q", f"CONFCAL={wrapper}").returncode != 0


def test_clean_removes_what_make_made_and_nothing_else(built: Path) -> None:
    (built / "examples" / "build" / "notes.txt").write_text("the organizer's own notes")
    result = make(built, "clean")
    assert result.returncode == 0, result.stderr
    assert [str(p.relative_to(built)) for p in sorted(built.rglob("*"))] == [
        "events.json", "examples", "examples/Makefile", "examples/build",
        "examples/build/notes.txt",
    ]  # fmt: skip


def test_clean_leaves_only_the_makefile_when_the_build_folder_was_its_own(built: Path) -> None:
    assert make(built, "clean").returncode == 0
    assert sorted(p.name for p in (built / "examples").iterdir()) == ["Makefile"]
    assert make(built, "clean").returncode == 0  # nothing left to clean is fine


def test_input_and_build_folder_are_configurable(repo: Path) -> None:
    (repo / "programmes").mkdir()
    (repo / "events.json").rename(repo / "programmes" / "sc24.json")
    result = make(repo, "-n", "EVENTS=../programmes/sc24.json", "OUT=public")
    assert result.returncode == 0, result.stderr
    assert confcal_commands(result) == ["site ../programmes/sc24.json -o public"]


def test_a_missing_confcal_is_a_clear_error(repo: Path) -> None:
    result = make(repo, "CONFCAL=/nonexistent/confcal")
    assert result.returncode != 0
    assert "cannot find '/nonexistent/confcal'" in result.stderr
