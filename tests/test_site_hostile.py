"""The attendees' site against a hostile programme and a careless visitor (issue 16).

One small programme whose text is built to break the page (iCalendar keywords in titles, a
right-to-left override in a room, an emoji where the short title is cut, names too long for a
phone, a language tag no browser knows), driven in one headless Chromium through
``tests/readers_native/site_steps.mjs``: stars kept where storage is refused, stale stars, a
garbage address, "My agenda" downloaded. Skipped where Chromium or puppeteer-core is missing,
like ``test_site_browser.py``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import attrs
import icalendar
import pytest
import vobject

import confcal
from confcal.site import _data, build_site
from test_site_browser import (
    CHROMIUM,
    CHROMIUM_REQUIRED,
    NATIVE,
    PUPPETEER,
    _need_chromium,
    _serve,
    _url,
)

EMOJI_TITLE = "x" * 38 + "\N{GRINNING FACE} party"
LONG = "A" * 120
DAY = "2026-01-31"


def _programme() -> dict[str, object]:
    return {
        "calendar": {
            "name": "Hostile FOSDEM",
            "timezone": "Europe/Brussels",
            "day_change": "06:00",
            "updated": "2026-01-01T00:00:00Z",
            "url": "https://hostile.example.org/",
        },
        "events": [
            {
                "id": "end",
                "title": "Why END:VEVENT",
                "start": f"{DAY}T10:00",
                "end": f"{DAY}T10:30",
                "track": 'Rust "quoted" & <b>',
                "location": "..",
            },
            {
                "id": "emoji",
                "title": EMOJI_TITLE,
                "start": f"{DAY}T11:00",
                "end": f"{DAY}T11:30",
                "track": "rust",
                "location": "index",
            },
            {
                "id": "rtl",
                "title": "Bidi",
                "start": f"{DAY}T12:00",
                "end": f"{DAY}T12:30",
                "location": "\N{RIGHT-TO-LEFT OVERRIDE}evil",
                "track": "XYZ",
            },
            {
                "id": "late",
                "title": "After midnight",
                "start": "2026-02-01T01:00",
                "end": "2026-02-01T02:00",
                "track": "Rust",
            },
            {"id": "allday", "title": "All day", "start": DAY, "end": DAY},
            {
                "id": "cancel",
                "title": "Cancelled one",
                "start": f"{DAY}T13:00",
                "end": f"{DAY}T14:00",
                "status": "cancelled",
            },
            {
                "id": "long",
                "title": "Long names",
                "start": f"{DAY}T15:00",
                "end": f"{DAY}T16:00",
                "speakers": [LONG],
                "location": "R" * 100,
                "track": "T" * 90,
                "description": "word " * 2000,
            },
            {
                "id": "lang",
                "title": "A language no browser knows",
                "start": f"{DAY}T17:00",
                "end": f"{DAY}T18:00",
                # A rare but registered language: "english", which no browser knows, never gets
                # this far (see test_a_language_tag_no_browser_knows_is_refused).
                "language": "tlh",
            },
        ],
    }


READY = {"wait": "!document.getElementById('app').hidden"}
AGENDA_LINK = "document.querySelector('#days a[data-view]').textContent"

# Where, left to right, the room's and the track's text of the "rtl" card are drawn.
BIDI = """(() => {
  function left(root, text) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      const at = walk.currentNode.data.indexOf(text);
      if (at >= 0) {
        const range = document.createRange();
        range.setStart(walk.currentNode, at);
        range.setEnd(walk.currentNode, at + text.length);
        return range.getBoundingClientRect().left;
      }
    }
    return null;
  }
  const card = [...document.querySelectorAll("article")]
    .find((c) => c.textContent.includes("Bidi"));
  const meta = card.querySelector(".meta");
  return {room: left(meta, "evil"), track: left(meta, "XYZ")};
})()"""

LONE_SURROGATES = r"""(() => {
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  while (walk.nextNode()) {
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    if (lone.test(walk.currentNode.data)) {
      found.push(walk.currentNode.data);
    }
  }
  return found;
})()"""

WIDER = """[...document.querySelectorAll("main *, header *")].filter((e) =>
  e.getBoundingClientRect().width > 0 && e.scrollWidth > e.clientWidth + 1
  && !e.closest(".vh") && getComputedStyle(e).overflowX !== "auto"
).map((e) => e.tagName + "." + e.className + ": " + e.textContent.trim().slice(0, 30))"""

WIDTHS = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"

SCENARIOS: dict[str, dict[str, Any]] = {
    "agenda": {
        "url": "?day=all",
        "download": True,
        "steps": [
            READY,
            {"click": ".star[data-id='end']"},
            {"click": ".star[data-id='emoji']"},
            {"click": "#days a[data-view='agenda']"},
            {"wait": "location.search.includes('view=agenda')"},
            {"eval": "document.getElementById('count').textContent"},
            {"download": "#download-agenda"},
        ],
    },
    "stale": {
        "url": "?day=all",
        "steps": [
            READY,
            {"eval": 'localStorage.setItem(\'confcal-stars:/\', \'["end","gone-1","gone-2"]\')'},
            {"goto": "@@?view=agenda"},
            READY,
            {"eval": f"[document.getElementById('count').textContent, {AGENDA_LINK}]"},
        ],
    },
    "storage_disabled": {
        "url": "?day=all",
        "storage": "disabled",
        "steps": [
            READY,
            {"click": ".star[data-id='end']"},
            {
                "eval": "[document.querySelector(\".star[data-id='end']\")"
                f".getAttribute('aria-pressed'), {AGENDA_LINK}, "
                "document.getElementById('note').hidden]"
            },
        ],
    },
    "storage_full": {
        "url": "?day=all",
        "storage": "full",
        "steps": [
            READY,
            {"click": ".star[data-id='end']"},
            {
                "eval": "[document.querySelector(\".star[data-id='end']\")"
                f".getAttribute('aria-pressed'), {AGENDA_LINK}, "
                "document.getElementById('note').hidden]"
            },
        ],
    },
    "filters": {
        "url": "?day=all",
        "steps": [
            READY,
            {"click": "#filters summary"},
            {
                "eval": "new Promise((done) => setTimeout(() => done(performance"
                ".getEntriesByType('resource').map((e) => new URL(e.name).pathname)), 1000))"
            },
        ],
    },
    "garbage": {
        "url": "?q=%3Cscript%3Ealert(1)%3C/script%3E&day=9999&view=zzz#day=9999",
        "steps": [
            READY,
            {
                "eval": "[document.getElementById('count').textContent, "
                "[...document.querySelectorAll('#days [aria-current]')].map((a) => a.textContent),"
                " document.querySelectorAll('script').length]"
            },
        ],
    },
    "missing_day": {
        "url": "?day=2025-02-01",
        "steps": [
            READY,
            {
                "eval": "[document.querySelectorAll('#results article').length, "
                "[...document.querySelectorAll('#days [aria-current]')].map((a) => a.textContent)]"
            },
        ],
    },
    "cancelled_now": {
        # 13:15 in Brussels: only the cancelled session's times hold "now".
        "url": f"?day={DAY}",
        "clock": f"{DAY}T12:15:00Z",
        "steps": [
            READY,
            {
                "eval": "[document.getElementById('nownext').hidden, "
                "document.getElementById('nownext-list').textContent, "
                "[...document.querySelectorAll('#results article')]"
                ".find((c) => c.textContent.includes('Cancelled one'))"
                ".querySelectorAll('.now').length]"
            },
        ],
    },
    "abstracts_offline": {
        # Offline with abstracts.json never saved: the worker's fetch of it fails as this one.
        "url": "?day=all",
        "steps": [
            READY,
            {
                "eval": "(() => { const real = window.fetch; window.fetch = (url, o) => "
                "String(url).includes('abstracts') ? Promise.reject(new TypeError('offline'))"
                " : real(url, o); const q = document.getElementById('q'); q.value = 'bidi';"
                " q.dispatchEvent(new Event('input')); return true; })()"
            },
            {"wait": "document.getElementById('count').textContent.includes('bidi')"},
            {
                "eval": "new Promise((done) => setTimeout(() => "
                "done(document.getElementById('count').textContent), 500))"
            },
        ],
    },
    "app_320": {
        "url": "?day=all",
        "width": 320,
        "steps": [
            READY,
            {"eval": WIDTHS},
            {"eval": WIDER},
            {"eval": LONE_SURROGATES},
            {"eval": BIDI},
            {"axe": True},
        ],
    },
    "list_320": {
        "url": f"days/{DAY}.html",
        "width": 320,
        "steps": [
            {"eval": WIDTHS},
            {"eval": WIDER},
            {"eval": BIDI},
            {"axe": True},
        ],
    },
}


@attrs.frozen
class Seen:
    folder: Path
    downloads: Path
    schedule: confcal.Schedule
    results: dict[str, list[Any]]
    requests: list[str]
    url: str


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> Seen:
    _need_chromium()
    if not PUPPETEER:
        if CHROMIUM_REQUIRED:
            pytest.fail("puppeteer-core is not installed, but .ci/run runs npm ci")
        pytest.skip("puppeteer-core is not installed (cd tests/readers_native && npm ci)")
    root = tmp_path_factory.mktemp("hostile")
    events = root / "events.json"
    events.write_text(json.dumps(_programme()), "utf-8")
    schedule = confcal.load(events)
    folder, downloads = root / "site", root / "downloads"
    build_site(schedule, folder)
    with _serve(folder) as server:
        url = _url(server)
        scenarios = [{**scenario, "url": url + scenario["url"]} for scenario in SCENARIOS.values()]
        options = {"chromium": CHROMIUM, "downloads": str(downloads), "scenarios": scenarios}
        done = subprocess.run(
            ["node", str(NATIVE / "site_steps.mjs"), json.dumps(options).replace("@@", url)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        output = json.loads(done.stdout)
    results = dict(zip(SCENARIOS, output["scenarios"], strict=True))
    return Seen(folder, downloads, schedule, results, output["requests"], url)


def _errors(seen: Seen, name: str) -> list[str]:
    errors: list[str] = seen.results[name][-1]["pageerrors"]
    return errors


def _vevent(ics: bytes) -> bytes:
    start = ics.index(b"BEGIN:VEVENT\r\n")
    return ics[start : ics.index(b"\r\nEND:VCALENDAR", start) + 2]


def test_my_agenda_keeps_a_session_whose_title_says_end_vevent(seen: Seen) -> None:
    # "Why END:VEVENT" is written SUMMARY:Why END:VEVENT; the agenda must not end the event there.
    assert seen.results["agenda"][0] == "2 sessions, in my agenda"
    assert seen.results["agenda"][1] == ["my-agenda.ics"]
    data = (seen.downloads / "my-agenda.ics").read_bytes()
    for name in ("end", "emoji"):
        assert data.count(_vevent((seen.folder / "sessions" / f"{name}.ics").read_bytes())) == 1
    calendar = icalendar.Calendar.from_ical(data)
    assert sorted(str(e["uid"]) for e in calendar.walk("VEVENT")) == [
        "emoji@hostile.example.org",
        "end@hostile.example.org",
    ]
    read = vobject.readOne(data.decode("utf-8"))
    assert len(read.contents["vevent"]) == 2


def test_my_agendas_head_survives_a_programme_description_saying_begin_vevent() -> None:
    programme = {
        "calendar": {
            "name": "N",
            "timezone": "Europe/Brussels",
            "description": "Our calendar: BEGIN:VEVENT",
            "updated": "2026-01-01T00:00:00Z",
        },
        "events": [{"id": "a", "title": "T", "start": f"{DAY}T10:00", "end": f"{DAY}T11:00"}],
    }
    schedule = confcal.loads(json.dumps(programme))
    head = _data.agenda_parts(schedule)["head"]
    assert "X-WR-CALNAME:N: my agenda\r\n" in head
    assert head.endswith("\r\n")


def test_opening_the_filters_fetches_no_links_and_throws_nothing(seen: Seen) -> None:
    # The filter panel is a <details> inside the app: it is not "Add to calendar".
    assert "/data/links-0.json" not in seen.results["filters"][0]
    assert _errors(seen, "filters") == []


def test_stars_of_sessions_gone_from_a_rebuilt_programme_are_not_counted(seen: Seen) -> None:
    count, link = seen.results["stale"][1]
    assert count == "1 session, in my agenda"
    assert link == "\N{BLACK STAR} My agenda (1)"


@pytest.mark.parametrize("storage", ["storage_disabled", "storage_full"])
def test_a_star_the_browser_cannot_keep_is_not_shown_as_kept(seen: Seen, storage: str) -> None:
    # Private mode or a full localStorage: either the star works for this visit (the agenda
    # counts it) or the page says it cannot keep stars; never a pressed star and an empty agenda.
    pressed, link, note_hidden = seen.results[storage][0]
    assert pressed == "true"
    assert link == "\N{BLACK STAR} My agenda (1)" or not note_hidden


def test_a_garbage_address_runs_no_script_and_throws_nothing(seen: Seen) -> None:
    count, _, scripts = seen.results["garbage"][0]
    assert count.startswith("0 sessions, matching \N{LEFT DOUBLE QUOTATION MARK}<script>")
    assert scripts == 1
    assert _errors(seen, "garbage") == []


def test_a_shared_address_naming_a_day_not_in_the_programme_still_shows_sessions(
    seen: Seen,
) -> None:
    # A link shared before a rebuild dropped that day, or last year's: not an empty page with no
    # day marked.
    shown, current = seen.results["missing_day"][0]
    assert shown > 0
    assert current != []


def test_a_cancelled_session_is_never_on_now(seen: Seen) -> None:
    # Its times say "now", but nobody is speaking: neither in "now and next" nor on its card.
    nownext_hidden, nownext, badges = seen.results["cancelled_now"][0]
    assert nownext_hidden or "Cancelled one" not in nownext.split("Next")[0]
    assert badges == 0
    assert _errors(seen, "cancelled_now") == []


def test_offline_a_search_says_the_abstracts_are_not_available_not_loading(seen: Seen) -> None:
    count = seen.results["abstracts_offline"][1]
    assert count.startswith("1 session, matching \N{LEFT DOUBLE QUOTATION MARK}bidi")
    assert "loading" not in count
    assert "not available offline" in count
    assert _errors(seen, "abstracts_offline") == []


def test_long_names_fit_320_pixels_in_the_app_and_on_a_list(seen: Seen) -> None:
    for name in ("app_320", "list_320"):
        (scroll, client), wider = seen.results[name][0], seen.results[name][1]
        assert client == 320
        assert (scroll, wider) == (320, []), name


def test_the_apps_short_titles_do_not_split_an_emoji(seen: Seen) -> None:
    assert seen.results["app_320"][2] == []


@pytest.mark.parametrize(("name", "step"), [("app_320", 3), ("list_320", 2)])
def test_a_right_to_left_override_in_a_room_does_not_reorder_the_card(
    seen: Seen, name: str, step: int
) -> None:
    # The room's RLO must stay in the room: the track is still drawn after it, left to right.
    drawn = seen.results[name][step]
    assert drawn["track"] > drawn["room"]


@pytest.mark.parametrize(("name", "step"), [("app_320", 4), ("list_320", 3)])
def test_axe_finds_no_violation_with_a_language_tag_no_browser_knows(
    seen: Seen, name: str, step: int
) -> None:
    assert seen.results[name][step] == []


def test_a_language_tag_no_browser_knows_is_refused() -> None:
    # Shaped like BCP 47 (letters), but 5-8-letter primary subtags are registered-only and none
    # is in use: a page saying lang="english" fails axe-core's valid-lang.
    programme = _programme()
    events = programme["events"]
    assert isinstance(events, list)
    events[-1] = {**events[-1], "language": "english"}
    with pytest.raises(confcal.InvalidInput) as caught:
        confcal.loads(json.dumps(programme))
    problem = caught.value.problems[0]
    assert (problem.field, problem.value) == ("language", "english")
    assert "is not a language tag such as 'en'" in str(caught.value)
    assert problem.event is not None
    assert "lang" in problem.event  # the event's id


def test_no_request_leaves_the_site(seen: Seen) -> None:
    outside = [u for u in seen.requests if not u.startswith((seen.url, "data:", "blob:"))]
    assert seen.requests
    assert outside == []


def test_javascript_urls_never_reach_the_site(tmp_path: Path) -> None:
    programme = _programme()
    events = programme["events"]
    assert isinstance(events, list)
    events[0] = {**events[0], "url": "javascript:alert(1)"}
    schedule = confcal.loads(json.dumps(programme))
    build_site(schedule, tmp_path)
    for file in tmp_path.rglob("*"):
        if file.suffix in {".html", ".json", ".js"}:
            assert b"javascript:" not in file.read_bytes(), file
