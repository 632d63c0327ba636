"""Which loss a model's output is trained with, and what that loss expects.

The output-layer rules judge a pair: the activation a model applies last (activations.py) and
the loss its output goes to. A loss is seen in one of four places:
- Keras `model.compile(loss=...)`: a string, a loss class instance (with its `from_logits=`),
  or a loss function; the model is the receiver;
- a loss function called on the prediction: `F.cross_entropy(out, y)`, `tf.nn.*_with_logits`,
  `tf.losses.*`, `keras.losses.binary_crossentropy(y, p)`;
- a loss object called on it: `criterion(out, y)` with `criterion = nn.CrossEntropyLoss()`
  assigned once (also `self.criterion`), `loss_fn(y, p)` with a Keras loss instance;
- a hand-written squared or absolute error, `tf.reduce_mean(tf.square(pred - y))`.

A loss whose origin cannot be seen (a parameter, an imported helper) resolves to nothing, and the
rules stay silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional

import libcst as cst

from nnlint import frameworks
from nnlint.analysis.activations import Output
from nnlint.analysis.arguments import argument, operand
from nnlint.analysis.constants import constants
from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.labels import label_encoding
from nnlint.analysis.names import Where
from nnlint.frameworks import keras, tensorflow
from nnlint.frameworks.loss_kinds import LOGITS, REGRESSION, VALUES, Loss
from nnlint.frameworks.params import Param

if TYPE_CHECKING:
    from nnlint.analysis.context import FileContext

_SQUARED_ERROR = Loss("a squared error", REGRESSION, VALUES, Param("prediction"), Param("labels"))
_LOSS_NAME = re.compile(r"loss|cost", re.IGNORECASE)
_LABELS_NAME = re.compile(r"label|target|^y", re.IGNORECASE)


@dataclass(frozen=True)
class LossUse:
    loss: Loss
    # What the loss expects the prediction to be, after `from_logits=`.
    takes: str
    # The compile call or loss call, and where it is evaluated.
    call: cst.Call
    where: Where
    # How the prediction was activated last (None when that cannot be seen).
    output: Optional[Output]
    # The labels expression of a loss call (a compiled model gets its labels from `fit`).
    labels: Optional[Value] = None
    # The model a Keras `compile` call configures.
    model: Optional[Value] = None


def loss_use(call: cst.Call, ctx: "FileContext", where: Optional[Where] = None) -> Optional[LossUse]:
    """The loss a call (by default the one being visited) applies or configures, with the
    output of the prediction it is given; computed once per call for all rules."""
    key = ("loss_use", id(call))
    if key not in ctx.memo:
        ctx.memo[key] = _resolve(call, where or ctx.here(), ctx)
    return ctx.memo[key]


def _resolve(call: cst.Call, where: Where, ctx: "FileContext") -> Optional[LossUse]:
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "compile":
        return _compiled(call, where, ctx)
    names = ctx.qualified_names(func, where)
    for name in names:
        loss = frameworks.LOSS_FUNCTIONS.get(name)
        if loss is not None:
            return _called(loss, _takes(loss, call, where, ctx), call, where, ctx)
        if name in frameworks.REDUCTIONS or name in tensorflow.L2_LOSS:
            return _squared_error(call, where, ctx)
        if name in frameworks.SQUARED_ERRORS and _assigned_to_loss(call, ctx):
            # `loss = tf.square(y - q)`, minimized unreduced (TF sums it).
            return _squared_error(call, where, ctx)
    if names:
        return None
    made = ctx.callee(call) if where == ctx.here() else origin(Value(func, where))
    if isinstance(made.node, cst.Call):
        loss = _loss_class(made, ctx)
        if loss is not None:
            return _called(loss, _takes(loss, made.node, made.where, ctx), call, where, ctx)
    return None


def _compiled(call: cst.Call, where: Where, ctx: "FileContext") -> Optional[LossUse]:
    expr = argument(call, keras.COMPILE_LOSS)
    if expr is None:
        return None
    model = Value(call.func.value, where)
    spec = _loss_spec(Value(expr, where), ctx)
    if spec is None:
        return None
    loss, takes = spec
    return LossUse(loss, takes, call, where, ctx.activations.model_output(model), None, model)


def _loss_spec(value: Value, ctx: "FileContext") -> Optional[tuple]:
    """The loss a Keras `loss=` argument names, and what it takes: `"mse"`, `CategoricalCrossentropy(from_logits=True)`,
    `keras.losses.binary_crossentropy`."""
    made = origin(value)
    node = made.node
    if isinstance(node, cst.SimpleString):
        text = node.evaluated_value
        loss = keras.LOSS_STRINGS.get(text.lower()) if isinstance(text, str) else None
        return (loss, loss.takes) if loss is not None else None
    if isinstance(node, cst.Call):
        loss = _loss_class(made, ctx)
        return (loss, _takes(loss, node, made.where, ctx)) if loss is not None else None
    for name in ctx.qualified_names(node, made.where):
        loss = frameworks.LOSS_FUNCTIONS.get(name)
        if loss is not None:
            return loss, loss.takes
    return None


def _loss_class(made: Value, ctx: "FileContext") -> Optional[Loss]:
    for name in ctx.qualified_names(made.node.func, made.where):
        loss = frameworks.LOSS_CLASSES.get(name)
        if loss is not None:
            return loss
    return None


def _takes(loss: Loss, call: cst.Call, where: Where, ctx: "FileContext") -> str:
    """LOGITS when the call passes `from_logits=True` (a constant), else what the loss takes."""
    if loss.from_logits is None:
        return loss.takes
    flag = argument(call, loss.from_logits)
    return LOGITS if flag is not None and constants(ctx).value(flag, where) is True else loss.takes


def _called(loss: Loss, takes: str, call: cst.Call, where: Where, ctx: "FileContext") -> LossUse:
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    if loss.either_order and len(positional) >= 2 and not any(
        a.keyword is not None and a.keyword.value in (loss.prediction.keyword, loss.labels.keyword) for a in call.args
    ):
        outputs = [prediction_output(Value(arg, where), ctx) for arg in positional[:2]]
        if (outputs[0] is None) == (outputs[1] is None):
            return LossUse(loss, takes, call, where, None)
        first = outputs[0] is not None
        output, labels = (outputs[0], positional[1]) if first else (outputs[1], positional[0])
        if not _looks_like_labels(Value(labels, where), ctx):
            return LossUse(loss, takes, call, where, None)  # soft targets from another model?
        return LossUse(loss, takes, call, where, output, Value(labels, where))
    prediction = argument(call, loss.prediction)
    labels = argument(call, loss.labels)
    output = prediction_output(Value(prediction, where), ctx) if prediction is not None else None
    return LossUse(loss, takes, call, where, output, Value(labels, where) if labels is not None else None)


def _looks_like_labels(value: Value, ctx: "FileContext") -> bool:
    """Labels made by a known encoder, fed through a placeholder, or a parameter named so."""
    if label_encoding(value, ctx) is not None:
        return True
    made = origin(value)
    if isinstance(made.node, cst.Call):
        return ctx.match(made.node.func, tensorflow.PLACEHOLDER, made.where) is not None
    return isinstance(made.node, cst.Name) and bool(_LABELS_NAME.search(made.node.value))


def prediction_output(value: Value, ctx: "FileContext") -> Optional[Output]:
    """The output behind a prediction, also when it was squeezed, reshaped or indexed first."""
    return ctx.activations.laid_out_output(value)


def _squared_error(call: cst.Call, where: Where, ctx: "FileContext") -> Optional[LossUse]:
    """`tf.reduce_mean(tf.square(pred - y))`, `tf.reduce_sum((pred - y) ** 2)`, `tf.nn.l2_loss(pred - y)`:
    a regression loss on whichever side of the difference has a visible output."""
    inner = operand(call)
    if inner is None:
        return None
    if ctx.match(call.func, tensorflow.L2_LOSS, where):
        difference: Optional[Value] = origin(Value(inner, where))
    elif ctx.match(call.func, frameworks.SQUARED_ERRORS, where):
        difference = _error_term(Value(call, where), ctx)
    else:
        difference = _error_term(Value(inner, where), ctx)
    if difference is None:
        return None
    node = difference.node
    if not (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract)):
        return None
    outputs: List[Output] = [
        found for side in (node.left, node.right)
        if (found := prediction_output(Value(side, difference.where), ctx)) is not None
    ]
    if len(outputs) != 1:
        return None
    return LossUse(_SQUARED_ERROR, VALUES, call, where, outputs[0])


def _assigned_to_loss(call: cst.Call, ctx: "FileContext") -> bool:
    """The call being visited is the whole value of `loss = ...` (or `cost`, `self.loss`)."""
    parent = ctx.parent()
    if not (isinstance(parent, cst.Assign) and parent.value is call and len(parent.targets) == 1):
        return False
    target = parent.targets[0].target
    name = target.attr.value if isinstance(target, cst.Attribute) else getattr(target, "value", "")
    return isinstance(name, str) and bool(_LOSS_NAME.search(name))


def _error_term(value: Value, ctx: "FileContext") -> Optional[Value]:
    """The difference inside `tf.square(d)`, `tf.abs(d)`, `tf.pow(d, 2)` or `d ** 2`."""
    made = origin(value)
    node = made.node
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Power):
        exponent = constants(ctx).value(node.right, made.where)
        return origin(Value(node.left, made.where)) if exponent == 2 else None
    if not isinstance(node, cst.Call):
        return None
    squared = ctx.match(node.func, frameworks.SQUARED_ERRORS | frameworks.POW, made.where)
    if squared is None or not node.args:
        return None
    if squared in frameworks.POW and (
        len(node.args) < 2 or constants(ctx).value(node.args[1].value, made.where) != 2
    ):
        return None
    return origin(Value(node.args[0].value, made.where))
