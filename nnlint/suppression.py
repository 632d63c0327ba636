"""`# noqa` comments and the `# nnlint: skip-file` marker, read from the text.

Only lines that carry a finding are examined, so files without findings pay nothing.
"""

from __future__ import annotations

import re
import tokenize
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

_NOQA = re.compile(
    r"#\s*noqa(?P<sep>\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_SKIP_FILE = re.compile(r"^#[ \t]*nnlint:[ \t]*skip-file\b", re.MULTILINE)

ALL = frozenset({"*"})


def noqa_codes(line: str) -> Optional[FrozenSet[str]]:
    """The codes a line's `# noqa` silences: ALL for a bare `# noqa`, None without one."""
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return ALL
    return frozenset(code.upper() for code in re.split(r"[\s,]+", codes) if code)


def is_silenced(line: str, code: str) -> bool:
    codes = noqa_codes(line)
    return codes is not None and (codes is ALL or code in codes)


def skips_file(text: str) -> bool:
    return "skip-file" in text and _SKIP_FILE.search(text) is not None


class Suppressions:
    """The `# noqa` comments of one file, read once with the tokenizer so that a `# noqa` in a
    string silences nothing (as NN001 sees them). A file the tokenizer rejects falls back to
    reading each line as text."""

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = lines
        self._codes: Optional[Dict[int, FrozenSet[str]]] = {}
        if any("noqa" in line.lower() for line in lines):
            comments = _comments(lines)
            self._codes = None if comments is None else {
                c.line: frozenset(code for code, _, _ in c.codes) or ALL for c in comments
            }

    def silences(self, line: int, code: str) -> bool:
        if self._codes is None:
            return is_silenced(self._lines[line - 1], code)
        codes = self._codes.get(line)
        return codes is not None and (codes is ALL or code in codes)


@dataclass(frozen=True)
class NoqaComment:
    """A `# noqa` directive in a real comment (not in a string), with its place in the line."""

    line: int  # 1-based
    start: int  # 0-based column where the directive's `#` is
    end: int  # 0-based column just after its last code
    codes: Tuple[Tuple[str, int, int], ...]  # (CODE, start, end) of each code; empty when bare


def noqa_comments(lines: Sequence[str]) -> List[NoqaComment]:
    """Every `# noqa` directive in the comments of a file (found with Python's tokenizer, so a
    `# noqa` inside a string is not one). A file the tokenizer rejects has none."""
    return _comments(lines) or []


def _comments(lines: Sequence[str]) -> Optional[List[NoqaComment]]:
    """The directives, or None when the tokenizer rejects the file."""
    if not any("noqa" in line.lower() for line in lines):
        return []
    found: List[NoqaComment] = []
    try:
        for token in tokenize.generate_tokens(_readline(lines)):
            if token.type == tokenize.COMMENT and "noqa" in token.string.lower():
                comment = _directive(token.string, *token.start)
                if comment is not None:
                    found.append(comment)
    except (tokenize.TokenError, SyntaxError):
        return None
    return found


def _readline(lines: Sequence[str]):
    source: Iterator[str] = iter([line + "\n" for line in lines])
    return lambda: next(source, "")


def _directive(comment: str, line: int, column: int) -> Optional[NoqaComment]:
    match = _NOQA.search(comment)
    if match is None:
        return None
    codes: Tuple[Tuple[str, int, int], ...] = ()
    if match.group("codes"):
        offset = column + match.start("codes")
        codes = tuple(
            (code.group().upper(), offset + code.start(), offset + code.end())
            for code in re.finditer(r"[A-Za-z]+[0-9]+", match.group("codes"))
        )
    return NoqaComment(line, column + match.start(), column + match.end(), codes)
