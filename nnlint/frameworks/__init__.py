"""API knowledge of TensorFlow, Keras and PyTorch as data, merged across frameworks.

Each framework module lists its APIs in canonical spelling (spelling.py); rules and analyses use
the merged tables below, so supporting a new alias or version is a one-line change in one module.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Tuple

from nnlint.frameworks import keras, tensorflow, torch
from nnlint.frameworks.loss_kinds import Loss
from nnlint.frameworks.params import Param
from nnlint.frameworks.spelling import canonical

__all__ = [
    "ACTIVATION_FUNCTIONS",
    "FRAMEWORK_ROOTS",
    "GUARDS",
    "LOSS_CLASSES",
    "LOSS_FUNCTIONS",
    "Loss",
    "LOG_FUNCTIONS",
    "LOG_SOFTMAX_TWINS",
    "MULTIPLY_FUNCTIONS",
    "Param",
    "REDUCTIONS",
    "VALUE_PRESERVING",
    "canonical",
    "keras",
    "tensorflow",
    "torch",
]

# Top-level packages whose presence makes a file worth analysing.
FRAMEWORK_ROOTS: FrozenSet[str] = frozenset({"tensorflow", "keras", "tf_keras", "torch"})

LOG_FUNCTIONS: FrozenSet[str] = tensorflow.LOG_FUNCTIONS | keras.LOG_FUNCTIONS | torch.LOG_FUNCTIONS

ACTIVATION_FUNCTIONS: Dict[str, str] = {
    **tensorflow.ACTIVATION_FUNCTIONS,
    **keras.ACTIVATION_FUNCTIONS,
    **torch.ACTIVATION_FUNCTIONS,
}

LOG_SOFTMAX_TWINS: Dict[str, str] = {
    **tensorflow.LOG_SOFTMAX_TWINS,
    **keras.LOG_SOFTMAX_TWINS,
    **torch.LOG_SOFTMAX_TWINS,
}

GUARDS: Dict[str, Optional[Param]] = {**tensorflow.GUARDS, **keras.GUARDS, **torch.GUARDS}

REDUCTIONS: FrozenSet[str] = tensorflow.REDUCTIONS | keras.REDUCTIONS | torch.REDUCTIONS

MULTIPLY_FUNCTIONS: FrozenSet[str] = (
    tensorflow.MULTIPLY_FUNCTIONS | keras.MULTIPLY_FUNCTIONS | torch.MULTIPLY_FUNCTIONS
)

VALUE_PRESERVING: FrozenSet[str] = (
    tensorflow.VALUE_PRESERVING | keras.VALUE_PRESERVING | torch.VALUE_PRESERVING
)

SEQUENTIAL_CLASSES: FrozenSet[str] = keras.SEQUENTIAL | torch.SEQUENTIAL


def _tf2_aliases(table: Dict[str, Loss]) -> Dict[str, Loss]:
    """In TF2 `tf.losses` is `tf.keras.losses` (in TF1 it holds other losses, with other names)."""
    prefix = "keras.losses."
    return {"tensorflow.losses." + name[len(prefix):]: loss for name, loss in table.items() if name.startswith(prefix)}


# Loss functions called as `fn(..., prediction, ...)` or passed as a Keras loss.
LOSS_FUNCTIONS: Dict[str, Loss] = {
    **keras.LOSS_FUNCTIONS,
    **_tf2_aliases(keras.LOSS_FUNCTIONS),
    **tensorflow.LOSS_FUNCTIONS,  # TF1's keywords where the names coincide
    **torch.LOSS_FUNCTIONS,
}
# Loss classes whose instances are called, or passed to Keras `compile`.
LOSS_CLASSES: Dict[str, Loss] = {**keras.LOSS_CLASSES, **_tf2_aliases(keras.LOSS_CLASSES), **torch.LOSS_CLASSES}

# Element-wise error terms of a hand-written regression loss, `tf.reduce_mean(tf.square(pred - y))`.
SQUARED_ERRORS: FrozenSet[str] = tensorflow.SQUARED_ERRORS | keras.SQUARED_ERRORS | torch.SQUARED_ERRORS
POW: FrozenSet[str] = tensorflow.POW | keras.POW | torch.POW
SOFTMAX_AXES: Dict[str, Tuple[Param, bool]] = {**tensorflow.SOFTMAX_AXES, **keras.SOFTMAX_AXES, **torch.SOFTMAX_AXES}

# Tensors of one repeated value: a loss against them is a penalty, not a regression target.
CONSTANT_TENSORS: FrozenSet[str] = frozenset({
    "torch.zeros_like", "torch.ones_like", "torch.full_like", "torch.zeros", "torch.ones",
    "tensorflow.zeros_like", "tensorflow.ones_like", "tensorflow.zeros", "tensorflow.ones",
    "keras.ops.zeros_like", "keras.ops.ones_like",
})
