"""The reference documentation (docs/api.rst): its examples run as written, in order, and every
public name is documented there with an example that uses it."""

from __future__ import annotations

import importlib
import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO

API = REPO / "docs" / "api.rst"
pytestmark = pytest.mark.skipif(not API.exists(), reason="docs/ is not part of this installation")
PUBLIC = ["confcal", "confcal.zones", "confcal.files", "confcal.site", "confcal.listing"]
PUBLIC += ["confcal.readers", "confcal.history", "confcal.changes"]


def _text() -> str:
    return API.read_text("utf-8")


def _blocks() -> list[str]:
    """The Python examples: the indented body of each ``.. code-block:: python``."""
    found = re.findall(r"^\.\. code-block:: python\n\n((?:   .*\n|\n)+)", _text(), flags=re.M)
    return [re.sub(r"^   ", "", block, flags=re.M) for block in found]


def test_every_example_in_the_reference_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copyfile(REPO / "events.json", tmp_path / "events.json")
    monkeypatch.chdir(tmp_path)
    blocks = _blocks()
    assert len(blocks) >= 8
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(API), "exec"), namespace)
    assert "Parsl at SC24 (times in Europe/Berlin)" in capsys.readouterr().out
    assert (tmp_path / "public" / "index.html").is_file()


def _public_names() -> list[tuple[str, str]]:
    return [(m, n) for m in PUBLIC for n in importlib.import_module(m).__all__]


@pytest.mark.parametrize(("module", "name"), _public_names())
def test_every_public_name_is_documented_with_an_example(module: str, name: str) -> None:
    text = _text()
    members = re.search(
        rf"^\.\. automodule:: {re.escape(module)}\n   :members: (.*)$", text, flags=re.M
    )
    documented = (
        re.search(rf"^\.\. (auto\w+|py:\w+):: {re.escape(module)}\.{name}$", text, re.M)
        or (members is not None and name in members.group(1).split(", "))
        or f"``{module}.{name}``" in text  # an alias of a name documented above
    )
    assert documented, f"{module}.{name} is not in docs/api.rst"
    code = "\n".join(_blocks())
    assert re.search(rf"\b{re.escape(name)}\b", code), f"no example uses {module}.{name}"
