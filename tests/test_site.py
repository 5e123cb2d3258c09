"""The attendees' page: its escaping, its structure and the files beside it (confcal.site)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path
from typing import Unpack

import attrs
import icalendar
import pytest
from click.testing import CliRunner

import confcal
import confcal.history
import confcal.site
from confcal.cli import cli
from confcal.files import Split, feed_slug, render
from confcal.model import Event, Schedule
from confcal.site import _render_site, build_site, page
from confcal.site.links import CALENDAR_FILE
from conftest import programmes_dir
from fields import NY, ScheduleExtras, all_day, timed

DASH = "\N{EN DASH}"


def when(start_utc: str, start: str, end_utc: str, end: str) -> str:
    """A session's times as the page writes them (instants in UTC, clock times as shown)."""
    return (
        f'<time datetime="{start_utc}">{start}</time>{DASH}<time datetime="{end_utc}">{end}</time>'
    )


def schedule(*events: Event, **fields: Unpack[ScheduleExtras]) -> Schedule:
    fields.setdefault("name", "Parsl at SC24")
    fields.setdefault("timezone", NY)
    return Schedule(events=events, **fields)


def query(link: str) -> dict[str, str]:
    """The link's parameters, decoded; each must occur once."""
    pairs = urllib.parse.parse_qsl(
        urllib.parse.urlsplit(link).query, keep_blank_values=True, strict_parsing=True
    )
    params = dict(pairs)
    assert len(params) == len(pairs)
    return params


def pages(sched: Schedule) -> dict[str, str]:
    """Every page of the site by its path (``index.html``, ``days/2024-11-18.html``, ...)."""
    return {
        f"{folder}/{name}" if folder else name: data.decode("utf-8")
        for folder, names in _render_site(sched).items()
        for name, data in names.items()
        if name.endswith(".html")
    }


def lists(sched: Schedule) -> str:
    """The day pages, in day order: every session, as a visitor without JavaScript reads them."""
    found = pages(sched)
    return "".join(found[path] for path in sorted(found) if path.startswith("days/"))


# --- The page ----------------------------------------------------------------------------------


class _Page(HTMLParser):
    """The parts of a page the tests look at: elements, their attributes, and the text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.by_tag: dict[str, list[str]] = {}
        self.links: list[tuple[str, str]] = []
        self._link: tuple[str, list[str]] | None = None
        self._capture: list[tuple[str, list[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in {"h1", "h2", "h3", "title", "script", "style"}:
            self._capture.append((tag, []))
        if tag == "a":
            self._link = (dict(attrs).get("href") or "", [])

    def handle_endtag(self, tag: str) -> None:
        if self._capture and self._capture[-1][0] == tag:
            name, parts = self._capture.pop()
            self.by_tag.setdefault(name, []).append("".join(parts))
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], "".join(self._link[1])))
            self._link = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for _, parts in self._capture:
            parts.append(data)
        if self._link is not None:
            self._link[1].append(data)

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)


HOSTILE = '<script>alert("x")</script> & \'quotes\' "double" </p>'


def test_every_input_text_is_escaped() -> None:
    event = timed(
        title=f"Title {HOSTILE}",
        description=f"<b>bold?</b> {HOSTILE}\n\n<img src=x onerror=alert(1)>",
        location=f"Room {HOSTILE}",
        type=f"Type {HOSTILE}",
        speakers=[f"Eve {HOSTILE}"],
        url='https://example.org/"><script>alert(1)</script>',
    )
    sched = schedule(event, name=f"Name {HOSTILE}", description=f"About {HOSTILE}", timezone=NY)
    html = page(sched) + lists(sched)
    parsed = _Page(html)
    # Ours, app.js, once in each page: inline in the front page, beside the lists.
    assert parsed.count("script") == 2
    app_js = _render_site(sched)[""]["app.js"].decode("utf-8")
    assert parsed.by_tag["script"] == [f"\n{app_js}", ""]
    assert [a.get("src") for tag, a in parsed.tags if tag == "script"] == [None, "../app.js"]
    assert parsed.count("b") == 0
    assert parsed.count("img") == 0
    text = "".join(parsed.text)
    for field in ("Title", "Room", "Type", "Eve", "About"):
        assert f"{field} {HOSTILE}" in text
    assert parsed.by_tag["h1"][0] == f"Name {HOSTILE}"
    assert parsed.by_tag["title"][0] == f"Name {HOSTILE}"
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quotes&#39;" in html
    hrefs = [attrs.get("href") for tag, attrs in parsed.tags if tag == "a"]
    assert 'https://example.org/"><script>alert(1)</script>' in hrefs  # an attribute, whole


def test_a_javascript_url_is_not_made_a_link() -> None:
    sched = schedule(timed(url="javascript:alert(1)"), url="javascript:alert(2)")
    assert "javascript:" not in (page(sched) + lists(sched)).lower()
    rows = json.loads(_render_site(sched)["data"]["sessions.json"])["sessions"]
    assert [row[12] for row in rows] == [""]  # the script's data links it nowhere either


def test_description_keeps_paragraphs_and_lines_as_text() -> None:
    html = lists(schedule(timed(description="One\ntwo\n\nThree <em>x</em>")))
    assert "<p>One<br>two</p>\n<p>Three &lt;em&gt;x&lt;/em&gt;</p>" in html


def test_the_page_lists_sessions_by_conference_day_in_the_conference_zone() -> None:
    late = timed(
        id="late",
        title="Late",
        start=dt.datetime(2024, 12, 28, 1, 0),
        end=dt.datetime(2024, 12, 28, 2, 0),
        zone="Europe/Berlin",
    )
    early = timed(
        id="early",
        title="Early",
        start=dt.datetime(2024, 12, 27, 10, 0),
        end=dt.datetime(2024, 12, 27, 11, 0),
        zone="Europe/Berlin",
    )
    remote = timed(  # printed in New York time: shown in the conference's zone
        id="remote",
        title="Remote",
        start=dt.datetime(2024, 12, 27, 9, 0),
        end=dt.datetime(2024, 12, 27, 10, 0),
        zone=NY,
    )
    html = lists(schedule(late, early, remote, timezone="Europe/Berlin", day_change=dt.time(6, 0)))
    parsed = _Page(html)
    assert parsed.by_tag["h2"] == ["Friday 27 December 2024"]
    assert parsed.by_tag["h3"] == ["Early", "Remote", "Late"]
    assert (
        when("2024-12-27T14:00:00Z", "15:00", "2024-12-27T15:00:00Z", "16:00")
        + ' <abbr title="Europe/Berlin">CET</abbr>'
        in html
    )
    # After midnight, still Friday's: marked with the day it is on the calendar.
    assert when("2024-12-28T00:00:00Z", "Sat 01:00", "2024-12-28T01:00:00Z", "02:00") in html


def test_times_after_2037_and_across_days_are_shown_right() -> None:
    summer = timed(
        id="s", title="S", start=dt.datetime(2040, 7, 2, 10, 0), end=dt.datetime(2040, 7, 2, 11, 0)
    )
    overnight = timed(
        id="o", title="O", start=dt.datetime(2040, 7, 3, 22, 0), end=dt.datetime(2040, 7, 4, 1, 30)
    )
    html = lists(schedule(summer, overnight))
    assert (
        when("2040-07-02T14:00:00Z", "10:00", "2040-07-02T15:00:00Z", "11:00")
        + ' <abbr title="America/New_York">EDT</abbr>'
        in html
    )
    assert when("2040-07-04T02:00:00Z", "22:00", "2040-07-04T05:30:00Z", "Wed 4 Jul 01:30") in html


def test_a_session_spanning_days_is_listed_once_under_its_first_day_with_its_last() -> None:
    posters = all_day(dt.date(2024, 11, 19), dt.date(2024, 11, 21))
    talk = timed(start=dt.datetime(2024, 11, 20, 10, 0), end=dt.datetime(2024, 11, 20, 11, 0))
    found = pages(schedule(posters, talk))
    parsed = _Page(lists(schedule(posters, talk)))
    assert parsed.by_tag["h2"] == ["Tuesday 19 November 2024", "Wednesday 20 November 2024"]
    assert parsed.by_tag["h3"] == ["Posters", talk.title]
    assert f"All day, Tue 19 Nov {DASH} Thu 21 Nov" in "".join(parsed.text)
    for html in found.values():
        ids = [attrs["id"] for _, attrs in _Page(html).tags if attrs.get("id")]
        assert len(ids) == len(set(ids))
    assert 'id="session-posters"' in found["days/2024-11-19.html"]
    # A day on which nothing begins has no page; its calendar still holds what runs on it.
    assert "days/2024-11-21.html" not in found
    assert b"UID:posters@" in render(schedule(posters, talk), Split.DAY)["2024-11-21.ics"]


def test_a_session_spanning_new_year_gives_the_years() -> None:
    fair = all_day(dt.date(2024, 12, 30), dt.date(2025, 1, 2))
    assert f"All day, Mon 30 Dec 2024 {DASH} Thu 2 Jan 2025" in lists(schedule(fair))
    night = timed(start=dt.datetime(2024, 12, 31, 22, 0), end=dt.datetime(2025, 1, 1, 1, 0))
    assert "Wed 1 Jan 2025 01:00" in lists(schedule(night))


def test_the_page_grows_with_the_sessions_not_with_the_days_they_span() -> None:
    def year_long(count: int) -> Schedule:
        return schedule(
            *(
                all_day(dt.date(2025, 1, 1), dt.date(2025, 12, 31), id=f"show-{n}", location="Hall")
                for n in range(count)
            )
        )

    # 200 all-day events of a year each made a page of 880 KB per event (each listed 365 times).
    one, two_hundred = len(lists(year_long(1)).encode()), len(lists(year_long(200)).encode())
    per_event = (two_hundred - one) / 199
    assert per_event < 2_000
    assert two_hundred < one + 200 * 2_000


def test_the_page_is_structured_for_assistive_technology() -> None:
    events = [
        timed(description="What it is about."),
        timed(
            id="b",
            title="B",
            start=dt.datetime(2024, 11, 19, 9, 0),
            end=dt.datetime(2024, 11, 19, 10, 0),
        ),
    ]
    found = pages(schedule(*events, url="https://sc24.example.org/"))
    assert sorted(found) == ["days/2024-11-18.html", "days/2024-11-19.html", "index.html"]
    for path, html in found.items():
        parsed = _Page(html)
        html_attrs = next(attrs for tag, attrs in parsed.tags if tag == "html")
        assert html_attrs["lang"] == "en"
        assert parsed.count("h1") == 1
        for landmark in ("header", "nav", "main", "footer"):
            assert parsed.count(landmark) == (landmark != "nav" or path == "index.html"), path
        assert (
            "meta",
            {"name": "viewport", "content": "width=device-width, initial-scale=1"},
        ) in parsed.tags
        # Every link's text says where it goes without its surroundings, and no two differ in
        # target while reading the same.
        by_text: dict[str, set[str]] = {}
        for href, text in parsed.links:
            by_text.setdefault(text, set()).add(href)
        assert all(len(hrefs) == 1 for hrefs in by_text.values()), by_text
    day = _Page(found["days/2024-11-18.html"])
    assert day.by_tag["h2"] == ["Monday 18 November 2024"]  # one per day
    assert day.count("h3") == 1  # one per session
    texts = [text for _, text in day.links]
    assert "Download “Parsl+CWL: Towards Combining the…” (.ics)" in texts
    assert "Abstract of “Parsl+CWL: Towards Combining the…”" in "".join(day.text)
    texts = [text for _, text in _Page(found["index.html"]).links]
    assert "Download all sessions of Mon 18 Nov (.ics)" in texts
    assert "Download the whole programme (.ics)" in texts
    assert "Subscribe to the whole programme" in texts
    assert "Monday 18 November 2024" in texts  # the day's list


def test_the_pages_language_is_the_programmes_and_each_sessions_its_own() -> None:
    sched = schedule(timed(language="de", description="Worum es geht."), language="fr")
    for html in pages(sched).values():
        assert '<html lang="fr"' in html
    assert '<span class="title" lang="de">' in lists(sched)
    assert '<details class="abstract" lang="de">' in lists(sched)
    assert '<html lang="en"' in page(schedule(timed()))
    assert '<html lang="nl"' in page(sched, language="nl")


def test_a_speaker_list_is_labelled_as_the_calendars_name_the_speakers() -> None:
    one, two = timed(speakers=["Ada"]), timed(id="b", speakers=["Ada", "Bob"])
    parsed = _Page(lists(schedule(one, two)))
    labels = [
        a.get("aria-label") or ""
        for tag, a in parsed.tags
        if tag == "ul" and a.get("class") == "speakers"
    ]
    assert sorted(labels) == [one.speaker_line, two.speaker_line]
    assert sorted(labels) == ["Speaker: Ada", "Speakers: Ada, Bob"]


def test_the_page_requests_nothing_from_anywhere() -> None:
    sched = schedule(timed(url="https://example.org/talk"), url="https://example.org/")
    site = _render_site(sched)
    for html in pages(sched).values():
        parsed = _Page(html)
        assert not [a for _, a in parsed.tags if "srcset" in a]
        # The one script is the site's own: inline, or beside the page (../app.js from a list).
        assert [a for tag, a in parsed.tags if "src" in a] in (
            [],
            [{"src": "../app.js", "defer": None}],
        )
        assert [a for tag, a in parsed.tags if tag == "link" and a["rel"] != "preload"] == [
            {"rel": "icon", "href": "data:,"}
        ]
        css = parsed.by_tag["style"][0]
        assert "url(" not in css
        assert "@import" not in css
        assert "@font-face" not in css
    preload = [a for _, a in _Page(page(sched)).tags if a.get("rel") == "preload"]
    assert preload == [
        {"rel": "preload", "href": "data/sessions.json", "as": "fetch", "crossorigin": None}
    ]
    # The scripts name no address of their own: they fetch the site's files, relative to it.
    for script in (site[""]["app.js"], site[""]["sw.js"]):
        text = script.decode("utf-8")
        assert not re.search(r"https?:|[\"']//", text)
        assert "XMLHttpRequest" not in text
        assert "importScripts" not in text


def test_print_hides_the_link_clutter() -> None:
    css = _Page(page(schedule(timed()))).by_tag["style"][0]
    print_css = css[css.index("@media print") :]
    assert re.search(r"nav, \.links, \.whole[^{]*\{ display: none", print_css)
    # Abstracts unfolded on paper.
    assert "details::details-content { content-visibility: visible; display: block; }" in print_css
    assert re.search(r"details > :not\(summary\) \{ display: block", print_css)


def test_cancelled_sessions_offer_no_add_links() -> None:
    sched = schedule(timed(status="cancelled"), timed(id="b", title="B"))
    html = lists(sched)
    assert '<span class="status">cancelled</span>' in html
    assert 'href="../sessions/parsl-cwl.ics"' in html
    data = _render_site(sched)["data"]
    rows = json.loads(data["sessions.json"])["sessions"]
    links = dict(zip([row[0] for row in rows], json.loads(data["links-0.json"]), strict=True))
    assert links["parsl-cwl"] is None
    assert links["b"][0].startswith("https://calendar.google.com/")
    assert links["b"][1].startswith("https://outlook.live.com/")


def test_subscribe_links_appear_only_with_a_url() -> None:
    assert "webcal://" not in page(schedule(timed()))
    html = page(schedule(timed(), url="https://sc24.example.org/parsl/"))
    assert 'href="webcal://sc24.example.org/parsl/calendar.ics"' in html
    assert "<code>https://sc24.example.org/parsl/calendar.ics</code>" in html


def test_an_empty_programme_gives_a_page_that_says_so() -> None:
    parsed = _Page(page(schedule()))
    assert "No sessions have been published yet." in "".join(parsed.text)
    assert parsed.count("nav") == 0


def test_the_page_does_not_depend_on_the_machines_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = []
    try:
        for zone in ("UTC", "Pacific/Kiritimati", "America/St_Johns"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            pages.append(_render_site(schedule(timed(), timed(id="b", title="B"))))
    finally:
        monkeypatch.undo()  # TZ as it was, for the tests that follow
        time.tzset()
    assert pages[0] == pages[1] == pages[2]


# --- The files ---------------------------------------------------------------------------------


def test_build_site_writes_the_page_and_the_calendars_it_links_to(tmp_path: Path) -> None:
    sched = schedule(timed(), all_day(dt.date(2024, 11, 19), dt.date(2024, 11, 20)))
    build_site(sched, tmp_path)
    assert (tmp_path / CALENDAR_FILE).read_bytes() == confcal.to_ical(sched)
    for name, data in render(sched, Split.DAY).items():
        assert (tmp_path / "days" / name).read_bytes() == data
    for name, data in render(sched, Split.EVENT).items():
        assert (tmp_path / "sessions" / name).read_bytes() == data
    # Without JavaScript: from the page, by plain links, to every list and every calendar.
    reached: set[str] = set()
    todo = ["index.html"]
    while todo:
        path = todo.pop()
        reached.add(path)
        for href, _ in _Page((tmp_path / path).read_text("utf-8")).links:
            if href.startswith(("https:", "http:", "webcal:", "#")):
                continue
            target = urllib.parse.urljoin(f"/{path}", href).lstrip("/")
            assert (tmp_path / target).is_file(), (path, href)
            if target.endswith(".html") and target not in reached:
                todo.append(target)
            reached.add(target)
    # The posters run on the 20th too, but begin on the 19th, under which the pages list them:
    # days/2024-11-20.ics is written, not linked.
    assert (tmp_path / "days" / "2024-11-20.ics").is_file()
    assert reached == {
        "index.html",
        CALENDAR_FILE,
        "days/2024-11-18.html",
        "days/2024-11-19.html",
        "days/2024-11-18.ics",
        "days/2024-11-19.ics",
        "sessions/parsl-cwl.ics",
        "sessions/posters.ics",
    }


def test_every_session_is_on_its_day_its_track_and_its_room_list() -> None:
    sched = schedule(
        timed(track="Workflows", location="Hall A"),
        timed(id="b", title="B", track="Workflows", location="Hall B"),
        timed(id="c", title="C", track="Ünïcode & <Tags>", location="Hall B"),
        timed(id="d", title="D", track="unicode tags", location=None),
    )
    found = pages(sched)
    tags = f"tracks/{feed_slug('Ünïcode & <Tags>')}.html"
    assert tags.startswith("tracks/unicode-tags--")
    assert sorted(p for p in found if p.startswith(("tracks/", "rooms/"))) == sorted(
        [
            "rooms/hall-a.html",
            "rooms/hall-b.html",
            tags,
            "tracks/unicode-tags.html",
            "tracks/workflows.html",
        ]
    )

    def ids(path: str) -> set[str]:
        return set(re.findall(r'<article class="card" id="session-([^"]+)"', found[path]))

    assert ids("tracks/workflows.html") == {"parsl-cwl", "b"}
    # Two names, one plain slug: the name that is not plain gets a hash, as its feed does.
    assert ids("tracks/unicode-tags.html") == {"d"}
    assert ids(tags) == {"c"}
    assert ids("rooms/hall-b.html") == {"b", "c"}
    assert "<h1>Track: Ünïcode &amp; &lt;Tags&gt;</h1>" in found[tags]
    index = _Page(found["index.html"])
    assert (tags, "Ünïcode & <Tags>") in index.links


def test_a_track_added_to_the_programme_renames_no_other_tracks_page() -> None:
    # Page names were numbered in name order ("Foo+" was foo.html, then foo-2.html once a track
    # "Foo" sorting before it took foo.html): a shared link broke with a rebuild that added one.
    def ids(found: dict[str, str], path: str) -> set[str]:
        return set(re.findall(r'<article class="card[^"]*" id="session-([^"]+)"', found[path]))

    before = pages(schedule(timed(track="Foo+", location="Hall A")))
    grown = schedule(
        timed(track="Foo+", location="Hall A"),
        timed(id="b", title="B", track="Foo", location="Hall-A"),
        timed(id="c", title="C", track="foo", location="hall a"),
    )
    after = pages(grown)
    listed = [p for p in before if p.startswith(("tracks/", "rooms/"))]
    assert len(listed) == 2
    for path in listed:
        assert "parsl-cwl" in ids(after, path), path
    # The names of the feeds `confcal export --split track|room` writes; case is ignored as
    # there ("Foo" and "foo" are one track, named by its first spelling).
    feeds = {
        f"{folder}/{name.removesuffix('.ics')}.html"
        for folder, split in (("tracks", Split.TRACK), ("rooms", Split.ROOM))
        for name in render(grown, split)
    }
    assert {p for p in after if p.startswith(("tracks/", "rooms/"))} == feeds
    assert ids(after, "tracks/foo.html") == {"b", "c"}
    assert "<h1>Track: Foo</h1>" in after["tracks/foo.html"]


def test_a_rebuild_removes_the_calendars_of_sessions_that_are_gone(tmp_path: Path) -> None:
    build_site(schedule(timed(), timed(id="gone", title="Gone")), tmp_path)
    assert (tmp_path / "sessions" / "gone.ics").exists()
    changed = build_site(schedule(timed()), tmp_path)
    assert not (tmp_path / "sessions" / "gone.ics").exists()
    assert tmp_path / "index.html" in changed
    assert build_site(schedule(timed()), tmp_path) == []  # unchanged: nothing rewritten


def test_a_rebuild_removes_the_lists_and_data_that_are_gone(tmp_path: Path) -> None:
    build_site(schedule(timed(track="Old", location="Hall")), tmp_path)
    assert (tmp_path / "tracks" / "old.html").is_file()
    build_site(schedule(timed(track="New", location="Hall")), tmp_path)
    assert sorted(p.name for p in (tmp_path / "tracks").iterdir()) == [
        ".confcal-files", "new.html", "new.ics",
    ]  # fmt: skip
    build_site(schedule(timed(location="Hall")), tmp_path)
    assert not (tmp_path / "tracks").exists()
    many = [timed(id=f"s{n}", title=f"S{n}") for n in range(40)]
    build_site(schedule(*many), tmp_path)
    assert (tmp_path / "data" / "links-1.json").is_file()
    build_site(schedule(*many[:5]), tmp_path)
    assert not (tmp_path / "data" / "links-1.json").exists()


def _events_json(path: Path, **calendar: object) -> Path:
    data = {
        "calendar": {
            "name": "Parsl at SC24",
            "timezone": NY,
            "updated": "2024-11-14T00:00:00Z",
            **calendar,
        },
        "events": [
            {
                "id": "parsl-cwl",
                "title": "Parsl+CWL",
                "start": "2024-11-18T11:21",
                "end": "2024-11-18T11:44",
            }
        ],
    }
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_cli_site_writes_the_folder(tmp_path: Path) -> None:
    events = _events_json(tmp_path / "events.json", url="https://sc24.example.org/")
    result = CliRunner().invoke(cli, ["site", str(events), "-o", str(tmp_path / "public")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "public" / "index.html").is_file()
    cal = icalendar.Calendar.from_ical(
        (tmp_path / "public" / "sessions" / "parsl-cwl.ics").read_bytes()
    )
    (vevent,) = cal.walk("VEVENT")
    assert vevent.decoded("dtstart").astimezone(dt.UTC) == dt.datetime(
        2024, 11, 18, 16, 21, tzinfo=dt.UTC
    )


def test_cli_site_on_bad_input_says_why_and_writes_nothing(tmp_path: Path) -> None:
    events = _events_json(tmp_path / "events.json", timezone="Mars/Olympus_Mons")
    result = CliRunner().invoke(cli, ["site", str(events), "-o", str(tmp_path / "public")])
    assert result.exit_code == 1
    assert "Mars/Olympus_Mons" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "public").exists()


def test_a_file_given_as_the_folder_is_refused_and_left_alone(tmp_path: Path) -> None:
    events = _events_json(tmp_path / "events.json")
    before = events.read_bytes()
    with pytest.raises(confcal.OutputError, match="is a file; the site needs a folder"):
        build_site(schedule(timed()), events)
    result = CliRunner().invoke(cli, ["site", str(events), "-o", str(events)])
    assert result.exit_code == 2  # click's own check of -o: a usage error
    assert "is a file" in result.output
    assert events.read_bytes() == before


def test_cli_site_needs_an_output_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["site", str(_events_json(tmp_path / "events.json"))])
    assert result.exit_code == 2


def test_cli_site_help_shows_an_example() -> None:
    result = CliRunner().invoke(cli, ["site", "--help"])
    assert "confcal site events.json -o public" in result.output


# --- A real programme --------------------------------------------------------------------------


def test_38c3_page_lists_each_session_on_its_day_with_its_utc_times() -> None:
    programmes = programmes_dir()
    if programmes is None:
        pytest.skip("the real programmes (../shared/programmes) are not here")
    folder = programmes / "38c3"
    sched = confcal.load(folder / "events.json")
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    days = json.loads((folder / "days.json").read_text("utf-8"))
    site = _render_site(sched)
    # The sessions of each day, on that day's list.
    day_pages = sorted(name for name in site["days"] if name.endswith(".html"))
    assert [name.removesuffix(".html") for name in day_pages] == sorted(days)
    for name in day_pages:
        found = set(re.findall(r'href="../sessions/([^"]+)\.ics"', site["days"][name].decode()))
        assert found == set(days[name.removesuffix(".html")]), name
    # Every session's Google link, in the script's data, carries the source's own UTC times.
    rows = json.loads(site["data"]["sessions.json"])["sessions"]
    chunks = sorted(
        (name for name in site["data"] if name.startswith("links-")),
        key=lambda name: int(name[6:-5]),
    )
    links = [row for name in chunks for row in json.loads(site["data"][name])]
    assert len(links) == len(rows) == len(sched.events)
    for row, (google, outlook) in zip(rows, links, strict=True):
        start, end = (expected[row[0]][k] for k in ("start_utc", "end_utc"))
        compact = f"{start}/{end}".replace("-", "").replace(":", "")
        assert query(google)["dates"] == compact, row[0]
        assert (query(outlook)["startdt"], query(outlook)["enddt"]) == (start, end), row[0]
        assert (row[3], row[4]) == (_epoch(start), _epoch(end))
    assert {row[0] for row in rows} == {event.id for event in sched.events}


def _epoch(utc: str) -> int:
    return int(dt.datetime.fromisoformat(utc.replace("Z", "+00:00")).timestamp())


# --- One run publishes everything; an unchanged rebuild writes nothing -------------------------


def _publish(events: Path, folder: Path, *options: str) -> None:
    result = CliRunner().invoke(cli, ["site", str(events), "-o", str(folder), *options])
    assert result.exit_code == 0, result.output


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_ino)
        for p in folder.rglob("*")
        if p.is_file() and p.name != ".confcal-lock"
    }


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    path = tmp_path / "events.json"
    path.write_text(
        json.dumps(
            {
                "calendar": {"name": "C", "timezone": NY, "updated": "2024-11-01T00:00:00Z"},
                "events": [
                    {"id": "a", "title": "A", "start": "2024-11-18T09:00", "duration": "PT1H"}
                    | {"track": "Rust", "location": "Hall 1"},
                    {"id": "b", "title": "B", "start": "2024-11-19T09:00", "duration": "PT1H"}
                    | {"track": "Go", "location": "Hall 1"},
                ],
            }
        ),
        "utf-8",
    )
    return path


def test_site_writes_every_split_and_the_page_in_one_run(programme: Path, tmp_path: Path) -> None:
    _publish(programme, tmp_path / "public", "--alarm", "10")
    schedule = confcal.load(programme)
    public = tmp_path / "public"
    assert (public / CALENDAR_FILE).read_bytes() == confcal.to_ical(
        schedule, alarm=dt.timedelta(minutes=10)
    )
    splits = [
        ("days", Split.DAY), ("sessions", Split.EVENT), ("tracks", Split.TRACK),
        ("rooms", Split.ROOM),
    ]  # fmt: skip
    for folder, split in splits:
        expected = render(schedule, split, alarm=dt.timedelta(minutes=10))
        assert {p.name: p.read_bytes() for p in (public / folder).glob("*.ics")} == expected
    assert {p.name for p in (public / "tracks").glob("*.ics")} == {"rust.ics", "go.ics"}
    index = _Page((public / "index.html").read_text("utf-8"))
    # Each track's and room's list, with its feed beside it.
    for href in ("tracks/rust.html", "tracks/rust.ics", "rooms/hall-1.html", "rooms/hall-1.ics"):
        assert href in {link for link, _ in index.links}, href


def test_the_page_and_each_list_offer_their_feed_to_subscribe_to_when_the_url_is_known() -> None:
    sched = schedule(
        timed(track="Open Source Design", location="K.4.201"),
        url="https://conf.example/2025/",
    )
    site = _render_site(sched)
    index = _Page(site[""]["index.html"].decode("utf-8"))
    links = {link for link, _ in index.links}
    assert "webcal://conf.example/2025/tracks/open-source-design.ics" in links
    assert "webcal://conf.example/2025/rooms/k.4.201.ics" in links
    track = _Page(site["tracks"]["open-source-design.html"].decode("utf-8"))
    assert ("../tracks/open-source-design.ics", "Download Open Source Design (.ics)") in track.links
    assert "webcal://conf.example/2025/tracks/open-source-design.ics" in {
        link for link, _ in track.links
    }
    assert "open-source-design.ics" in site["tracks"]
    assert "webcal:" not in _render_site(schedule(timed(track="T")))[""]["index.html"].decode()


def test_an_unchanged_rebuild_renders_and_writes_nothing(
    programme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    public = tmp_path / "public"
    _publish(programme, public)
    before = _files(public)

    _refuse_to_build(monkeypatch)
    _publish(programme, public)
    os.utime(programme)  # touched: the programme says when it changed, so nothing to do either
    _publish(programme, public)
    assert _files(public) == before


@pytest.mark.parametrize("change", ["removed", "edited"])
def test_a_file_removed_or_edited_by_hand_is_written_again(
    programme: Path, tmp_path: Path, change: str
) -> None:
    public = tmp_path / "public"
    _publish(programme, public)
    session = public / "sessions" / "a.ics"
    expected = session.read_bytes()
    if change == "removed":
        session.unlink()
    else:
        session.write_bytes(b"edited by hand")
    _publish(programme, public)
    assert session.read_bytes() == expected


@pytest.mark.parametrize("change", ["option", "source_date_epoch", "programme"])
def test_a_changed_option_environment_or_programme_is_published(
    programme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    public = tmp_path / "public"
    _publish(programme, public)
    before = (public / "sessions" / "a.ics").read_bytes()
    options, alarm = [], None
    if change == "option":
        options, alarm = ["--alarm", "5"], dt.timedelta(minutes=5)
    elif change == "source_date_epoch":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    else:
        programme.write_text(programme.read_text("utf-8").replace('"A"', '"A2"'), "utf-8")
    _publish(programme, public, *options)
    written = (public / "sessions" / "a.ics").read_bytes()
    assert written != before
    assert written == render(confcal.load(programme), Split.EVENT, alarm=alarm)["a.ics"]


def _refuse_to_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> list[Path]:
        raise AssertionError("rendered again")

    monkeypatch.setattr(confcal.site, "build_site", refuse)


def test_site_revises_the_history_once_saves_it_and_then_is_up_to_date(
    programme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    public, kept = tmp_path / "public", tmp_path / "events.history.json"
    revise = confcal.history.revise
    calls: list[Schedule] = []

    def counted(schedule: Schedule, history: confcal.history.History) -> object:
        calls.append(schedule)
        return revise(schedule, history)

    monkeypatch.setattr(confcal.history, "revise", counted)
    _publish(programme, public, "--history", str(kept))
    assert len(calls) == 1
    assert set(confcal.history.load(kept).sessions) == {"a", "b"}
    # The history this run saved is the one the next run finds beside the programme: nothing
    # changed, nothing to do (not a second run to settle the history first).
    _refuse_to_build(monkeypatch)
    _publish(programme, public)
    assert len(calls) == 1


def test_a_history_edited_alone_rebuilds(
    programme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    public, kept = tmp_path / "public", tmp_path / "events.history.json"
    _publish(programme, public)
    assert kept.exists() is False  # no history beside it: none is started
    _publish(programme, public, "--history", str(kept))  # a new input: published again
    assert b"SEQUENCE" not in (public / "sessions" / "a.ics").read_bytes()
    document = json.loads(kept.read_text("utf-8"))
    document["sessions"]["a"]["room"] = "Hall 2"  # as if a had been published in Hall 2
    kept.write_text(json.dumps(document), "utf-8")
    _publish(programme, public)
    moved = (public / "sessions" / "a.ics").read_bytes()
    assert b"SEQUENCE:1" in moved
    assert b"LAST-MODIFIED:20241101T000000Z" in moved
    assert b"SEQUENCE:1" in (public / CALENDAR_FILE).read_bytes()
    _refuse_to_build(monkeypatch)
    _publish(programme, public)  # and then nothing to do


def test_no_history_is_part_of_what_the_site_was_built_from(
    programme: Path, tmp_path: Path
) -> None:
    public, kept = tmp_path / "public", tmp_path / "events.history.json"
    kept.write_text(
        '{"format": "confcal-history/1", "sessions": {"a": {"start": "2024-11-18T13:00:00Z", '
        '"end": "2024-11-18T14:00:00Z", "sequence": 4}}}',
        "utf-8",
    )
    _publish(programme, public)  # the history beside the programme: a moved, SEQUENCE 5
    assert b"SEQUENCE:5" in (public / "sessions" / "a.ics").read_bytes()
    _publish(programme, public, "--no-history")
    assert b"SEQUENCE" not in (public / "sessions" / "a.ics").read_bytes()


def test_a_programme_without_updated_is_rebuilt_when_touched(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(
        '{"calendar": {"name": "C", "timezone": "UTC"}, "events": [{"id": "a", "title": "A", '
        '"start": "2024-11-18T09:00", "duration": "PT1H"}]}',
        "utf-8",
    )
    os.utime(path, (1_700_000_000, 1_700_000_000))
    _publish(path, tmp_path / "public")
    os.utime(path, (1_800_000_000, 1_800_000_000))  # its time is the DTSTAMP
    _publish(path, tmp_path / "public")
    assert b"DTSTAMP:20270115T080000Z" in (tmp_path / "public" / CALENDAR_FILE).read_bytes()


# --- Programme changes: the marks of the last publication --------------------------------------


def _move(programme: Path, updated: str, **a: object) -> None:
    """The programme republished at ``updated`` with session a's fields ``a`` changed."""
    document = json.loads(programme.read_text("utf-8"))
    document["calendar"]["updated"] = updated
    document["events"][0] |= a
    programme.write_text(json.dumps(document), "utf-8")


def _card(html: str, id: str) -> str:
    found = re.search(rf'<article [^>]*id="session-{id}">.*?</article>', html, re.DOTALL)
    assert found, id
    return found.group(0)


def _changes(folder: Path) -> dict[str, str]:
    data = json.loads((folder / "data" / "sessions.json").read_text("utf-8"))
    column = data["fields"].index("change")
    return {row[0]: row[column] for row in data["sessions"]}


def test_a_moved_session_is_marked_and_listed_and_an_unchanged_one_is_not(
    programme: Path, tmp_path: Path
) -> None:
    public = tmp_path / "public"
    _publish(programme, public, "--history", str(tmp_path / "events.history.json"))
    _move(programme, "2024-11-02T00:00:00Z", start="2024-11-18T10:00", location="Hall 2")
    _publish(programme, public)
    day = (public / "days" / "2024-11-18.html").read_text("utf-8")
    assert '<p class="change">moved from Hall 1, 09:00</p>' in _card(day, "a")
    assert 'class="change"' not in _card((public / "days/2024-11-19.html").read_text(), "b")
    assert _changes(public) == {"a": "moved from Hall 1, 09:00", "b": ""}
    index = (public / "index.html").read_text("utf-8")
    assert "<summary>Changes in this update (1)</summary>" in index
    assert '<a href="days/2024-11-18.html#session-a">A</a>: moved from Hall 1, 09:00' in index
    # A republication that moves nothing (a title fixed) keeps the last move's marks.
    _move(programme, "2024-11-03T00:00:00Z", title="A!")
    _publish(programme, public)
    assert _changes(public) == {"a": "moved from Hall 1, 09:00", "b": ""}
    # The next move replaces them: b's alone, its old time in the conference zone, 24-hour.
    document = json.loads(programme.read_text("utf-8"))
    document["calendar"]["updated"] = "2024-11-04T00:00:00Z"
    document["events"][1] |= {"start": "2024-11-19T15:00", "duration": "PT30M"}
    programme.write_text(json.dumps(document), "utf-8")
    _publish(programme, public)
    assert _changes(public) == {"a": "", "b": f"was 09:00{DASH}10:00"}
    assert "Changes in this update (1)" in (public / "index.html").read_text("utf-8")


def test_a_build_without_history_has_no_marks(programme: Path, tmp_path: Path) -> None:
    public = tmp_path / "public"
    _publish(programme, public, "--history", str(tmp_path / "events.history.json"))
    _move(programme, "2024-11-02T00:00:00Z", location="Hall 2")
    _publish(programme, public, "--no-history")
    assert set(_changes(public).values()) == {""}
    assert "Changes in this" not in (public / "index.html").read_text("utf-8")
    assert 'class="change"' not in (public / "days" / "2024-11-18.html").read_text("utf-8")


def test_a_first_publication_lists_no_changes(programme: Path, tmp_path: Path) -> None:
    _publish(programme, tmp_path / "public", "--history", str(tmp_path / "events.history.json"))
    assert (tmp_path / "events.history.json").exists()
    assert "Changes in this" not in (tmp_path / "public" / "index.html").read_text("utf-8")


def test_marks_say_what_changed_in_the_conference_zone_escaped() -> None:
    from confcal.changes import State

    moved = timed("m", "Moved", dt.datetime(2024, 11, 19, 16), dt.datetime(2024, 11, 19, 17))
    longer = timed("l", "Longer", dt.datetime(2024, 11, 18, 9), dt.datetime(2024, 11, 18, 11))
    gone = timed("c", "Gone", status="cancelled", location="Hall 1")
    kept = timed("k", "Kept")
    changes = {
        # New York is UTC-5 in November: 19:00Z is 14:00 there, on the day before.
        "m": State("2024-11-18T19:00:00Z", "2024-11-18T20:00:00Z", "<b>Hall</b> 1"),
        "l": State("2024-11-18T14:00:00Z", "2024-11-18T15:00:00Z"),
        "c": attrs.evolve(State.of(gone), status=None),
    }
    sched = schedule(moved, longer, gone, kept)
    tree = _render_site(sched, changes=changes)
    html = "".join(d.decode() for n, d in tree["days"].items() if n.endswith(".html"))
    assert "moved from &lt;b&gt;Hall&lt;/b&gt; 1, Mon 18 Nov 14:00" in _card(html, "m")
    assert f"was 09:00{DASH}10:00" in _card(html, "l")
    assert 'class="change"' not in _card(html, "c")  # "cancelled" is shown already
    assert 'class="change"' not in _card(html, "k")
    index = tree[""]["index.html"].decode()
    assert "Changes in this update (3)" in index
    assert "Gone</a>: cancelled" in index
    assert "<b>Hall" not in index
    assert "Changes in this" not in page(sched)  # no changes given: the library's own page


def test_last_changes_are_those_of_the_latest_publication_that_changed_anything() -> None:
    from confcal.changes import State
    from confcal.history import History, Revision, last_changes

    a, b = timed("a", "A"), timed("b", "B")
    old, new = State("2024-11-18T14:00:00Z", "2024-11-18T15:00:00Z"), State.of(a)
    history = History(
        {
            "a": Revision(new, 2, dt.datetime(2024, 11, 2, tzinfo=dt.UTC), old),
            "b": Revision(State.of(b), 1, dt.datetime(2024, 11, 1, tzinfo=dt.UTC), old),
            "gone": Revision(old, 3, dt.datetime(2024, 11, 9, tzinfo=dt.UTC), new),
        }
    )
    assert last_changes(schedule(a, b), history) == {"a": old}
    assert last_changes(schedule(a, b), History()) == {}


def test_the_site_tells_its_rendering_step_by_step_and_its_writing_up_to_every_file(
    tmp_path: Path,
) -> None:
    rendering: list[tuple[int, int]] = []
    writing: list[tuple[int, int]] = []
    written = build_site(
        schedule(timed(), timed(id="b", title="B", track="T")),
        tmp_path,
        rendering=lambda done, total: rendering.append((done, total)),
        writing=lambda done, total: writing.append((done, total)),
    )
    assert rendering == [(done, 6) for done in range(7)]
    total = writing[-1][1]
    assert writing[-1] == (total, total)
    assert total == len(written)  # a fresh folder: every file written
    assert [done for done, _ in writing] == sorted(done for done, _ in writing)
