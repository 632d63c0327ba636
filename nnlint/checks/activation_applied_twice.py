"""NN105: softmax (or sigmoid) applied to a value that already went through it."""

from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from nnlint import frameworks
from nnlint.analysis.activations import SIGMOID, SOFTMAX
from nnlint.analysis.arguments import operand
from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.loss_resolution import prediction_output
from nnlint.checks.output_loss import OutputRule, shown, visited_sequence
from nnlint.frameworks import keras, torch
from nnlint.rule import Severity

_TWICE = (SOFTMAX, SIGMOID)


class ActivationAppliedTwice(OutputRule):
    code = "NN105"
    name = "activation-applied-twice"
    severity = Severity.ERROR
    summary = "Softmax or sigmoid applied to a value that already went through it."

    what_it_does = (
        "Finds softmax applied to a softmax output and sigmoid to a sigmoid output: "
        "`F.softmax(F.softmax(x))`, `tf.nn.softmax(model(x))` where the model's last layer is "
        "softmax, an `Activation(\"softmax\")` or `Softmax()` layer after "
        "`Dense(n, activation=\"softmax\")`, `nn.Softmax` after `nn.Softmax` in an "
        "`nn.Sequential`, also through local variables, `forward`/`call` methods and builder functions."
    )
    why_bad = (
        "The second softmax sees values in [0, 1], so its output is close to uniform: the "
        "predicted distribution is flattened, and when the result is trained on, the gradients "
        "nearly vanish and the loss barely moves. A second sigmoid maps everything into "
        "[0.5, 0.73]."
    )
    stays_silent = (
        "- A softmax of a log-softmax output, or of anything whose activation cannot be seen.\n"
        "- Softmax over a sigmoid output, or the reverse (different mistakes, if any)."
    )
    example = (
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n\n"
        "model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))\n"
        "probs = F.softmax(model(images), dim=1)\n"
    )
    use_instead = (
        "import torch.nn as nn\n\n"
        "model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))\n"
        "probs = model(images)\n"
    )

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        sequence = visited_sequence(node, ctx)
        if sequence is not None:
            layers = sequence.values
            for previous, layer in zip(layers, layers[1:]):
                kind = _activation_layer(origin(layer), ctx)
                before = ctx.activations.model_output(previous) if kind is not None else None
                if before is not None and before.kind == kind:
                    self._report(layer, kind, before.site.node)
            return
        applied = self._application(node)
        if applied is None:
            return
        kind, activated = applied
        before = prediction_output(Value(activated, ctx.here()), ctx)
        if before is not None and before.kind == kind:
            self._report(ctx.value(node), kind, before.site.node)

    def _application(self, node: cst.Call) -> Optional[Tuple[str, cst.BaseExpression]]:
        """(kind, the value it is applied to) for a softmax/sigmoid call, method or layer call."""
        ctx = self.ctx
        func = node.func
        names = ctx.qualified_names(func)
        for name in names:
            kind = frameworks.ACTIVATION_FUNCTIONS.get(name)
            activated = operand(node)
            return (kind, activated) if kind in _TWICE and activated is not None else None
        if names:
            return None
        if ctx.uses_torch and isinstance(func, cst.Attribute) and \
                torch.ACTIVATION_METHODS.get(func.attr.value) in _TWICE:
            return torch.ACTIVATION_METHODS[func.attr.value], func.value
        made = ctx.callee(node)
        kind = _activation_layer(made, ctx)
        if kind is None or not node.args or node.args[0].keyword is not None:
            return None
        return kind, node.args[0].value

    def _report(self, layer: Value, kind: str, first: cst.CSTNode) -> None:
        squashed = "uniform" if kind == SOFTMAX else "0.5-0.73"
        self.report_once(
            layer,
            f"{shown(layer.node, self.ctx)} applies {kind} to the output of {shown(first, self.ctx)}, which "
            f"already applied it, so the result is squashed towards {squashed}; apply it once.",
        )


def _activation_layer(made: Value, ctx) -> Optional[str]:
    """softmax/sigmoid for a layer or module that is only that activation."""
    node = made.node
    if not isinstance(node, cst.Call):
        return None
    for name in ctx.qualified_names(node.func, made.where):
        kind = torch.ACTIVATION_MODULES.get(name) or keras.ACTIVATION_LAYERS.get(name)
        if kind is None and name == keras.ACTIVATION_LAYER:
            kind = ctx.activations.model_output(made)
            kind = kind.kind if kind is not None else None
        return kind if kind in _TWICE else None
    return None
