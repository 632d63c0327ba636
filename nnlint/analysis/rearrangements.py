"""Operations that only rearrange a tensor's values: a softmax output indexed, reshaped,
squeezed or cast is still a softmax output, which the log rules and the loss rules both need.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint import frameworks
from nnlint.analysis.arguments import operand
from nnlint.analysis.dataflow import Value
from nnlint.analysis.names import NameResolver
from nnlint.frameworks import torch


def rearranged_from(value: Value, resolver: NameResolver) -> Optional[Value]:
    """For `p[i]`, `p.view(-1)`, `tf.reshape(p, s)`: the value `p` they rearrange."""
    node = value.node
    if isinstance(node, cst.Subscript):
        return Value(node.value, value.where)
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    names = resolver.qualified_names(func, value.where)
    if names & frameworks.VALUE_PRESERVING:
        arg = operand(node)
        return Value(arg, value.where) if arg is not None else None
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value in torch.VALUE_PRESERVING_METHODS
        and not names
    ):
        return Value(func.value, value.where)
    return None
