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
