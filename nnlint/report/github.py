"""GitHub Actions workflow commands (`--format github`): each finding becomes an annotation on the
line of the pull request's diff, with no SARIF upload and no code scanning needed.

Only commands go to stdout, because the runner reads every `::` line there; the summary goes to
stderr. Values are escaped exactly as GitHub's own toolkit (@actions/core) escapes them, since
the runner undoes precisely that encoding.
"""

from __future__ import annotations

import os
import posixpath
from typing import List, TextIO, Tuple

from nnlint.report.text import summary
from nnlint.rule import Diagnostic, Severity
from nnlint.runner import RunResult

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: List[Tuple[str, object]]) -> str:
    """One workflow command line, `::name key=value,...::message`."""
    fields = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{name}{' ' + fields if fields else ''}::{escape_data(message)}"


def annotation_path(path: str) -> str:
    """GitHub places an annotation by the file's path in the repository, so `./train.py` is
    written `train.py`; absolute paths the runner itself makes relative to the workspace."""
    if os.path.isabs(path):
        return path
    return posixpath.normpath(path.replace(os.sep, "/"))


def annotation(d: Diagnostic) -> str:
    if d.cell is not None:
        # Lines of a notebook's cells are not lines of its JSON file: annotate the file.
        properties = [("file", annotation_path(d.path)), ("title", d.code)]
        return command(COMMANDS[d.severity], f"cell {d.cell + 1}, line {d.line}: {d.message}", properties)
    properties: List[Tuple[str, object]] = [("file", annotation_path(d.path)), ("line", d.line)]
    # The runner drops an annotation's columns when it spans several lines.
    if d.end_line == d.line:
        properties += [("col", d.column), ("endLine", d.end_line), ("endColumn", d.end_column)]
    else:
        properties += [("endLine", d.end_line)]
    properties.append(("title", d.code))
    return command(COMMANDS[d.severity], d.message, properties)


def write(result: RunResult, out: TextIO, err: TextIO) -> None:
    for d in result.diagnostics:
        out.write(annotation(d) + "\n")
    for path, message in result.errors + result.internal_errors:
        out.write(command("error", message, [("file", annotation_path(path))]) + "\n")
    err.write(summary(result) + "\n")
