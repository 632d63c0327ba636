"""Every fixture's findings equal its `# expect:` markers, both ways."""

from __future__ import annotations

import pytest

from helpers import FIXTURES, expected_markers
from nnlint import selection
from nnlint.engine import lint_source

FIXTURE_FILES = sorted(FIXTURES.rglob("*.py"))


def test_there_are_fixtures_for_every_framework():
    folders = {path.parent.name for path in FIXTURE_FILES}
    assert {"tensorflow", "keras", "torch"} <= folders


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_findings_equal_markers(path):
    text = path.read_text(encoding="utf-8")
    result = lint_source(text, str(path), selection.resolve(None, []))
    assert not result.errors and not result.internal_errors
    found = {(d.line, d.code) for d in result.diagnostics}
    expected = expected_markers(text)
    assert sorted(found - expected) == [], "findings without a marker (false alarms)"
    assert sorted(expected - found) == [], "markers without a finding (misses)"
