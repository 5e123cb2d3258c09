"""confcal against the hand-written icalendar script, side by side in one run.

Each comparison runs its contenders in alternation (the order rotating every round), so load
from other processes on the machine hits both sides alike, and reports medians and their ratio:

- full export, in-process: ``confcal.to_ical(confcal.load(path))`` vs ``baseline.build(path)``, both
  from the events.json file to the bytes of one calendar;
- all splits, in-process: one ``confcal.load`` then the whole calendar, the per-day and the
  per-event files (``confcal.files.render``), vs the baseline's single full export;
- the command line, in subprocesses: ``confcal export`` vs ``python baseline.py``, both to stdout;
  ``confcal --help`` vs ``python -c "import icalendar, pytz, attrs, click"``;
- the whole publish, in subprocesses: ``confcal site`` into a fresh folder (the page, the whole
  calendar, one per day and one per session, written durably) vs ``python baseline.py``; and the
  rebuild of that folder when nothing changed;
- growth, every export in a fresh subprocess: time per session and peak memory (VmHWM) of a full
  export, at 1,000 sessions and at the default size (``--big``: also at 100,000, which is slow).

    python benchmarks/run.py                      # 10,000 sessions, 5 rounds
    python benchmarks/run.py --big                # and the 100,000-session growth check
    python benchmarks/run.py --sessions 20 --repeat 1 --sizes 20,40   # smoke test
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baseline  # noqa: E402
import generate  # noqa: E402

BIG = 100_000


def _time(function: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def alternate(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """The median time of each contender over ``rounds``, the order rotating every round."""
    names = list(contenders)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(_time(contenders[name]))
    return {name: statistics.median(values) for name, values in times.items()}


def _run(command: list[str], **kwargs: object) -> Callable[[], object]:
    def call() -> object:
        return subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]

    return call


def _confcal_command() -> list[str]:
    script = Path(sys.executable).parent / "confcal"
    return [str(script)] if script.exists() else [sys.executable, "-m", "confcal"]


_GROWTH_CHILD = """
import json, resource, sys, time
from pathlib import Path
from types import ModuleType
path, which = Path(sys.argv[1]), sys.argv[3]
sys.path.insert(0, sys.argv[2])
if which == "confcal":
    import confcal
    export = lambda: confcal.to_ical(confcal.load(path))
else:
    import baseline
    export = lambda: baseline.build(path)
start = time.perf_counter()
export()
seconds = time.perf_counter() - start
try:  # this program's own peak: ru_maxrss would include the parent's, from before exec
    status = Path("/proc/self/status").read_text()
    peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1])
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"seconds": seconds, "peak_mib": peak / 1024}))
"""


def growth(path: Path, rounds: int) -> dict[str, dict[str, float]]:
    """Per side, the median seconds and peak memory of a full export, each in a fresh process.

    A fresh process per export: nothing is cached from an earlier round, as on the command line.
    """
    results: dict[str, list[dict[str, float]]] = {"confcal": [], "baseline": []}
    for round_ in range(rounds):
        for which in ("confcal", "baseline") if round_ % 2 == 0 else ("baseline", "confcal"):
            done = subprocess.run(
                [sys.executable, "-c", _GROWTH_CHILD, str(path), str(HERE), which],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            results[which].append(json.loads(done.stdout))
    return {
        which: {key: statistics.median(r[key] for r in runs) for key in ("seconds", "peak_mib")}
        for which, runs in results.items()
    }


def _ratio_line(label: str, mine: float, theirs: float, goal: str) -> str:
    return (
        f"{label}: confcal {mine:.3f} s, baseline {theirs:.3f} s -> ratio {mine / theirs:.2f} "
        f"(goal {goal})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sessions", type=int, default=10_000, help="programme size for the ratios"
    )
    parser.add_argument("--repeat", type=int, default=5, help="rounds per comparison (medians)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--zone", choices=sorted(generate.ZONES), default="America/New_York")
    parser.add_argument(
        "--sizes", default=None,
        help="comma-separated sizes for the growth check (default: 1000 and --sessions)",
    )  # fmt: skip
    parser.add_argument(
        "--big", action="store_true", help=f"add {BIG:,} sessions to the growth check"
    )
    parser.add_argument(
        "--skip-cli", action="store_true", help="leave out the subprocess comparisons"
    )
    args = parser.parse_args(argv)

    import confcal
    from confcal.files import Split, render

    print(f"# confcal {_version()} / Python {platform.python_version()} / {platform.machine()}, "
          f"{os.cpu_count()} CPUs; medians of {args.repeat} alternating rounds")  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="confcal-bench-"))
    try:
        path = generate.write(work / "events.json", args.sessions, seed=args.seed, zone=args.zone)
        n = f"{args.sessions:,} sessions"

        def full() -> bytes:
            return confcal.to_ical(confcal.load(path))

        def all_splits() -> int:
            schedule = confcal.load(path)
            return sum(len(render(schedule, split)) for split in Split)

        def base() -> bytes:
            return baseline.build(path)

        full(), base()  # warm up imports and the zone caches of both sides
        medians = alternate({"full": full, "all": all_splits, "baseline": base}, args.repeat)
        print(_ratio_line(f"full export, {n}", medians["full"], medians["baseline"], "<= 1.0"))
        label = f"full + per-day + per-event exports, {n}"
        print(_ratio_line(label, medians["all"], medians["baseline"], "<= 1.3"))

        if not args.skip_cli:
            command_line(confcal, path, work, n, args.repeat)

        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [1_000, args.sessions]
        if args.big and BIG not in sizes:
            sizes.append(BIG)
        sizes = sorted(set(sizes))
        per_session: dict[int, float] = {}
        for size in sizes:
            sized = generate.write(
                work / f"events-{size}.json", size, seed=args.seed, zone=args.zone
            )
            rounds = max(1, min(args.repeat, 10_000 * args.repeat // size))
            measured = growth(sized, rounds)
            mine, theirs = measured["confcal"], measured["baseline"]
            per_session[size] = mine["seconds"] / size
            print(
                f"growth, {size:,} sessions: confcal {mine['seconds']:.3f} s "
                f"({per_session[size] * 1e6:.0f} us/session, peak {mine['peak_mib']:.0f} MiB), "
                f"baseline {theirs['seconds']:.3f} s (peak {theirs['peak_mib']:.0f} MiB)"
            )
        smallest, largest = sizes[0], sizes[-1]
        if largest != smallest:
            print(
                f"growth ratio, per-session time at {largest:,} vs {smallest:,} sessions: "
                f"{per_session[largest] / per_session[smallest]:.2f} (goal <= 1.2)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def command_line(confcal: ModuleType, path: Path, work: Path, n: str, repeat: int) -> None:
    """The subprocess comparisons: export, the whole publish and its unchanged rebuild, --help."""
    confcal_cmd = _confcal_command()
    # Bytecode as an installed package has it (pip compiles on install; an editable
    # install, under PYTHONDONTWRITEBYTECODE, would otherwise compile on every start).
    compileall.compile_dir(Path(str(confcal.__file__)).parent, quiet=1)
    cli = alternate(
        {
            "confcal": _run([*confcal_cmd, "export", str(path)]),
            "baseline": _run([sys.executable, str(HERE / "baseline.py"), str(path)]),
        },
        repeat,
    )
    print(_ratio_line(f"command line export, {n}", cli["confcal"], cli["baseline"], "<= 1.0"))
    publish(confcal_cmd, path, work, n, repeat)
    imports = "import icalendar, pytz, attrs, click"
    startup = alternate(
        {
            "help": _run([*confcal_cmd, "--help"]),
            "imports": _run([sys.executable, "-c", imports]),
        },
        max(2, 2 * repeat),
    )
    print(
        f"confcal --help: {startup['help']:.3f} s, python -c {imports!r}: "
        f"{startup['imports']:.3f} s -> ratio {startup['help'] / startup['imports']:.2f} "
        "(goal <= 1.3)"
    )


def _cpu(call: Callable[[], object], into: list[tuple[float, float]]) -> Callable[[], object]:
    """``call``, adding the (user, system) CPU seconds of the subprocess it runs to ``into``."""

    def measured() -> object:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = call()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        into.append((after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime))
        return result

    return measured


def publish(confcal_cmd: list[str], path: Path, work: Path, n: str, rounds: int) -> None:
    """``confcal site`` into a fresh folder, and again into the same one (nothing changed), each
    against the baseline's single full export, all in subprocesses; and where the publish's time
    goes: the CPU of its processes (two on Linux with two processors, overlapping) in Python
    (user) and in the kernel (system: creating, writing, syncing and renaming some 10,400
    files)."""
    fresh = iter(range(1_000_000))
    site = [*confcal_cmd, "site", str(path), "-o"]

    def first() -> object:
        return _run([*site, str(work / f"site-{next(fresh)}")])()

    rebuilt = work / "site-rebuilt"
    _run([*site, str(rebuilt)])()
    cpu: dict[str, list[tuple[float, float]]] = {"publish": [], "baseline": []}
    baseline_run = _run([sys.executable, str(HERE / "baseline.py"), str(path)])
    measured = alternate(
        {
            "publish": _cpu(first, cpu["publish"]),
            "unchanged": _run([*site, str(rebuilt)]),
            "baseline": _cpu(baseline_run, cpu["baseline"]),
        },
        rounds,
    )
    label = f"whole publish (confcal site, fresh folder), {n}"
    print(_ratio_line(label, measured["publish"], measured["baseline"], "<= 1.0"))
    label = f"unchanged rebuild (confcal site again), {n}"
    print(_ratio_line(label, measured["unchanged"], measured["baseline"], "<= 0.2"))
    (user, system), (base_user, base_system) = (
        (statistics.median(u for u, _ in cpu[k]), statistics.median(s for _, s in cpu[k]))
        for k in ("publish", "baseline")
    )
    print(
        f"  where the publish's time goes, CPU of its processes: user {user:.2f} s, system "
        f"{system:.2f} s, in {measured['publish']:.2f} s; baseline user {base_user:.2f} s, "
        f"system {base_system:.2f} s"
    )


def _version() -> str:
    import confcal.ical

    return confcal.__version__


if __name__ == "__main__":
    sys.exit(main())
