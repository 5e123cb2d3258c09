"""The ids of a pretalx/frab programme's events, made from their guids.

A guid is the one stable name a session has across a conference's republished schedules, so it
becomes the event's id and UID. Where confcal cannot use it as it is (characters outside letters,
digits, ``.``, ``_`` and ``-``, a Windows device name), an id is made of it: the same one on every
run, and distinct for distinct guids.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable

from confcal._fields import ID_CHARACTERS, MAX_ID_LENGTH, is_usable_id

__all__ = ["identifiers", "made_of"]

#: What an id may not hold: the model's characters, complemented.
_ID_BAD = re.compile(f"[^{ID_CHARACTERS}]+")
#: The hex digits of a guid's hash that a made id ends with (after a ``-``).
_SHORT_HASH = 8


def identifiers(originals: Iterable[str]) -> dict[str, tuple[str, bool]]:
    """The id of each guid (or id) in the file, and whether it has a hash of the guid: the guid
    itself where confcal can use it as it is, else one made of it (see :func:`_made_id`).

    Deterministic, so a rebuild from the same file keeps the same UIDs, whatever the order of its
    events; and distinct, ignoring case. A guid usable as it is keeps it. Made ids that would be
    the same (``a b`` and ``a/b``), or would be an id the file uses as it is (``a-b``), each get a
    hash of their guid; one still taken (a guid that is itself another's made id, such as
    ``cafe-850f7dc4`` beside ``café``) gets a longer hash, taken in the order of the guids.
    Guids that differ only in case are left alike: the same guid twice, which the model refuses.
    """
    unique = {original for original in originals if original}
    usable = {original for original in unique if is_usable_id(original)}
    made = {original: _made_id(original) for original in unique - usable}
    users: defaultdict[str, set[str]] = defaultdict(set)
    for original in usable:
        users[original.lower()].add(original)
    for original, (candidate, _) in made.items():
        users[candidate.lower()].add(original)
    ids = {original: (original, False) for original in usable}
    taken = {original.lower() for original in usable}
    for original in sorted(made):
        candidate, hashed = made[original]
        if not hashed and len(users[candidate.lower()]) > 1:
            candidate, hashed = _hashed(candidate, original), True
        if candidate.lower() in taken:
            candidate, hashed = _free(candidate, hashed, original, taken), True
        taken.add(candidate.lower())
        ids[original] = (candidate, hashed)
    return ids


def made_of(title: str, *facts: str) -> str:
    """The id of a session the file gives no guid, id or UID: its title's letters and a hash of
    its title and ``facts`` (its start, its room), so the same session gets the same id on every
    run and in any order of the file."""
    digest = _digest("\0".join((title, *facts)))
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-")
    return f"{slug or 'event'}-{digest[:8]}"


def _free(candidate: str, hashed: bool, original: str, taken: Collection[str]) -> str:
    """An id of ``candidate``'s letters and a longer hash of ``original`` that is not ``taken``
    (a file can hold a guid equal to any made id, but not to every one of these)."""
    digest = _digest(original)
    base = candidate.rsplit("-", 1)[0] if hashed else candidate
    suffixes = (digest[:16], digest[:32], digest)
    for suffix in itertools.chain(suffixes, (f"{digest}-{n}" for n in itertools.count(2))):
        made = f"{base[: MAX_ID_LENGTH - 1 - len(suffix)].rstrip('._-') or 'event'}-{suffix}"
        if made.lower() not in taken:
            return made
    raise AssertionError("unreachable")  # pragma: no cover - itertools.count never ends


def _made_id(original: str) -> tuple[str, bool]:
    """An id made of a guid confcal cannot use as it is, and whether it has a hash of the guid.

    Latin letters lose their accents (Unicode NFKD: ``Café`` gives ``Cafe``, ``ﬁ`` gives ``fi``;
    ``ß`` gives ``ss``), and what is still not a letter, digit, ``.``, ``_`` or ``-`` becomes
    ``-``. Where that changes or loses letters or digits (``Café``, ``東京``, a guid past 200
    characters), a hash of the guid is added, which keeps it apart from other guids' ids (and
    :func:`identifiers` makes it longer in the rare file where another guid is that very id).
    """
    # Past 1,000 characters the id would lose letters anyway: the rest is not looked at.
    head = original[:1000]
    decomposed = unicodedata.normalize("NFKD", head).translate(_LATIN)
    ascii_ = "".join(c for c in decomposed if not unicodedata.combining(c))
    kept = _ID_BAD.sub("-", ascii_).lstrip("._-")[:MAX_ID_LENGTH].rstrip("._-")
    if head != original or re.sub(r"[\W_]+", "", head) != re.sub(r"[^A-Za-z0-9]+", "", kept):
        return _hashed(kept, original), True
    if not is_usable_id(kept):  # empty, or a name Windows refuses (``CON``)
        kept = f"event-{kept}"[:MAX_ID_LENGTH].rstrip("._-")
    return kept, False


# Latin letters NFKD does not decompose.
_LATIN = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d",
     "Đ": "D", "ð": "d", "Ð": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "\u0131": "i"}
)  # fmt: skip


def _hashed(candidate: str, original: str) -> str:
    """``candidate`` (``event`` if empty) and the first hex digits of the SHA-256 of ``original``
    (:data:`_SHORT_HASH`), within :data:`~confcal._fields.MAX_ID_LENGTH`."""
    head = candidate[: MAX_ID_LENGTH - 1 - _SHORT_HASH].rstrip("._-")
    return f"{head or 'event'}-{_digest(original)[:_SHORT_HASH]}"


def _digest(original: str) -> str:
    """The SHA-256 of a guid, in hex (a lone surrogate from JSON's ``\\ud800`` included)."""
    return hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()
