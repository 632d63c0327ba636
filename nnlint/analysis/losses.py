"""Which PyTorch values are losses: the tensors a training loop calls `.backward()` on, and the
results of loss functions and criterion modules.

NN205 needs to tell `total += loss` (the loss tensor, which holds its autograd graph) from
`correct += pred.eq(y).sum()` (a tensor with no graph) without type information; the loss is
recognised by where it comes from.
"""

from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.names import NameResolver, Where
from nnlint.analysis.scopes import dotted_name
from nnlint.frameworks import torch

# A callee named like a criterion (`criterion`, `loss_fn`, `self.criterion_gan`) when its origin
# is not visible (a parameter, an attribute set elsewhere).
_CRITERION_NAME = re.compile(r"(^|_)(criterion|loss_fn|loss_func|lossfn|loss_function)", re.IGNORECASE)


def backward_target(call: cst.Call, where: Where, resolver: NameResolver) -> Optional[cst.BaseExpression]:
    """The tensor a backward call differentiates: `loss` in `loss.backward()`,
    `scaler.scale(loss).backward()` and `torch.autograd.backward(loss)`; None for other calls."""
    func = call.func
    if resolver.qualified_names(func, where) & torch.AUTOGRAD_BACKWARD:
        return call.args[0].value if call.args else None
    if not (isinstance(func, cst.Attribute) and func.attr.value == "backward"):
        return None
    receiver = func.value
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) \
            and receiver.func.attr.value == "scale" and receiver.args:
        return receiver.args[0].value
    return receiver


def is_loss_call(call: cst.Call, where: Where, resolver: NameResolver) -> bool:
    """`F.mse_loss(...)`, `criterion(...)` with `criterion = nn.MSELoss()`, `loss_fn(...)`."""
    func = call.func
    for name in resolver.qualified_names(func, where):
        if name.startswith("torch.nn.functional."):
            return name.endswith("_loss") or name in torch.FUNCTIONAL_LOSSES
        if name.startswith("torch."):
            return False
    made = origin(Value(func, where))
    if isinstance(made.node, cst.Call):
        names = resolver.qualified_names(made.node.func, made.where)
        if any(n.startswith("torch.nn.") and n.endswith(torch.LOSS_MODULE_SUFFIX) for n in names):
            return True
    name = dotted_name(func)
    return name is not None and bool(_CRITERION_NAME.search(name.rsplit(".", 1)[-1]))
