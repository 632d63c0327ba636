"""Output formats. Each reporter takes a finished RunResult and writes to a stream; none of them
ever mixes errors into a machine-readable document except in its own `errors` field."""

from __future__ import annotations

from typing import Callable, Dict, TextIO

from nnlint.report import concise, json_report, text
from nnlint.runner import RunResult

Reporter = Callable[[RunResult, TextIO, TextIO], None]

REPORTERS: Dict[str, Reporter] = {
    "text": text.write,
    "concise": concise.write,
    "json": json_report.write,
}
FORMATS = tuple(REPORTERS)
