"""`--statistics`: how many findings each rule produced, most frequent first."""

from __future__ import annotations

import json
from collections import Counter
from typing import List, TextIO, Tuple

from nnlint.checks import RULES_BY_CODE
from nnlint.runner import RunResult


def counts(result: RunResult) -> List[Tuple[str, int]]:
    counter = Counter(d.code for d in result.diagnostics)
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def write_text(result: RunResult, out: TextIO) -> None:
    rows = counts(result)
    width = max((len(str(n)) for _, n in rows), default=1)
    for code, n in rows:
        out.write(f"{n:>{width}}  {code}  {RULES_BY_CODE[code].name}\n")


def write_json(result: RunResult, out: TextIO) -> None:
    rows = [{"code": code, "name": RULES_BY_CODE[code].name, "count": n} for code, n in counts(result)]
    out.write(json.dumps(rows, indent=2))
    out.write("\n")
