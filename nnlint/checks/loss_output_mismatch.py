"""NN306: an output layer whose unit count or activation contradicts the loss family."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.activations import SIGMOID, SOFTMAX
from nnlint.checks.output_loss import OutputRule, output_units, shown, shown_loss, trained_output
from nnlint.frameworks.loss_kinds import BINARY, MULTICLASS, PROBABILITIES
from nnlint.rule import Severity


class LossOutputMismatch(OutputRule):
    code = "NN306"
    name = "loss-output-mismatch"
    severity = Severity.ERROR
    summary = "The output layer's units or activation contradict the loss family."

    what_it_does = (
        "Compares the output layer with the loss it is trained with, and finds three "
        "contradictions: (a) a categorical or sparse categorical cross-entropy on a 1-unit "
        "output; (b) binary cross-entropy on a softmax output of more than 2 units; (c) "
        "categorical cross-entropy on a sigmoid output of more than 1 unit. Unit counts are "
        "read from literals, module constants and names bound to literals (`num_classes = 10`); "
        "the loss may be a string, a class or a function, in `compile` or called directly."
    )
    why_bad = (
        "(a) Cross-entropy over one class is constant: the single class always has probability "
        "1, so nothing is learned. (b) Binary cross-entropy scores each softmax unit as an "
        "independent yes/no question: the units compete although the loss treats them as "
        "independent, and Keras reports a meaningless \"binary accuracy\". (c) Sigmoid outputs "
        "do not sum to 1, so categorical cross-entropy rewards pushing every unit towards 1."
    )
    stays_silent = (
        "- Sigmoid outputs with binary cross-entropy (multi-label classification).\n"
        "- Softmax over one unit: NN302 reports it.\n"
        "- Unit counts or the loss that cannot be seen."
    )
    example = (
        "from tensorflow import keras\n\n"
        "model = keras.Sequential([\n"
        "    keras.layers.Dense(64, activation=\"relu\"),\n"
        "    keras.layers.Dense(10, activation=\"softmax\"),\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"binary_crossentropy\")\n"
    )
    use_instead = (
        "from tensorflow import keras\n\n"
        "model = keras.Sequential([\n"
        "    keras.layers.Dense(64, activation=\"relu\"),\n"
        "    keras.layers.Dense(10, activation=\"softmax\"),\n"
        "])\n"
        "model.compile(optimizer=\"adam\", loss=\"categorical_crossentropy\")\n"
    )

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        use = trained_output(node, ctx)
        if use is None or not use.loss.is_cross_entropy:
            return
        output = use.output
        units = output_units(output, ctx)
        if units is None:
            return
        site, loss = shown(output.site.node, ctx), shown_loss(use, ctx)
        if use.loss.task == MULTICLASS and units == 1 and output.kind != SOFTMAX:
            message = (
                f"{site} has a single unit, but {loss} is a cross-entropy over classes, which is "
                "constant for one class; use binary cross-entropy with a sigmoid output, or one unit per class."
            )
        elif use.loss.task == BINARY and use.takes == PROBABILITIES and output.kind == SOFTMAX and units > 2:
            message = (
                f"{site} is a softmax over {units} classes, but {loss} scores each unit as an independent "
                "yes/no question; use categorical cross-entropy (or sigmoid outputs for multi-label data)."
            )
        elif use.loss.task == MULTICLASS and use.takes == PROBABILITIES and output.kind == SIGMOID and units > 1:
            message = (
                f"{site} is a sigmoid over {units} units, whose outputs do not sum to 1, but {loss} expects a "
                "distribution over classes; use softmax, or binary cross-entropy for multi-label data."
            )
        else:
            return
        self.report_site(output, message)
