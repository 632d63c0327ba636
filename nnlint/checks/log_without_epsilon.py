"""NN101: a log whose argument can be exactly 0."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.logs import SIGMOID, SOFTMAX, UNKNOWN, is_cross_entropy_term, log_call_facts
from nnlint.checks.fixes import add_epsilon
from nnlint.rule import Rule, Severity


class LogWithoutEpsilon(Rule):
    code = "NN101"
    name = "log-without-epsilon"
    severity = Severity.ERROR
    summary = "`log` of a softmax/sigmoid output or a hand-written cross-entropy term with no epsilon."

    what_it_does = (
        "Finds `tf.log`, `tf.math.log`, `K.log`, `keras.ops.log`, `torch.log`/`log2`/`log10` and "
        "the tensor method `p.log()` applied to a value that can be exactly 0: the output of a "
        "softmax or sigmoid (directly, or through local variables, `self` attributes, indexing "
        "and reshapes), or the prediction inside a hand-written cross-entropy "
        "(`labels * log(pred)` summed or averaged)."
    )
    why_bad = (
        "In float32 a softmax or sigmoid output underflows to exactly 0 as soon as the model is "
        "confident. `log(0)` is `-inf`, its gradient is infinite, and after one update every "
        "weight is NaN: the loss prints `nan` and training is over, often hours in."
    )
    stays_silent = (
        "- The argument is guarded: `p + eps` (any constant or name added), `tf.clip_by_value`, "
        "`tf.maximum(p, c)`, `torch.clamp(p, min=...)`, `torch.clamp_min`, `p.clamp(min=...)`, "
        "`K.clip`, `K.epsilon()` in the sum, `exp(...)`, a literal, `1 + ...`, also when the "
        "guard is applied earlier through a variable.\n"
        "- The argument's origin is unknown and the log is not the log-term of a hand-written "
        "cross-entropy (`torch.log(x)` of a parameter, `tf.log(std)`).\n"
        "- The function is not the framework's: a local `def log(x)`, `np.log`, `math.log`.\n"
        "- `log(softmax(...))` when NN103 is selected: NN103 reports it, once."
    )
    known_problems = (
        "Dataflow stays within one module and follows assignments, `self` attributes and the "
        "returns of the module's own functions, methods and modules. It does not follow values "
        "through lists, dictionaries or function parameters, so a cross-entropy whose product "
        "is reduced on a later line (`ce = y * tf.log(p)` then `tf.reduce_sum(ce)`) and a log of "
        "a probability passed in from a caller are missed."
    )
    example = (
        "import tensorflow as tf\n\n"
        "y = tf.sigmoid(logits)\n"
        "loss = -tf.reduce_mean(t * tf.log(y) + (1 - t) * tf.log(1 - y))\n"
    )
    use_instead = (
        "import tensorflow as tf\n\n"
        "loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=t, logits=logits))\n"
    )
    fix_safety = (
        "An unsafe fix adds `1e-8` to the argument (`tf.log(y + 1e-8)`). It changes the computed "
        "values, so it is only applied with `--unsafe-fixes`; computing the loss from logits "
        "is the better repair."
    )
    story = (
        "The seed report: a TF1 MNIST model trained with the textbook "
        "`-tf.reduce_sum(y_ * tf.log(y))` printed a NaN loss after a few hundred steps."
    )

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        facts = log_call_facts(node, ctx)
        if facts is None:
            return
        log, argument = facts
        if argument.kind == SOFTMAX and argument.softmax_call is not None and ctx.is_selected("NN103"):
            return
        shown = log.shown(ctx)
        if argument.kind in (SOFTMAX, SIGMOID):
            self.report(
                node,
                f"{shown} of a {argument.kind} output is -inf as soon as a probability underflows "
                "to 0, and the gradients turn NaN; add an epsilon or clip the input, or compute "
                "the loss from the logits.",
                add_epsilon(log, ctx),
            )
        elif (
            argument.kind == UNKNOWN
            and (not log.method or ctx.uses_torch)
            and is_cross_entropy_term(ctx)
        ):
            self.report(
                node,
                f"{shown} in a hand-written cross-entropy is -inf as soon as a prediction reaches "
                "0, and the gradients turn NaN; use the framework's cross-entropy on logits, or "
                "clip the prediction before the log.",
                add_epsilon(log, ctx),
            )
