"""Small helpers shared by the tests."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import List, Set, Tuple

from nnlint import selection
from nnlint.engine import FileResult, lint_source

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
_MARKER = re.compile(r"#\s*expect:\s*([A-Z0-9][A-Z0-9,\s]*)")


def lint(code: str, select: str = "ALL") -> FileResult:
    return lint_source(textwrap.dedent(code), "t.py", selection.resolve([select], []))


def codes(code: str, select: str = "ALL") -> List[Tuple[int, str]]:
    return [(d.line, d.code) for d in lint(code, select).diagnostics]


def expected_markers(text: str) -> Set[Tuple[int, str]]:
    markers = set()
    for number, line in enumerate(text.splitlines(), 1):
        match = _MARKER.search(line)
        if match:
            markers.update((number, c.strip()) for c in match.group(1).split(",") if c.strip())
    return markers


def apply_fixes(text: str, diagnostics) -> str:
    """`text` with the edits of every diagnostic's fix applied (they must not overlap)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return offsets[line - 1] + column - 1

    edits = sorted(
        (edit for d in diagnostics if d.fix is not None for edit in d.fix.edits),
        key=lambda e: (e.line, e.column),
        reverse=True,
    )
    for edit in edits:
        start, end = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        text = text[:start] + edit.content + text[end:]
    return text
