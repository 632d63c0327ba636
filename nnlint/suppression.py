"""`# noqa` comments and the `# nnlint: skip-file` marker, read from the text.

Only lines that carry a finding are examined, so files without findings pay nothing.
"""

from __future__ import annotations

import re
from typing import FrozenSet, Optional

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
