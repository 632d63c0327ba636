"""Jupyter notebooks as one Python module: the code cells joined in order, so names defined in
one cell are known in the next, with IPython syntax neutralised line for line so that every
line of the module is still the same line of the same cell.

Plain JSON reading is enough here (nbformat would add a dependency to validate fields nnlint
never reads); both the current format (4) and the old `worksheets` format (3) are read.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any, List, Tuple

from nnlint.source import SourceError

SUFFIX = ".ipynb"

# Cell magics whose body is Python that IPython runs as is (`%%time` times the cell).
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "snakeviz"})
_CELL_MAGIC = re.compile(r"\s*%%(\w*)")
# `%matplotlib inline`, `!pip install x`, and help syntax (`?model`, `model.fit??`).
_LINE_MAGIC = re.compile(r"(\s*)(?:[%!]|\?)")
_HELP = re.compile(r"(\s*)[\w.]+\?{1,2}\s*$")
# `files = !ls`, `t = %timeit -o f()`.
_ASSIGNED_MAGIC = re.compile(r"(\s*[\w.,\s\[\]()]+?=\s*)[%!].*$")


def is_notebook(path: str) -> bool:
    return path.lower().endswith(SUFFIX)


@dataclass(frozen=True)
class Notebook:
    text: str  # the module: code cells joined, IPython syntax neutralised
    cells: Tuple[int, ...]  # for each code cell that has lines, its index in the notebook
    starts: Tuple[int, ...]  # ... and the module line (1-based) where it starts

    def locate(self, line: int) -> Tuple[int, int]:
        """The cell index and the 1-based line within that cell of a module line."""
        position = max(0, bisect.bisect_right(self.starts, line) - 1)
        return self.cells[position], line - self.starts[position] + 1

    def cell_start(self, cell: int) -> int:
        """The module line where `cell` starts."""
        return self.starts[self.cells.index(cell)]


def read_notebook(text: str) -> Notebook:
    """The notebook's code as a module; SourceError when the text is not a notebook."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise SourceError(f"not a valid notebook: the file is not JSON ({error})") from None
    cells, source_key = _cells(document)
    module_lines: List[str] = []
    indices: List[int] = []
    starts: List[int] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise SourceError(f"not a valid notebook: cell {index + 1} is not an object")
        if cell.get("cell_type") != "code":
            continue
        lines = _neutralised(source_lines(cell.get(source_key, ""), index))
        if lines:
            indices.append(index)
            starts.append(len(module_lines) + 1)
            module_lines.extend(lines)
    return Notebook("\n".join(module_lines) + ("\n" if module_lines else ""), tuple(indices), tuple(starts))


def _cells(document: Any) -> Tuple[List[Any], str]:
    if not isinstance(document, dict):
        raise SourceError("not a valid notebook: the top level is not a JSON object")
    if isinstance(document.get("cells"), list):
        return document["cells"], "source"
    worksheets = document.get("worksheets")
    if isinstance(worksheets, list) and all(isinstance(w, dict) for w in worksheets):
        cells = [cell for sheet in worksheets for cell in sheet.get("cells", [])]
        return cells, "input"
    raise SourceError("not a valid notebook: it has no list of cells")


def source_lines(source: Any, index: int) -> List[str]:
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        source = "".join(source)
    if not isinstance(source, str):
        raise SourceError(f"not a valid notebook: the source of cell {index + 1} is not text")
    return source.splitlines()


def _neutralised(lines: List[str]) -> List[str]:
    """The cell's lines with IPython syntax replaced by Python that means nothing, one line for
    one line: `pass` for a magic or shell line, `None` for a magic's value, blank lines for a
    cell magic's non-Python body."""
    if not lines:
        return lines
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None:
        cell_magic = _CELL_MAGIC.match(lines[first])
        if cell_magic is not None:
            if cell_magic.group(1) not in _PYTHON_CELL_MAGICS:
                return [""] * len(lines)
            lines = lines[:first] + [""] + lines[first + 1:]
    out = []
    for line in lines:
        magic = _LINE_MAGIC.match(line) or _HELP.match(line)
        if magic is not None:
            out.append(magic.group(1) + "pass")
            continue
        assigned = _ASSIGNED_MAGIC.match(line)
        out.append(assigned.group(1) + "None" if assigned is not None else line)
    return out
