"""Source rewrites shared by the rules' fixes, built from LibCST nodes so the text stays valid."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.analysis.context import FileContext
from nnlint.analysis.logs import LogCall
from nnlint.rule import Applicability, NodeFix

EPSILON = "1e-8"

# Expressions that bind tighter than `+`, so `<expr> + 1e-8` needs no parentheses.
_TIGHT = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
    cst.Integer,
    cst.Float,
)


def bare_code(node: cst.BaseExpression, ctx: FileContext) -> str:
    """The node's source without its own parentheses (positions exclude them too)."""
    if getattr(node, "lpar", None):
        node = node.with_changes(lpar=[], rpar=[])
    return ctx.code_for(node)


def add_epsilon(log: LogCall, ctx: FileContext) -> NodeFix:
    """`tf.log(p)` -> `tf.log(p + 1e-8)`; `p.log()` -> `(p + 1e-8).log()`."""
    arg = log.argument
    code = bare_code(arg, ctx)
    arithmetic = isinstance(arg, cst.BinaryOperation) and not isinstance(
        arg.operator, (cst.BitOr, cst.BitAnd, cst.BitXor, cst.LeftShift, cst.RightShift)
    )
    if log.method:
        new = f"({code} + {EPSILON})"
    elif isinstance(arg, _TIGHT) or arithmetic:
        new = f"{code} + {EPSILON}"
    else:
        new = f"({code}) + {EPSILON}"
    return NodeFix(Applicability.UNSAFE, f"Add {EPSILON} to the argument of the log", ((arg, new),))


def log_softmax_call(softmax: cst.Call, ctx: FileContext) -> Optional[str]:
    """`tf.nn.softmax(x, axis=1)` -> `tf.nn.log_softmax(x, axis=1)`, keeping the user's prefix."""
    func = softmax.func
    if not isinstance(func, cst.Attribute):
        return None
    new = softmax.with_changes(func=func.with_changes(attr=cst.Name("log_softmax")), lpar=[], rpar=[])
    return ctx.code_for(new)
