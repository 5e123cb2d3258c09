"""The attendees' page at conference size, measured as a phone loads it (issue 16).

For each programme this builds the site (``confcal.site.build_site``), serves it on 127.0.0.1
and loads its page in headless Chromium (Debian's package, through puppeteer-core from
``tests/readers_native``: run ``npm ci`` there first) at 375 px with the CPU throttled 4x, each
run in a fresh browser (nothing cached, no service worker yet). It prints medians of:

- first view, gzipped: the files the page requested until its first sessions were drawn, each
  gzipped (level 6, as web servers do), summed; and the same uncompressed;
- DOMContentLoaded, and the time until the script has drawn the first sessions;
- the renderer processes' peak resident memory (VmHWM).

Programmes: 38C3 and FOSDEM 2026 (their schedule.xml, with tracks; from ../shared/programmes,
skipped where absent) and a synthetic one (``generate.py``, 10,000 sessions, twelve tracks).

    python benchmarks/page.py                  # 5 runs each
    python benchmarks/page.py --runs 1 --sessions 200 --no-real   # smoke test
    python benchmarks/page.py --shots docs/    # also the phone and laptop screenshots (FOSDEM)
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

import confcal  # noqa: E402
from confcal.site import build_site  # noqa: E402

PROGRAMMES = Path(
    os.environ.get("CONFCAL_PROGRAMMES") or HERE.parent.parent / "shared" / "programmes"
)
if not PROGRAMMES.is_dir():
    PROGRAMMES = Path("/work/shared/programmes")
TRACKS = (
    "Security", "Science", "Art & Beauty", "Ethics, Society & Politics", "Hardware & Making",
    "Entertainment", "Rust", "Python", "HPC", "Climate", "Open Hardware", "Community",
)  # fmt: skip
#: The clock of the screenshots: Saturday morning at FOSDEM, so "now and next" shows.
FOSDEM_MORNING = "2026-01-31T09:05:00Z"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser closed between runs: its connection broke, nothing to report


@contextlib.contextmanager
def _serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _synthetic(sessions: int, folder: Path) -> Path:
    data = generate.generate(sessions)
    for n, event in enumerate(data["events"]):
        event["track"] = TRACKS[n % len(TRACKS)]
    path = folder / f"synthetic-{sessions}.json"
    path.write_text(json.dumps(data), "utf-8")
    return path


EMPTY = b"<!DOCTYPE html><html lang=en><title>Empty</title><p>The baseline.</p></html>"


def _measure(
    name: str, programme: Path | None, work: Path, runs: int, shots: Path | None, clock: str | None
) -> dict[str, float]:
    """``programme``'s site measured; an empty page's (the baseline) for ``None``."""
    site = work / name
    if programme is None:
        site.mkdir()
        (site / "index.html").write_bytes(EMPTY)
    else:
        build_site(confcal.load(programme), site)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with _serve(site) as url:
        options = {
            "chromium": chromium, "url": url, "runs": runs, "throttle": 4, "name": name,
            "shots": str(shots) if shots else None, "clock": clock,
        }  # fmt: skip
        done = subprocess.run(
            ["node", str(HERE / "page_measure.mjs"), json.dumps(options)],
            capture_output=True, text=True, check=True, timeout=3600,
        )  # fmt: skip
    results = json.loads(done.stdout)

    def weight(urls: list[str], packed: bool) -> int:
        total = 0
        for address in urls:
            path = urllib.parse.unquote(urllib.parse.urlsplit(address).path).lstrip("/")
            file = site / (path or "index.html")
            if file.is_file():
                data = file.read_bytes()
                total += len(gzip.compress(data, 6)) if packed else len(data)
        return total

    return {
        "sessions": results[0]["sessions"],
        "gzipped": statistics.median(weight(r["urls"], True) for r in results),
        "raw": statistics.median(weight(r["urls"], False) for r in results),
        "dcl": statistics.median(r["dcl"] for r in results),
        "shown": statistics.median(r["shown"] or 0 for r in results),
        "memory": statistics.median(r["memory"] for r in results),
        "requests": len(results[0]["urls"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--no-real", action="store_true", help="only the synthetic programme")
    parser.add_argument("--shots", type=Path, help="write FOSDEM's phone and laptop screenshots")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="confcal-page-") as temporary:
        work = Path(temporary)
        programmes = []
        if not args.no_real and (PROGRAMMES / "38c3").is_dir():
            programmes += [
                ("38c3", PROGRAMMES / "38c3" / "source-schedule.xml", None),
                ("fosdem", PROGRAMMES / "fosdem2026" / "source-schedule.xml", FOSDEM_MORNING),
            ]
        programmes.append((f"synthetic-{args.sessions}", _synthetic(args.sessions, work), None))
        print("first view at 375 px, CPU 4x slower, medians of", args.runs, "runs")
        programmes.insert(0, ("empty page (baseline)", None, None))
        for name, path, clock in programmes:
            shots = args.shots if args.shots and name == "fosdem" else None
            m = _measure(name.split()[0], path, work, args.runs, shots, clock)
            print(
                f"{name}: {m['gzipped'] / 1000:.0f} KB gzipped ({m['raw'] / 1000:.0f} KB,"
                f" {m['requests']} requests), DOMContentLoaded {m['dcl'] / 1000:.2f} s,"
                f" first sessions drawn {m['shown'] / 1000:.2f} s ({m['sessions']} cards),"
                f" renderer memory {m['memory'] / 1e6:.0f} MB"
            )


if __name__ == "__main__":
    main()
