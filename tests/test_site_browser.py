"""The attendees' site in a real browser: headless Chromium (Debian's package).

The site is served on 127.0.0.1 by ``http.server``, with host resolution limited to 127.0.0.1 so
that nothing can reach the network. Two drivers, neither downloading a browser:

- Chromium's own command line (``--dump-dom``, ``--screenshot``): the plain lists, as a visitor
  without the app reads them; needs only the chromium package;
- puppeteer-core (``tests/readers_native/page_check.mjs``, from npm like ical.js): the app, as a
  visitor uses it: search, filters, the address and the back button, now and next on a fixed
  clock, stars and "My agenda" downloaded from 38C3, offline reload, axe-core, 320 px.

Small programmes only: the timings of big ones are benchmarks/page.py's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import attrs
import icalendar
import pytest

import confcal
import confcal.changes
import confcal.files
import readers
from confcal.site import build_site
from conftest import programmes_dir

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: In CI the browser test must run, never skip: .ci/run installs Chromium.
CHROMIUM_REQUIRED = os.environ.get("CI") == "true"

HOSTILE = 'Café <img src="/pwned"> & "Ünïcode" <script>document.title="pwned"</script>'
LONG_WORD = "Supercalifragilisticexpialidocious" * 3
PHONE_WIDTH = 360
DASH = "\N{EN DASH}"
NATIVE = Path(__file__).resolve().parent / "readers_native"
PUPPETEER = (NATIVE / "node_modules" / "puppeteer-core").is_dir() and shutil.which("node")
PROBE = f"""<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head>
<body style="margin:0"><iframe id="page" src="/days/2024-11-19.html?run=probe"
style="width:{PHONE_WIDTH}px;height:640px;border:0">
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
                "track": "Workflows",
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
            {
                "id": "tutorial",
                "title": "Parsl tutorial",
                "start": "2024-11-18T14:00",
                "end": "2024-11-18T15:30",
                "type": "Tutorial",
                "location": "B302",
                "track": "Workflows",
            },
            {
                "id": "panel",
                "title": "Python ecosystems panel",
                "start": "2024-11-18T16:00",
                "end": "2024-11-18T17:00",
                "type": "Panel",
                "location": "Ballroom",
                "track": "Workflows",
            },
        ],
    }


class _Server(http.server.ThreadingHTTPServer):
    requests: list[str]
    #: Set by a request for /__offline: from then on every connection is dropped unanswered,
    #: as when the Wi-Fi is gone.
    offline: bool = False


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        if self.server.offline:
            self.close_connection = True
            return
        if self.path == "/__offline":
            self.server.offline = True
            self.send_response(204)
            self.end_headers()
            return
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


def _need_chromium() -> None:
    if CHROMIUM is None:
        if CHROMIUM_REQUIRED:
            pytest.fail("Chromium is not installed, but .ci/run installs it")
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; .ci/run does)")


@contextlib.contextmanager
def _serve(folder: Path) -> Iterator[_Server]:
    """``folder`` served on 127.0.0.1, on a free port, while the block runs."""

    def handler(*args: object, **kwargs: object) -> _Handler:
        return _Handler(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

    server = _Server(("127.0.0.1", 0), handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _url(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _need_chromium()
    folder = tmp_path_factory.mktemp("site")
    with _serve(folder) as server:
        url = _url(server)
        events = folder.parent / "events.json"
        events.write_text(json.dumps(_programme(url)), "utf-8")
        schedule = confcal.load(events)
        # The first session as if it had been in another room before: hostile text, marked.
        first = confcal.changes.State.of(schedule.events[0])
        build_site(schedule, folder, changes={"parsl-cwl": attrs.evolve(first, room=HOSTILE)})
        yield Site(url, folder, server.requests, schedule)


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
    dom: str  # Tuesday's list after its script ran, in a browser in Tokyo, at phone width
    index: str  # the front page's DOM, in a browser in New York
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
                    f"{site.url}days/2024-11-19.html?run=phone",
                ],
                "Asia/Tokyo",
                root / "phone",
            ),
            _chromium(
                [
                    "--window-size=1280,1700",
                    f"--screenshot={desktop}",
                    "--dump-dom",
                    f"{site.url}?run=desktop",
                ],
                "America/New_York",
                root / "desktop",
            ),
            _chromium(["--dump-dom", f"{site.url}probe.html"], "America/New_York", root / "probe"),
        ]
        dom, index, probe = (_finish(p) for p in processes)
    return Runs(dom, index, probe, desktop, phone)


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


def test_chromium_shows_every_session_of_a_day_on_its_list(runs: Runs) -> None:
    dom = _Dom(runs.dom)
    assert dom.headings["h1"] == ["Tuesday 19 November 2024"]
    assert dom.headings["h2"] == ["Tuesday 19 November 2024"]
    assert dom.headings["h3"] == [LONG_WORD, HOSTILE]


def test_input_text_stays_text_in_the_browser(site: Site, runs: Runs) -> None:
    dom = _Dom(runs.dom)
    assert dom.headings["title"] == ["Tuesday 19 November 2024 · Parsl at SC24"]
    assert [tag for tag, _ in dom.tags].count("script") == 1  # ../app.js; the hostile one did not
    assert "img" not in [tag for tag, _ in dom.tags]
    assert "/pwned" not in site.requests


def test_chromium_loads_nothing_but_the_sites_files(site: Site, runs: Runs) -> None:
    for path in site.requests:
        if path in {"/probe.html", "/__offline"}:
            continue
        file = urllib.parse.unquote(urllib.parse.urlsplit(path).path).lstrip("/") or "index.html"
        assert (site.folder / file).is_file(), path


def test_the_script_adds_the_visitors_own_time_in_24_hours(runs: Runs) -> None:
    # 17:15 in New York on 19 November 2024 is 07:15 on the 20th in Tokyo.
    yours = _Dom(runs.dom).yours
    assert yours == [f" (Wed 07:15{DASH}08:45 GMT+9, your time)"]  # timed sessions only


def test_a_download_link_gives_the_sessions_calendar(site: Site, runs: Runs) -> None:
    dom = _Dom(runs.dom)
    (href,) = [h for h, _ in dom.links if h.endswith("/posters.ics")]
    calendar = icalendar.Calendar.from_ical(_fetch(urllib.parse.urljoin(site.url + "days/", href)))
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == LONG_WORD
    assert event.decoded("dtstart") == dt.date(2024, 11, 19)


def test_the_day_and_whole_programme_links_give_their_calendars(site: Site, runs: Runs) -> None:
    dom = _Dom(runs.index)
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


def test_a_list_fits_a_phone_screen_without_sideways_scrolling(runs: Runs) -> None:
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


# --- The app, driven by puppeteer-core ----------------------------------------------------------

#: The visitor's clock in the now-and-next test: 11:30 in New York, during the first session.
NOW = "2024-11-18T16:30:00Z"
#: Sessions of 38C3 for the "My agenda" test: a day's worth keeps the site small and quick.
REAL_SESSIONS = 60


@attrs.frozen
class App:
    seen: dict[str, Any]
    site: Site
    real: confcal.Schedule | None
    downloads: Path
    real_url: str | None


def _real_programme() -> confcal.Schedule | None:
    programmes = programmes_dir()
    if programmes is None:
        return None
    whole = confcal.load(programmes / "38c3" / "events.json")
    return attrs.evolve(whole, events=whole.sorted_events()[:REAL_SESSIONS])


@pytest.fixture(scope="module")
def app(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    if not PUPPETEER:
        if CHROMIUM_REQUIRED:
            pytest.fail("puppeteer-core is not installed, but .ci/run runs npm ci")
        pytest.skip("puppeteer-core is not installed (cd tests/readers_native && npm ci)")
    assert CHROMIUM is not None
    real = _real_programme()
    folder = tmp_path_factory.mktemp("real-site")
    downloads = tmp_path_factory.mktemp("downloads")
    if real is not None:
        build_site(real, folder)
    with _serve(folder) as server:
        options = {
            "chromium": CHROMIUM,
            "site": site.url,
            "real": _url(server) if real is not None else None,
            "downloads": str(downloads),
            "now": NOW,
        }
        began = time.monotonic()
        done = subprocess.run(
            ["node", str(NATIVE / "page_check.mjs"), json.dumps(options)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        print(done.stderr, f"node: {time.monotonic() - began:.1f}s")  # the time each part took
        yield App(json.loads(done.stdout), site, real, downloads, options["real"])


PARSL = "Parsl+CWL: Towards Combining the Python and CWL Ecosystems"


def test_the_app_lists_sessions_with_the_visitors_time(app: App) -> None:
    assert app.seen["first"]["titles"] == [
        PARSL,
        "Parsl tutorial",
        "Python ecosystems panel",
        LONG_WORD,
        HOSTILE,
    ]
    assert app.seen["first"]["count"] == "5 sessions"
    assert app.seen["first"]["yours"][0] == f" (Tue 01:21{DASH}01:44 GMT+9, your time)"


def test_the_app_sets_text_never_markup(app: App) -> None:
    assert HOSTILE in app.seen["first"]["titles"]  # shown as text
    assert app.seen["first"]["title"] == "Parsl at SC24"  # its script did not run
    assert app.seen["first"]["images"] == 0
    assert app.seen["first"]["changes"] == [f"moved from {HOSTILE}"]  # the card's mark, as text
    paths = {urllib.parse.urlsplit(url).path for url in app.seen["requests"]}
    assert "/pwned" not in paths


def test_search_finds_speakers_words_in_any_order_and_case_and_abstracts(app: App) -> None:
    assert app.seen["search_speaker"]["titles"] == [PARSL]
    assert app.seen["search_speaker"]["url"].endswith("?q=lovelace&day=all")
    assert app.seen["search_words"] == [PARSL]
    assert app.seen["search_abstract"] == [PARSL]


def test_filters_combine_and_live_in_the_address_and_the_back_button_undoes_them(app: App) -> None:
    assert app.seen["track"] == [PARSL, "Parsl tutorial", "Python ecosystems panel"]
    assert app.seen["track_room"]["titles"] == [PARSL, "Parsl tutorial"]
    assert app.seen["track_room"]["url"].endswith("?day=all&track=Workflows&room=B302")
    assert app.seen["back"]["titles"] == app.seen["track"]
    assert (app.seen["back"]["track"], app.seen["back"]["room"]) == ("Workflows", "")
    assert app.seen["back_twice"]["titles"] == app.seen["first"]["titles"]
    assert app.seen["back_twice"]["url"].endswith("/?day=all")
    # A shared address opens on the same view.
    assert app.seen["shared"] == {"titles": [PARSL], "q": "workshop", "current": ["Mon 18 Nov"]}


def test_now_and_next_on_the_visitors_clock(app: App) -> None:
    assert app.seen["nownext"] == ["# On now (1)", PARSL, "# Next (1)", "Parsl tutorial"]
    assert app.seen["nownext_day"] == ["Mon 18 Nov (today)"]


def test_add_links_are_built_when_opened_with_the_right_utc_times(app: App) -> None:
    (card,) = [c for c in app.seen["add"] if c["title"] == PARSL]
    (ics, _), (google, _), (outlook, _) = card["links"]
    assert ics == "sessions/parsl-cwl.ics"
    google_params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(google).query))
    outlook_params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(outlook).query))
    assert google_params["dates"] == "20241118T162100Z/20241118T164400Z"
    assert google_params["text"] == PARSL
    assert outlook_params["startdt"] == "2024-11-18T16:21:00Z"
    assert outlook_params["enddt"] == "2024-11-18T16:44:00Z"
    # Only the opened card's links were filled in: the others cost nothing until opened.
    assert all(href is None for c in app.seen["add"][1:] for href, _ in c["links"][1:])
    assert app.seen["abstract"] == "First paragraph.\nSecond line.\n\nSecond paragraph."


def test_axe_finds_no_violation(app: App) -> None:
    for key in ("axe_index", "axe_list", "axe_nownext", "axe_agenda"):
        assert app.seen.get(key, []) == [], key


def test_the_app_and_a_list_fit_320_pixels(app: App) -> None:
    for key in ("fits_index", "fits_list"):
        scroll, client = app.seen[key]
        assert client == 320
        assert scroll <= client, key


def test_no_request_leaves_the_site(app: App) -> None:
    # data: and blob: never leave the device (the page's empty icon, "My agenda" downloaded).
    sites = (app.site.url, *([] if app.real_url is None else [app.real_url]), "data:", "blob:")
    assert app.seen["requests"]
    outside = [url for url in app.seen["requests"] if not url.startswith(sites)]
    assert outside == []


def _need_real(app: App) -> confcal.Schedule:
    if app.real is None:
        pytest.skip("the real programmes (../shared/programmes) are not here")
    return app.real


def test_three_starred_38c3_sessions_download_as_one_calendar_every_reader_reads(app: App) -> None:
    real = _need_real(app)
    starred = app.seen["starred"]
    assert len(starred) == 3
    assert app.seen["agenda"]["titles"] == starred
    assert app.seen["agenda"]["count"] == "3 sessions, in my agenda"
    (name,) = app.seen["downloads"]
    data = (app.downloads / name).read_bytes()
    by_title = {event.title: event for event in real.events}
    chosen = [by_title[title] for title in starred]
    # The same VEVENT bytes as each session's own file, the same VTIMEZONE, in one calendar.
    files = confcal.files.render(real, confcal.Split.EVENT)
    for event in chosen:
        own = files[f"{urllib.parse.quote(event.id)}.ics"]
        vevent = own[own.index(b"BEGIN:VEVENT") : own.index(b"END:VEVENT") + 12]
        assert data.count(vevent) == 1
        vtimezone = own[own.index(b"BEGIN:VTIMEZONE") : own.index(b"END:VTIMEZONE") + 15]
        assert data.count(vtimezone) == 1
    assert data.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert data.endswith(b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert b"X-WR-CALNAME:38C3: my agenda\r\n" in data
    calendar = icalendar.Calendar.from_ical(data)
    assert len(calendar.walk("VEVENT")) == 3
    expected = {
        event.uid(real.uid_host): (event.start.astimezone(dt.UTC), event.end.astimezone(dt.UTC))
        for event in chosen
        if isinstance(event.start, dt.datetime) and isinstance(event.end, dt.datetime)
    }
    assert len(expected) == 3
    for reader, read in sorted(readers.ALL_READERS.items()):
        assert read(data) == expected, reader
    for reader, available in readers.NATIVE_AVAILABLE.items():
        if available:
            assert readers.BATCH_READERS[reader]([data])[0] == expected, reader


def test_offline_the_page_reloads_from_the_device_and_says_so(app: App) -> None:
    _need_real(app)
    offline = app.seen["offline"]
    assert offline["count"] == f"{REAL_SESSIONS} sessions, on Fri 27 Dec"
    assert offline["titles"] == 40  # a screenful at a time
    assert offline["note"].startswith("You are offline: this is the programme as saved")
    assert offline["agenda_stars"] == "★ My agenda (3)"  # the stars stay on the device
    assert offline["list_status"] == 200
    assert offline["list_sessions"] == REAL_SESSIONS
    assert offline["ics"] == [200, "BEGIN:VCALENDAR"]
