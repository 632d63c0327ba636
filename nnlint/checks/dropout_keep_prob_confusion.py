"""NN402: a keep probability passed where a drop rate is expected, or the reverse."""

from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from nnlint.analysis.arguments import argument
from nnlint.analysis.constants import constants
from nnlint.analysis.names import leaves
from nnlint.analysis.scopes import dotted_name
from nnlint.analysis.tf_graph import graph_mode_facts
from nnlint.checks.values import number_text, shown
from nnlint.frameworks.hyperparameters import (
    DROPOUT,
    KEEP,
    RATE,
    TF_NN_DROPOUT,
    TF1_NN_DROPOUT_KEEP,
    TF_NN_DROPOUT_KEEP,
    TF_NN_DROPOUT_RATE,
    DropoutArgument,
)
from nnlint.rule import Option, Rule, Severity

_TABLE = set(DROPOUT) | {TF_NN_DROPOUT}
_LEAVES = leaves(_TABLE)
_KEEP_NAME = re.compile(r"keep", re.IGNORECASE)


class DropoutKeepProbConfusion(Rule):
    code = "NN402"
    name = "dropout-keep-prob-confusion"
    severity = Severity.WARNING
    summary = "A dropout keep probability passed as a drop rate (or the reverse) drops most of the units."

    options = {
        "rate-max": Option(float, 0.8, "the drop rate from which a rate is reported as a likely keep probability (inclusive)"),
        "keep-prob-min": Option(
            float, 0.2, "the keep probability up to which it is reported as a likely drop rate (inclusive)"
        ),
    }

    what_it_does = (
        "Finds a drop rate of `rate-max` (0.8) or more where the API expects a rate "
        "(`keras.layers.Dropout(0.9)`, `nn.Dropout(p=0.9)`, `F.dropout(x, p=0.9)`, "
        "`tf.nn.dropout(x, rate=0.9)`, `dropout=`/`recurrent_dropout=` of recurrent and "
        "attention layers), a keep probability of `keep-prob-min` (0.2) or less where TF1 "
        "expects one (`tf.nn.dropout(x, keep_prob=0.1)`, `DropoutWrapper`), and a value named "
        "like a keep probability (`keep_prob`, `KEEP_RATE`) passed as a rate, whatever its value."
    )
    why_bad = (
        "TF1's `tf.nn.dropout` took the probability of *keeping* a unit; Keras, PyTorch and TF2 "
        "take the probability of *dropping* it. Code ported between them keeps its 0.9 and "
        "now drops 90% of the units: the network barely learns, and nothing fails."
    )
    stays_silent = (
        "- Rates below 0.8 and keep probabilities above 0.2.\n"
        "- A keep probability converted before use (`nn.Dropout(p=1 - keep_prob)`).\n"
        "- TF1 code that names its keep probability `dropout`: that naming is common and the "
        "value goes to the right argument.\n"
        "- `tf.nn.dropout(x, 0.9)` with a positional second argument in a module that is not "
        "visibly TF1 (no session or placeholder): its meaning depends on the TensorFlow version."
    )
    example = (
        "from tensorflow import keras\n\n"
        "model = keras.Sequential([\n"
        "    keras.layers.Dense(512, activation=\"relu\"),\n"
        "    keras.layers.Dropout(0.9),\n"
        "    keras.layers.Dense(10),\n"
        "])\n"
    )
    use_instead = (
        "from tensorflow import keras\n\n"
        "model = keras.Sequential([\n"
        "    keras.layers.Dense(512, activation=\"relu\"),\n"
        "    keras.layers.Dropout(0.1),\n"
        "    keras.layers.Dense(10),\n"
        "])\n"
    )
    story = "The seeds' networks that would not learn used \"dropout 0.75 or 0.9\", meant as keep probabilities."

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.leaf(node.func) not in _LEAVES:
            return
        qualified = self.ctx.match(node.func, _TABLE)
        if qualified is None:
            return
        if qualified == TF_NN_DROPOUT:
            arguments = self._tf_nn_dropout(node)
        else:
            arguments = DROPOUT[qualified]
        api = qualified.rsplit(".", 1)[-1]
        for spec in arguments:
            expr = argument(node, spec.param)
            if expr is not None and self._check(node, api, spec, expr):
                return

    def _tf_nn_dropout(self, node: cst.Call):
        if argument(node, TF_NN_DROPOUT_RATE.param) is not None:
            return (TF_NN_DROPOUT_RATE,)
        if graph_mode_facts(self.ctx) is not None:
            return (TF1_NN_DROPOUT_KEEP,)
        return (TF_NN_DROPOUT_KEEP,)

    def _check(self, node: cst.Call, api: str, spec: DropoutArgument, expr: cst.BaseExpression) -> bool:
        label = f"`{spec.param.keyword}`"
        if spec.meaning == RATE:
            keep_name = _keep_name(expr)
            if keep_name is not None:
                self.report(node, (
                    f"`{keep_name}` is a keep probability but {api} takes the drop rate in {label}; "
                    f"pass `1 - {keep_name}`."
                ))
                return True
        value = constants(self.ctx).number(expr, self.ctx.here())
        if value is None or not 0 <= value <= 1:
            return False
        if spec.meaning == RATE and value >= self.settings["rate-max"]:
            self.report(node, (
                f"{api} drops {shown(self.ctx, expr, value)} of the units, which looks like a keep "
                f"probability; pass the drop rate {number_text(round(1 - value, 6))} if that was meant."
            ))
            return True
        if spec.meaning == KEEP and value <= self.settings["keep-prob-min"]:
            self.report(node, (
                f"{api} keeps only {shown(self.ctx, expr, value)} of the units, which looks like a drop "
                f"rate; pass the keep probability {number_text(round(1 - value, 6))} if that was meant."
            ))
            return True
        return False


def _keep_name(expr: cst.BaseExpression) -> Optional[str]:
    """The name of a value that says it is a keep probability (`keep_prob`, `args.keep_rate`)."""
    name = dotted_name(expr)
    if name is not None and _KEEP_NAME.search(name.rsplit(".", 1)[-1]):
        return name
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        key = expr.slice[0].slice.value
        if isinstance(key, cst.SimpleString) and _KEEP_NAME.search(key.value):
            return None if dotted_name(expr.value) is None else f"{dotted_name(expr.value)}[{key.value}]"
    return None
