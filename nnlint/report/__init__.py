"""Output formats. Each reporter takes a finished RunResult and writes to a stream; none of them
ever mixes errors into a machine-readable document except in the place its format has for them
(JSON's `errors`, SARIF's tool execution notifications, GitHub's `::error` commands)."""

from __future__ import annotations

from typing import Callable, Dict, TextIO

from nnlint.report import concise, github, json_report, sarif, text
from nnlint.runner import RunResult

Reporter = Callable[[RunResult, TextIO, TextIO], None]

REPORTERS: Dict[str, Reporter] = {
    "text": text.write,
    "concise": concise.write,
    "json": json_report.write,
    "sarif": sarif.write,
    "github": github.write,
}
FORMATS = tuple(REPORTERS)
