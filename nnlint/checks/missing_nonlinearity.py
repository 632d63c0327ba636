"""NN305: two dense layers in a row with no activation between them."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.activations import LINEAR
from nnlint.analysis.arguments import argument
from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.model_structure import is_dense
from nnlint.checks.output_loss import OutputRule, shown, visited_sequence
from nnlint.frameworks import keras
from nnlint.rule import Severity


class MissingNonlinearity(OutputRule):
    code = "NN305"
    name = "missing-nonlinearity"
    severity = Severity.WARNING
    summary = "Two dense layers in a row with no activation between them collapse into one."

    what_it_does = (
        "Finds, in a Keras `Sequential` (list or `.add`) or a torch `nn.Sequential` (arguments, "
        "`OrderedDict`, `add_module`, `*layers`), a dense layer with no activation "
        "(`Dense(64)`, `nn.Linear(a, b)`) directly followed by another dense layer."
    )
    why_bad = (
        "The composition of two linear maps is one linear map: the pair has the capacity of a "
        "single layer, and the extra parameters only slow training down. The missing "
        "activation was almost always meant to be there."
    )
    stays_silent = (
        "- Anything between the two layers: an activation, normalization, dropout, a reshape.\n"
        "- An activation given explicitly as none (`activation=None`, `\"linear\"`): a "
        "deliberate linear bottleneck.\n"
        "- The last layer's own missing activation (NN104's concern).\n"
        "- Layers added under an `if` or in a loop, whose order is not certain."
    )
    example = (
        "import torch.nn as nn\n\n"
        "model = nn.Sequential(\n"
        "    nn.Linear(784, 256),\n"
        "    nn.Linear(256, 10),\n"
        ")\n"
    )
    use_instead = (
        "import torch.nn as nn\n\n"
        "model = nn.Sequential(\n"
        "    nn.Linear(784, 256),\n"
        "    nn.ReLU(),\n"
        "    nn.Linear(256, 10),\n"
        ")\n"
    )

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        sequence = visited_sequence(node, ctx)
        if sequence is None:
            return
        layers, conditional = sequence.values, sequence.conditional
        for i in range(len(layers) - 1):
            if conditional[i] or conditional[i + 1]:
                continue
            first, second = origin(layers[i]), origin(layers[i + 1])
            if not (is_dense(first, ctx.resolver) and is_dense(second, ctx.resolver)):
                continue
            if self._activation_left_out(first):
                self._report_layer(first, second)

    def _activation_left_out(self, layer: Value) -> bool:
        """No activation, and not because one was explicitly declined."""
        ctx = self.ctx
        output = ctx.activations.model_output(layer)
        if output is None or output.kind != LINEAR:
            return False
        name = ctx.match(layer.node.func, keras.LAYERS_WITH_ACTIVATION, layer.where)
        return name is None or argument(layer.node, keras.LAYERS_WITH_ACTIVATION[name]) is None

    def _report_layer(self, first: Value, second: Value) -> None:
        ctx = self.ctx
        self.report_once(
            first,
            f"{shown(first.node, ctx)} has no activation and feeds {shown(second.node, ctx)} directly, so the "
            "two collapse into one linear map; add an activation (such as ReLU) between them.",
        )
