"""NN103: `log(softmax(x))`, which `log_softmax` computes without underflow."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint import frameworks
from nnlint.analysis.context import FileContext
from nnlint.analysis.logs import SOFTMAX, LogCall, log_call_facts
from nnlint.checks.fixes import log_softmax_call
from nnlint.rule import Applicability, NodeFix, Rule, Severity


class LogOfSoftmax(Rule):
    code = "NN103"
    name = "log-of-softmax"
    severity = Severity.WARNING
    summary = "`log(softmax(x))` underflows to -inf; `log_softmax(x)` is the stable form."

    what_it_does = (
        "Finds a framework log applied to a softmax output: `tf.log(tf.nn.softmax(x))`, "
        "`torch.log(F.softmax(x, dim=1))`, `F.softmax(x, 1).log()`, `K.log(K.softmax(x))`, "
        "`keras.ops.log(keras.ops.softmax(x))`, a softmax layer or `nn.Softmax` module output, "
        "also when the softmax output reaches the log through local variables or `self` attributes."
    )
    why_bad = (
        "Softmax divides exponentials; for a confident model the small probabilities underflow "
        "to exactly 0 in float32 and their log is `-inf`, which turns the loss and every gradient "
        "into NaN. `log_softmax` computes `x - logsumexp(x)` directly and never underflows."
    )
    stays_silent = (
        "- The softmax output is guarded before the log (`tf.log(p + eps)`, "
        "`torch.clamp(p, min=eps)`, `tf.clip_by_value`): that is no longer `log(softmax)`.\n"
        "- A sigmoid output: NN101 covers it.\n"
        "- An element taken out of the softmax output (`torch.log(p[range(n), y])`): NN101 reports it."
    )
    example = (
        "import torch.nn.functional as F\n\n"
        "log_probs = F.softmax(logits, dim=1).log()\n"
    )
    use_instead = (
        "import torch.nn.functional as F\n\n"
        "log_probs = F.log_softmax(logits, dim=1)\n"
    )
    fix_safety = (
        "When the softmax call is the log's direct argument and its framework has a "
        "`log_softmax` with the same arguments (`tf.nn`, `tf.math`, `torch`, "
        "`torch.nn.functional`, `torch.special`, `keras.ops`, the tensor method), a safe fix "
        "rewrites `log(softmax(x, axis))` to `log_softmax(x, axis)`, keeping the axis or dim. "
        "It computes the same values, only without the underflow."
    )
    story = (
        "The seed case: the TF1 MNIST tutorial's `y = tf.nn.softmax(...)` followed by "
        "`-tf.reduce_sum(y_ * tf.log(y))` produced NaN losses once the model became confident."
    )

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        facts = log_call_facts(node, ctx)
        if facts is None:
            return
        log, argument = facts
        if argument.kind != SOFTMAX or argument.softmax_call is None:
            return
        replacement = _log_softmax_replacement(log, argument.softmax_call, argument.direct, ctx)
        advice = f"replace it with `{replacement}`" if replacement else f"use {_advice(ctx)} on the logits instead"
        fix = None
        if replacement is not None:
            fix = NodeFix(Applicability.SAFE, "Replace log(softmax(...)) with log_softmax(...)",
                          ((node, replacement),))
        shown = log.shown(ctx)
        self.report(
            node,
            f"{shown} of a softmax output underflows to log(0) = -inf and NaN gradients; {advice}.",
            fix,
        )


def _log_softmax_replacement(
    log: LogCall, softmax: cst.Call, direct: bool, ctx: FileContext
) -> Optional[str]:
    func = log.call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value
    if not direct or name != "log" or (not log.method and len(log.call.args) != 1):
        return None
    if isinstance(softmax.func, cst.Attribute) and not ctx.qualified_names(softmax.func):
        # The tensor method `logits.softmax(dim)`.
        if softmax.func.attr.value == "softmax" and ctx.uses_torch:
            return log_softmax_call(softmax, ctx)
        return None
    if ctx.match(softmax.func, frameworks.LOG_SOFTMAX_TWINS):
        return log_softmax_call(softmax, ctx)
    return None


def _advice(ctx: FileContext) -> str:
    if ctx.uses_torch:
        return "`F.log_softmax` (or `nn.LogSoftmax`)"
    if "tensorflow" in ctx.imported_roots:
        return "`tf.nn.log_softmax`"
    return "`keras.ops.log_softmax` (Keras 3) or `tf.nn.log_softmax`"
