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


@pytest.mark.parametrize("encoding", ["utf-32", "Shift_JIS", "utf-7", "no-such-codec", "rot13"])
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
