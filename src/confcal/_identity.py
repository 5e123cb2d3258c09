"""A value kept for each object by the object's identity, for as long as the object lives.

For caches of frozen objects whose hash is costly (a schedule hashes all its events) or says too
little (two equal events can be written differently: the same instant in two zones compares
equal). Each entry holds a weak reference to its object and goes with it. Every access is a
single dict operation, safe between threads: a race at worst makes a value twice.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["ByIdentity"]

_K = TypeVar("_K")
_V = TypeVar("_V")


class ByIdentity(Generic[_K, _V]):
    """``make(obj)`` for each object asked about, made once while the object lives."""

    def __init__(self, make: Callable[[_K], _V]) -> None:
        self._make = make
        self._entries: dict[int, tuple[weakref.ref[_K], _V]] = {}

    def of(self, obj: _K) -> _V:
        key = id(obj)
        entry = self._entries.get(key)
        if entry is not None and entry[0]() is obj:
            return entry[1]
        value = self._make(obj)
        entries = self._entries

        def forget(ref: weakref.ref[_K]) -> None:
            if entries.get(key, (None,))[0] is ref:
                entries.pop(key, None)

        entries[key] = (weakref.ref(obj, forget), value)
        return value
