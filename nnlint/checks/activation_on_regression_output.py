"""NN301: a ReLU-family or softmax output layer on a model trained with a regression loss."""

from __future__ import annotations

import libcst as cst

from nnlint import frameworks
from nnlint.analysis.activations import RELU, SOFTMAX
from nnlint.analysis.context import FileContext
from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.labels import label_encoding, labels_trained_with
from nnlint.analysis.loss_resolution import prediction_output
from nnlint.checks.output_loss import (
    OutputRule,
    on_dense_layer,
    shown,
    shown_loss,
    trained_output,
)
from nnlint.frameworks.loss_kinds import ONE_HOT, REGRESSION
from nnlint.rule import Severity

_CONSEQUENCE = {
    RELU: "its predictions are bounded from below (at 0 for ReLU and softplus, -1 for ELU) and cannot fit targets under that bound",
    SOFTMAX: "its outputs are forced to sum to 1",
}


class ActivationOnRegressionOutput(OutputRule):
    code = "NN301"
    name = "activation-on-regression-output"
    severity = Severity.WARNING
    summary = "A regression model's output layer applies ReLU or softmax, which bounds what it can predict."

    what_it_does = (
        "Finds the output layer of a model trained with a regression loss (MSE, MAE, Huber, "
        "log-cosh: `\"mse\"`, `MeanSquaredError()`, `nn.MSELoss`, `F.l1_loss`, "
        "`tf.losses.mean_squared_error`, `tf.reduce_mean(tf.square(pred - y))`) when it applies "
        "a ReLU-family activation (`relu`, `relu6`, `elu`, `selu`, `softplus`) or softmax. The "
        "model may be a Keras Sequential (list or `.add`), Functional or subclassed model, a "
        "builder function's model, a torch `nn.Sequential` or a `forward` that returns "
        "`F.relu(self.fc(x))`, or a TF1 tensor such as `tf.nn.relu(tf.matmul(h, W) + b)`."
    )
    why_bad = (
        "A ReLU output can never predict a negative value, and once a unit's input goes "
        "negative its gradient is 0, so the prediction sticks at 0 for those examples. Softmax "
        "outputs always sum to 1, so a softmax regressor cannot fit most targets at all. The "
        "loss stops improving and nothing in the logs says why."
    )
    stays_silent = (
        "- Sigmoid and tanh outputs: they are the usual choice for targets scaled to [0, 1] or [-1, 1].\n"
        "- The loss cannot be seen (a parameter, an imported helper), or the output layer cannot.\n"
        "- A ReLU not applied to a dense layer (`nn.Linear`, `Dense`, `tf.matmul`): "
        "feature-matching losses between convolutional ReLU features are not regression outputs.\n"
        "- Both sides of the loss are model outputs (distillation, consistency losses), or the target "
        "is a constant tensor (`torch.zeros_like(h)`: an activity penalty).\n"
        "- A softmax output trained with MSE on visibly one-hot labels: a classifier with a Brier-style loss."
    )
    example = (
        "from tensorflow import keras\n\n"
        "model = keras.Sequential([\n"
        "    keras.layers.Dense(64, activation=\"relu\"),\n"
        "    keras.layers.Dense(1, activation=\"relu\"),\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"mse\")\n"
    )
    use_instead = (
        "from tensorflow import keras\n\n"
        "model = keras.Sequential([\n"
        "    keras.layers.Dense(64, activation=\"relu\"),\n"
        "    keras.layers.Dense(1),\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"mse\")\n"
    )
    story = (
        "A seed report: a Keras house-price regressor with `Dense(1, activation=\"relu\")` whose "
        "loss stopped moving after the first epoch; removing the output activation fixed it."
    )

    def visit_Call(self, node: cst.Call) -> None:
        use = trained_output(node, self.ctx)
        if use is None or use.loss.task != REGRESSION:
            return
        output = use.output
        if output.kind not in _CONSEQUENCE:
            return
        if output.kind == RELU and not on_dense_layer(output, self.ctx):
            return  # a convolution's ReLU output is a feature map (perceptual losses)
        if use.labels is not None and (
            prediction_output(use.labels, self.ctx) is not None or _is_constant_tensor(use.labels, self.ctx)
        ):
            return  # distillation or consistency losses; activity penalties towards zeros
        if output.kind == SOFTMAX and any(
            (found := label_encoding(labels, self.ctx)) is not None and found.kind == ONE_HOT
            for labels in labels_trained_with(use, self.ctx)
        ):
            return  # a classifier trained with MSE on one-hot targets (a Brier score)
        kind = "ReLU-family activation" if output.kind == RELU else "softmax"
        self.report_site(
            output,
            f"The output layer {shown(output.site.node, self.ctx)} applies a {kind} but the model is "
            f"trained as a regressor with {shown_loss(use, self.ctx)}, so {_CONSEQUENCE[output.kind]}; "
            "remove the output activation.",
        )


def _is_constant_tensor(value: Value, ctx: FileContext) -> bool:
    made = origin(value)
    return isinstance(made.node, cst.Call) and ctx.match(made.node.func, frameworks.CONSTANT_TENSORS, made.where) is not None
