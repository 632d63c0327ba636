"""Local dataflow: where did the value of this expression come from?

Follows simple assignments (`y = tf.nn.softmax(z)`), tuple unpacking of tuple literals
(`p, q = tf.sigmoid(a), b`) and `self.x = ...` attributes assigned in the methods of one class,
within one module. A name with no single visible assignment has no known origin, and rules stay
silent about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple

import libcst as cst

from nnlint.analysis.names import Where, visible_bindings
from nnlint.analysis.scopes import ASSIGN, REBIND, WITH, Binding, Scope, ScopeIndex

_MAX_STEPS = 12


@dataclass(frozen=True)
class Value:
    """An expression together with the point where it is evaluated."""

    node: cst.BaseExpression
    where: Where


def assigned_value(expr: cst.BaseExpression, where: Where, through_with: bool = False) -> Optional[Value]:
    """One step back: the expression assigned to a name or `self` attribute, if unique. With
    `through_with`, `with X as name` counts as assigning X: true of the objects whose
    `__enter__` returns themselves (sessions, graphs, files), which callers must know they ask about."""
    if isinstance(expr, cst.Name):
        bindings = visible_bindings(expr.value, where)
        kinds = (ASSIGN, WITH) if through_with else (ASSIGN,)
        if len(bindings) == 1 and bindings[0].kind in kinds and bindings[0].value is not None:
            binding = bindings[0]
            return Value(binding.value, Where(binding.scope, binding.order))
        return None
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        return _self_attribute(expr.value.value, expr.attr.value, where.scope)
    return None


def _self_attribute(receiver: str, attr: str, scope: Scope) -> Optional[Value]:
    method = scope.enclosing_method()
    if method is None or method.self_name != receiver:
        return None
    assignments = [
        b for b in method.class_scope.self_attributes.get(attr, ())
        if not (isinstance(b.value, cst.Name) and b.value.value == "None")
    ]
    if len(assignments) != 1 or assignments[0].kind != ASSIGN or assignments[0].value is None:
        return None
    binding = assignments[0]
    return Value(binding.value, Where(binding.scope, binding.order))


def assignments(expr: cst.BaseExpression, where: Where) -> List[Value]:
    """Every expression a name or `self` attribute may hold at `where`: each visible assignment
    (`model = Net()` and, under an `if`, `model = nn.DataParallel(model)`)."""
    if isinstance(expr, cst.Name):
        visible = visible_bindings(expr.value, where)
        if not visible:
            return []
        # Every assignment of the scope up to here, not only the last one: branches of an `if`.
        bindings = [b for b in visible[0].scope.bindings.get(expr.value, []) if b.order <= visible[0].order]
    elif isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        method = where.scope.enclosing_method()
        if method is None or method.self_name != expr.value.value:
            return []
        bindings = method.class_scope.self_attributes.get(expr.attr.value, [])
    else:
        return []
    return [
        Value(b.value, Where(b.scope, b.order)) for b in bindings if b.kind == ASSIGN and b.value is not None
    ]


def unpacked(binding: Binding, index: ScopeIndex) -> Optional[Tuple[Value, Tuple[int, ...]]]:
    """For a name unpacked from an expression (`(x, y), rest = load()`, `out, aux = model(x)`):
    the expression and the name's position in the target, (0, 1) for `y`."""
    statements = index.statements
    if binding.kind != REBIND or not 0 < binding.order < len(statements):
        return None
    statement = statements[binding.order]
    if not (isinstance(statement, cst.Assign) and len(statement.targets) == 1):
        return None
    path = _path(statement.targets[0].target, binding.node)
    if not path:
        return None
    return Value(statement.value, Where(binding.scope, binding.order)), path


def _path(target: cst.BaseExpression, name: Optional[cst.CSTNode]) -> Optional[Tuple[int, ...]]:
    if target is name:
        return ()
    if isinstance(target, (cst.Tuple, cst.List)):
        for i, element in enumerate(target.elements):
            if isinstance(element, cst.StarredElement):
                return None
            inner = _path(element.value, name)
            if inner is not None:
                return (i, *inner)
    return None


def origin(value: Value) -> Value:
    """Follow assignments back as far as they go."""
    for _ in range(_MAX_STEPS):
        previous = assigned_value(value.node, value.where)
        if previous is None:
            return value
        value = previous
    return value


def history(value: Value) -> Iterator[Value]:
    """The value itself, then each assignment it was copied from, nearest first."""
    yield value
    for _ in range(_MAX_STEPS):
        previous = assigned_value(value.node, value.where)
        if previous is None:
            return
        value = previous
        yield value
