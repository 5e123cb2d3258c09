"""JSON as the readers take it: UTF-8 bytes decoded, and strict JSON parsed, or a located problem.

events.json and pretalx/frab ``schedule.json`` are both JSON, and the dispatcher parses a file once
before it knows which of the two it is, so decoding and parsing live here, apart from any reader:
the line and column of a byte that is not UTF-8 (and a file saved as UTF-16 or UTF-32 told so),
keys given twice in one object (kept, to be reported where they are), ``NaN`` and numbers past
what Python holds refused as written, nesting past what Python can read, a trailing comma said
so. Every problem is an :class:`~confcal.errors.InvalidInput` naming the file.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from confcal.errors import InvalidInput, Problem, shown

__all__ = ["JsonObject", "decode", "kind", "parse_json", "twice"]


def decode(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is dropped); an error with the line and column of the first bad byte.

    JSON is UTF-8 (RFC 8259); a file saved as UTF-16 or UTF-32 is told so, not guessed at.
    """
    wide = _wide(data)
    try:
        text = data.decode("utf-8-sig")
        if wide is None:
            return text
        nul = data.index(b"\x00")  # UTF-8 as far as it goes, but not text
        raise UnicodeDecodeError("utf-8", data, nul, nul + 1, "NUL")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        problem = (
            f"not UTF-8: byte {data[error.start]:#04x} at line {line} column {column} "
            f"(saved as {wide or 'another encoding'}? save it as UTF-8)"
        )
        raise InvalidInput([Problem(problem, source=source)]) from None


def _wide(data: bytes) -> str | None:
    """``UTF-16`` or ``UTF-32`` when the file starts as those do: with their byte order mark, or
    with a NUL byte (which UTF-8 JSON never holds outside a string, nor XML anywhere)."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return "UTF-32"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16"
    head = data[:4]
    if len(head) == 4 and b"\x00" in head:
        return "UTF-32" if head.count(b"\x00") == 3 else "UTF-16"
    return None


class JsonObject(dict[str, Any]):
    """A JSON object that remembers the keys it had twice, to report them where they are."""

    # No instance dict: a file of 200,000 ``{}`` makes 200,000 of these.
    __slots__ = ("twice",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.twice: tuple[tuple[str, object, object], ...] = ()
        if len(self) != len(pairs):
            seen: dict[str, object] = {}
            twice = []
            for key, value in pairs:
                if key in seen:
                    twice.append((key, seen[key], value))
                seen[key] = value
            self.twice = tuple(twice)


def twice(value: object) -> tuple[tuple[str, object, object], ...]:
    """The keys an object read by :func:`parse_json` had twice: (key, first, second value)."""
    return getattr(value, "twice", ())


class _NotJson(ValueError):
    def __init__(self, constant: str) -> None:
        super().__init__(f"{constant} is not a JSON number")
        self.constant = constant


def _no_constant(name: str) -> None:
    raise _NotJson(name)


def parse_json(text: str, source: str) -> object:
    """The JSON document, its objects :class:`JsonObject`; :class:`InvalidInput` for anything
    that is not strict JSON (NaN, a trailing comma), or nested past what Python can read."""
    if not text.strip():
        raise InvalidInput(
            [Problem("the file is empty; it must hold a JSON object", source=source)]
        )
    try:
        return json.loads(
            text, object_pairs_hook=JsonObject, parse_constant=_no_constant, parse_float=_float
        )
    except json.JSONDecodeError as error:
        raise InvalidInput([Problem(_syntax(text, error), source=source)]) from None
    except _NotJson as error:
        problem = f"not valid JSON: {error} at {_position(text, error.constant)}"
        raise InvalidInput([Problem(problem, source=source)]) from None
    except RecursionError:
        problem = "not valid JSON for confcal: lists or objects nested too deep"
        raise InvalidInput([Problem(problem, source=source)]) from None
    except _OutOfRange as error:
        raise InvalidInput([Problem(_out_of_range(text, error.number), source=source)]) from None
    except ValueError:  # an integer of thousands of digits: past what Python reads
        raise InvalidInput([Problem(_out_of_range(text, None), source=source)]) from None


class _OutOfRange(ValueError):
    def __init__(self, number: str) -> None:
        super().__init__(number)
        self.number = number


def _float(text: str) -> float:
    """A JSON number with a fraction or exponent; one past what a float holds (``1e999``, which
    Python reads as infinity) is refused, as written, not read as ``inf``."""
    value = float(text)
    if math.isinf(value):
        raise _OutOfRange(text)
    return value


#: A JSON number, outside a string (:func:`_outside_strings`).
_NUMBER = r"-?[0-9]++(?:\.[0-9]++)?(?:[eE][-+]?[0-9]++)?"


def _out_of_range(text: str, number: str | None) -> str:
    """The problem with a number no float or int holds (``None``: the first integer too long
    for Python): where it is, and the number as written, shortened."""

    def this(match: re.Match[str]) -> bool:
        if number is not None:
            return match.group() == number
        return match.group().lstrip("-").isdigit() and len(match.group()) > 4300

    found = next((m for m in _outside_strings(text, _NUMBER) if this(m)), None)
    if found is None:  # pragma: no cover - json found it, so we do
        return "not valid JSON for confcal: a number out of range"
    at = _line_column(text, found.start())
    written = found.group()
    why = (
        f" ({len(written.lstrip('-'))} digits; confcal reads at most 4300)"
        if number is None
        else ""
    )
    return f"not valid JSON for confcal: the number {shown(written)} at {at} is out of range{why}"


def _syntax(text: str, error: json.JSONDecodeError) -> str:
    """The JSON syntax error, where it is; a trailing comma (which JSON forbids) said so."""
    trailing = _trailing_comma(text, error.pos)
    if trailing is not None:
        comma, closing = trailing
        line = text.count("\n", 0, comma) + 1
        column = comma - text.rfind("\n", 0, comma)
        return (
            f"not valid JSON: a comma before {closing!r} at line {line} column {column} (remove it)"
        )
    message = error.msg.removesuffix(" at")  # "Invalid control character at": json's own "at"
    at = f"at line {error.lineno} column {error.colno}"
    if message.startswith("Invalid control character"):
        character = text[error.pos]
        return (
            f"not valid JSON: a control character, {shown(character)}, inside a string {at} "
            f"(write it escaped: \\u{ord(character):04x})"
        )
    return f"not valid JSON: {message} {at}"


def _trailing_comma(text: str, pos: int) -> tuple[int, str] | None:
    """Where a comma before ``}`` or ``]`` is, and that bracket, if that is the error at ``pos``.

    Python 3.11 and 3.12 stop at the bracket ("Expecting property name"), 3.13 at the comma
    ("Illegal trailing comma"): both read the same to the user.
    """
    if text[pos : pos + 1] == ",":
        after = text[pos + 1 :].lstrip()
        return (pos, after[0]) if after[:1] in ("}", "]") else None
    before = text[:pos].rstrip()
    if before.endswith(",") and text[pos : pos + 1] in ("}", "]"):
        return len(before) - 1, text[pos]
    return None


def _position(text: str, constant: str) -> str:
    """Where ``constant`` (NaN, Infinity) first occurs outside a string, as line and column."""
    found = next(_outside_strings(text, re.escape(constant)), None)
    if found is None:  # pragma: no cover - json found it, so we do
        return "an unknown position"
    return _line_column(text, found.start())


def _outside_strings(text: str, pattern: str) -> Iterator[re.Match[str]]:
    """The matches of ``pattern`` outside JSON strings, in order."""
    for match in re.finditer(r'"(?:[^"\\]|\\.)*+"|' + pattern, text):
        if not match.group().startswith('"'):
            yield match


def _line_column(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    return f"line {line} column {index - text.rfind(chr(10), 0, index)}"


def kind(value: object) -> str:
    """A JSON value's type as a message names it."""
    kinds = ((dict, "an object"), (list, "a list"), (str, "text"), (bool, "true/false"))
    return next(
        (name for type_, name in kinds if isinstance(value, type_)),
        "null" if value is None else "a number",
    )
