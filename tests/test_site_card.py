"""A session's card in the lists (confcal.site._card): written in Python, it must hold the
programme's text as text, never as markup, whatever the text is."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from confcal.site._card import card
from confcal.site._page import Session

#: The elements a card is made of; anything else came from the programme's text.
_ELEMENTS = {"article", "p", "time", "abbr", "h3", "span", "ul", "li", "details", "summary",
             "br", "a", "bdi"}  # fmt: skip


class _Read(HTMLParser):
    """The elements, attributes and text of a card, each text under the innermost element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.open: list[str] = []
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        if tag != "br":
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag

    def handle_data(self, data: str) -> None:
        self.texts.append((self.open[-1] if self.open else "", data))


_TEXT = (
    st.lists(
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8)
        | st.sampled_from(["<", ">", "&", '"', "'", "</span>", "<script>", "&amp;", "--!>"]),
        min_size=1,
        max_size=5,
    )
    .map("".join)
    .filter(lambda text: text.strip() == text and text != "")
)


@st.composite
def _sessions(draw: st.DrawFn) -> Session:
    speakers = tuple(draw(st.lists(_TEXT, max_size=3)))
    return Session(
        id="s1",
        anchor="session-s1",
        title=draw(_TEXT),
        short_title=draw(_TEXT),
        day="2024-11-18",
        start="09:00",
        end="10:00",
        zone_abbreviation="EST",
        start_utc="2024-11-18T14:00:00Z",
        end_utc="2024-11-18T15:00:00Z",
        location=draw(st.none() | _TEXT),
        track=draw(st.none() | _TEXT),
        type=draw(st.none() | _TEXT),
        speakers=speakers,
        speaker_line=f"Speakers: {', '.join(speakers)}" if speakers else None,
        description=[[draw(_TEXT)], [draw(_TEXT), draw(_TEXT)]],
        url=draw(st.none() | st.just("https://example.org/?a=1&b=<2>\"'")),
        status=draw(st.sampled_from([None, "cancelled", "tentative"])),
        language=draw(st.none() | st.just("de")),
        ics="sessions/s1.ics",
        change=draw(st.none() | _TEXT),
    )


@given(_sessions())
def test_a_card_holds_the_programmes_text_as_text_never_as_markup(session: Session) -> None:
    read = _Read()
    read.feed(card(session, "../", "America/New_York"))
    read.close()
    assert set(read.tags) <= _ELEMENTS
    assert read.open == []  # every element closed: the text closed none early
    texts = read.texts
    assert ("span", session.title) in texts
    for speaker in session.speakers:
        assert ("li", speaker) in texts
    for value in (session.location, session.track, session.type):
        assert value is None or ("bdi", value) in texts
    for lines in session.description:
        assert all(("p", line) in texts for line in lines)
    attributes = dict(read.attributes)
    assert attributes.get("aria-label") == session.speaker_line
    if session.url:
        assert ("href", session.url) in read.attributes
    assert ("href", "../sessions/s1.ics") in read.attributes
