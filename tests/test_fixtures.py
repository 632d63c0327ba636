"""Every fixture's findings equal its `# expect:` markers, both ways (in a notebook, the markers
are in its cells and findings are compared cell by cell)."""

from __future__ import annotations

import json

import pytest

from helpers import FIXTURES, expected_markers
from nnlint import selection
from nnlint.engine import lint_bytes

FIXTURE_FILES = sorted([*FIXTURES.rglob("*.py"), *FIXTURES.rglob("*.ipynb")])


def test_there_are_fixtures_for_every_framework():
    folders = {path.parent.name for path in FIXTURE_FILES}
    assert {"tensorflow", "keras", "torch"} <= folders


def test_there_are_notebook_fixtures():
    assert any(path.suffix == ".ipynb" for path in FIXTURE_FILES)


def _expected(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return {(None, line, code) for line, code in expected_markers(text)}
    expected = set()
    for index, cell in enumerate(json.loads(text)["cells"]):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            expected.update((index, line, code) for line, code in expected_markers(source))
    return expected


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_findings_equal_markers(path):
    result = lint_bytes(path.read_bytes(), str(path), selection.resolve(None, []))
    assert not result.errors and not result.internal_errors
    found = {(d.cell, d.line, d.code) for d in result.diagnostics}
    expected = _expected(path)
    assert sorted(found - expected, key=str) == [], "findings without a marker (false alarms)"
    assert sorted(expected - found, key=str) == [], "markers without a finding (misses)"
