"""NN104: raw scores passed to a loss that expects probabilities or log-probabilities."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.activations import LINEAR, LOG_SOFTMAX, TANH
from nnlint.checks.output_loss import (
    ACTIVATION_NAMES,
    OutputRule,
    shown,
    shown_loss,
    trained_output,
)
from nnlint.frameworks.loss_kinds import BINARY, LOG_PROBABILITIES, PROBABILITIES
from nnlint.rule import Severity


class LogitsPassedAsProbabilities(OutputRule):
    code = "NN104"
    name = "logits-passed-as-probabilities"
    severity = Severity.WARNING
    summary = "Raw scores are passed to a loss that expects probabilities or log-probabilities."

    what_it_does = (
        "Finds an output with no final activation given to a loss that expects probabilities: "
        "a Keras model whose last `Dense` has no activation, compiled with "
        "`\"categorical_crossentropy\"`, `\"sparse_categorical_crossentropy\"` or "
        "`\"binary_crossentropy\"` (or their classes and functions) without `from_logits=True`; "
        "`nn.BCELoss`/`F.binary_cross_entropy` on an output with no sigmoid; TF function-style "
        "probability losses (`tf.losses.log_loss`, `keras.losses.binary_crossentropy(y, out)`) "
        "given such a tensor, and a tanh output (which goes negative) to `nn.BCELoss`. Also "
        "`nn.NLLLoss`/`F.nll_loss` on an output that never went through log-softmax (raw scores, "
        "softmax probabilities, a ReLU or tanh output)."
    )
    why_bad = (
        "A probability loss takes the log of its input. Raw scores are not probabilities: Keras "
        "clips them into (0, 1), so every negative score counts as \"probability 0\", gradients "
        "vanish and the loss plateaus; `nn.BCELoss` raises or returns NaN; `nll_loss` on raw "
        "scores is minimised by making one score huge, not by classifying."
    )
    stays_silent = (
        "- `from_logits=True`, or a logit loss (`BCEWithLogitsLoss`, `CrossEntropyLoss`).\n"
        "- The last activation cannot be seen (a layer the analysis does not know, an imported model).\n"
        "- A ReLU output given to a probability cross-entropy: NN304 reports it (NN104 reports it "
        "for `nll_loss`, which NN304 leaves alone)."
    )
    example = (
        "from tensorflow import keras\n\n"
        "model = keras.Sequential([\n"
        "    keras.layers.Dense(128, activation=\"relu\"),\n"
        "    keras.layers.Dense(10),\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\")\n"
    )
    use_instead = (
        "from tensorflow import keras\n\n"
        "model = keras.Sequential([\n"
        "    keras.layers.Dense(128, activation=\"relu\"),\n"
        "    keras.layers.Dense(10),\n"
        "])\n"
        "model.compile(\n"
        "    optimizer=\"adam\",\n"
        "    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),\n"
        ")\n"
    )

    def visit_Call(self, node: cst.Call) -> None:
        use = trained_output(node, self.ctx)
        if use is None:
            return
        output = use.output
        ctx = self.ctx
        if use.takes == PROBABILITIES and (
            output.kind == LINEAR or (output.kind == TANH and use.model is None and use.loss.task == BINARY)
        ):
            if use.model is not None:
                fix = "pass `from_logits=True` to the loss or give the last layer an activation"
            elif use.loss.task == BINARY:
                fix = "use the `*_with_logits` form of the loss (`nn.BCEWithLogitsLoss`) or apply sigmoid first"
            else:
                fix = "apply softmax first or use the loss's `from_logits=True` form"
            self.report_site(
                output,
                f"{shown(output.site.node, ctx)} {_outputs(output.kind)}, but {shown_loss(use, ctx)} expects "
                f"probabilities; {fix}.",
            )
        elif use.takes == LOG_PROBABILITIES and output.kind != LOG_SOFTMAX:
            self.report_site(
                output,
                f"{shown(output.site.node, ctx)} {_outputs(output.kind)}, but "
                f"{shown_loss(use, ctx)} expects log-probabilities; end the model with `log_softmax` "
                "or use `nn.CrossEntropyLoss` on the raw scores.",
            )


def _outputs(kind: str) -> str:
    return "outputs raw scores" if kind == LINEAR else f"applies {ACTIVATION_NAMES[kind]}"
