"""NN304: a ReLU-family activation on the logits that feed a cross-entropy loss."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.activations import RELU
from nnlint.checks.output_loss import (
    OutputRule,
    on_dense_layer,
    shown,
    shown_loss,
    trained_output,
)
from nnlint.frameworks.loss_kinds import LOG_PROBABILITIES
from nnlint.rule import Severity


class ReluOnLogits(OutputRule):
    code = "NN304"
    name = "relu-on-logits"
    severity = Severity.WARNING
    summary = "ReLU applied to the logits of a cross-entropy loss: logits can never go negative."

    what_it_does = (
        "Finds a classifier's output layer that applies a ReLU-family activation (`relu`, "
        "`relu6`, `elu`, `selu`, `softplus`) when its output goes to a cross-entropy loss: a "
        "final `Dense(n, activation=\"relu\")` compiled with a cross-entropy loss, "
        "`logits = tf.nn.relu(...)` passed to `tf.nn.softmax_cross_entropy_with_logits`, or a "
        "`forward` returning `F.relu(self.fc(x))` trained with `nn.CrossEntropyLoss`."
    )
    why_bad = (
        "Logits must be free to go negative: softmax and sigmoid turn them into probabilities. "
        "After a ReLU every negative score becomes 0 with zero gradient, units die and stop "
        "learning, and the scores that stay positive grow until `exp` overflows; the seeds' "
        "\"loss suddenly explodes\" case."
    )
    stays_silent = (
        "- The activation is not applied to a dense layer (`Dense`, `nn.Linear`, `tf.matmul`).\n"
        "- `nn.NLLLoss`/`F.nll_loss`, which want log-probabilities: NN104 reports those.\n"
        "- The loss or the output layer cannot be seen."
    )
    example = (
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n\n"
        "class Classifier(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.hidden = nn.Linear(784, 128)\n"
        "        self.out = nn.Linear(128, 10)\n\n"
        "    def forward(self, x):\n"
        "        return F.relu(self.out(F.relu(self.hidden(x))))\n\n"
        "criterion = nn.CrossEntropyLoss()\n"
        "loss = criterion(Classifier()(images), labels)\n"
    )
    use_instead = (
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n\n"
        "class Classifier(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.hidden = nn.Linear(784, 128)\n"
        "        self.out = nn.Linear(128, 10)\n\n"
        "    def forward(self, x):\n"
        "        return self.out(F.relu(self.hidden(x)))\n\n"
        "criterion = nn.CrossEntropyLoss()\n"
        "loss = criterion(Classifier()(images), labels)\n"
    )

    def visit_Call(self, node: cst.Call) -> None:
        use = trained_output(node, self.ctx)
        if use is None or not use.loss.is_cross_entropy or use.takes == LOG_PROBABILITIES:
            return
        output = use.output
        if output.kind != RELU or not on_dense_layer(output, self.ctx):
            return
        self.report_site(
            output,
            f"The output layer {shown(output.site.node, self.ctx)} applies a ReLU-family activation to the "
            f"logits of {shown_loss(use, self.ctx)}, so they can never go negative and dead units stop "
            "learning; remove the output activation.",
        )
