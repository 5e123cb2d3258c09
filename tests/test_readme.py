"""The README's library examples run as written, in order, in a folder holding events.json."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO

README = (REPO / "README.md").read_text("utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```", README, flags=re.M | re.S)


def test_the_readme_shows_the_library() -> None:
    assert len(BLOCKS) >= 2


def test_every_python_example_in_the_readme_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copyfile(REPO / "events.json", tmp_path / "events.json")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in BLOCKS:
        exec(compile(block, "README.md", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "2024-11-19 14:30:00+01:00" in printed
    assert (tmp_path / "public" / "index.html").is_file()
    assert sorted(p.name for p in (tmp_path / "calendars" / "days").glob("*.ics"))
