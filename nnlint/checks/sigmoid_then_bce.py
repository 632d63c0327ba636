"""NN107: a sigmoid output fed to a probability binary cross-entropy instead of its logits version."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.activations import SIGMOID
from nnlint.checks.output_loss import OutputRule, shown, shown_loss, trained_output
from nnlint.frameworks import tensorflow, torch
from nnlint.frameworks.loss_kinds import BINARY, PROBABILITIES
from nnlint.rule import Severity


class SigmoidThenBce(OutputRule):
    code = "NN107"
    name = "sigmoid-then-bce"
    severity = Severity.INFO
    summary = "Sigmoid followed by binary cross-entropy saturates; the with-logits loss is stable."

    what_it_does = (
        "Finds a sigmoid output fed to `nn.BCELoss` / `F.binary_cross_entropy` (a `forward` "
        "ending in `torch.sigmoid`, an `nn.Sequential` ending in `nn.Sigmoid`, a direct "
        "`torch.sigmoid(...)`), and logits passed through `tf.sigmoid`/`tf.nn.sigmoid` right "
        "before a probability binary cross-entropy function "
        "(`tf.keras.losses.binary_crossentropy(y, tf.sigmoid(logits))`, `tf.losses.log_loss`)."
    )
    why_bad = (
        "It works, but in float32 the sigmoid rounds to exactly 0 or 1 once the logits pass "
        "about ±17, and the loss then clips: the gradient vanishes for the examples the model "
        "gets most wrong. `BCEWithLogitsLoss` / `from_logits=True` compute the same loss from the "
        "logits with the log-sum-exp trick and never saturate."
    )
    stays_silent = (
        "- A Keras model whose last layer is `Dense(..., activation=\"sigmoid\")` compiled with "
        "`binary_crossentropy`: Keras recovers the logits itself; that is the standard recipe.\n"
        "- Sigmoids applied by Keras layers or activations, for the same reason."
    )
    example = (
        "import torch\n"
        "import torch.nn as nn\n\n"
        "criterion = nn.BCELoss()\n"
        "loss = criterion(torch.sigmoid(logits), targets)\n"
    )
    use_instead = (
        "import torch.nn as nn\n\n"
        "criterion = nn.BCEWithLogitsLoss()\n"
        "loss = criterion(logits, targets)\n"
    )

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        use = trained_output(node, ctx)
        if use is None or use.model is not None or use.loss.task != BINARY or use.takes != PROBABILITIES:
            return
        output = use.output
        if output.kind != SIGMOID:
            return
        site = output.site.node
        is_torch_loss = use.loss in _TORCH_LOSSES
        if not is_torch_loss:
            # Keras recovers the logits of its own sigmoid layers; only an explicit TF sigmoid
            # call hides them.
            if not (isinstance(site, cst.Call) and ctx.match(site.func, _TF_SIGMOIDS, output.site.where)):
                return
        better = "`nn.BCEWithLogitsLoss` (or `F.binary_cross_entropy_with_logits`)" if is_torch_loss else \
            "the loss's `from_logits=True` form (or `tf.nn.sigmoid_cross_entropy_with_logits`)"
        self.report_site(
            output,
            f"{shown(site, ctx)} feeds {shown_loss(use, ctx)}, which saturates once the sigmoid rounds to 0 or 1; "
            f"pass the logits to {better} instead.",
        )


_TORCH_LOSSES = frozenset({*torch.LOSS_FUNCTIONS.values(), *torch.LOSS_CLASSES.values()})
_TF_SIGMOIDS = frozenset(
    name for name, kind in tensorflow.ACTIVATION_FUNCTIONS.items() if kind == SIGMOID
)
