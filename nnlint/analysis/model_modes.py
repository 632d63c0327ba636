"""Whether a model's behaviour visibly does not depend on train/eval mode.

`model.eval()` only changes layers that behave differently in training: dropout, batch and
instance norm with running statistics, recurrent layers with dropout, and code that reads
`self.training`. A model whose whole definition is visible and contains none of them (a linear
regressor, an MLP) predicts the same in both modes, so a missing `.eval()` costs nothing.
Anything not visible (an imported class, a loaded pickle) may contain them.
"""

from __future__ import annotations

import re

import libcst as cst

from nnlint.analysis.dataflow import Value
from nnlint.analysis.definitions import local_definition
from nnlint.analysis.names import NameResolver, Where
from nnlint.analysis.scopes import CLASS, DEF, Scope, ScopeIndex
from nnlint.analysis.tree import subtree
from nnlint.frameworks import torch

_MODE_DEPENDENT = re.compile(r"dropout|norm|training|rnn|lstm|gru|transformer|attention|train\b|eval\b",
                             re.IGNORECASE)
_LAYER_DEPENDENT = re.compile(r"dropout|norm|transformer|attention", re.IGNORECASE)
_MAX_DEPTH = 4


def mode_independent(made: Value, resolver: NameResolver, index: ScopeIndex) -> bool:
    """`made` (the expression that built the model) shows every layer, and none depends on mode."""
    node = made.node
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in torch.SAME_MODULE_METHODS:
        node = node.func.value
    if not isinstance(node, cst.Call):
        return False
    names = resolver.qualified_names(node.func, made.where)
    if names & torch.SEQUENTIAL:
        return all(_torch_layers_only(arg.value, made.where, resolver) for arg in node.args)
    if names and all(name.startswith("torch.nn.") for name in names):
        return _torch_layers_only(node, made.where, resolver)  # one layer: `nn.GRUCell(4, 8)`
    owner = local_definition(node.func, made.where, CLASS, index)
    return owner is not None and _class_is_mode_independent(owner, resolver, index, 0)


def _torch_layers_only(expr: cst.BaseExpression, where: Where, resolver: NameResolver) -> bool:
    """Every call in `expr` makes a `torch.nn` layer that ignores the mode: no dropout or
    normalization layer, and no `dropout=` argument (an `nn.LSTM` without one is the same in
    both modes)."""
    for node in subtree(expr):
        if isinstance(node, cst.Call):
            names = resolver.qualified_names(node.func, where)
            if not names or not all(n.startswith("torch.nn.") for n in names):
                return False
            if any(_LAYER_DEPENDENT.search(n.rsplit(".", 1)[-1]) for n in names):
                return False
        if isinstance(node, cst.Arg) and node.keyword is not None and _LAYER_DEPENDENT.search(node.keyword.value):
            return False
    return True


def _class_is_mode_independent(scope: Scope, resolver: NameResolver, index: ScopeIndex, depth: int) -> bool:
    node = scope.node
    if not isinstance(node, cst.ClassDef) or depth > _MAX_DEPTH:
        return False
    where = Where(scope.parent or index.module_scope, index.order_of.get(id(node), 0))
    for base in node.bases:
        if resolver.qualified_names(base.value, where) & torch.MODULE_BASES:
            continue
        local = local_definition(base.value, where, CLASS, index)
        if local is None or not _class_is_mode_independent(local, resolver, index, depth + 1):
            return False
    for inner in subtree(node.body):
        if _names_mode_dependent(inner):
            return False
        if isinstance(inner, cst.Call) and not _builds_known_layers(inner, where, resolver, index, depth):
            return False
    return True


def _builds_known_layers(call: cst.Call, where: Where, resolver: NameResolver, index: ScopeIndex, depth: int) -> bool:
    """A call in a model's class builds nothing hidden: a `torch` API, a method, a built-in,
    or a class of this module that is itself mode-independent."""
    names = resolver.qualified_names(call.func, where)
    if names:
        return all(name.startswith("torch.") for name in names)
    if not isinstance(call.func, cst.Name):
        return True  # a method: `self.fc(x)`, `x.view(...)`
    local_class = local_definition(call.func, where, CLASS, index)
    if local_class is not None:
        return _class_is_mode_independent(local_class, resolver, index, depth + 1)
    return local_definition(call.func, where, DEF, index) is None  # a built-in, not a helper of ours


def _names_mode_dependent(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Name):
        return bool(_MODE_DEPENDENT.search(node.value))
    if isinstance(node, cst.Arg) and node.keyword is not None:
        return bool(_MODE_DEPENDENT.search(node.keyword.value))
    return False
