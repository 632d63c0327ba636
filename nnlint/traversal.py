"""The single traversal of a module that feeds every rule.

LibCST's own visitor rebuilds each node as it goes, which costs about as much as the parse; this
walker reads the child fields directly (analysis/tree.py) and costs a small fraction of the
parse. It keeps the context's ancestor stack, scope and statement order current, and calls each
rule's `visit_<Node>`/`leave_<Node>` methods. A rule that raises is dropped for the rest of the file and
its failure recorded; the other rules go on.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence, Tuple, Type

import libcst as cst

from nnlint.analysis.context import FileContext
from nnlint.analysis.scopes import expression_scope
from nnlint.analysis.tree import STATEMENT_TYPES, child_fields
from nnlint.rule import Rule, RuleFailure

_DEFINITIONS = (cst.FunctionDef, cst.ClassDef)
_EXPRESSION_SCOPES = frozenset({cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp})

Handler = Tuple[Rule, Callable[[cst.CSTNode], None]]


def _handler_tables(rules: Sequence[Rule]) -> Tuple[Dict[type, List[Handler]], Dict[type, List[Handler]]]:
    visits: Dict[type, List[Handler]] = {}
    leaves: Dict[type, List[Handler]] = {}
    for rule in rules:
        for attr in dir(type(rule)):
            if attr.startswith("visit_"):
                table, name = visits, attr[6:]
            elif attr.startswith("leave_"):
                table, name = leaves, attr[6:]
            else:
                continue
            node_type = getattr(cst, name, None)
            if not isinstance(node_type, type) or not issubclass(node_type, cst.CSTNode):
                raise TypeError(f"{type(rule).__name__}.{attr}: no LibCST node named {name}")
            table.setdefault(node_type, []).append((rule, getattr(rule, attr)))
    return visits, leaves


_EXIT = object()


def traverse(module: cst.Module, ctx: FileContext, rules: Sequence[Rule]) -> List[RuleFailure]:
    """Walk `module` once, dispatching to `rules`; return the failures of rules that raised."""
    failures: List[RuleFailure] = []
    live = list(rules)
    visits, leaves = _handler_tables(live)

    def fail(rule: Rule, error: Exception) -> None:
        nonlocal visits, leaves
        failures.append(RuleFailure(rule.code, error))
        live.remove(rule)
        visits, leaves = _handler_tables(live)

    index = ctx.index
    order_of = index.order_of
    stack = ctx.stack
    saved: List[Tuple[object, int]] = []  # (scope, order) to restore when a scope closes
    work: List[object] = [module]
    node_base = cst.CSTNode
    while work:
        item = work.pop()
        if item is _EXIT:
            node = stack[-1]
            node_type = type(node)
            for rule, method in leaves.get(node_type, ()):
                try:
                    method(node)
                except Exception as error:  # noqa: BLE001 - a rule's bug must not stop the file
                    fail(rule, error)
            if node_type in _DEFINITIONS or node_type in _EXPRESSION_SCOPES:
                ctx.scope, ctx.order = saved.pop()
            stack.pop()
            continue
        node = item
        node_type = type(node)
        stack.append(node)
        if node_type in STATEMENT_TYPES:
            order = order_of.get(id(node))
            if order is not None:
                ctx.order = order
        if node_type in _DEFINITIONS:
            saved.append((ctx.scope, ctx.order))
            ctx.scope = index.scope_of(node) or ctx.scope
        elif node_type in _EXPRESSION_SCOPES:
            saved.append((ctx.scope, ctx.order))
            ctx.scope = expression_scope(node, ctx.scope) or ctx.scope
        for rule, method in visits.get(node_type, ()):
            try:
                method(node)
            except Exception as error:  # noqa: BLE001
                fail(rule, error)
        work.append(_EXIT)
        children: List[cst.CSTNode] = []
        for name in child_fields(node_type):
            value = getattr(node, name)
            if isinstance(value, node_base):
                children.append(value)
            elif type(value) is tuple or type(value) is list:
                for element in value:
                    if isinstance(element, node_base):
                        children.append(element)
        children.reverse()
        work.extend(children)
    return failures


def rule_types_with_visitors(rule_types: Sequence[Type[Rule]]) -> List[Type[Rule]]:
    """The rules that take part in the traversal (NN000 is reported by the engine)."""
    return [r for r in rule_types if not r.engine_reported]
