"""Anything at all, through every command that reads or writes: exit code 0 or 1, never a traceback.

events.json documents (test_bad_input's strategy) through ``confcal export`` with each split, and
pretalx/frab schedule.json and schedule.xml, mutated from the fixtures or of random shape, through
``confcal check`` and ``confcal export``.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confcal.cli import cli
from test_bad_input import _ZONES, _documents, _durations, _json_values, _times

FIXTURES = Path(__file__).resolve().parent / "frab"
PRETALX = json.loads((FIXTURES / "pretalx.json").read_text("utf-8"))
FRAB = json.loads((FIXTURES / "frab.json").read_text("utf-8"))
XML = (FIXTURES / "schedule.xml").read_bytes()
# CONFCAL_FUZZ_EXAMPLES=5000 for a longer search than the suite's few seconds.
FUZZ = settings(
    max_examples=int(os.environ.get("CONFCAL_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def assert_clean(result: Result, data: object) -> None:
    """Exit code 0, or 1 with only ``error:``/``warning:`` lines; no exception escaped."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {result.exception!r} for {data!r}"
    )
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    for line in result.stderr.splitlines():
        assert line.startswith(("error: ", "warning: ")), line


def export_everywhere(path: Path, folder: Path, data: object) -> None:
    """``export`` whole, by day and by session; on error, nothing is written anywhere."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    results = [run("export", str(path), "-o", str(folder / "all.ics"))] + [
        run("export", str(path), "--split", split, "-o", str(folder / split))
        for split in ("day", "event")
    ]
    for result in results:
        assert_clean(result, data)
    if results[0].exit_code == 1:
        assert list(folder.iterdir()) == [], data


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=_documents())
def test_export_never_crashes_on_any_events_json(work: Path, data: bytes) -> None:
    path = work / "events.json"
    path.write_bytes(data)
    export_everywhere(path, work / "out", data)


# --- pretalx/frab schedule.json ------------------------------------------------------------------

_clocks = st.sampled_from(
    ["00:45", "1:02:30", "00:30:00", "24:00", "99999999:00", "0:00", "12:60", "", " ", "-01:00"]
)
_instants = st.builds(
    "{}{}".format,
    _times,
    st.sampled_from(["", ":00+01:00", ":00-05:00", "+02:00", "Z", ":00+00:53:28", ":00+14:00"]),
)
_values = (
    _json_values
    | _instants
    | _clocks
    | _durations
    | st.sampled_from(_ZONES)
    | st.sampled_from([[], {}, "Alice", ["Alice", 5], [{"public_name": 5}], {"name": "Room"}])
)


def _slots(value: object) -> list[tuple[object, object]]:
    """Every (container, key or index) in a JSON document, where a value can be put."""
    slots: list[tuple[object, object]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            slots.extend((item, key) for key in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            slots.extend((item, index) for index in range(len(item)))
            stack.extend(item)
    return slots


@st.composite
def _schedule_json(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "random"]))
    if kind == "random":
        inner = draw(_json_values | st.dictionaries(st.text(max_size=8), _json_values))
        document: object = {"schedule": {"conference": inner}}
    else:
        document = copy.deepcopy(draw(st.sampled_from([PRETALX, FRAB])))
        for _ in range(draw(st.integers(1, 4))):
            slots = _slots(document)
            if not slots:
                break
            container, key = draw(st.sampled_from(slots))
            if draw(st.integers(0, 3)) == 0 and isinstance(container, dict):
                del container[key]
            else:
                container[key] = copy.deepcopy(draw(_values))  # type: ignore[index]
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(data=_schedule_json())
def test_check_and_export_never_crash_on_any_schedule_json(work: Path, data: bytes) -> None:
    path = work / "schedule.json"
    path.write_bytes(data)
    assert_clean(run("check", str(path)), data)
    assert_clean(run("check", str(path), "--timezone", "America/New_York"), data)
    export_everywhere(path, work / "out", data)


# --- pretalx/frab schedule.xml -------------------------------------------------------------------

_texts = (
    _instants
    | _clocks
    | st.sampled_from(_ZONES)
    | st.text(max_size=20).map(lambda t: "".join(c for c in t if c.isprintable()))
)


@st.composite
def _schedule_xml(draw: st.DrawFn) -> bytes:
    root = ET.fromstring(XML)
    elements = list(root.iter())
    for _ in range(draw(st.integers(1, 4))):
        element = draw(st.sampled_from(elements))
        action = draw(st.sampled_from(["text", "text", "attribute", "remove", "copy"]))
        if action == "text":
            element.text = draw(_texts)
        elif action == "attribute":
            name = draw(st.sampled_from(["date", "start", "end", "index", "guid", "id", "name"]))
            element.set(name, draw(_texts))
        else:
            parent = next((p for p in root.iter() if element in list(p)), None)
            if parent is not None:
                if action == "remove":
                    parent.remove(element)
                else:
                    parent.append(copy.deepcopy(element))
    data: bytes = ET.tostring(root, encoding="utf-8")
    return data


@FUZZ
@given(data=_schedule_xml())
def test_check_and_export_never_crash_on_any_schedule_xml(work: Path, data: bytes) -> None:
    path = work / "schedule.xml"
    path.write_bytes(data)
    assert_clean(run("check", str(path)), data)
    export_everywhere(path, work / "out", data)
