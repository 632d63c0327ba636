"""Keras API knowledge (tf.keras, Keras 2 and Keras 3), in canonical spelling `keras.*`."""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Tuple

from nnlint.frameworks.loss_kinds import (
    BINARY, MULTICLASS, ONE_HOT, PROBABILITIES, REGRESSION, SPARSE, VALUES, Loss,
)
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

# The layer that is only an activation, named by its argument.
ACTIVATION_LAYER = "keras.layers.Activation"

# Where a layer's unit count is given.
LAYER_UNITS: Dict[str, Param] = {"keras.layers.Dense": Param("units", 0)}

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

# -- Losses (NN102, NN104, NN301-NN304) -----------------------------------------------------------

_Y_TRUE = Param("y_true", 0)
_Y_PRED = Param("y_pred", 1)
# Keras 3's `keras.ops` and the backend name them target and output.
_TARGET = Param("target", 0)
_OUTPUT = Param("output", 1)


def _probability_loss(name: str, task: str, encoding: Optional[str], from_logits: Param,
                      true: Param = _Y_TRUE, pred: Param = _Y_PRED) -> Loss:
    return Loss(name, task, PROBABILITIES, pred, true, encoding, from_logits)


def _regression_loss(name: str) -> Loss:
    return Loss(name, REGRESSION, VALUES, _Y_PRED, _Y_TRUE)


_CATEGORICAL = ("categorical_crossentropy", MULTICLASS, ONE_HOT)
_SPARSE = ("sparse_categorical_crossentropy", MULTICLASS, SPARSE)
_BINARY = ("binary_crossentropy", BINARY, None)
_REGRESSION_NAMES = (
    "mse", "mean_squared_error", "mae", "mean_absolute_error", "huber", "huber_loss", "logcosh", "log_cosh",
)

# `compile(loss="...")`, compared in lower case (Keras also accepts "MSE").
LOSS_STRINGS: Dict[str, Loss] = {
    **{name: _probability_loss(name, task, enc, Param("from_logits")) for name, task, enc in (
        _CATEGORICAL, _SPARSE, _BINARY, ("categorical_focal_crossentropy", MULTICLASS, ONE_HOT),
        ("binary_focal_crossentropy", BINARY, None),
    )},
    **{name: _regression_loss(name) for name in _REGRESSION_NAMES},
}

# Loss classes: instances are passed to `compile` or called as `loss_fn(y_true, y_pred)`.
LOSS_CLASSES: Dict[str, Loss] = {
    **{f"keras.losses.{cls}": _probability_loss(cls, task, enc, Param("from_logits", 0)) for cls, task, enc in (
        ("CategoricalCrossentropy", MULTICLASS, ONE_HOT),
        ("CategoricalFocalCrossentropy", MULTICLASS, ONE_HOT),
        ("SparseCategoricalCrossentropy", MULTICLASS, SPARSE),
        ("BinaryCrossentropy", BINARY, None),
        ("BinaryFocalCrossentropy", BINARY, None),
    )},
    **{f"keras.losses.{cls}": _regression_loss(cls) for cls in (
        "MeanSquaredError", "MeanAbsoluteError", "Huber", "LogCosh",
    )},
}

_FUNCTION_MODULES = ("keras.losses.", "keras.metrics.")
# Loss functions, passed to `compile` or called as `fn(y_true, y_pred)`.
LOSS_FUNCTIONS: Dict[str, Loss] = {
    **{module + name: _probability_loss(name, task, enc, Param("from_logits", 2))
       for module in _FUNCTION_MODULES for name, task, enc in (_CATEGORICAL, _SPARSE, _BINARY)},
    **{module + name: _regression_loss(name) for module in _FUNCTION_MODULES for name in _REGRESSION_NAMES},
    **{f"{module}.{name}": _probability_loss(name, task, enc, Param("from_logits", 2), _TARGET, _OUTPUT)
       for module in ("keras.backend", "keras.ops") for name, task, enc in (_CATEGORICAL, _SPARSE, _BINARY)},
}

SQUARED_ERRORS: FrozenSet[str] = frozenset({
    "keras.ops.square", "keras.ops.abs", "keras.backend.square", "keras.backend.abs",
})
POW: FrozenSet[str] = frozenset({"keras.ops.power", "keras.backend.pow"})

# Softmax functions and layers: the axis parameter, and whether leaving it out normalises over the units.
SOFTMAX_AXES: Dict[str, Tuple[Param, bool]] = {
    "keras.activations.softmax": (Param("axis", 1), True),
    "keras.backend.softmax": (Param("axis", 1), True),
    "keras.ops.softmax": (Param("axis", 1), True),
    "keras.ops.nn.softmax": (Param("axis", 1), True),
    "keras.layers.Softmax": (Param("axis", 0), True),
    ACTIVATION_LAYER: (Param("axis"), True),  # no axis parameter: always the last axis
}

# Hand-written log-sum-exp (NN106), as in tensorflow.py.
EXP_FUNCTIONS: FrozenSet[str] = frozenset({"keras.backend.exp", "keras.ops.exp"})
SUM_AXES: Dict[str, Tuple[Param, ...]] = {
    "keras.backend.sum": (Param("axis", 1),),
    "keras.ops.sum": (Param("axis", 1),),
}
LOGSUMEXP_BESIDE_SUM = "logsumexp"

# Constant weight initialisation (NN405).
CONSTANT_INITIALIZERS: FrozenSet[str] = frozenset(
    f"keras.initializers.{name}" for name in ("Zeros", "Ones", "Constant", "zeros", "ones", "constant")
)
CONSTANT_INITIALIZER_STRINGS: FrozenSet[str] = frozenset({"zeros", "zero", "ones", "one", "constant"})
# Layers that keep each unit separate (no mixing across units), so a constant layer before them
# still feeds identical units to the next layer.
UNIT_WISE_LAYERS: FrozenSet[str] = frozenset(
    f"keras.layers.{name}" for name in (
        "Dropout", "BatchNormalization", "LayerNormalization", "GaussianNoise", "AlphaDropout", "Activation",
    )
)
KERNEL_INITIALIZER = Param("kernel_initializer")

# -- Labels (NN303) -------------------------------------------------------------------------------

ONE_HOT_ENCODERS: FrozenSet[str] = frozenset({"keras.utils.to_categorical", "keras.utils.np_utils.to_categorical"})
# Datasets whose `load_data()` returns integer class ids as labels.
CLASS_ID_DATASETS: FrozenSet[str] = frozenset(
    f"keras.datasets.{name}.load_data"
    for name in ("mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters")
)
# `Model(inputs, outputs)`: a Functional model whose output is the tensor passed.
FUNCTIONAL_MODEL: FrozenSet[str] = frozenset({"keras.Model", "keras.models.Model"})
FUNCTIONAL_OUTPUTS = Param("outputs", 1)
COMPILE_LOSS = Param("loss", 1)
# `keras.Input(shape=..., dtype=...)`: the shape excludes the batch dimension.
INPUT: FrozenSet[str] = frozenset({"keras.Input", "keras.layers.Input"})
INPUT_SHAPE = Param("shape", 0)
INPUT_DTYPE = Param("dtype")
# Methods that train a model on labels: method -> the labels parameter.
LABELLED_TRAINING: Dict[str, Param] = {
    "fit": Param("y", 1),
    "train_on_batch": Param("y", 1),
}
