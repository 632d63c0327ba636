"""Keras API knowledge (tf.keras, Keras 2 and Keras 3), in canonical spelling `keras.*`."""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional

from nnlint.frameworks.params import Param

LOG_FUNCTIONS: FrozenSet[str] = frozenset({"keras.backend.log", "keras.ops.log"})

ACTIVATION_FUNCTIONS: Dict[str, str] = {
    "keras.backend.softmax": "softmax",
    "keras.activations.softmax": "softmax",
    "keras.ops.softmax": "softmax",
    "keras.ops.nn.softmax": "softmax",
    "keras.backend.sigmoid": "sigmoid",
    "keras.backend.hard_sigmoid": "sigmoid",
    "keras.activations.sigmoid": "sigmoid",
    "keras.activations.hard_sigmoid": "sigmoid",
    "keras.ops.sigmoid": "sigmoid",
    "keras.ops.hard_sigmoid": "sigmoid",
    "keras.backend.relu": "relu",
    "keras.activations.relu": "relu",
    "keras.activations.elu": "relu",
    "keras.activations.selu": "relu",
    "keras.activations.softplus": "relu",
    "keras.ops.relu": "relu",
    "keras.activations.tanh": "tanh",
    "keras.backend.tanh": "tanh",
    "keras.activations.linear": "linear",
    "keras.ops.log_softmax": "log_softmax",
    "keras.activations.log_softmax": "log_softmax",
}

# Only Keras 3's ops has log_softmax; keras.backend and tf.keras activations do not.
LOG_SOFTMAX_TWINS: Dict[str, str] = {"keras.ops.softmax": "log_softmax"}

# Activation names as strings (`activation="softmax"`) -> kind.
ACTIVATION_STRINGS: Dict[str, str] = {
    "softmax": "softmax",
    "sigmoid": "sigmoid",
    "hard_sigmoid": "sigmoid",
    "relu": "relu",
    "relu6": "relu",
    "elu": "relu",
    "selu": "relu",
    "softplus": "relu",
    "tanh": "tanh",
    "linear": "linear",
    "log_softmax": "log_softmax",
}

# Layer classes that apply an activation themselves: class -> the parameter holding it. Keras
# layers apply no activation ("linear") when the parameter is not given.
LAYERS_WITH_ACTIVATION: Dict[str, Param] = {
    "keras.layers.Dense": Param("activation", 1),
    "keras.layers.Activation": Param("activation", 0),
    "keras.layers.Conv1D": Param("activation"),
    "keras.layers.Conv2D": Param("activation"),
    "keras.layers.Conv3D": Param("activation"),
    "keras.layers.Conv2DTranspose": Param("activation"),
    "keras.layers.SeparableConv2D": Param("activation"),
    "keras.layers.DepthwiseConv2D": Param("activation"),
    "keras.layers.EinsumDense": Param("activation"),
}

# Layer classes that are an activation.
ACTIVATION_LAYERS: Dict[str, str] = {
    "keras.layers.Softmax": "softmax",
    "keras.layers.ReLU": "relu",
    "keras.layers.ELU": "relu",
}

GUARDS: Dict[str, Optional[Param]] = {
    "keras.backend.clip": None,
    "keras.backend.maximum": None,
    "keras.backend.exp": None,
    "keras.ops.clip": None,
    "keras.ops.maximum": None,
    "keras.ops.exp": None,
}

REDUCTIONS: FrozenSet[str] = frozenset({
    "keras.backend.sum",
    "keras.backend.mean",
    "keras.ops.sum",
    "keras.ops.mean",
})

MULTIPLY_FUNCTIONS: FrozenSet[str] = frozenset({"keras.ops.multiply"})

VALUE_PRESERVING: FrozenSet[str] = frozenset({
    "keras.backend.reshape",
    "keras.backend.squeeze",
    "keras.backend.cast",
    "keras.ops.reshape",
    "keras.ops.squeeze",
    "keras.ops.take",
    "keras.ops.cast",
})

SEQUENTIAL: FrozenSet[str] = frozenset({"keras.Sequential", "keras.models.Sequential"})

# -- Models built or loaded in a loop (NN204) ----------------------------------------------------

MODEL_CLASSES: FrozenSet[str] = SEQUENTIAL | frozenset({"keras.Model", "keras.models.Model"})
MODEL_LOADERS: FrozenSet[str] = frozenset({
    "keras.models.load_model",
    "keras.saving.load_model",
    "keras.models.model_from_json",
    "keras.models.model_from_yaml",
    "keras.models.model_from_config",
    "keras.models.clone_model",
})
# Calls that drop Keras' global state (and, in TF1, the default graph).
CLEAR_SESSION: FrozenSet[str] = frozenset({"keras.backend.clear_session", "keras.utils.clear_session"})
# Model methods that train, evaluate or run the model.
MODEL_USE_METHODS: FrozenSet[str] = frozenset({
    "fit", "fit_generator", "train_on_batch", "evaluate", "evaluate_generator", "test_on_batch",
    "predict", "predict_generator", "predict_on_batch",
})
# Attributes of an existing model whose tensors a new `Model(...)` may be wired from.
MODEL_TENSOR_ATTRIBUTES: FrozenSet[str] = frozenset({
    "input", "inputs", "output", "outputs", "get_layer", "layers",
})
# The TF1 session Keras creates and owns (`K.get_session()`).
GET_SESSION: FrozenSet[str] = frozenset({"keras.backend.get_session"})
