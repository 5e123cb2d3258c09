"""What the attendees' page shows of a text (confcal.site._page), as plain text for the template.

The page as a whole is tested through confcal.site in test_site.py.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, reject, settings
from hypothesis import strategies as st

from confcal import Event, InvalidInput, Schedule
from confcal.site._page import groups, layout, paragraphs, sessions, sessions_by_day
from test_serialize import _when


def test_a_text_becomes_paragraphs_of_lines_blank_lines_between_them() -> None:
    assert paragraphs("One\ntwo\n\n\n  Three  \n \n<p>four</p>") == [
        ["One", "two"],
        ["Three"],
        ["<p>four</p>"],
    ]


#: Names of tracks and rooms that the lists group together ignoring case, or keep apart.
_GROUP_NAMES = st.none() | st.sampled_from(
    ["Rust", "rust", "RUST", "C++", "c++", "Café", "CAFÉ", "K.4.201", "Hall 1/2", "CON", "東京"]
)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_the_pages_are_named_before_they_are_made_exactly_as_they_are_made(
    data: st.DataObject,
) -> None:
    """The site checks its files' places, and writes its calendars, before the pages exist."""
    events = []
    for index in range(data.draw(st.integers(0, 8))):
        start, end = data.draw(_when())
        try:
            events.append(
                Event(
                    id=f"e{index}",
                    title="T",
                    start=start,
                    end=end,
                    track=data.draw(_GROUP_NAMES),
                    location=data.draw(_GROUP_NAMES),
                )
            )
        except InvalidInput:
            reject()
    try:
        schedule = Schedule(
            name="C",
            timezone=data.draw(st.sampled_from(["Europe/Berlin", "Pacific/Kiritimati", "UTC"])),
            day_change=data.draw(st.sampled_from([dt.time(), dt.time(6), dt.time(23, 30)])),
            events=events,
        )
    except InvalidInput:
        reject()
    named = layout(schedule)
    listed = sessions(schedule)
    assert named.days == [day.date for day in sessions_by_day(listed)]
    assert named.tracks == sorted(group.slug for group in groups(listed, lambda s: s.track))
    assert named.rooms == sorted(group.slug for group in groups(listed, lambda s: s.location))
    assert named.listed == len(listed)
