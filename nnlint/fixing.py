"""Applying fixes to a file's text: as many rounds as it takes (bounded), keeping every byte that
no fix touches, so comments, blank lines, line endings and the encoding survive.

A fix is a list of text edits computed by a rule on the parsed tree. Edits that overlap an
earlier one in the same round wait for the next round, where they are recomputed on the new
text. A round that would produce text Python cannot parse is thrown away: nnlint never turns a
file that ran into one that does not.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from nnlint.engine import FileResult
from nnlint.notebooks import is_notebook, read_notebook, source_lines
from nnlint.rule import Applicability, Diagnostic
from nnlint.source import SourceError, python_parse

MAX_ROUNDS = 10
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

Lint = Callable[[str], FileResult]


@dataclass
class Fixed:
    text: str  # the fixed text (the original when nothing was fixed)
    result: FileResult  # the findings that remain in it
    fixed: int = 0  # how many findings the fixes removed
    refused: List[str] = field(default_factory=list)  # why some fixes were not applied


def fix_text(text: str, path: str, lint: Lint, unsafe: bool) -> Fixed:
    """Apply the fixes of `lint`'s findings to a script or a notebook's JSON text."""
    if is_notebook(path):
        return _fix_notebook(text, lint, unsafe)
    return _fix_rounds(text, lint, unsafe, apply_fixes)


def _fix_rounds(text: str, lint: Lint, unsafe: bool, apply_round) -> Fixed:
    result = lint(text)
    before = len(result.diagnostics)
    refused: List[str] = []
    for _ in range(MAX_ROUNDS):
        fixable = [d for d in result.diagnostics if _applies(d, unsafe)]
        if not fixable:
            break
        candidate = apply_round(text, fixable)
        if candidate is None or candidate == text:
            break
        if not _parses(candidate, apply_round is _notebook_round):
            refused.append("a fix would have made the file invalid Python, so it was not applied")
            break
        text, result = candidate, lint(candidate)
    return Fixed(text, result, max(0, before - len(result.diagnostics)), refused)


def _applies(d: Diagnostic, unsafe: bool) -> bool:
    return d.fix is not None and (unsafe or d.fix.applicability is Applicability.SAFE)


def _parses(text: str, notebook: bool) -> bool:
    """The fixed text still parses (Python's own parser, as strict as the interpreter)."""
    try:
        python_parse(read_notebook(text).text if notebook else text)
    except (SyntaxError, ValueError, SourceError, RecursionError, MemoryError):
        return False
    return True


def apply_fixes(text: str, fixes: Sequence[Diagnostic]) -> str:
    """`text` with the fixes of `fixes` applied. The edits of one fix go in together or not at
    all; a fix whose edits overlap one already taken waits for the next round."""
    starts = _line_starts(text)

    def offset(line: int, column: int) -> int:
        return starts[min(line, len(starts)) - 1] + column - 1

    taken: List[Tuple[int, int, str]] = []
    for d in fixes:
        if d.fix is None:
            continue
        spans = [(offset(e.line, e.column), offset(e.end_line, e.end_column), e.content) for e in d.fix.edits]
        if any(_overlaps(span, other) for span in spans for other in taken):
            continue
        taken.extend(spans)
    for start, end, content in sorted(taken, reverse=True):
        text = text[:start] + content + text[end:]
    return text


def _overlaps(a: Tuple[int, int, str], b: Tuple[int, int, str]) -> bool:
    return a[0] < b[1] and b[0] < a[1] or a[0] == b[0]


def _line_starts(text: str) -> List[int]:
    return [0] + [match.end() for match in _LINE_BREAK.finditer(text)]


# -- notebooks ----------------------------------------------------------------------------------


def _fix_notebook(text: str, lint: Lint, unsafe: bool) -> Fixed:
    return _fix_rounds(text, lint, unsafe, _notebook_round)


def _notebook_round(text: str, fixable: Sequence[Diagnostic]) -> Optional[str]:
    """Apply cell-relative edits to each cell's own source and write the notebook back in the
    layout it was read in (indentation, key order, non-ASCII text)."""
    document = json.loads(text)
    cells = document["cells"] if "cells" in document else [c for w in document["worksheets"] for c in w["cells"]]
    key = "source" if "cells" in document else "input"
    by_cell: Dict[int, List[Diagnostic]] = {}
    for d in fixable:
        if d.cell is not None:
            by_cell.setdefault(d.cell, []).append(d)
    for index, diagnostics in by_cell.items():
        cell = cells[index]
        source = "\n".join(source_lines(cell[key], index))
        fixed = apply_fixes(source, diagnostics)
        ends_with_newline = "".join(cell[key]) if isinstance(cell[key], list) else cell[key]
        if ends_with_newline.endswith("\n"):
            fixed += "\n"
        cell[key] = fixed.splitlines(keepends=True) if isinstance(cell[key], list) else fixed
    return _dump_like(document, text)


def _dump_like(document: object, original: str) -> str:
    second = original.split("\n", 2)[1] if original.count("\n") >= 2 else ""
    indent = len(second) - len(second.lstrip(" ")) or None
    ascii_only = original.isascii() and "\\u" in original
    out = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    return out + ("\n" if original.endswith("\n") else "")


# -- writing ------------------------------------------------------------------------------------


def write_atomically(path: str, data: bytes) -> None:
    """Replace the file's content in one step (a temporary file in the same directory, renamed
    over it), keeping its permission bits, so a crash never leaves half a file."""
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".nnlint-fix-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
