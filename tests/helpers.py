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
