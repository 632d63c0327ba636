"""Logarithm calls and what their argument is: the shared facts behind NN101 and NN103.

A log is dangerous when its argument can be exactly 0: a softmax or sigmoid output (which
underflow to 0 in float32), or the prediction in a hand-written cross-entropy. It is safe when
the argument is guarded (`p + eps`, a clip or clamp with a lower bound, `exp(...)`, a literal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import libcst as cst

from nnlint import frameworks
from nnlint.analysis.arguments import argument, operand
from nnlint.analysis.context import FileContext
from nnlint.analysis.dataflow import Value, history
from nnlint.analysis.rearrangements import rearranged_from
from nnlint.frameworks import torch

SOFTMAX = "softmax"
SIGMOID = "sigmoid"
GUARDED = "guarded"
UNKNOWN = "unknown"

# How far up the tree a `labels * log(pred)` term may sit below its reduction.
_MAX_TERM_DEPTH = 6


@dataclass(frozen=True)
class LogCall:
    call: cst.Call
    argument: cst.BaseExpression
    method: bool  # `p.log()` rather than `torch.log(p)`

    def shown(self, ctx: FileContext) -> str:
        """How messages name the call: `tf.log`, `torch.log2`, `.log()`."""
        func = self.call.func
        if self.method and isinstance(func, cst.Attribute):
            return f"`.{func.attr.value}()`"
        return f"`{ctx.code_for(func)}`"


@dataclass(frozen=True)
class LogArgument:
    kind: str  # SOFTMAX, SIGMOID, GUARDED or UNKNOWN
    # The softmax call when the argument is that call's whole output, reached through
    # assignments only (NN103); None when a subscript or reshape came in between.
    softmax_call: Optional[cst.Call] = None
    direct: bool = False  # the softmax call is the log's argument itself


def log_call_facts(node: cst.Call, ctx: FileContext) -> Optional[Tuple[LogCall, LogArgument]]:
    """`node` as a framework log call with what its argument is; computed once per call for
    all the rules that ask (NN101 and NN103)."""
    key = ("log", id(node))
    if key not in ctx.memo:
        log = as_log_call(node, ctx)
        ctx.memo[key] = None if log is None else (log, classify_argument(ctx.value(log.argument), ctx))
    return ctx.memo[key]


def as_log_call(node: cst.Call, ctx: FileContext) -> Optional[LogCall]:
    """`node` as a framework log call, or None."""
    func = node.func
    if isinstance(func, cst.Attribute):
        attr = func.attr.value
        if attr not in torch.LOG_METHODS:
            return None
        if ctx.match(func, frameworks.LOG_FUNCTIONS):
            arg = operand(node)
            return LogCall(node, arg, False) if arg is not None else None
        if not node.args and not ctx.qualified_names(func.value):
            return LogCall(node, func.value, True)
        return None
    if isinstance(func, cst.Name) and func.value in torch.LOG_METHODS:
        if ctx.match(func, frameworks.LOG_FUNCTIONS):
            arg = operand(node)
            return LogCall(node, arg, False) if arg is not None else None
    return None


def classify_argument(value: Value, ctx: FileContext) -> LogArgument:
    """What the log's argument is, following assignments and value-preserving operations."""
    through_names_only = True
    direct = True
    for _ in range(12):
        step = None
        for current in history(value):
            node = current.node
            kind = _guard_or_activation(current, ctx)
            if kind == SOFTMAX:
                call = node if through_names_only and isinstance(node, cst.Call) else None
                return LogArgument(SOFTMAX, call, direct and call is node and current is value)
            if kind is not None:
                return LogArgument(kind)
            step = rearranged_from(current, ctx.resolver)
            if step is not None:
                break
        if step is None:
            return LogArgument(UNKNOWN)
        value = step
        through_names_only = False
        direct = False
    return LogArgument(UNKNOWN)


def _guard_or_activation(value: Value, ctx: FileContext) -> Optional[str]:
    node = value.node
    if isinstance(node, (cst.Integer, cst.Float)):
        return GUARDED
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return GUARDED
    if isinstance(node, cst.BinaryOperation):
        # `1 - sigmoid(x)`, which the activations analysis knows to be a sigmoid output.
        return SIGMOID if ctx.activations.of(value) == SIGMOID else None
    if not isinstance(node, cst.Call):
        return None
    names = ctx.qualified_names(node.func, value.where)
    for name in names:
        if name in frameworks.GUARDS:
            required = frameworks.GUARDS[name]
            if required is None or argument(node, required) is not None:
                return GUARDED
            return UNKNOWN
    func = node.func
    if not names and isinstance(func, cst.Attribute) and func.attr.value in torch.GUARD_METHODS:
        required = torch.GUARD_METHODS[func.attr.value]
        return GUARDED if required is None or argument(node, required) is not None else UNKNOWN
    kind = ctx.activations.of(value)
    if kind in (SOFTMAX, SIGMOID):
        return kind
    return None


def is_cross_entropy_term(ctx: FileContext) -> bool:
    """Whether the log call being visited is the log-term of a hand-written cross-entropy.

    That is `labels * log(pred)` (either order, or `tf.multiply`), possibly negated or added to
    other terms, directly inside a sum or mean: `tf.reduce_sum(y_ * tf.log(y))`,
    `-(t * torch.log(p)).sum()`, `K.mean(y * K.log(p) + (1 - y) * K.log(1 - p))`.
    """
    stack = ctx.stack
    index = len(stack) - 2  # the log call itself is stack[-1]
    multiplied = False
    for _ in range(_MAX_TERM_DEPTH):
        if index < 0:
            return False
        node = stack[index]
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Multiply):
                multiplied = True
            elif not isinstance(node.operator, (cst.Add, cst.Subtract)):
                return False
        elif isinstance(node, cst.UnaryOperation):
            pass
        elif isinstance(node, cst.Arg):
            call = stack[index - 1] if index >= 1 else None
            if not isinstance(call, cst.Call):
                return False
            if ctx.match(call.func, frameworks.MULTIPLY_FUNCTIONS):
                multiplied = True
                index -= 1
            elif multiplied and ctx.match(call.func, frameworks.REDUCTIONS):
                return operand(call) is node.value
            else:
                return False
        elif isinstance(node, cst.Attribute):
            call = stack[index - 1] if index >= 1 else None
            return (
                multiplied
                and node.attr.value in torch.REDUCTION_METHODS
                and isinstance(call, cst.Call)
                and call.func is node
            )
        else:
            return False
        index -= 1
    return False
