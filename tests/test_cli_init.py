"""``confcal init``: a starter events.json in an empty folder, ready to export, never written over
an existing file unless asked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import confcal
from confcal.cli import cli
from conftest import REPO


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_init_then_export_works_in_an_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _run("init") == (0, "", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.json"]
    code, calendar, messages = _run("export", "events.json")
    assert (code, messages) == (0, "")
    assert calendar.count("BEGIN:VEVENT") == 5
    assert "X-WR-CALNAME:Example Conference 2027" in calendar


def test_init_refuses_an_existing_file_and_leaves_it_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "events.json").write_text("my programme", "utf-8")
    code, out, err = _run("init")
    assert (code, out) == (1, "")
    assert err == (
        "error: events.json: exists already; edit it, or replace it with confcal init --force\n"
    )
    assert (tmp_path / "events.json").read_text("utf-8") == "my programme"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.json"]  # no temporary left


def test_init_force_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "programme.json"
    target.write_text("old", "utf-8")
    assert _run("init", "--force", str(target)) == (0, "", "")
    assert confcal.load(target).name == "Example Conference 2027"


def test_init_dash_writes_the_starter_to_stdout(tmp_path: Path) -> None:
    assert _run("init", str(tmp_path / "events.json"))[0] == 0
    code, out, _ = _run("init", "-")
    assert (code, out) == (0, (tmp_path / "events.json").read_text("utf-8"))


@pytest.mark.parametrize(("name", "words"), [("", "is a directory"), ("new/", "names a folder")])
def test_init_into_a_folder_is_a_usage_error(tmp_path: Path, name: str, words: str) -> None:
    code, _, err = _run("init", f"{tmp_path}/{name}")
    assert code == 2
    assert words in err
    assert list(tmp_path.iterdir()) == []


def _starter(tmp_path: Path) -> Path:
    path = tmp_path / "events.json"
    assert _run("init", str(path))[0] == 0
    return path


def test_the_starter_reads_without_a_warning(tmp_path: Path) -> None:
    warnings: list[confcal.LoadWarning] = []
    schedule = confcal.load(_starter(tmp_path), on_warning=warnings.append)
    assert warnings == []
    assert [e.id for e in schedule.events][:2] == ["opening-keynote", "calendar-workshop"]


def _readme_keys(heading: str) -> set[str]:
    """The keys the README's table after ``heading`` explains (the table's first column)."""
    readme = (REPO / "README.md").read_text("utf-8")
    table = readme.split(heading, 1)[1].split("\n\n", 2)[1]
    return {key for row in table.splitlines() for key in re.findall(r"^\| `(\w+)`", row)} | {
        key for row in table.splitlines() for key in re.findall(r"^\| `\w+` / `(\w+)`", row)
    }


def test_the_starter_shows_every_field_the_readme_explains(tmp_path: Path) -> None:
    starter = json.loads(_starter(tmp_path).read_text("utf-8"))
    calendar_keys = _readme_keys("`calendar`:")
    event_keys = _readme_keys("Each event:")
    assert {"name", "timezone", "refresh"} <= calendar_keys
    assert {"id", "end", "duration", "language"} <= event_keys
    # `updated` stays out: a starter cannot know when the programme last changed, and without it
    # DTSTAMP is the file's modification time, which moves as it is edited.
    assert set(starter["calendar"]) == calendar_keys - {"updated"}
    assert set().union(*starter["events"]) == event_keys
