"""NN404: an L1/L2 coefficient or weight decay so large that the penalty dominates the loss."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst

from nnlint.analysis.arguments import argument
from nnlint.analysis.constants import constants, dict_entry
from nnlint.analysis.names import leaves
from nnlint.checks.values import number_text, shown
from nnlint.frameworks.hyperparameters import OPTIMIZERS, REGULARIZERS, Optimizer
from nnlint.rule import Option, Rule, Severity

_LEAVES = leaves(REGULARIZERS) | leaves(OPTIMIZERS)


class ExcessiveRegularization(Rule):
    code = "NN404"
    name = "excessive-regularization"
    severity = Severity.WARNING
    summary = "A regularization coefficient this large makes the penalty dominate the loss."

    options = {
        "coefficient-max": Option(
            float, 0.1,
            "the L1/L2 coefficient, or coupled weight decay (SGD, Adam, RMSprop, ...), from which a "
            "value is reported (inclusive)",
        ),
        "decoupled-weight-decay-max": Option(
            float, 1.0,
            "the decoupled weight decay (torch AdamW, every Keras optimizer's `weight_decay`, TF1 "
            "`AdamWOptimizer`) from which a value is reported (inclusive)",
        ),
    }

    what_it_does = (
        "Finds an L1/L2 regularizer with a coefficient of `coefficient-max` (0.1) or more "
        "(`keras.regularizers.l2(0.1)`, `L1L2(l1=...)`, `tf.contrib.layers.l2_regularizer(scale=0.1)`), "
        "a `weight_decay` of 0.1 or more in an optimizer that adds it to the gradient (torch SGD, "
        "Adam, RMSprop, Adagrad, also in a parameter group), and a decoupled weight decay of "
        "`decoupled-weight-decay-max` (1.0) or more (torch AdamW, Keras optimizers). Values flow "
        "through constants, `argparse` defaults and config dictionaries like NN401's."
    )
    why_bad = (
        "With a coefficient of 0.1 on the squared weights, the penalty outweighs a "
        "cross-entropy of about 2 as soon as the weights have any size: the optimizer shrinks "
        "every weight towards zero instead of fitting the data, and the model underfits with "
        "a loss that stops improving early."
    )
    stays_silent = (
        "- Hand-written penalties (`loss += beta * tf.nn.l2_loss(W)`), whose right scale "
        "depends on how the loss is normalised.\n"
        "- Decoupled weight decay below 1.0 (`AdamW(weight_decay=0.1)` is a common setting).\n"
        "- Keras' `decay=` argument, which decays the learning rate, not the weights.\n"
        "- Values not known before the script runs."
    )
    example = (
        "from tensorflow import keras\n\n"
        "layer = keras.layers.Dense(256, activation=\"relu\",\n"
        "                           kernel_regularizer=keras.regularizers.l2(0.1))\n"
    )
    use_instead = (
        "from tensorflow import keras\n\n"
        "layer = keras.layers.Dense(256, activation=\"relu\",\n"
        "                           kernel_regularizer=keras.regularizers.l2(1e-4))\n"
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.leaf(node.func) not in _LEAVES:
            return
        qualified = self.ctx.match(node.func, REGULARIZERS)
        if qualified is not None:
            self._check_regularizer(node, qualified)
            return
        qualified = self.ctx.match(node.func, OPTIMIZERS)
        if qualified is not None:
            self._check_optimizer(node, qualified.rsplit(".", 1)[-1], OPTIMIZERS[qualified])

    def _check_regularizer(self, node: cst.Call, qualified: str) -> None:
        api = qualified.rsplit(".", 1)[-1]
        limit = self.settings["coefficient-max"]
        for param in REGULARIZERS[qualified]:
            expr = argument(node, param)
            value = self._number(expr)
            if value is not None and value >= limit:
                self.report(node, (
                    f"Regularization coefficient {shown(self.ctx, expr, value)} in {api} is at or above "
                    f"{number_text(limit)}, so the penalty outweighs the loss and the model underfits; "
                    f"use about 1e-4."
                ))
                return

    def _check_optimizer(self, node: cst.Call, api: str, spec: Optimizer) -> None:
        if spec.weight_decay is None:
            return
        limit = self.settings["decoupled-weight-decay-max" if spec.decoupled else "coefficient-max"]
        for expr in _weight_decays(node, spec):
            value = self._number(expr)
            if value is None or value < limit:
                continue
            kind = "Decoupled weight decay" if spec.decoupled else "Weight decay"
            typical = "0.01" if spec.decoupled else "5e-4"
            self.report(node, (
                f"{kind} {shown(self.ctx, expr, value)} in {api} is at or above "
                f"{number_text(limit)}, so shrinking the weights outweighs fitting the data; "
                f"use about {typical}."
            ))
            return

    def _number(self, expr: Optional[cst.BaseExpression]) -> Optional[float]:
        return None if expr is None else constants(self.ctx).number(expr, self.ctx.here())


def _weight_decays(node: cst.Call, spec: Optimizer) -> Iterator[cst.BaseExpression]:
    """The optimizer's `weight_decay=`, then those of its parameter groups."""
    expr = argument(node, spec.weight_decay)
    if expr is not None:
        yield expr
    if spec.takes_params and node.args and isinstance(node.args[0].value, (cst.List, cst.Tuple)):
        for element in node.args[0].value.elements:
            decay = dict_entry(element.value, "weight_decay")
            if decay is not None:
                yield decay

