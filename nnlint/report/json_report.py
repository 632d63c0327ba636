"""The JSON report, version 1 (DESIGN.md): one document, whatever happened during the run."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, TextIO

from nnlint import RULES_URL, __version__
from nnlint.rule import Diagnostic, Fix
from nnlint.runner import RunResult

VERSION = 1


def fix_to_json(fix: Optional[Fix]) -> Optional[Dict[str, Any]]:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "description": fix.description,
        "edits": [
            {
                "line": e.line,
                "column": e.column,
                "end_line": e.end_line,
                "end_column": e.end_column,
                "content": e.content,
            }
            for e in fix.edits
        ],
    }


def diagnostic_to_json(d: Diagnostic) -> Dict[str, Any]:
    found = {
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "end_line": d.end_line,
        "end_column": d.end_column,
        "code": d.code,
        "rule": d.rule,
        "severity": d.severity.value,
        "message": d.message,
        "url": RULES_URL.format(code=d.code),
        "noqa_line": d.noqa_line,
        "fix": fix_to_json(d.fix),
    }
    if d.cell is not None:
        found["cell"] = d.cell
    return found


def document(result: RunResult, extra_errors: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
    errors = [{"path": p, "message": m} for p, m in result.errors + result.internal_errors]
    errors.extend(extra_errors or [])
    return {
        "version": VERSION,
        "tool": {"name": "nnlint", "version": __version__},
        "summary": {
            "files": result.files,
            "diagnostics": len(result.diagnostics),
            "errors": len(errors),
        },
        "diagnostics": [diagnostic_to_json(d) for d in result.diagnostics],
        "errors": errors,
    }


def write(result: RunResult, out: TextIO, err: TextIO) -> None:
    out.write(json.dumps(document(result), indent=2))
    out.write("\n")
