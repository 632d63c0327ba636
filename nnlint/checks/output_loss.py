"""What the output-layer rules (NN102, NN104, NN301, NN302, NN304) share: the trained output a
loss call or `compile` sees, and how to name the layer and the loss in a message.

Each of these rules reports the node that applies the model's last activation (the `Dense`
layer, the `nn.Softmax` module, the `return F.relu(...)`), because that is where the fix goes,
and reports it once however many losses see it.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Set

import libcst as cst

from nnlint.analysis.activations import LINEAR, Output
from nnlint.analysis.arguments import argument
from nnlint.analysis.context import FileContext
from nnlint.analysis.dataflow import Value
from nnlint.analysis.names import Where
from nnlint.analysis.loss_resolution import LossUse, loss_use
from nnlint.analysis.model_structure import Layers, is_dense, sequential_layers, units
from nnlint import frameworks
from nnlint.frameworks import keras
from nnlint.rule import Rule

_LONGEST_SHOWN = 60

ACTIVATION_NAMES = {
    "softmax": "softmax",
    "sigmoid": "sigmoid",
    "relu": "a ReLU-family activation",
    "tanh": "tanh",
    "log_softmax": "log-softmax",
    LINEAR: "no activation",
}


def trained_output(node: cst.Call, ctx: FileContext) -> Optional[LossUse]:
    """The loss use at the call being visited, when the prediction's last activation is seen."""
    use = loss_use(node, ctx)
    return use if use is not None and use.output is not None else None


def on_dense_layer(output: Output, ctx: FileContext) -> bool:
    """The activation is applied to a dense layer: what a classifier's or regressor's output
    layer is (a convolution's ReLU is a feature map, not a prediction)."""
    return output.layer is not None and is_dense(output.layer, ctx.resolver)


def output_units(output: Output, ctx: FileContext) -> Optional[int]:
    return units(output.layer, ctx) if output.layer is not None else None


def shown(node: cst.CSTNode, ctx: FileContext) -> str:
    """The node's code on one line, shortened, in backticks."""
    code = " ".join(ctx.code_for(node).split())
    if len(code) > _LONGEST_SHOWN:
        code = code[: _LONGEST_SHOWN - 3].rstrip() + "..."
    return f"`{code}`"


def shown_loss(use: LossUse, ctx: FileContext) -> str:
    """`loss="mse"` for a compiled model, the loss's API name for a loss call."""
    if use.model is not None:
        loss = argument(use.call, keras.COMPILE_LOSS)
        if loss is not None:
            return f"`loss={' '.join(ctx.code_for(loss).split())}`"
    return f"`{use.loss.name}`"


def visited_sequence(node: cst.Call, ctx: FileContext) -> Optional[Layers]:
    """The layers of the `Sequential(...)` call being visited, with those `add`ed later to the
    name it is assigned to."""
    if ctx.leaf(node.func) != "Sequential" or not ctx.match(node.func, frameworks.SEQUENTIAL_CLASSES):
        return None
    parent = ctx.parent()
    holder = None
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        # The name as seen right after the assignment (where its `add` calls can follow).
        holder = Value(parent.targets[0].target, Where(ctx.scope, ctx.order + 1))
    return sequential_layers(ctx.value(node), holder, ctx.index, ctx.resolver)


class OutputRule(Rule):
    """A rule about model layers, which reports each node once however many paths reach it."""

    def __init__(self, ctx: FileContext, settings: Dict[str, Any]) -> None:
        super().__init__(ctx, settings)
        self._reported: Set[int] = set()

    def report_site(self, output: Output, message: str) -> None:
        self.report_once(output.site, message)

    def report_once(self, value: Value, message: str) -> None:
        """Report a node found by dataflow, in the statement it belongs to."""
        if id(value.node) in self._reported:
            return
        self._reported.add(id(value.node))
        self.report(value.node, message, statement=value.where.order)
