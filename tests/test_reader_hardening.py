"""The readers under careless and hostile input (issue 13): reading is linear in the input, every
value a message shows is escaped and shortened the same way, non-ASCII guids give distinct ids,
the format is told by the file's real shape, XML in UTF-16/UTF-32 is read, and a file wrong
everywhere stops being read after a bounded number of problems.

Every breaking input is built here. Nothing is timed: linear work is pinned by counting it, and
`benchmarks/reading.py` measures time and memory.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import confcal
from confcal.errors import InvalidInput, LoadWarning
from test_bad_input import run

HERE = Path(__file__).resolve().parent
PRETALX: dict[str, object] = json.loads((HERE / "frab" / "pretalx.json").read_text("utf-8"))
XML = (HERE / "frab" / "schedule.xml").read_text("utf-8")
EVENTS: dict[str, object] = json.loads((HERE.parent / "events.json").read_text("utf-8"))
GUID = "1f0c9a52-3b7e-5d21-a4c6-0e9f8d7c6b5a"  # the first event of pretalx.json
XML_GUID = "9c3ebb8c-7716-5130-b9fe-ff8544f5636d"  # the first event of schedule.xml

Document = dict[str, object]


def _pretalx() -> Document:
    return copy.deepcopy(PRETALX)


def _first(document: Document) -> Document:
    return document["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][0]  # type: ignore[index,no-any-return]


def _second(document: Document) -> Document:
    return document["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][1]  # type: ignore[index,no-any-return]


def _messages(path: Path) -> list[str]:
    """Every problem and warning reading ``path`` gives, as printed."""
    warnings: list[LoadWarning] = []
    try:
        confcal.load(path, on_warning=warnings.append)
    except InvalidInput as error:
        return [str(p) for p in error.problems] + [str(w) for w in warnings]
    return [str(w) for w in warnings]


# --- Durations past what Python counts ----------------------------------------------------------


@pytest.mark.parametrize("duration", ["99999999999:00", "99999999999:00:00", "9" * 5000 + ":00"])
def test_a_duration_past_what_python_counts_is_a_located_problem(
    duration: str, tmp_path: Path
) -> None:
    document = _pretalx()
    _first(document)["duration"] = duration
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(document), "utf-8")
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert (problem.event, problem.field, problem.value) == (f'"{GUID}"', "duration", duration)
    assert "ends after the year 2199" in problem.message
    assert len(problem.message) < 200
    result = run("check", str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
