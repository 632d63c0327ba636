"""API knowledge of TensorFlow, Keras and PyTorch as data, merged across frameworks.

Each framework module lists its APIs in canonical spelling (spelling.py); rules and analyses use
the merged tables below, so supporting a new alias or version is a one-line change in one module.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional

from nnlint.frameworks import keras, tensorflow, torch
from nnlint.frameworks.params import Param
from nnlint.frameworks.spelling import canonical

__all__ = [
    "ACTIVATION_FUNCTIONS",
    "FRAMEWORK_ROOTS",
    "GUARDS",
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
