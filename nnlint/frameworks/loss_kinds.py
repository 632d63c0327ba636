"""The vocabulary of the loss tables: what a loss trains (its task), what it expects to receive
(logits, probabilities, log-probabilities or raw values) and how it wants labels encoded.

The output-layer rules (NN102, NN104, NN301-NN304) compare a model's last activation and the
labels' encoding with these three facts; each framework module lists its losses with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from nnlint.frameworks.params import Param

# Tasks.
MULTICLASS = "multiclass"  # one class out of n: softmax cross-entropy
BINARY = "binary"  # independent yes/no per unit: sigmoid cross-entropy
REGRESSION = "regression"  # MSE, MAE, Huber, log-cosh

# What the prediction must be.
LOGITS = "logits"
PROBABILITIES = "probabilities"
LOG_PROBABILITIES = "log-probabilities"
VALUES = "values"

# Label encodings.
ONE_HOT = "one-hot"
SPARSE = "integer class ids"
# torch's cross-entropy takes class ids, or class probabilities as floats (one-hot included).
IDS_OR_FLOAT_PROBABILITIES = "ids or float probabilities"


@dataclass(frozen=True)
class Loss:
    name: str  # as users write it, for messages
    task: str
    takes: str
    prediction: Param
    labels: Param
    encoding: Optional[str] = None
    # Keras: the parameter that makes a probability loss take logits (`from_logits=True`); for a
    # loss class it is a constructor parameter, for a function a call parameter.
    from_logits: Optional[Param] = None
    # TF's losses took (logits, labels) positionally before 1.0 and (labels, logits) after:
    # with both passed by position, the prediction is the one with a visible activation.
    either_order: bool = False

    @property
    def is_cross_entropy(self) -> bool:
        return self.task in (MULTICLASS, BINARY)
