"""NN106: `log(sum(exp(x)))` written out, which overflows where `logsumexp` does not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from nnlint import frameworks
from nnlint.analysis.arguments import argument, operand
from nnlint.analysis.context import FileContext
from nnlint.analysis.dataflow import Value, origin
from nnlint.frameworks import keras, tensorflow, torch
from nnlint.frameworks.params import Param
from nnlint.rule import Applicability, NodeFix, Rule, Severity

_NATURAL_LOGS = frozenset(name for name in frameworks.LOG_FUNCTIONS if name.endswith(".log"))
_EXP = tensorflow.EXP_FUNCTIONS | keras.EXP_FUNCTIONS | torch.EXP_FUNCTIONS
# sum function -> (its axis parameters, the fused function's name beside it)
_SUMS: Dict[str, Tuple[Tuple[Param, ...], str]] = {
    **{name: (axes, tensorflow.LOGSUMEXP_BESIDE_SUM) for name, axes in tensorflow.SUM_AXES.items()},
    **{name: (axes, keras.LOGSUMEXP_BESIDE_SUM) for name, axes in keras.SUM_AXES.items()},
    **{name: (axes, torch.LOGSUMEXP_BESIDE_SUM) for name, axes in torch.SUM_AXES.items()},
}
# Keywords a sum and its fused log-sum-exp twin share, so the fix can keep them as written.
_SHARED_KEYWORDS = frozenset({"axis", "dim", "keepdim", "keepdims", "keep_dims", "reduction_indices"})


class HandWrittenLogsumexp(Rule):
    code = "NN106"
    name = "hand-written-logsumexp"
    severity = Severity.INFO
    summary = "`log(sum(exp(x)))` overflows for large `x`; `logsumexp` is the stable form."

    what_it_does = (
        "Finds a natural log of a sum of exponentials over a visible axis, in any framework: "
        "`torch.log(torch.sum(torch.exp(x), dim=1))`, `x.exp().sum(1).log()`, "
        "`tf.log(tf.reduce_sum(tf.exp(x), axis=1))`, `K.log(K.sum(K.exp(x), axis=-1))`, "
        "`keras.ops.log(keras.ops.sum(keras.ops.exp(x), axis=1))`, with the three calls nested "
        "directly or through single local assignments."
    )
    why_bad = (
        "`exp` overflows float32 to `inf` once `x` passes about 88, and the log of `inf` is "
        "`inf`: the loss and every gradient become NaN. `logsumexp` subtracts the maximum "
        "first and computes the same value without overflow."
    )
    stays_silent = (
        "- No axis given (the sum over everything is rarely a log-sum-exp).\n"
        "- The exponent already subtracts something (`exp(x - x.max())`): stabilised by hand.\n"
        "- `log2`/`log10`, or calls of different frameworks mixed."
    )
    example = (
        "import torch\n\n"
        "log_z = torch.log(torch.sum(torch.exp(scores), dim=1))\n"
    )
    use_instead = (
        "import torch\n\n"
        "log_z = torch.logsumexp(scores, dim=1)\n"
    )
    fix_safety = (
        "When the three calls are nested directly and the sum has only an axis and keepdims, a "
        "safe fix rewrites them to the framework's fused function beside the sum "
        "(`torch.logsumexp`, the tensor method `logsumexp`, `tf.reduce_logsumexp`, "
        "`K.logsumexp`, `keras.ops.logsumexp`) with the same axis and keepdims arguments."
    )

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        if ctx.leaf(node.func) != "log":
            return
        summed = _log_operand(node, ctx)
        if summed is None:
            return
        total = origin(Value(summed, ctx.here()))
        found = _sum(total, ctx)
        if found is None:
            return
        exp_argument, fused = found
        exponentials = origin(exp_argument)
        x = _exp_operand(exponentials, ctx)
        if x is None or _subtracts(origin(Value(x, exponentials.where)).node):
            return  # `exp(x - x.max())`: stabilised by hand
        direct = summed is total.node and exp_argument.node is exponentials.node
        replacement = fused.call(x, ctx) if direct and fused is not None else None
        fix = None
        if replacement is not None:
            fix = NodeFix(Applicability.SAFE, "Replace log(sum(exp(x))) with logsumexp", ((node, replacement),))
        advice = f"use `{replacement}`" if replacement else "use the framework's `logsumexp` on the exponent"
        self.report(node, f"`log(sum(exp(x)))` overflows to inf once `x` passes about 88; {advice}.", fix)


def _log_operand(call: cst.Call, ctx: FileContext) -> Optional[cst.BaseExpression]:
    func = call.func
    if ctx.match(func, _NATURAL_LOGS):
        return operand(call) if len(call.args) == 1 else None
    if ctx.uses_torch and isinstance(func, cst.Attribute) and not call.args and not ctx.qualified_names(func):
        return func.value
    return None


@dataclass(frozen=True)
class _Fused:
    """How to write the fused call: `callee(x, *args)`, or `x.logsumexp(*args)` when the
    callee is None (the tensor method)."""

    callee: Optional[str]
    args: List[str]

    def call(self, x: cst.BaseExpression, ctx: FileContext) -> str:
        if self.callee is None:
            return f"{_receiver_code(x, ctx)}.{torch.LOGSUMEXP_BESIDE_SUM}({', '.join(self.args)})"
        return f"{self.callee}({', '.join([ctx.code_for(x), *self.args])})"


def _sum(total: Value, ctx: FileContext) -> Optional[Tuple[Value, Optional[_Fused]]]:
    """For a sum over a visible axis: the summed value, and how to write the fused call when
    the sum's arguments carry over unchanged."""
    call = total.node
    if not isinstance(call, cst.Call):
        return None
    func = call.func
    name = ctx.match(func, _SUMS, total.where)
    if name is not None:
        axes, fused_name = _SUMS[name]
        summed = operand(call)
        if summed is None or not any(argument(call, axis) is not None for axis in axes):
            return None
        rest = [a for a in call.args if a.value is not summed]
        fused = None
        if isinstance(func, cst.Attribute) and _rewritable(rest):
            fused = _Fused(f"{ctx.code_for(func.value)}.{fused_name}", [_arg(a, ctx) for a in rest])
        return Value(summed, total.where), fused
    if ctx.uses_torch and isinstance(func, cst.Attribute) and func.attr.value == "sum" and not ctx.qualified_names(func):
        if argument(call, torch.SUM_METHOD_AXIS) is None:
            return None
        fused = _Fused(None, [_arg(a, ctx) for a in call.args]) if _rewritable(call.args) else None
        return Value(func.value, total.where), fused
    return None


def _exp_operand(value: Value, ctx: FileContext) -> Optional[cst.BaseExpression]:
    call = value.node
    if not isinstance(call, cst.Call):
        return None
    func = call.func
    if ctx.match(func, _EXP, value.where):
        return operand(call) if len(call.args) == 1 else None
    if ctx.uses_torch and isinstance(func, cst.Attribute) and func.attr.value == "exp" and not call.args \
            and not ctx.qualified_names(func):
        return func.value
    return None


def _subtracts(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract)


def _rewritable(args: Sequence[cst.Arg]) -> bool:
    """Only an axis and keepdims, which the fused function takes at the same positions."""
    return all(
        not a.star and (a.keyword is None or a.keyword.value in _SHARED_KEYWORDS) for a in args
    ) and sum(a.keyword is None for a in args) <= 2


def _arg(arg: cst.Arg, ctx: FileContext) -> str:
    code = ctx.code_for(arg.value)
    return f"{arg.keyword.value}={code}" if arg.keyword is not None else code


def _receiver_code(node: cst.BaseExpression, ctx: FileContext) -> str:
    code = ctx.code_for(node)
    tight = (cst.Name, cst.Attribute, cst.Call, cst.Subscript)
    return code if isinstance(node, tight) or getattr(node, "lpar", None) else f"({code})"
