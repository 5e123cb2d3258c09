"""The list of files confcal wrote into a folder (confcal._manifest): its size limit.

How the manifest keeps a folder safe (what is replaced, removed or refused) is tested through the
public writers in test_files_safety.py.
"""

from __future__ import annotations

from confcal import _manifest


def test_the_manifest_limit_holds_a_hundred_thousand_sessions() -> None:
    """The limit README gives: 100,000 sessions with ids of 150 characters."""
    names = [f"{n:06d}-{'x' * 143}.ics" for n in range(100_000)]
    assert len(_manifest.listing(names)) <= _manifest.MANIFEST_LIMIT
