"""What the tests of the two-process publish share: each case runs in a fresh interpreter, in a
session of its own, as ``confcal site`` does. pytest-xdist's workers run a thread of their own,
so no child is forked inside them (``confcal._background.can_fork``), and a Ctrl-C sent there
reaches only that interpreter and its child."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

#: The cases that fork: only beside a second processor.
forking = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="the background writer runs only beside a second processor",
)

#: Run before each case's code: write in the background from the first file, count the children
#: forked (FORKS), and ``build`` (two processes) or ``alone`` (one) a site from events.json.
PRELUDE = """
import json, os, signal, sys, time
from pathlib import Path
import confcal
from confcal import _background, _tree
from confcal.site import build_site
_tree.BACKGROUND_FROM = 0
FORKS = []
_start = _background._Child.__init__
def _counted(self, work):
    _start(self, work)
    FORKS.append(self.pid)
_background._Child.__init__ = _counted
PARENT = os.getpid()
def build(out, **options):
    schedule = confcal.load(Path("events.json"))
    return [str(p) for p in build_site(schedule, Path(out), **options)]
def alone(out, **options):
    real = _tree.can_fork
    _background.can_fork = _tree.can_fork = lambda: False
    try:
        return build(out, **options)
    finally:
        _background.can_fork = _tree.can_fork = real
"""


def script(*code: str) -> str:
    """:data:`PRELUDE`, then ``code``, as one program."""
    return "\n".join(textwrap.dedent(part) for part in (PRELUDE, *code))


def python(*code: str, cwd: Path) -> dict[str, object]:
    """Run :func:`script` in a fresh interpreter in a session of its own; the JSON it prints
    last."""
    done = subprocess.run(
        [sys.executable, "-c", script(*code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
        start_new_session=True,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def programme(path: Path, sessions: int = 60) -> Path:
    """A programme over three days, with tracks and rooms, emoji, TABs, a repeated title and
    some sessions cancelled."""
    events = [
        {
            "id": f"s{n}",
            "title": f"Session {n} ✨" if n % 7 else "Repeated title",
            "start": f"2024-11-{18 + n % 3}T{9 + n % 8:02}:{n % 4 * 15:02}",
            "duration": "PT45M",
            "location": f"Room {n % 5}",
            "track": f"Track {n % 4}",
            "description": f"About\tsession {n}.",
            **({"status": "cancelled"} if n % 11 == 0 else {}),
        }
        for n in range(sessions)
    ]
    calendar = {"name": "Test", "timezone": "America/New_York", "updated": "2024-11-14T00:00:00Z"}
    path.write_text(json.dumps({"calendar": calendar, "events": events}), encoding="utf-8")
    return path


def site_files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, without the fingerprint of its manifest's build line."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name == ".confcal-files":
                data = b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"/"))
            found[str(path.relative_to(folder))] = data
    return found
