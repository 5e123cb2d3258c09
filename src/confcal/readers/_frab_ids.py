"""The ids of a pretalx/frab programme's events, made from their guids.

A guid is the one stable name a session has across a conference's republished schedules, so it
becomes the event's id and UID. Where confcal cannot use it as it is (characters outside letters,
digits, ``.``, ``_`` and ``-``, a Windows device name), an id is made of it: the same one on every
run, and distinct for distinct guids.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from confcal._fields import ID_PATTERN, RESERVED_NAMES

__all__ = ["identifiers"]

_ID_BAD = re.compile(r"[^A-Za-z0-9._-]+")


def identifiers(originals: Iterable[str]) -> dict[str, tuple[str, bool]]:
    """The id of each guid (or id) in the file, and whether it has a hash of the guid: the guid
    itself where confcal can use it as it is, else one made of it (see :func:`_made_id`).

    Deterministic, so a rebuild from the same file keeps the same UIDs; and distinct: two made ids
    that would be the same (``a b`` and ``a/b``), or would be an id the file uses as it is
    (``a-b``), ignoring case, each get a hash of their guid.
    """
    made: dict[str, tuple[str, bool]] = {}
    for original in originals:
        if original and original not in made:
            usable = ID_PATTERN.fullmatch(original) and not RESERVED_NAMES.fullmatch(original)
            made[original] = (original, False) if usable else _made_id(original)
    users: defaultdict[str, set[str]] = defaultdict(set)
    for original, (candidate, _) in made.items():
        users[candidate.lower()].add(original)
    ids = {}
    for original, (candidate, hashed) in made.items():
        if candidate != original and not hashed and len(users[candidate.lower()]) > 1:
            candidate, hashed = _hashed(candidate, original), True
        ids[original] = (candidate, hashed)
    return ids


def _made_id(original: str) -> tuple[str, bool]:
    """An id made of a guid confcal cannot use as it is, and whether it has a hash of the guid.

    Latin letters lose their accents (Unicode NFKD: ``Café`` gives ``Cafe``, ``ﬁ`` gives ``fi``;
    ``ß`` gives ``ss``), and what is still not a letter, digit, ``.``, ``_`` or ``-`` becomes
    ``-``. Where that changes or loses letters or digits (``Café``, ``東京``, a guid past 200
    characters), a hash of the guid is added: then no other guid gets the same id, whatever else
    the file holds.
    """
    # Past 1,000 characters the id would lose letters anyway: the rest is not looked at.
    head = original[:1000]
    decomposed = unicodedata.normalize("NFKD", head).translate(_LATIN)
    ascii_ = "".join(c for c in decomposed if not unicodedata.combining(c))
    kept = _ID_BAD.sub("-", ascii_).lstrip("._-")[:200].rstrip("._-")
    if head != original or re.sub(r"[\W_]+", "", head) != re.sub(r"[^A-Za-z0-9]+", "", kept):
        return _hashed(kept, original), True
    if not kept or RESERVED_NAMES.fullmatch(kept):
        kept = f"event-{kept}"[:200].rstrip("._-")
    return kept, False


# Latin letters NFKD does not decompose.
_LATIN = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d",
     "Đ": "D", "ð": "d", "Ð": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "\u0131": "i"}
)  # fmt: skip


def _hashed(candidate: str, original: str) -> str:
    """``candidate`` (``event`` if empty) and 8 hex digits of the SHA-256 of ``original``."""
    digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{candidate[:191].rstrip('._-') or 'event'}-{digest}"
