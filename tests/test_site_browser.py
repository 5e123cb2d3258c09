"""The attendees' page in a real browser: headless Chromium, driven by its own command line.

The site is served on 127.0.0.1 by ``http.server``; Chromium loads it (``--dump-dom`` gives the
DOM after its script ran, ``--screenshot`` a picture), with host resolution limited to 127.0.0.1
so that nothing can reach the network. Chromium's own CLI, rather than Playwright, keeps the test
to one system package and no browser download. The runs are started together and share the
machine's cores.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import attrs
import icalendar
import pytest

import confcal
from confcal.site import build_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: In CI the browser test must run, never skip: .ci/run installs Chromium.
CHROMIUM_REQUIRED = os.environ.get("CI") == "true"

HOSTILE = 'Café <img src="/pwned"> & "Ünïcode" <script>document.title="pwned"</script>'
LONG_WORD = "Supercalifragilisticexpialidocious" * 3
PHONE_WIDTH = 360
DASH = "\N{EN DASH}"
PROBE = f"""<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" src="/index.html?run=probe" style="width:{PHONE_WIDTH}px;height:640px;border:0">
</iframe><p id="result">pending</p>
<script>
document.getElementById("page").addEventListener("load", function () {{
  var root = this.contentDocument.documentElement;
  document.getElementById("result").textContent = root.scrollWidth + " " + root.clientWidth;
}});
</script></body></html>"""


def _programme(url: str) -> dict[str, object]:
    return {
        "calendar": {
            "name": "Parsl at SC24",
            "timezone": "America/New_York",
            "url": url,
            "description": "Parsl sessions.\n\nTimes are Eastern.",
            "updated": "2024-11-14T00:00:00Z",
        },
        "events": [
            {
                "id": "parsl-cwl",
                "title": "Parsl+CWL: Towards Combining the Python and CWL Ecosystems",
                "start": "2024-11-18T11:21",
                "end": "2024-11-18T11:44",
                "type": "Workshop",
                "location": "B302",
                "description": "First paragraph.\nSecond line.\n\nSecond paragraph.",
                "speakers": ["Ada Lovelace", "Grace Hopper"],
                "url": "https://sc24.example.org/parsl-cwl",
            },
            {
                "id": "hostile",
                "title": HOSTILE,
                "start": "2024-11-19T17:15",
                "end": "2024-11-19T18:45",
                "location": HOSTILE,
                "description": f"{HOSTILE}\n\n{LONG_WORD}",
            },
            {"id": "posters", "title": LONG_WORD, "start": "2024-11-19", "end": "2024-11-19"},
        ],
    }


class _Server(http.server.ThreadingHTTPServer):
    requests: list[str]


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        if self.path == "/probe.html":
            body = PROBE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@attrs.frozen
class Site:
    url: str
    folder: Path
    requests: list[str]
    schedule: confcal.Schedule


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if CHROMIUM is None:
        if CHROMIUM_REQUIRED:
            pytest.fail("Chromium is not installed, but .ci/run installs it")
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; .ci/run does)")
    folder = tmp_path_factory.mktemp("site")
    requests: list[str] = []

    def handler(*args: object, **kwargs: object) -> _Handler:
        return _Handler(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

    server = _Server(("127.0.0.1", 0), handler)
    server.requests = requests
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    events = folder.parent / "events.json"
    events.write_text(json.dumps(_programme(url)), "utf-8")
    schedule = confcal.load(events)
    build_site(schedule, folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(url, folder, requests, schedule)
    finally:
        server.shutdown()
        server.server_close()


def _chromium(args: list[str], zone: str, profile: Path) -> subprocess.Popen[str]:
    """Start Chromium with a fresh profile, in time zone ``zone``."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",  # as root, which CI is
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--hide-scrollbars",
        "--lang=en-GB",
        *args,
    ]
    env = {**os.environ, "TZ": zone, "LANG": "en_GB.UTF-8"}
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _finish(process: subprocess.Popen[str]) -> str:
    try:
        out, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"Chromium did not finish: {err[-2000:]}")
    assert process.returncode == 0, err[-2000:]
    return out


@attrs.frozen
class Runs:
    dom: str  # the page's DOM after its script ran, in a browser in Tokyo, at phone width
    probe: str  # the phone-width probe's DOM
    desktop: Path
    phone: Path


@pytest.fixture(scope="module")
def runs(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    shots = tmp_path_factory.mktemp("screenshots")
    desktop, phone = shots / "desktop.png", shots / "phone.png"
    with tempfile.TemporaryDirectory(prefix="confcal-chromium-") as profiles:
        root = Path(profiles)
        processes = [
            # The page at phone width, in a browser in Tokyo: its DOM after the script ran.
            _chromium(
                [
                    f"--window-size={PHONE_WIDTH},2200",
                    f"--screenshot={phone}",
                    "--dump-dom",
                    f"{site.url}?run=phone",
                ],
                "Asia/Tokyo",
                root / "phone",
            ),
            _chromium(
                ["--window-size=1280,1700", f"--screenshot={desktop}", f"{site.url}?run=desktop"],
                "America/New_York",
                root / "desktop",
            ),
            _chromium(["--dump-dom", f"{site.url}probe.html"], "America/New_York", root / "probe"),
        ]
        dom, _, probe = (_finish(p) for p in processes)
    return Runs(dom, probe, desktop, phone)


class _Dom(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: dict[str, list[str]] = {}
        self.links: list[tuple[str, str]] = []
        self.yours: list[str] = []
        self._open: list[tuple[str, list[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag in {"h1", "h2", "h3", "a", "title"} or attributes.get("class") == "yours":
            self._open.append((tag, [attributes.get("href") or ""]))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _, parts = self._open.pop()
            if tag == "a":
                self.links.append((parts[0], "".join(parts[1:])))
            elif tag == "span":
                self.yours.append("".join(parts[1:]))
            else:
                self.headings.setdefault(tag, []).append("".join(parts[1:]))

    def handle_data(self, data: str) -> None:
        for _, parts in self._open:
            parts.append(data)

    def href(self, text: str) -> str:
        (href,) = [h for h, t in self.links if t == text]
        return href


def _fetch(url: str) -> bytes:
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=30) as response:
        data: bytes = response.read()
        return data


def _utc(component: icalendar.Component, name: str) -> dt.datetime:
    value = component.decoded(name)
    assert isinstance(value, dt.datetime)
    return value.astimezone(dt.UTC)


def test_chromium_shows_every_session_by_day(runs: Runs) -> None:
    dom = _Dom(runs.dom)
    assert dom.headings["h1"] == ["Parsl at SC24"]
    assert dom.headings["h2"] == ["Monday 18 November 2024", "Tuesday 19 November 2024"]
    assert dom.headings["h3"] == [
        "Parsl+CWL: Towards Combining the Python and CWL Ecosystems",
        LONG_WORD,
        HOSTILE,
    ]


def test_input_text_stays_text_in_the_browser(site: Site, runs: Runs) -> None:
    dom = _Dom(runs.dom)
    assert dom.headings["title"] == ["Parsl at SC24"]  # the hostile script did not run
    assert [tag for tag, _ in dom.tags].count("script") == 1
    assert "img" not in [tag for tag, _ in dom.tags]
    assert "/pwned" not in site.requests


def test_chromium_loads_nothing_but_the_page(site: Site, runs: Runs) -> None:
    browser = [path for path in site.requests if "run=" in path or path == "/probe.html"]
    assert sorted(browser) == sorted(
        ["/?run=phone", "/?run=desktop", "/probe.html", "/index.html?run=probe"]
    )


def test_the_script_adds_the_visitors_own_time(runs: Runs) -> None:
    # 11:21 in New York on 18 November 2024 is 01:21 on the 19th in Tokyo.
    yours = _Dom(runs.dom).yours
    assert len(yours) == 2  # timed sessions only
    # In the visitor's own conventions: "Tue 01:21-01:44 GMT+9" or "Tue 1:21 AM-1:44 AM GMT+9".
    pattern = rf" \(Tue 0?1:21( AM)?{DASH}0?1:44( AM)? \S+, your time\)"
    assert re.fullmatch(pattern, yours[0]), yours


def test_session_links_carry_the_right_utc_times(runs: Runs) -> None:
    dom = _Dom(runs.dom)
    google = dom.href("Add “Parsl+CWL: Towards Combining the…” to Google Calendar")
    outlook = dom.href("Add “Parsl+CWL: Towards Combining the…” to Outlook.com")
    google_params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(google).query))
    outlook_params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(outlook).query))
    assert google_params["dates"] == "20241118T162100Z/20241118T164400Z"
    assert google_params["text"] == "Parsl+CWL: Towards Combining the Python and CWL Ecosystems"
    assert outlook_params["startdt"] == "2024-11-18T16:21:00Z"
    assert outlook_params["enddt"] == "2024-11-18T16:44:00Z"
    hostile = [
        h for h, t in dom.links if t.startswith("Add “Café") and t.endswith("Google Calendar")
    ]
    (link,) = hostile
    assert dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))["text"] == HOSTILE


def test_a_download_link_gives_the_sessions_calendar(site: Site, runs: Runs) -> None:
    dom = _Dom(runs.dom)
    href = dom.href("Download “Parsl+CWL: Towards Combining the…” (.ics)")
    calendar = icalendar.Calendar.from_ical(_fetch(urllib.parse.urljoin(site.url, href)))
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Parsl+CWL: Towards Combining the Python and CWL Ecosystems"
    assert _utc(event, "dtstart") == dt.datetime(2024, 11, 18, 16, 21, tzinfo=dt.UTC)
    assert _utc(event, "dtend") == dt.datetime(2024, 11, 18, 16, 44, tzinfo=dt.UTC)


def test_the_day_and_whole_programme_links_give_their_calendars(site: Site, runs: Runs) -> None:
    dom = _Dom(runs.dom)
    day = icalendar.Calendar.from_ical(
        _fetch(
            urllib.parse.urljoin(site.url, dom.href("Download all sessions of Tue 19 Nov (.ics)"))
        )
    )
    assert sorted(str(e["uid"]).split("@")[0] for e in day.walk("VEVENT")) == ["hostile", "posters"]
    whole = _fetch(urllib.parse.urljoin(site.url, dom.href("Download the whole programme (.ics)")))
    assert whole == confcal.to_ical(site.schedule)
    webcal = dom.href("Subscribe to the whole programme")
    assert webcal.startswith("webcal://127.0.0.1:")
    assert _fetch("http://" + webcal.removeprefix("webcal://")) == whole


def test_the_page_fits_a_phone_screen_without_sideways_scrolling(runs: Runs) -> None:
    text = runs.probe.split('<p id="result">', 1)[1].split("</p>", 1)[0]
    scroll, client = (int(n) for n in text.split())
    assert client == PHONE_WIDTH
    assert scroll <= client


def test_screenshots_at_desktop_and_phone_widths(runs: Runs) -> None:
    for shot in (runs.desktop, runs.phone):
        data = shot.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(data) > 20_000  # a rendered page, not a blank one
    print(f"screenshots: {runs.desktop} {runs.phone}")
