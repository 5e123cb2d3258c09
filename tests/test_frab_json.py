"""The schedule.json reader's own machinery (confcal.readers.frab_json), watched from inside.

What it reads and says is tested through the public readers in test_frab_map.py and
test_reader_hardening.py; this file holds what only the module itself shows: which paths of a
deep document it builds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import confcal
from confcal.errors import InvalidInput
from confcal.readers import frab_json
from test_reader_hardening import _nested_unknown_key


def test_paths_are_built_only_for_the_objects_a_problem_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    path_of = frab_json._path

    def counting(step: frab_json._Step) -> str:
        built.append(path_of(step))
        return built[-1]

    monkeypatch.setattr(frab_json, "_path", counting)
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
