"""What the attendees' page shows of a text (confcal.site._page), as plain text for the template.

The page as a whole is tested through confcal.site in test_site.py.
"""

from __future__ import annotations

from confcal.site._page import paragraphs


def test_a_text_becomes_paragraphs_of_lines_blank_lines_between_them() -> None:
    assert paragraphs("One\ntwo\n\n\n  Three  \n \n<p>four</p>") == [
        ["One", "two"],
        ["Three"],
        ["<p>four</p>"],
    ]
