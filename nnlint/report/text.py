"""The default, human format: each finding with its source line and a caret, then a summary.

Colour only on a terminal (rich decides, and honours NO_COLOR); messages and source text are
printed as plain text, never interpreted as rich markup.
"""

from __future__ import annotations

from collections import Counter
from typing import Dict, List, Optional, TextIO

from nnlint.rule import Diagnostic
from nnlint.runner import RunResult

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _console(stream: TextIO):
    from rich.console import Console

    return Console(file=stream, highlight=False, soft_wrap=True, emoji=False)


def write(result: RunResult, out: TextIO, err: TextIO) -> None:
    from rich.text import Text

    console = _console(out)
    for d in result.diagnostics:
        header = Text()
        header.append(f"{d.path}:{d.position()}: ", style="bold")
        header.append(d.code, style=_STYLE[d.severity.value])
        header.append(f" [{d.severity.value}] {d.message}")
        console.print(header)
        for line in _excerpt(d, result.lines.get(d.path), result.cell_starts.get(d.path)):
            console.print(Text(line, style="dim" if line.lstrip().startswith("|") else ""))
        if d.fix is not None:
            console.print(Text(f"   = fix ({d.fix.applicability.value}): {d.fix.description}", style="dim"))
        console.print()
    errors_console = _console(err)
    for path, message in result.errors + result.internal_errors:
        errors_console.print(Text(f"nnlint: {path}: {message}", style="red"))
    console.print(Text(summary(result), style="bold"))


def _excerpt(d: Diagnostic, lines: Optional[List[str]], cell_starts: Optional[Dict[int, int]]) -> List[str]:
    number = d.line
    if d.cell is not None:
        if not cell_starts or d.cell not in cell_starts:
            return []
        number = cell_starts[d.cell] + d.line - 1
    if not lines or number > len(lines):
        return []
    source = lines[number - 1].replace("\t", " ")
    gutter = str(d.line)
    pad = " " * len(gutter)
    start = d.column - 1
    end = d.end_column - 1 if d.end_line == d.line else len(source)
    width = max(1, end - start)
    return [
        f"{pad} |",
        f"{gutter} | {source}",
        f"{pad} | {' ' * start}{'^' * width}",
    ]


def summary(result: RunResult) -> str:
    fixed = f"Fixed {result.fixed} problem{'s' if result.fixed != 1 else ''}. " if result.fixed else ""
    return fixed + _findings_summary(result)


def _findings_summary(result: RunResult) -> str:
    files = f"{result.files} file{'s' if result.files != 1 else ''}"
    if not result.diagnostics and not result.errors and not result.internal_errors:
        return f"All checks passed ({files} checked)."
    parts = []
    if result.diagnostics:
        counts = Counter(d.severity.value for d in result.diagnostics)
        detail = ", ".join(
            f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s]
        )
        n = len(result.diagnostics)
        parts.append(f"Found {n} problem{'s' if n != 1 else ''} ({detail})")
    else:
        parts.append("Found no problems")
    failed = len(result.errors) + len(result.internal_errors)
    if failed:
        parts.append(f"{failed} file error{'s' if failed != 1 else ''}")
    return f"{'; '.join(parts)} in {files} checked."
