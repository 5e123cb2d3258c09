"""How much reading a pretalx/frab schedule.xml adds to exporting the same programme.

Times, in-process, the median of several runs of: load + export to iCalendar bytes, once from a
published ``source-schedule.xml`` and once from the events.json converted from it.

    .venv/bin/python benchmarks/frab_import.py [PROGRAMME_FOLDER] [--runs N]

PROGRAMME_FOLDER defaults to ../shared/programmes/fosdem2026 (see tests/test_frab_map.py for how the
shared folder is found).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import confcal


def _default_folder() -> Path:
    root = os.environ.get("CONFCAL_PROGRAMMES")
    candidates = [Path(root)] if root else []
    candidates += [Path(__file__).resolve().parents[2] / "shared" / "programmes"]
    candidates += [Path("/work/shared/programmes")]
    for candidate in candidates:
        if (candidate / "fosdem2026").is_dir():
            return candidate / "fosdem2026"
    raise SystemExit("no programmes folder found: give it as an argument")


def _medians(actions: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Median time of each action; they take turns, so load from other work hits all alike."""
    for action in actions.values():
        action()  # warm the caches (zone definitions) both sides share
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    folder: Path = args.folder or _default_folder()
    xml, events = folder / "source-schedule.xml", folder / "events.json"
    t = _medians(
        {
            "read xml": lambda: confcal.load(xml),
            "read events": lambda: confcal.load(events),
            "export xml": lambda: confcal.to_ical(confcal.load(xml)),
            "export events": lambda: confcal.to_ical(confcal.load(events)),
        },
        args.runs,
    )
    print(f"{folder.name}: median of {args.runs} runs, in seconds")
    print(f"  read:          schedule.xml {t['read xml']:.3f}   events.json {t['read events']:.3f}")
    print(
        f"  read + export: schedule.xml {t['export xml']:.3f}  events.json {t['export events']:.3f}"
    )
    print(f"  ratio, read + export: {t['export xml'] / t['export events']:.2f}")


if __name__ == "__main__":
    main()
