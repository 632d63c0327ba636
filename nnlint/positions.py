"""Line and column of the nodes a rule reported.

LibCST computes positions by generating the whole module's code with a position-recording
state, which costs about as much as the parse; in TensorFlow 1 code, where most files have a
finding, that doubled the run time. Most findings need much less: the engine knows the order
number of the statement each reported node is in (analysis/scopes.py numbers statements in source
order), Python's own parser gives every statement's line and column for a tenth of LibCST's
parse, and the node's code (`code_for_node`) is found in the statement's source text: if the
statement holds k nodes of the same type and code, the node's rank among them picks the
occurrence. When the text occurs a different number of times than there are such nodes (the
code also appears in a string or comment), the exact LibCST positions are computed for the file
instead.
"""

from __future__ import annotations

import ast
import bisect
from typing import List, Mapping, Optional, Tuple

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from nnlint.analysis.tree import subtree
from nnlint.source import python_parse

# (line, column): 1-based line, 1-based column counted in characters.
Position = Tuple[int, int]
Span = Tuple[Position, Position]


class Locator:
    """Finds the span of reported nodes in one file."""

    def __init__(self, module: cst.Module, text: str, statements: List[cst.CSTNode]) -> None:
        self._module = module
        self._statement_nodes = statements
        self._text = text
        self._line_starts = _line_starts(text)
        self._statements: Optional[List[Tuple[int, int]]] = None  # order -> (start, end) offsets
        self._exact: Optional[Mapping[cst.CSTNode, CodeRange]] = None

    def span(self, node: cst.CSTNode, statement: int) -> Span:
        if self._exact is None:
            found = self._search(node, statement)
            if found is not None:
                return found
            self._exact = exact_positions(self._module)
        code_range = self._exact[node]
        return (
            (code_range.start.line, code_range.start.column + 1),
            (code_range.end.line, code_range.end.column + 1),
        )

    def _search(self, node: cst.CSTNode, statement: int) -> Optional[Span]:
        if self._statements is None:
            # Python counts a lone "\r" as a line break and so would the search; the exact
            # route handles such files.
            lone_cr = self._text.count("\r") != self._text.count("\r\n")
            self._statements = [] if lone_cr else _statement_offsets(self._text, self._line_starts) or []
        if not 0 < statement < len(self._statements):
            return None
        start, end = self._statements[statement]
        code_for = self._module.code_for_node
        code = code_for(node).strip()
        if not code or statement >= len(self._statement_nodes):
            return None
        twins = [
            twin for twin in subtree(self._statement_nodes[statement])
            if type(twin) is type(node) and code_for(twin).strip() == code
        ]
        occurrences = []
        index = self._text.find(code, start, end)
        while index >= 0:
            occurrences.append(index)
            index = self._text.find(code, index + 1, end)
        rank = next((i for i, twin in enumerate(twins) if twin is node), None)
        if rank is None or len(occurrences) != len(twins):
            return None
        index = occurrences[rank]
        return self._position(index), self._position(index + len(code))

    def _position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1


def exact_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """The code range of every node of `module`, from LibCST's own position provider. (Its
    public route, `MetadataWrapper.resolve`, also runs an empty visit of the whole tree; the
    provider's `_gen` skips it.)"""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    generate = getattr(PositionProvider(), "_gen", None)
    if generate is None:
        return wrapper.resolve(PositionProvider)
    return generate(wrapper)


def _line_starts(text: str) -> List[int]:
    starts = [0]
    index = text.find("\n")
    while index >= 0:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def _statement_offsets(text: str, line_starts: List[int]) -> Optional[List[Tuple[int, int]]]:
    """Start and end offsets of every statement, indexed by the order number scopes.py gives
    it (index 0 is unused). None when Python cannot parse the text."""
    try:
        tree = python_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = text.split("\n")
    offsets: List[Tuple[int, int]] = [(0, 0)]

    def offset(line: int, byte_column: int) -> int:
        # ast columns count UTF-8 bytes.
        prefix = lines[line - 1].encode("utf-8")[:byte_column]
        return line_starts[line - 1] + len(prefix.decode("utf-8", errors="ignore"))

    def statement(node: ast.stmt) -> None:
        first = min([node] + list(getattr(node, "decorator_list", [])), key=lambda n: (n.lineno, n.col_offset))
        offsets.append((offset(first.lineno, first.col_offset), offset(node.end_lineno, node.end_col_offset)))
        for body in _bodies(node):
            for child in body:
                statement(child)

    for child in tree.body:
        statement(child)
    return offsets


def _bodies(node: ast.stmt) -> List[List[ast.stmt]]:
    """The statement lists inside `node`, in the order scopes.py walks them."""
    if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        return [node.body] + [h.body for h in node.handlers] + [node.orelse, node.finalbody]
    if type(node).__name__ == "Match":
        return [case.body for case in node.cases]
    return [getattr(node, name) for name in ("body", "orelse") if isinstance(getattr(node, name, None), list)]
