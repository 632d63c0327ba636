"""The functions and classes of this module that a call refers to.

Several analyses follow a value into the module's own code: the activation a helper function or
a model's `forward` returns (activations.py), the model a builder function returns (NN204). They
share this one answer to "which local `def` or `class` does `f`, `self.f` or `Net` name?".
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.names import Where, visible_bindings
from nnlint.analysis.scopes import CLASS, Scope, ScopeIndex


def local_definition(func: cst.BaseExpression, where: Where, kind: str, index: ScopeIndex) -> Optional[Scope]:
    """The scope of the function (`f`, `self.f`, `model.f`) or class (`Net`) that `func` names,
    when this module defines exactly one; `kind` is scopes.DEF or scopes.CLASS."""
    if isinstance(func, cst.Name):
        bindings = visible_bindings(func.value, where)
    elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        owner = owner_class(func.value, where, index)
        if owner is None:
            return None
        bindings = owner.bindings.get(func.attr.value, [])
    else:
        return None
    if len(bindings) != 1 or bindings[0].kind != kind or bindings[0].node is None:
        return None
    return index.scope_of(bindings[0].node)


def owner_class(receiver: cst.Name, where: Where, index: ScopeIndex) -> Optional[Scope]:
    """The class scope behind `self` in a method, or behind `model` in `model = Net()`."""
    method = where.scope.enclosing_method()
    if method is not None and method.self_name == receiver.value:
        return method.class_scope
    instance = origin(Value(receiver, where))
    if isinstance(instance.node, cst.Call):
        return local_definition(instance.node.func, instance.where, CLASS, index)
    return None
