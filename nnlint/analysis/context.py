"""What a rule can ask about the file it is checking, at the node it is visiting.

The engine keeps `stack` (the ancestors of the current node, innermost last), `scope` and `order`
up to date during its single traversal; rules read them through the methods below and never walk
the tree themselves.
"""

from __future__ import annotations

from typing import AbstractSet, Any, Collection, Dict, FrozenSet, Hashable, List, Optional

import libcst as cst

from nnlint.analysis.activations import Activations
from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.names import NameResolver, Where, leaf
from nnlint.analysis.scopes import Scope, ScopeIndex


class FileContext:
    def __init__(
        self,
        path: str,
        module: cst.Module,
        index: ScopeIndex,
        resolver: NameResolver,
        selected: AbstractSet[str],
    ) -> None:
        self.path = path
        self.module = module
        self.index = index
        self.resolver = resolver
        self.selected = selected
        self.imported_roots = frozenset(index.imported_roots())
        self.uses_torch = "torch" in self.imported_roots
        self.stack: List[cst.CSTNode] = []
        # Facts several rules ask about the same node, computed once (see analysis/logs.py).
        self.memo: Dict[Hashable, Any] = {}
        self.activations = Activations(resolver, index, self.memo, uses_torch=self.uses_torch)
        self.scope: Scope = index.module_scope
        self._aliases: Optional[Dict[str, str]] = None
        self.order: int = 0

    # -- position in the traversal ---------------------------------------------------------

    def here(self) -> Where:
        return Where(self.scope, self.order)

    def value(self, expr: cst.BaseExpression) -> Value:
        """`expr` as evaluated at the node being visited."""
        return Value(expr, self.here())

    def parent(self, depth: int = 1) -> Optional[cst.CSTNode]:
        """The ancestor `depth` levels above the node being visited."""
        index = len(self.stack) - 1 - depth
        return self.stack[index] if index >= 0 else None

    def callee(self, call: cst.Call) -> Value:
        """Where the callee of the call being visited was made (`nn.Softmax(1)` for
        `self.sm(x)`): several rules ask it of every call, so it is followed once."""
        key = ("callee", id(call))
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = origin(self.value(call.func))
        return found

    # -- names -----------------------------------------------------------------------------

    def qualified_names(self, expr: cst.BaseExpression, where: Optional[Where] = None) -> FrozenSet[str]:
        return self.resolver.qualified_names(expr, where or self.here())

    def match(
        self, expr: cst.BaseExpression, table: Collection[str], where: Optional[Where] = None
    ) -> Optional[str]:
        """The canonical name in `table` that `expr` resolves to, if any."""
        for name in self.qualified_names(expr, where):
            if name in table:
                return name
        return None

    def leaf(self, func: cst.BaseExpression) -> Optional[str]:
        """The last identifier of a callee as its API spells it (`Adam` for `TorchAdam` after
        `from torch.optim import Adam as TorchAdam`): a cheap test before resolving names."""
        name = leaf(func)
        if isinstance(func, cst.Name):
            if self._aliases is None:
                self._aliases = self.index.import_aliases()
            return self._aliases.get(name, name)
        return name

    def is_selected(self, code: str) -> bool:
        return code in self.selected

    def code_for(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)
