"""The package ``confcal`` (its ``__init__``): the public API, each name imported from its module
on first use, so that ``import confcal`` (and the command's start) costs almost nothing."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import confcal

INIT = Path(confcal.__file__)


def _fresh(code: str) -> object:
    """What ``code`` prints as JSON, run in an interpreter that has imported nothing of confcal."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _typed_homes() -> dict[str, str]:
    """Each public name and its module, as the ``if TYPE_CHECKING:`` imports give them to type
    checkers (and to tests/test_layout.py, which reads the arrows from them)."""
    homes: dict[str, str] = {}
    for node in ast.walk(ast.parse(INIT.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module != "_version":
            homes |= {alias.name: f"confcal.{node.module}" for alias in node.names}
    return homes


def test_import_confcal_imports_no_part_of_the_library() -> None:
    loaded = _fresh("import confcal, json, sys; print(json.dumps(sorted(sys.modules)))")
    assert isinstance(loaded, list)
    ours = {m for m in loaded if m.split(".")[0] == "confcal"}
    assert ours == {"confcal", "confcal._version"}
    assert not {"icalendar", "pytz", "attrs", "jinja2"} & set(loaded)


def test_the_type_checkers_imports_name_every_public_name() -> None:
    assert sorted(_typed_homes()) == sorted(confcal.__all__)


@pytest.mark.parametrize(("name", "module"), sorted(_typed_homes().items()))
def test_each_public_name_is_the_one_its_module_defines(name: str, module: str) -> None:
    assert getattr(confcal, name) is getattr(importlib.import_module(module), name)


def test_every_public_name_resolves_in_a_fresh_interpreter() -> None:
    code = (
        "import json, confcal\n"
        "from confcal import load, Split, to_ical\n"
        "print(json.dumps([confcal.load is load, confcal.Split.DAY.value, to_ical.__name__,\n"
        "    [n for n in confcal.__all__ if not hasattr(confcal, n)]]))"
    )
    assert _fresh(code) == [True, "day", "to_ical", []]


def test_a_star_import_gives_the_public_names() -> None:
    code = (
        "import json\nfrom confcal import *\n"
        "print(json.dumps(sorted(n for n in dir() if not n.startswith('_'))))"
    )
    assert _fresh(code) == sorted([*confcal.__all__, "json"])


def test_dir_lists_the_public_names_before_their_first_use() -> None:
    listed = _fresh("import confcal, json; print(json.dumps(dir(confcal)))")
    assert isinstance(listed, list)
    assert {*confcal.__all__, "__version__"} <= set(listed)


def test_a_submodule_resolves_after_a_plain_import_confcal() -> None:
    code = (
        "import confcal, json\n"
        "print(json.dumps([confcal.files.Split is confcal.Split, confcal.zones.__name__]))"
    )
    assert _fresh(code) == [True, "confcal.zones"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    assert not hasattr(confcal, "no_such_name")
    with pytest.raises(AttributeError, match="module 'confcal' has no attribute 'to_ics'"):
        confcal.to_ics  # type: ignore[attr-defined]  # noqa: B018  (mypy says so too)
