"""The child nodes of a LibCST node, read straight from its dataclass fields.

LibCST's own visitor rebuilds each node as it goes, which costs about as much as the parse.
Reading the fields that hold child nodes directly (skipping whitespace, comments and punctuation,
which no analysis inspects) costs a small fraction of it; the engine's traversal and the
analyses that walk a subtree share this one definition of "children".
"""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Tuple

import libcst as cst

_SKIPPED_FIELDS = frozenset({
    "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "comma", "semicolon",
    "equal", "dot", "star", "leading_lines", "lines_after_decorators", "header", "footer",
    "newline", "trailing_whitespace", "operator", "asynchronous", "arrow", "indent",
    "walrus", "first_colon", "second_colon", "colon", "whitespace",
})

_child_fields: Dict[type, Tuple[str, ...]] = {}

# Every statement node type, by exact type: the walks number statements by these.
STATEMENT_TYPES = frozenset(
    cls
    for cls in vars(cst).values()
    if isinstance(cls, type) and issubclass(cls, (cst.BaseSmallStatement, cst.BaseCompoundStatement))
)


def child_fields(node_type: type) -> Tuple[str, ...]:
    """The names of the fields of `node_type` that may hold child nodes, in source order."""
    fields = _child_fields.get(node_type)
    if fields is None:
        fields = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in _SKIPPED_FIELDS and "whitespace" not in f.name
        )
        _child_fields[node_type] = fields
    return fields


def children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The child nodes of `node`, in source order."""
    result: List[cst.CSTNode] = []
    for name in child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            result.append(value)
        elif type(value) is tuple or type(value) is list:
            for element in value:
                if isinstance(element, cst.CSTNode):
                    result.append(element)
    return result


def subtree(root: cst.CSTNode) -> List[cst.CSTNode]:
    """The nodes of `root`'s subtree (itself included) in source order."""
    result: List[cst.CSTNode] = []
    work = [root]
    while work:
        node = work.pop()
        result.append(node)
        work.extend(reversed(children(node)))
    return result
