"""schedule.xml syntax (:mod:`confcal.readers.frab_xml`): what the XML parser refuses, and why."""

from __future__ import annotations

from pathlib import Path

import pytest

import confcal
from confcal.errors import InvalidInput
from conftest import read

FIXTURES = Path(__file__).resolve().parent / "frab"


def test_xml_bomb_is_refused_before_expansion() -> None:
    with pytest.raises(InvalidInput) as caught:
        confcal.load(FIXTURES / "bomb.xml")
    (problem,) = caught.value.problems
    assert problem.source == str(FIXTURES / "bomb.xml")
    assert "refused: the XML declares the entity 'lol'" in problem.message


def test_external_entity_is_refused_without_reading_it() -> None:
    with pytest.raises(InvalidInput) as caught:
        confcal.load(FIXTURES / "external-entity.xml")
    message = str(caught.value)
    assert "declares the entity 'secret' ('file:///etc/passwd')" in message
    assert "root:" not in message


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(InvalidInput, match=r"not well-formed XML: .* at line 2 column"):
        read(b"<schedule>\n<conference></schedule>", source="bad.xml")


def _in(encoding: str, title: str) -> tuple[bytes, bytes]:
    """The fixture with ``title`` as its first session's, declared and saved in ``encoding``, and
    the same saved as UTF-8."""
    fixture = (FIXTURES / "schedule.xml").read_text("utf-8")
    ascii = fixture.encode("ascii", "xmlcharrefreplace").decode("ascii")  # any encoding has it
    text = ascii.replace("Welcome &amp; opening", title, 1)
    declared = text.replace('encoding="UTF-8"', f'encoding="{encoding}"', 1)
    return declared.encode(encoding), text.encode("utf-8")


@pytest.mark.parametrize(
    ("encoding", "title"),
    [("windows-1252", "the \u2018caf\u00e9\u2019 \u2013 \u20ac5 \u2026"),
     ("windows-1252", "\u00c7a va \u2013 \u201coui\u201d"),
     ("cp1250", "Łódź"), ("Shift_JIS", "東京の会議"), ("ISO-8859-15", "œuvre €"),
     ("koi8-r", "Привет"), ("utf-7", "A+B")],
)  # fmt: skip
def test_a_declared_encoding_python_knows_is_read_as_utf8_is(encoding: str, title: str) -> None:
    """windows-1252 (common from Windows tools) was "not well-formed (invalid token)" for some
    bytes, Shift_JIS "cannot read the XML"."""
    declared, utf8 = _in(encoding, title)
    imported = read(declared)
    assert imported == read(utf8)
    assert any(event.title.startswith(title) for event in imported.schedule.events)


def test_a_byte_the_declared_encoding_does_not_have_is_located() -> None:
    """0x81 is no character of windows-1252: it was "not well-formed (invalid token)"."""
    declared, _ = _in("windows-1252", "caf\u00e9")
    at = declared.index(b"caf\xe9") + 3
    data = declared[:at] + b"\x81" + declared[at + 1 :]
    with pytest.raises(InvalidInput) as caught:
        read(data, source="schedule.xml")
    assert str(caught.value) == (
        "schedule.xml: not valid 'windows-1252', as its declaration says it is: character maps "
        f"to <undefined> (byte 0x81) at byte {at}; save it as UTF-8"
    )


@pytest.mark.parametrize("encoding", ["utf-32", "no-such-codec", "rot13", "hex"])
def test_an_encoding_the_parser_cannot_read_is_named_not_a_crash(encoding: str) -> None:
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n<schedule/>'
    with pytest.raises(InvalidInput) as caught:
        read(text.encode("ascii"), source="schedule.xml")
    assert str(caught.value) == (
        f"schedule.xml: cannot read the XML in '{encoding}', as its declaration says it is; "
        "save it as UTF-8"
    )


def test_a_lone_surrogate_in_xml_text_is_located_not_a_crash() -> None:
    text = (FIXTURES / "schedule.xml").read_text("utf-8").replace("<title>", "<title>\ud800", 1)
    line = text[: text.index("\ud800")].count("\n") + 1
    with pytest.raises(InvalidInput) as caught:
        read(text, source="schedule.xml")
    assert str(caught.value) == (
        f"schedule.xml: not valid text: a lone surrogate '\\ud800' at line {line} column 12"
    )
