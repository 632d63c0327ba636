"""Qualified names of expressions, resolved through the module's own imports.

This is the one interface rules use to ask "is this `tf.log`?". It answers from the bindings
index (scopes.py) in a single pass of our own instead of LibCST's QualifiedNameProvider, which is
correct but costs several times the parse. The answer is a set: a name imported in both arms of
`try: import tensorflow.compat.v1 as tf / except ImportError: import tensorflow as tf` has two
possible meanings, and a rule matches if any of them is in its table.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

import libcst as cst

from nnlint.analysis.scopes import (
    ASSIGN,
    CLASS_SCOPE,
    IMPORT,
    VISIBLE_EVERYWHERE,
    Binding,
    Scope,
)
from nnlint.frameworks.spelling import canonical

EMPTY: FrozenSet[str] = frozenset()
_BUILTINS = frozenset(dir(builtins))
_MAX_ALIAS_DEPTH = 8
_ANYWHERE = 1 << 62  # an order after every statement


@dataclass(frozen=True)
class Where:
    """A point in the program: a scope and a statement order within it."""

    scope: Scope
    order: int


# Built-in functions that only look at their argument: passing a model or a session to one
# hands it to no code that could change it.
INERT_BUILTINS = frozenset({"print", "repr", "str", "len", "id", "type", "isinstance", "vars"})


def visible_bindings(name: str, where: Where) -> List[Binding]:
    """The bindings a use of `name` at `where` may refer to; empty if unknown or builtin.

    In the use's own scope this is the last binding before the use (and, for imports, the run of
    alternative imports that ends there). In an enclosing scope the use may run at any time, so
    every binding counts.
    """
    scope: Optional[Scope] = where.scope
    own = True
    if name in where.scope.global_names:
        while scope is not None and scope.parent is not None:
            scope = scope.parent
        own = False
    while scope is not None:
        if not own and scope.kind == CLASS_SCOPE:
            scope = scope.parent
            continue
        bindings = scope.bindings.get(name)
        if bindings:
            if not own:
                return bindings
            before = [b for b in bindings if b.order < where.order or b.order == VISIBLE_EVERYWHERE]
            if not before:
                return []
            last = before[-1]
            if last.kind != IMPORT:
                return [last]
            run = [last]
            for binding in reversed(before[:-1]):
                if binding.kind != IMPORT:
                    break
                run.append(binding)
            return run
        own = False
        scope = scope.parent
    return []


def defining_scope(name: str, scope: Scope) -> Optional[Scope]:
    """The scope whose variable `name` is, as seen from anywhere in `scope`: the variable's
    identity, whichever of its bindings a particular use sees (None for builtins)."""
    bindings = visible_bindings(name, Where(scope, _ANYWHERE))
    return bindings[0].scope if bindings else None


def leaf(func: cst.BaseExpression) -> Optional[str]:
    """The last identifier of a callee (`Adam` in `torch.optim.Adam`): a cheap first test that
    spares resolving calls that cannot be in a rule's table."""
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def leaves(names: Iterable[str]) -> FrozenSet[str]:
    """The last components of a table's qualified names, to compare with `leaf()`."""
    return frozenset(name.rsplit(".", 1)[-1] for name in names)


class NameResolver:
    """Resolves Name/Attribute expressions to canonical qualified names."""

    def __init__(self, module_scope: Scope) -> None:
        self._module_scope = module_scope
        # Several rules ask about the same callee at the same place; the tree outlives the
        # resolver, so node ids are stable keys.
        self._answers: Dict[Tuple[int, int, int], FrozenSet[str]] = {}

    def qualified_names(self, expr: cst.BaseExpression, where: Where) -> FrozenSet[str]:
        key = (id(expr), id(where.scope), where.order)
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = self._resolve(expr, where, 0)
        return found

    def _resolve(self, expr: cst.BaseExpression, where: Where, depth: int) -> FrozenSet[str]:
        if depth > _MAX_ALIAS_DEPTH:
            return EMPTY
        if isinstance(expr, cst.Attribute):
            base = self._resolve(expr.value, where, depth)
            if not base:
                return EMPTY
            attr = expr.attr.value
            return frozenset(canonical(f"{name}.{attr}") for name in base)
        if isinstance(expr, cst.Name):
            return self._resolve_name(expr.value, where, depth)
        return EMPTY

    def _resolve_name(self, name: str, where: Where, depth: int) -> FrozenSet[str]:
        bindings = visible_bindings(name, where)
        if not bindings:
            if self._is_unbound(name, where):
                return self._star_candidates(name)
            return EMPTY
        if all(b.kind == IMPORT for b in bindings):
            return frozenset(q for b in bindings for q in b.qualified)
        if len(bindings) == 1:
            binding = bindings[0]
            # `F = torch.nn.functional`: an alias made by assignment.
            if binding.kind == ASSIGN and isinstance(binding.value, (cst.Name, cst.Attribute)):
                return self._resolve(binding.value, Where(binding.scope, binding.order), depth + 1)
        return EMPTY

    def _is_unbound(self, name: str, where: Where) -> bool:
        scope: Optional[Scope] = where.scope
        while scope is not None:
            if name in scope.bindings:
                return False
            scope = scope.parent
        return True

    def _star_candidates(self, name: str) -> FrozenSet[str]:
        stars = self._module_scope.star_imports
        if not stars or name in _BUILTINS:
            # `print` after `from tensorflow import *` is far more often Python's own.
            return EMPTY
        return frozenset(canonical(f"{module}.{name}") for module in stars)
