"""TensorFlow (1.x, `tf.compat.v1`, 2.x) API knowledge, in canonical spelling (see spelling.py)."""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Tuple

from nnlint.frameworks.params import Param

LOG_FUNCTIONS: FrozenSet[str] = frozenset({"tensorflow.log", "tensorflow.math.log"})

# Activation functions: qualified name -> activation kind.
ACTIVATION_FUNCTIONS: Dict[str, str] = {
    "tensorflow.nn.softmax": "softmax",
    "tensorflow.math.softmax": "softmax",
    "tensorflow.nn.sigmoid": "sigmoid",
    "tensorflow.sigmoid": "sigmoid",
    "tensorflow.math.sigmoid": "sigmoid",
    "tensorflow.nn.relu": "relu",
    "tensorflow.nn.relu6": "relu",
    "tensorflow.nn.elu": "relu",
    "tensorflow.nn.selu": "relu",
    "tensorflow.nn.softplus": "relu",
    "tensorflow.nn.tanh": "tanh",
    "tensorflow.tanh": "tanh",
    "tensorflow.math.tanh": "tanh",
    "tensorflow.nn.log_softmax": "log_softmax",
    "tensorflow.math.log_softmax": "log_softmax",
}

# Softmax functions whose log-softmax twin takes the same arguments (for NN103's fix).
LOG_SOFTMAX_TWINS: Dict[str, str] = {
    "tensorflow.nn.softmax": "log_softmax",
    "tensorflow.math.softmax": "log_softmax",
}

# Calls whose result is bounded away from zero, so a log of them is safe. The value is the
# argument that must be present for the guard to hold (None: always).
GUARDS: Dict[str, Optional[Param]] = {
    "tensorflow.clip_by_value": None,
    "tensorflow.maximum": None,
    "tensorflow.math.maximum": None,
    "tensorflow.exp": None,
    "tensorflow.math.exp": None,
}

# Reductions that turn `labels * log(pred)` into a hand-written cross-entropy.
REDUCTIONS: FrozenSet[str] = frozenset({
    "tensorflow.reduce_sum",
    "tensorflow.reduce_mean",
    "tensorflow.math.reduce_sum",
    "tensorflow.math.reduce_mean",
})

MULTIPLY_FUNCTIONS: FrozenSet[str] = frozenset({"tensorflow.multiply", "tensorflow.math.multiply"})

# Calls that return their first argument's values rearranged (a softmax output stays one).
VALUE_PRESERVING: FrozenSet[str] = frozenset({
    "tensorflow.reshape",
    "tensorflow.squeeze",
    "tensorflow.expand_dims",
    "tensorflow.gather",
    "tensorflow.gather_nd",
    "tensorflow.transpose",
    "tensorflow.identity",
    "tensorflow.cast",
    "tensorflow.boolean_mask",
})

# TF1 layer functions that return an activated tensor: function -> (activation parameter, the
# activation when it is not given).
LAYER_FUNCTIONS: Dict[str, Tuple[Param, str]] = {
    "tensorflow.layers.dense": (Param("activation", 2), "linear"),
    "tensorflow.contrib.layers.fully_connected": (Param("activation_fn", 2), "relu"),
    "tensorflow.contrib.slim.fully_connected": (Param("activation_fn", 2), "relu"),
    "tf_slim.fully_connected": (Param("activation_fn", 2), "relu"),
    "tf_slim.layers.fully_connected": (Param("activation_fn", 2), "relu"),
}
