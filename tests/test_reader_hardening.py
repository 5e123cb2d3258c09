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
import subprocess
import sys
from pathlib import Path

import pytest

import confcal
from confcal import _reading, frab
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


# --- Linear reading -----------------------------------------------------------------------------


def _nested_unknown_key(depth: int, objects: str) -> str:
    """pretalx.json with an unknown key ``depth`` objects deep (keys of 40 letters) holding
    ``objects`` (the issue's file: 900 deep, 50,000 ``{}``, 191 KB)."""
    body = json.dumps(PRETALX, separators=(",", ":"))
    nested = '{"' + "k" * 40 + '":'
    return body[:-1] + ',"unknown":' + nested * depth + objects + "}" * depth + "}"


def test_a_deeply_nested_unknown_key_is_read_in_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "schedule.json"
    path.write_text(_nested_unknown_key(900, "[" + ",".join(["{}"] * 50_000) + "]"), "utf-8")
    assert 180_000 < path.stat().st_size < 200_000
    # In a process of its own, so that its peak is this reading's: 1.87 GB before, 36 MB now
    # (26 MB of it Python and confcal before reading anything).
    measure = (
        "import resource, sys, confcal; "
        "print(len(confcal.load(sys.argv[1]).events), "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, str(path)], capture_output=True, text=True, check=True
    )
    events, kilobytes = map(int, done.stdout.split())
    assert events == 3
    assert kilobytes < 200 * 1024


def test_paths_are_built_only_for_the_objects_a_problem_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    path_of = _reading._path

    def counting(step: _reading._Step) -> str:
        built.append(path_of(step))
        return built[-1]

    monkeypatch.setattr(_reading, "_path", counting)
    path = tmp_path / "schedule.json"
    path.write_text(_nested_unknown_key(900, "[" + ",".join(["{}"] * 1000) + "]"), "utf-8")
    confcal.load(path)
    assert built == []
    path.write_text(_nested_unknown_key(900, '[{}, {"a": 1, "a": 2}]'), "utf-8")
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert len(built) == 1
    # 37 KB of path, shortened: its beginning and its end.
    assert problem.field is not None
    assert problem.field.startswith("unknown.kkkk")
    assert problem.field.endswith("k" * 40 + "[1].a")
    assert "..." in problem.field
    assert len(problem.field) <= 202


def test_the_path_of_a_key_given_twice_names_lists_and_objects_as_before(tmp_path: Path) -> None:
    document = _pretalx()
    document["extra"] = {"list": [{}, [{"deep": {}}]]}
    text = json.dumps(document).replace('"deep": {}', '"deep": {"x": 1, "x": 2}')
    path = tmp_path / "schedule.json"
    path.write_text(text, "utf-8")
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    assert [p.field for p in caught.value.problems] == ["extra.list[1][0].deep.x"]


def test_twenty_thousand_nested_days_are_refused_not_read_over_and_over(tmp_path: Path) -> None:
    path = tmp_path / "schedule.xml"
    n = 20_000
    path.write_text(XML.replace("</schedule>", "<day>" * n + "</day>" * n + "</schedule>"))
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert problem.field == "<day>"
    assert problem.message.startswith(f"{n - 1} <day> element(s) are not directly inside")


def test_a_valid_schedule_xml_reads_the_same_with_its_days_rooms_and_events_in_place() -> None:
    imported = frab.loads(XML.encode())
    assert len(imported.schedule.events) == 4


# --- Telling the formats apart ------------------------------------------------------------------


@pytest.mark.parametrize("key", ["schedule", "conference", "$schema"])
def test_an_events_json_with_a_frab_key_is_read_as_events_json(key: str, tmp_path: Path) -> None:
    document = copy.deepcopy(EVENTS)
    document[key] = {"conference": {"title": "x"}}
    path = tmp_path / "events.json"
    path.write_text(json.dumps(document), "utf-8")
    assert frab.detect(path.read_bytes()) == "events"
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert (problem.field, problem.message) == (
        key,
        f"unknown key {key!r}; known keys: calendar, events",
    )
    del document[key]
    path.write_text(json.dumps(document), "utf-8")
    assert len(confcal.load(path).events) == len(EVENTS["events"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"schedule": {"conference": {}}}, "frab-json"),
        ({"$schema": "https://c3voc.de/schedule/schema.json", "schedule": 5}, "frab-json"),
        ({"conference": {"title": "bare"}}, "frab-json"),
        ({"calendar": {}, "schedule": {"conference": {}}}, "events"),
        ({"events": [], "conference": {}}, "events"),
        ({"calendar": {"description": '"schedule": {"conference": {'}}, "events"),
        ({}, "events"),
        ([], "events"),
    ],
)
def test_the_format_is_told_by_the_outermost_keys(document: object, expected: str) -> None:
    assert frab.detect(json.dumps(document).encode()) == expected


def test_a_file_is_decoded_and_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    loads, decode = json.loads, _reading.decode

    def counting_loads(text: str, **options: object) -> object:
        calls.append("parse")
        return loads(text, **options)  # type: ignore[arg-type]

    def counting_decode(data: bytes, source: str) -> str:
        calls.append("decode")
        return decode(data, source)

    monkeypatch.setattr(_reading.json, "loads", counting_loads)
    monkeypatch.setattr("confcal.loading.decode", counting_decode)
    monkeypatch.setattr("confcal.frab.decode", counting_decode)
    for name, text in [("events.json", json.dumps(EVENTS)), ("schedule.json", json.dumps(PRETALX))]:
        path = tmp_path / name
        path.write_text(text, "utf-8")
        calls.clear()
        confcal.load(path)
        assert calls == ["decode", "parse"], name


# --- Encodings ----------------------------------------------------------------------------------


def _declared(encoding: str) -> str:
    return XML.replace('encoding="UTF-8"', f'encoding="{encoding}"', 1)


@pytest.mark.parametrize(
    ("codec", "declared", "bom"),
    [
        ("utf-16-le", "UTF-16", "\ufeff"),
        ("utf-16-be", "UTF-16", "\ufeff"),
        ("utf-32-le", "UTF-32", "\ufeff"),
        ("utf-32-be", "UTF-32", "\ufeff"),
        ("utf-8", "UTF-8", "\ufeff"),
        ("utf-16-le", "UTF-16", ""),  # no BOM: told by how "<?" is written (XML 1.0, appendix F)
        ("utf-16-be", "UTF-16", ""),
    ],
)
def test_schedule_xml_in_utf16_or_utf32_is_read_like_utf8(
    codec: str, declared: str, bom: str, tmp_path: Path
) -> None:
    data = (bom + _declared(declared)).encode(codec)
    assert frab.detect(data) == "frab-xml"
    assert frab.loads(data) == frab.loads(XML.encode())
    path = tmp_path / "schedule.xml"
    path.write_bytes(data)
    assert confcal.load(path).events == confcal.load(HERE / "frab" / "schedule.xml").events
    assert run("check", str(path)).exit_code == 0


def test_truncated_utf16_xml_is_refused_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "schedule.xml"
    path.write_bytes(("\ufeff" + _declared("UTF-16")).encode("utf-16-le")[:-1])
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert problem.message.startswith("not valid UTF-16, as its first bytes say it is: truncated")


@pytest.mark.parametrize("name", ["events.json", "schedule.json"])
def test_json_with_a_utf8_bom_is_read(name: str, tmp_path: Path) -> None:
    text = json.dumps(EVENTS if name == "events.json" else PRETALX)
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert confcal.load(path).events


@pytest.mark.parametrize(
    ("codec", "saved_as"),
    [
        ("utf-16", "UTF-16"),
        ("utf-32", "UTF-32"),
        ("utf-16-le", "UTF-16"),  # no BOM
        ("utf-32-be", "UTF-32"),
    ],
)
@pytest.mark.parametrize("name", ["events.json", "schedule.json"])
def test_json_in_utf16_or_utf32_is_refused_naming_the_encoding(
    name: str, codec: str, saved_as: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(json.dumps(EVENTS if name == "events.json" else PRETALX).encode(codec))
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert problem.message.startswith("not UTF-8: byte ")
    assert f"(saved as {saved_as}? save it as UTF-8)" in problem.message
