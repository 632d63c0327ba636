"""SARIF 2.1.0 (`--format sarif`), the format GitHub code scanning and other CI dashboards read.

One run with every rule's metadata, so a viewer can show the rule's documentation next to each
result. Files that could not be checked become the invocation's tool execution notifications
instead of results, because they are not findings in the code. Like the JSON report, the output
is one valid document whatever went wrong, and the same input always gives the same bytes.
"""

from __future__ import annotations

import json
import os
import posixpath
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, TextIO, Tuple, Type
from urllib.parse import quote

from nnlint import RULES_URL, __version__
from nnlint.checks import ALL_RULES
from nnlint.docs import render
from nnlint.rule import Diagnostic, Edit, Fix, Rule, Severity
from nnlint.runner import RunResult

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/nnlint/nnlint"
# Relative paths are relative to the directory nnlint ran in, which in CI is the checkout.
SRCROOT = "%SRCROOT%"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_RULE_INDEX = {rule.code: index for index, rule in enumerate(ALL_RULES)}
# RFC 3986 unreserved characters and the sub-delimiters that are safe inside a path segment.
_SAFE_IN_PATH = "/!$&'()*+,;=@~-._"


def artifact_location(path: str) -> Dict[str, str]:
    """The SARIF artifactLocation of a reported path: a percent-encoded relative reference against
    %SRCROOT%, or a file: URI when the path is absolute."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    # Dot segments go (`./train.py` is `train.py`), as a URI resolver would remove them anyway.
    relative = posixpath.normpath(path.replace(os.sep, "/"))
    return {"uri": quote(relative, safe=_SAFE_IN_PATH), "uriBaseId": SRCROOT}


def _region(line: int, column: int, end_line: int, end_column: int) -> Dict[str, int]:
    # nnlint's end columns are exclusive, which is what SARIF's endColumn means too.
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def rule_descriptor(rule: Type[Rule]) -> Dict[str, Any]:
    url = RULES_URL.format(code=rule.code)
    full = f"{rule.what_it_does.strip()}\n\n{rule.why_bad.strip()}"
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": f"{full}\n\nDocumentation: {url}", "markdown": render(rule)},
        "helpUri": url,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }


def _fix(path: str, fix: Fix) -> Dict[str, Any]:
    def replacement(edit: Edit) -> Dict[str, Any]:
        return {
            "deletedRegion": _region(edit.line, edit.column, edit.end_line, edit.end_column),
            "insertedContent": {"text": edit.content},
        }

    return {
        "description": {"text": f"{fix.description} ({fix.applicability.value} fix)"},
        "artifactChanges": [
            {"artifactLocation": artifact_location(path), "replacements": [replacement(e) for e in fix.edits]}
        ],
    }


def result_object(d: Diagnostic) -> Dict[str, Any]:
    location: Dict[str, Any] = {"artifactLocation": artifact_location(d.path)}
    message = d.message
    if d.cell is None:
        location["region"] = _region(d.line, d.column, d.end_line, d.end_column)
    else:
        # A cell's lines are not lines of the .ipynb file's JSON; code scanning needs a start
        # line, so the result points at the file and the message names the cell and line.
        location["region"] = {"startLine": 1}
        message = f"cell {d.cell + 1}, line {d.line}: {message}"
    result: Dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": _RULE_INDEX[d.code],
        "level": LEVELS[d.severity],
        "message": {"text": message},
        "locations": [{"physicalLocation": location}],
    }
    if d.cell is not None:
        result["properties"] = {"cell": d.cell, "line": d.line, "column": d.column}
    elif d.fix is not None:
        result["fixes"] = [_fix(d.path, d.fix)]
    return result


def _notification(message: str, path: Optional[str] = None) -> Dict[str, Any]:
    notification: Dict[str, Any] = {"level": "error", "message": {"text": message}}
    if path is not None:
        notification["locations"] = [{"physicalLocation": {"artifactLocation": artifact_location(path)}}]
    return notification


def document(result: RunResult, failures: Sequence[str] = ()) -> Dict[str, Any]:
    """The SARIF log of a run. `failures` are errors that stopped the run before any file was
    checked (a broken config); like internal errors, they make the execution unsuccessful."""
    file_errors: List[Tuple[str, str]] = result.errors + result.internal_errors
    notifications = [_notification(message) for message in failures]
    notifications.extend(_notification(message, path) for path, message in file_errors)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nnlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [rule_descriptor(rule) for rule in ALL_RULES],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not failures and not result.internal_errors,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": [result_object(d) for d in result.diagnostics],
            }
        ],
    }


def write(result: RunResult, out: TextIO, err: TextIO) -> None:
    out.write(json.dumps(document(result), indent=2))
    out.write("\n")
