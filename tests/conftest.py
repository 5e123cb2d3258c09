from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from confcal import readers
from confcal.errors import LoadWarning
from confcal.readers import Imported

REPO = Path(__file__).resolve().parents[1]

# Speed is measured in benchmarks, never in tests: hypothesis's per-example deadline (200 ms)
# made tests fail on a loaded machine (a CI run with other work on both cores).
settings.register_profile("confcal", deadline=None)
settings.load_profile("confcal")


def programmes_dir() -> Path | None:
    """The real programmes kept beside the repository (never inside it), if present."""
    candidates = [os.environ.get("CONFCAL_PROGRAMMES"), REPO.parent / "shared" / "programmes"]
    candidates.append("/work/shared/programmes")
    for candidate in candidates:
        if candidate and Path(candidate, "38c3", "events.json").is_file():
            return Path(candidate)
    return None


@pytest.fixture
def seed_path() -> Path:
    return REPO / "events.json"


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start without SOURCE_DATE_EPOCH, whatever the environment running them has."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def read(data: str | bytes, **options: Any) -> Imported:
    """A programme read from text with :func:`confcal.readers.loads`, with its warnings."""
    warnings: list[LoadWarning] = []
    schedule = readers.loads(data, on_warning=warnings.append, **options)
    return Imported(schedule, tuple(warnings))
