"""Reading is linear in the input's size: time and peak memory of ``confcal check`` on inputs
built to break a reader that is not (issue 13), and on the real programmes.

    .venv/bin/python benchmarks/reading.py [--programmes DIR] [--keep DIR]

Each file is checked in a fresh process (the command line, in-process there); the report gives
its size, the wall time, and the peak resident memory (``VmHWM``, Linux) above that of checking a
tiny programme the same way, also per MB of input.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = r"""
import contextlib, io, json, re, sys, time
from confcal.cli import cli
start = time.perf_counter()
with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
    try:
        cli.main(["check", sys.argv[1]], standalone_mode=False)
    except Exception:
        pass
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: that one keeps the peak of the process this one was forked from.
peak = re.search(r"VmHWM:\s*(\d+) kB", open("/proc/self/status").read())
print(json.dumps({"seconds": seconds, "kb": int(peak[1])}))

"""


def _measure(path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


def _pretalx() -> dict[str, object]:
    text = (REPO / "tests" / "frab" / "pretalx.json").read_text("utf-8")
    document: dict[str, object] = json.loads(text)
    return document


def nested_unknown_key() -> bytes:
    """A schedule.json with an unknown key 900 objects deep (keys of 40 letters) holding 50,000
    ``{}``: 191 KB, 1.87 GB to check before issue 13."""
    body = json.dumps(_pretalx(), separators=(",", ":"))
    key = "k" * 40
    nested = f'{{"{key}":' * 900 + "[" + ",".join(["{}"] * 50_000) + "]" + "}" * 900
    return (body[:-1] + ',"unknown":' + nested + "}").encode()


def duplicate_keys_deep() -> bytes:
    """As :func:`nested_unknown_key`, each of the 50,000 objects with a key given twice: every one
    a problem whose field is the whole path."""
    body = json.dumps(_pretalx(), separators=(",", ":"))
    key = "k" * 40
    twice = '{"a":1,"a":2}'
    nested = f'{{"{key}":' * 900 + "[" + ",".join([twice] * 50_000) + "]" + "}" * 900
    return (body[:-1] + ',"unknown":' + nested + "}").encode()


def _xml() -> str:
    return (REPO / "tests" / "frab" / "schedule.xml").read_text("utf-8")


def nested_days() -> bytes:
    """A schedule.xml with 20,000 ``<day>`` each inside the one before: 14 s before issue 13."""
    n = 20_000
    return _xml().replace("</schedule>", "<day>" * n + "</day>" * n + "</schedule>").encode()


def deep_elements() -> bytes:
    """A schedule.xml with 500,000 nested elements of no meaning to a schedule."""
    n = 500_000
    return _xml().replace("</schedule>", "<x>" * n + "</x>" * n + "</schedule>").encode()


def empty_events() -> bytes:
    """An events.json of 200,000 ``{}`` events: 800,000 problems."""
    calendar = {"name": "Empty", "timezone": "Europe/Berlin"}
    return json.dumps({"calendar": calendar, "events": [{}] * 200_000}).encode()


def tiny() -> bytes:
    return (REPO / "events.json").read_bytes()


BUILT: dict[str, tuple[str, Callable[[], bytes]]] = {
    "tiny programme (baseline)": ("tiny.json", tiny),
    "unknown key 900 deep, 50,000 {}": ("nested.json", nested_unknown_key),
    "the same, each {} with a key twice": ("twice.json", duplicate_keys_deep),
    "20,000 nested <day>": ("days.xml", nested_days),
    "500,000 nested elements": ("deep.xml", deep_elements),
    "200,000 {} events": ("empty.json", empty_events),
}


def _programmes(folder: Path | None) -> dict[str, Path]:
    candidates = [folder] if folder else []
    root = os.environ.get("CONFCAL_PROGRAMMES")
    candidates += [Path(root)] if root else []
    candidates += [REPO.parent / "shared" / "programmes", Path("/work/shared/programmes")]
    for candidate in candidates:
        if candidate and (candidate / "fosdem2026").is_dir():
            return {
                "FOSDEM 2026 schedule.xml": candidate / "fosdem2026" / "source-schedule.xml",
                "38C3 schedule.xml": candidate / "38c3" / "source-schedule.xml",
                "38C3 events.json": candidate / "38c3" / "events.json",
            }
    return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programmes", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="write the built inputs here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder: Path = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        inputs: dict[str, Path] = {}
        for label, (name, build) in BUILT.items():
            inputs[label] = folder / name
            inputs[label].write_bytes(build())
        inputs.update(_programmes(args.programmes))
        baseline = _measure(inputs["tiny programme (baseline)"])["kb"]
        print(f"baseline: {baseline / 1024:.0f} MB resident checking {REPO / 'events.json'}")
        print(f"{'input':40} {'size':>9} {'time':>7} {'memory':>10} {'per input MB':>13}")
        for label, path in inputs.items():
            size = path.stat().st_size / 1e6
            result = _measure(path)
            extra = max(result["kb"] - baseline, 0) / 1024
            print(
                f"{label:40} {size:7.2f}MB {result['seconds']:6.2f}s {extra:8.1f}MB "
                f"{extra / size:10.1f} MB"
            )


if __name__ == "__main__":
    main()
