"""The simple statements of a scope, for the few questions asked about statements after the
fact: which layers were `add`ed to a model, where a model is compiled, which `feed_dict` feeds
a placeholder. The engine's traversal has moved on by the time a rule asks, and these
questions are rare, so they read the statements of one scope (or, rarely, of the module) on demand.
"""

from __future__ import annotations

from typing import Any, Dict, Hashable, Iterator, List, Sequence, Tuple

import libcst as cst

from nnlint.analysis.names import Where
from nnlint.analysis.scopes import Scope, ScopeIndex
from nnlint.analysis.tree import children, subtree

_COMPOUND = (cst.If, cst.For, cst.While, cst.Try, cst.With)
_CONDITIONAL = (cst.If, cst.For, cst.While, cst.Try)


def scope_statements(scope: Scope, index: ScopeIndex) -> Iterator[Tuple[cst.CSTNode, int, bool]]:
    """The simple statements of a module or function body, in source order, and of the blocks
    nested in it (not in the functions or classes it defines), each with its order number and
    whether it runs conditionally (under an `if`, in a loop or a `try`)."""
    for statement, order, path in _statements(_body(scope), index, ()):
        yield statement, order, bool(path)


def conditional_blocks(scope: Scope, index: ScopeIndex) -> Dict[int, Tuple[int, ...]]:
    """For each simple statement of a scope (by order number), the conditional blocks it is
    in, outermost first (as ids): an assignment reaches a later statement for certain only
    when its blocks are a prefix of the later statement's."""
    return {order: path for _, order, path in _statements(_body(scope), index, ())}


def module_statements(index: ScopeIndex) -> Iterator[Tuple[cst.CSTNode, Where]]:
    """Every simple statement of the module, in every function, with where it runs."""
    for scope in index.all_scopes():
        for statement, order, _ in scope_statements(scope, index):
            yield statement, Where(scope, order)


def module_calls(index: ScopeIndex, memo: Dict[Hashable, Any]) -> List[Tuple[cst.Call, Where]]:
    """Every call in the module's simple statements, found once per file (kept in the file's
    `memo`) when first asked."""
    found = memo.get("module_calls")
    if found is None:
        found = memo["module_calls"] = [
            (node, where)
            for statement, where in module_statements(index)
            for node in subtree(statement)
            if isinstance(node, cst.Call)
        ]
    return found


def _body(scope: Scope) -> Sequence[cst.CSTNode]:
    node = scope.node
    if isinstance(node, cst.Module):
        return node.body
    if isinstance(node, cst.FunctionDef) and isinstance(node.body, (cst.IndentedBlock, cst.SimpleStatementSuite)):
        return node.body.body
    return ()


def _statements(
    body: Sequence[cst.CSTNode], index: ScopeIndex, path: Tuple[int, ...]
) -> Iterator[Tuple[cst.CSTNode, int, Tuple[int, ...]]]:
    """The simple statements of a block and of the blocks nested in it (not in functions or
    classes defined there), with their order numbers and the conditional blocks they are in."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                yield small, index.order_of.get(id(small), 0), path
        elif isinstance(statement, _COMPOUND):
            conditional = isinstance(statement, _CONDITIONAL)
            for block in _blocks(statement):
                yield from _statements(block, index, (*path, id(block)) if conditional else path)


def _blocks(node: cst.CSTNode) -> Iterator[Sequence[cst.CSTNode]]:
    for child in children(node):
        if isinstance(child, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            yield child.body
        elif isinstance(child, (cst.If, cst.Else, cst.ExceptHandler, cst.Finally)):
            yield from _blocks(child)
