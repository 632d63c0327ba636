"""Finding an argument of a call whether it was passed by keyword or by position."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.frameworks.params import Param


def argument(call: cst.Call, param: Param) -> Optional[cst.BaseExpression]:
    """The expression passed for `param`, or None when it was not passed (or is hidden in *args)."""
    position = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == param.keyword:
                return arg.value
            continue
        if arg.star:
            # After *args positions are unknowable; a keyword may still follow.
            position = -1
            continue
        if position >= 0 and param.position is not None and position == param.position:
            return arg.value
        if position >= 0:
            position += 1
    return None


# The names frameworks give the tensor operand when it is passed by keyword
# (`tf.log(x=...)`, `torch.log(input=...)`, `tf.reduce_sum(input_tensor=...)`).
OPERAND_KEYWORDS = ("x", "input", "input_tensor", "tensor")


def operand(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The tensor operand of a framework function: its first positional argument."""
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            return arg.value
        if arg.keyword.value in OPERAND_KEYWORDS:
            return arg.value
    return None
