"""NN302: softmax over a single unit, which always outputs 1.0."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import libcst as cst

from nnlint import frameworks
from nnlint.analysis.activations import LINEAR, SOFTMAX, Output
from nnlint.analysis.arguments import argument
from nnlint.analysis.constants import constants
from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.names import Where
from nnlint.checks.output_loss import OutputRule, output_units, shown, trained_output, visited_sequence
from nnlint.frameworks import tensorflow
from nnlint.rule import Severity


class SoftmaxOnSingleUnit(OutputRule):
    code = "NN302"
    name = "softmax-on-single-unit"
    severity = Severity.ERROR
    summary = "Softmax over one unit always outputs 1.0: zero gradient, constant loss."

    what_it_does = (
        "Finds softmax applied over the unit axis of a layer with one unit: "
        "`Dense(1, activation=\"softmax\")`, `tf.layers.dense(h, 1, activation=tf.nn.softmax)`, "
        "an `Activation(\"softmax\")` or `Softmax()` layer right after `Dense(1)`, "
        "`tf.nn.softmax` of a `[batch, 1]` output (`tf.matmul(h, W)` with `W` of shape `[n, 1]`), "
        "`nn.Linear(n, 1)` followed by `nn.Softmax()` with no dim (torch then normalises a "
        "`[batch, 1]` output over its single unit) or `dim=-1`, and any softmax over one unit "
        "that feeds a loss."
    )
    why_bad = (
        "Softmax normalises over the units: with one unit the result is exp(x) / exp(x) = 1.0 "
        "for every input. The gradient is zero, the loss never changes and accuracy stays at "
        "the share of the majority class."
    )
    stays_silent = (
        "- Softmax over another axis (`tf.nn.softmax(scores, axis=1)` over a sequence of "
        "one-unit attention scores), and torch softmax with an explicit `dim` other than -1 "
        "unless its output feeds a loss (attention pooling over `[batch, seq, 1]` scores is common).\n"
        "- Unit counts that cannot be seen."
    )
    example = (
        "from tensorflow import keras\n\n"
        "model = keras.Sequential([\n"
        "    keras.layers.Dense(16, activation=\"relu\"),\n"
        "    keras.layers.Dense(1, activation=\"softmax\"),\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"binary_crossentropy\")\n"
    )
    use_instead = (
        "from tensorflow import keras\n\n"
        "model = keras.Sequential([\n"
        "    keras.layers.Dense(16, activation=\"relu\"),\n"
        "    keras.layers.Dense(1, activation=\"sigmoid\"),\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"binary_crossentropy\")\n"
    )

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        use = trained_output(node, ctx)
        if use is not None and use.output.kind == SOFTMAX:
            self._check(use.output)
            return
        leaf = ctx.leaf(node.func) if not isinstance(node.func, cst.Call) else None
        if leaf in ("Dense", "dense", "fully_connected"):
            output = ctx.activations.model_output(ctx.value(node)) if leaf == "Dense" else \
                ctx.activations.output(ctx.value(node))
            if output is not None and output.kind == SOFTMAX:
                self._check(output)
        elif leaf == "Sequential":
            self._check_sequence(node)
        elif self._over_last_axis(node):
            output = ctx.activations.output(ctx.value(node))
            if output is not None and output.kind == SOFTMAX:
                self._check(output)

    def _check(self, output: Output) -> None:
        if output_units(output, self.ctx) == 1:
            self.report_site(
                output,
                f"{shown(output.site.node, self.ctx)} applies softmax over a single unit, which always "
                "outputs 1.0, so the loss never changes; use sigmoid with binary cross-entropy, or two units.",
            )

    def _check_sequence(self, node: cst.Call) -> None:
        """`Sequential([..., Dense(1), Activation("softmax")])` and its `.add` form."""
        ctx = self.ctx
        sequence = visited_sequence(node, ctx)
        layers = sequence.values if sequence is not None else []
        for previous, layer in zip(layers, layers[1:]):
            if not self._applies_last_axis_softmax(origin(layer)):
                continue
            before = ctx.activations.model_output(previous)
            if before is not None and before.kind == LINEAR and before.layer is not None:
                output = ctx.activations.model_output(layer)
                if output is not None and output.kind == SOFTMAX:
                    self._check(replace(output, layer=before.layer))

    def _applies_last_axis_softmax(self, layer: Value) -> bool:
        return isinstance(layer.node, cst.Call) and self._constructed_over_last_axis(layer)

    def _over_last_axis(self, node: cst.Call) -> bool:
        """A softmax call, method or layer call that normalises over the last axis."""
        ctx = self.ctx
        func = node.func
        name = ctx.match(func, frameworks.SOFTMAX_AXES)
        if name is not None:
            return self._last_axis(node, name, ctx.here())
        if isinstance(func, cst.Attribute) and func.attr.value == "softmax" and ctx.uses_torch \
                and not ctx.qualified_names(func):
            dim = argument(node, frameworks.Param("dim", 0))
            return dim is not None and constants(ctx).value(dim, ctx.here()) == -1
        made = ctx.callee(node)
        return isinstance(made.node, cst.Call) and self._constructed_over_last_axis(made)

    def _constructed_over_last_axis(self, layer: Value) -> bool:
        name = self.ctx.match(layer.node.func, frameworks.SOFTMAX_AXES, layer.where)
        return name is not None and self._last_axis(layer.node, name, layer.where)

    def _last_axis(self, call: cst.Call, name: str, where: Where) -> bool:
        param, default_is_last = frameworks.SOFTMAX_AXES[name]
        axis: Optional[cst.BaseExpression] = argument(call, param)
        if axis is None and name in tensorflow.SOFTMAX_AXES:
            axis = argument(call, frameworks.Param("dim"))  # TF1's name for it
        if axis is None:
            return default_is_last
        return constants(self.ctx).value(axis, where) == -1
