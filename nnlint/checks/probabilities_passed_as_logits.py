"""NN102: a softmax or sigmoid output passed to a loss that applies softmax or sigmoid itself."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.activations import SIGMOID, SOFTMAX
from nnlint.checks.output_loss import OutputRule, shown, shown_loss, trained_output
from nnlint.frameworks.loss_kinds import LOGITS, MULTICLASS
from nnlint.rule import Severity


class ProbabilitiesPassedAsLogits(OutputRule):
    code = "NN102"
    name = "probabilities-passed-as-logits"
    severity = Severity.ERROR
    summary = "A softmax/sigmoid output is passed to a loss that applies softmax/sigmoid itself."

    what_it_does = (
        "Finds a tensor that already went through softmax or sigmoid passed as the logits of a "
        "loss that applies the activation itself: `tf.nn.softmax_cross_entropy_with_logits(_v2)`, "
        "`tf.nn.sparse_softmax_cross_entropy_with_logits`, `tf.nn.sigmoid_cross_entropy_with_logits`, "
        "the `tf.losses` softmax/sparse/sigmoid cross-entropies, Keras losses with "
        "`from_logits=True`, `nn.CrossEntropyLoss`, `F.cross_entropy`, `nn.BCEWithLogitsLoss` and "
        "`F.binary_cross_entropy_with_logits`. The tensor may be a softmax/sigmoid call, or the "
        "output of a model whose last layer is one (a Keras model compiled with such a loss, an "
        "`nn.Sequential` ending in `nn.Softmax`, a `forward` returning `torch.softmax(...)`)."
    )
    why_bad = (
        "The loss squashes the values a second time. Probabilities lie in [0, 1], so the second "
        "softmax sees nearly equal inputs and returns a nearly uniform distribution: the loss "
        "saturates, gradients shrink, and training stalls with accuracy near chance (the seed "
        "report where every \"logit\" was 1.0)."
    )
    stays_silent = (
        "- Softmax applied only to report probabilities (at inference) while the loss gets the logits.\n"
        "- A log-softmax output passed to `nn.CrossEntropyLoss` (log-softmax is idempotent).\n"
        "- The loss or the output cannot be seen."
    )
    example = (
        "import torch.nn as nn\n\n"
        "model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))\n"
        "criterion = nn.CrossEntropyLoss()\n"
        "loss = criterion(model(images), labels)\n"
    )
    use_instead = (
        "import torch.nn as nn\n\n"
        "model = nn.Sequential(nn.Linear(784, 10))\n"
        "criterion = nn.CrossEntropyLoss()\n"
        "loss = criterion(model(images), labels)\n"
    )

    def visit_Call(self, node: cst.Call) -> None:
        use = trained_output(node, self.ctx)
        if use is None or use.takes != LOGITS:
            return
        output = use.output
        if output.kind not in (SOFTMAX, SIGMOID):
            return
        applied = "softmax" if use.loss.task == MULTICLASS else "sigmoid"
        self.report_site(
            output,
            f"{shown(output.site.node, self.ctx)} applies {output.kind}, but {shown_loss(use, self.ctx)} applies "
            f"{applied} itself and expects raw logits, so training stalls; pass the logits to the loss "
            "and apply the activation only for predictions.",
        )
