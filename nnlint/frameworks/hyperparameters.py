"""The framework APIs whose arguments are the hyper-parameters NN401-NN404 check, as data.

Names are canonical (see spelling.py): `keras.*` covers `tf.keras`, standalone Keras 2 and 3;
`tensorflow.*` covers `tf.compat.v1`. Each entry says where the argument sits (keyword and
position), what the framework's default is when the rule needs it, and the family the API
belongs to, because the thresholds differ by family (an SGD learning rate of 0.1 is ordinary,
an Adam one diverges).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from nnlint.frameworks.params import Param

# -- Optimizers (NN401 learning rate, NN404 weight decay) ------------------------------------

ADAPTIVE = "adaptive"  # Adam and its family: diverge from about 0.05
SGD = "sgd"  # plain or momentum SGD: diverge from about 1.0
# Adagrad divides by the root of all past squared gradients, so its steps shrink from the start:
# 0.05-0.5 are ordinary (TensorFlow's canned DNN estimators default to Adagrad at 0.05), and only
# SGD-sized rates make it diverge.
ADAGRAD = "adagrad"
UNRATED = "unrated"  # Adadelta (lr 1.0 by design), LBFGS, Ftrl, ...: no learning-rate threshold


@dataclass(frozen=True)
class Optimizer:
    family: str
    learning_rate: Tuple[Param, ...]
    # The weight-decay argument, and whether the decay is decoupled from the gradient (AdamW,
    # every Keras optimizer's `weight_decay`), which makes much larger values normal.
    weight_decay: Optional[Param] = None
    decoupled: bool = False
    # torch optimizers take the parameters first; a literal list there names what is optimized.
    takes_params: bool = False


def _torch(family: str, decoupled: bool = False, decay: bool = True) -> Optimizer:
    return Optimizer(family, (Param("lr", 1),), Param("weight_decay", None) if decay else None, decoupled, True)


_TORCH_OPTIMIZERS: Dict[str, Optimizer] = {
    "Adam": _torch(ADAPTIVE),
    "AdamW": _torch(ADAPTIVE, decoupled=True),
    "Adamax": _torch(ADAPTIVE),
    "NAdam": _torch(ADAPTIVE),
    "RAdam": _torch(ADAPTIVE),
    "RMSprop": _torch(ADAPTIVE),
    "Adagrad": _torch(ADAGRAD),
    "SparseAdam": _torch(ADAPTIVE, decay=False),
    "SGD": _torch(SGD),
    "ASGD": _torch(SGD),
    "Adadelta": _torch(UNRATED),
    "LBFGS": _torch(UNRATED, decay=False),
    "Rprop": _torch(UNRATED, decay=False),
}
# The submodule each torch optimizer is defined in (`torch.optim.adam.Adam`).
_TORCH_SUBMODULES = {
    "Adam": "adam", "AdamW": "adamw", "Adamax": "adamax", "NAdam": "nadam", "RAdam": "radam",
    "RMSprop": "rmsprop", "Adagrad": "adagrad", "SparseAdam": "sparse_adam", "SGD": "sgd",
    "ASGD": "asgd", "Adadelta": "adadelta", "LBFGS": "lbfgs", "Rprop": "rprop",
}

_TF1_LEARNING_RATE = (Param("learning_rate", 0),)
_TF1_OPTIMIZERS: Dict[str, Optimizer] = {
    "tensorflow.train.AdamOptimizer": Optimizer(ADAPTIVE, _TF1_LEARNING_RATE),
    "tensorflow.train.AdagradOptimizer": Optimizer(ADAGRAD, _TF1_LEARNING_RATE),
    "tensorflow.train.AdagradDAOptimizer": Optimizer(ADAGRAD, _TF1_LEARNING_RATE),
    "tensorflow.train.RMSPropOptimizer": Optimizer(ADAPTIVE, _TF1_LEARNING_RATE),
    "tensorflow.train.GradientDescentOptimizer": Optimizer(SGD, _TF1_LEARNING_RATE),
    "tensorflow.train.MomentumOptimizer": Optimizer(SGD, _TF1_LEARNING_RATE),
    "tensorflow.train.AdadeltaOptimizer": Optimizer(UNRATED, _TF1_LEARNING_RATE),
    "tensorflow.train.FtrlOptimizer": Optimizer(UNRATED, _TF1_LEARNING_RATE),
    "tensorflow.train.ProximalAdagradOptimizer": Optimizer(UNRATED, _TF1_LEARNING_RATE),
    "tensorflow.train.ProximalGradientDescentOptimizer": Optimizer(UNRATED, _TF1_LEARNING_RATE),
    "tensorflow.contrib.opt.NadamOptimizer": Optimizer(ADAPTIVE, _TF1_LEARNING_RATE),
    "tensorflow.contrib.opt.LazyAdamOptimizer": Optimizer(ADAPTIVE, _TF1_LEARNING_RATE),
    "tensorflow.contrib.opt.AdamWOptimizer": Optimizer(
        ADAPTIVE, (Param("learning_rate", 1),), Param("weight_decay", 0), decoupled=True
    ),
    "tensorflow.contrib.opt.MomentumWOptimizer": Optimizer(
        SGD, (Param("learning_rate", 1),), Param("weight_decay", 0), decoupled=True
    ),
}

# Keras 2 accepted `lr=` as well as `learning_rate=`; Keras' `weight_decay` is always decoupled.
_KERAS_LEARNING_RATE = (Param("learning_rate", 0), Param("lr", None))
_KERAS_FAMILIES: Dict[str, str] = {
    "Adam": ADAPTIVE, "AdamW": ADAPTIVE, "Adamax": ADAPTIVE, "Nadam": ADAPTIVE, "RMSprop": ADAPTIVE,
    "Adagrad": ADAGRAD, "SGD": SGD, "Adadelta": UNRATED, "Ftrl": UNRATED, "Lion": UNRATED,
    "Adafactor": UNRATED,
}
_KERAS_NAMESPACES = ("keras.optimizers.", "keras.optimizers.legacy.", "keras.optimizers.experimental.")
# Keras 2's lower-case aliases (`keras.optimizers.adam(lr=0.1)`).
_KERAS_ALIASES = {"adam": "Adam", "adamax": "Adamax", "nadam": "Nadam", "rmsprop": "RMSprop",
                  "adagrad": "Adagrad", "sgd": "SGD", "adadelta": "Adadelta"}


def _optimizers() -> Dict[str, Optimizer]:
    table: Dict[str, Optimizer] = dict(_TF1_OPTIMIZERS)
    for name, spec in _TORCH_OPTIMIZERS.items():
        table[f"torch.optim.{name}"] = spec
        table[f"torch.optim.{_TORCH_SUBMODULES[name]}.{name}"] = spec
    keras_names = dict(_KERAS_ALIASES, **{name: name for name in _KERAS_FAMILIES})
    for spelled, name in keras_names.items():
        spec = Optimizer(_KERAS_FAMILIES[name], _KERAS_LEARNING_RATE, Param("weight_decay", None), decoupled=True)
        for namespace in _KERAS_NAMESPACES:
            table[namespace + spelled] = spec
    return table


OPTIMIZERS: Dict[str, Optimizer] = _optimizers()

# Methods of an optimizer whose `var_list=` (or gradient/variable pairs) say what it updates.
VARIABLE_LIST_METHODS = frozenset({"minimize", "compute_gradients", "apply_gradients"})
# Schedulers that multiply the optimizer's learning rate by a function of the step: with them
# `lr=1.0` is the idiom for "the function gives the rate" (the Transformer's warm-up schedule).
LR_MULTIPLIERS = frozenset({"torch.optim.lr_scheduler.LambdaLR", "torch.optim.lr_scheduler.MultiplicativeLR"})
# Gradient clipping bounds each step to the learning rate times the clipping norm, which is how
# SGD at 20-30 trains recurrent language models.
GRADIENT_CLIPPING = frozenset({
    "torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_norm", "torch.nn.utils.clip_grad_value_",
    "torch.nn.utils.clip_grad.clip_grad_norm_", "tensorflow.clip_by_global_norm", "tensorflow.clip_by_norm",
})
# Keras optimizer arguments that clip every gradient.
KERAS_CLIPPING_ARGUMENTS = frozenset({"clipnorm", "clipvalue", "global_clipnorm"})

# -- Dropout (NN402) --------------------------------------------------------------------------

RATE = "rate"  # the fraction of units dropped
KEEP = "keep"  # the fraction of units kept (TF1)


@dataclass(frozen=True)
class DropoutArgument:
    param: Param
    meaning: str  # RATE or KEEP


def _rate(keyword: str, position: Optional[int]) -> Tuple[DropoutArgument, ...]:
    return (DropoutArgument(Param(keyword, position), RATE),)


_RECURRENT_RATES = (DropoutArgument(Param("dropout", None), RATE),
                    DropoutArgument(Param("recurrent_dropout", None), RATE))

DROPOUT: Dict[str, Tuple[DropoutArgument, ...]] = {
    **{f"keras.layers.{name}": _rate("rate", 0) for name in (
        "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
        "GaussianDropout",
    )},
    **{f"keras.layers.{name}": _RECURRENT_RATES for name in (
        "LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "LSTMCell", "GRUCell",
        "SimpleRNNCell", "CuDNNLSTM",
    )},
    "keras.layers.MultiHeadAttention": _rate("dropout", None),
    **{f"torch.nn.{name}": _rate("p", 0) for name in (
        "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
    )},
    **{f"torch.nn.functional.{name}": _rate("p", 1) for name in (
        "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    )},
    **{f"torch.nn.{name}": _rate("dropout", None) for name in (
        "LSTM", "GRU", "RNN", "Transformer", "TransformerEncoderLayer", "TransformerDecoderLayer",
    )},
    "torch.nn.MultiheadAttention": _rate("dropout", 2),
    "tensorflow.layers.dropout": _rate("rate", 1),
    "tensorflow.layers.Dropout": _rate("rate", 0),
    "tensorflow.contrib.layers.dropout": (DropoutArgument(Param("keep_prob", 1), KEEP),),
    **{name: tuple(DropoutArgument(Param(keyword, position), KEEP) for keyword, position in (
        ("input_keep_prob", 1), ("output_keep_prob", 2), ("state_keep_prob", 3),
    )) for name in (
        "tensorflow.nn.rnn_cell.DropoutWrapper", "tensorflow.contrib.rnn.DropoutWrapper",
        "tensorflow.contrib.rnn.core_rnn_cell.DropoutWrapper",
    )},
}

# `tf.nn.dropout` changed meaning: TF1's second parameter is `keep_prob`, TF2's is `rate`. By
# keyword each is unambiguous; by position the TensorFlow version decides.
TF_NN_DROPOUT = "tensorflow.nn.dropout"
TF_NN_DROPOUT_RATE = DropoutArgument(Param("rate", None), RATE)
TF_NN_DROPOUT_KEEP = DropoutArgument(Param("keep_prob", None), KEEP)
TF1_NN_DROPOUT_KEEP = DropoutArgument(Param("keep_prob", 1), KEEP)

# -- Normal initialisation (NN403) -----------------------------------------------------------


@dataclass(frozen=True)
class NormalInit:
    stddev: Param
    # The stddev used when none is given, when it is large enough to matter (None: small).
    default: Optional[float]
    # True for random tensors that are weights only when they become a variable's value.
    needs_variable: bool = False
    # True when `default` is TF1's: TF2 kept the name but changed the default to 0.05.
    tf1_default: bool = False


_RANDOM_TENSOR = NormalInit(Param("stddev", 2), 1.0, needs_variable=True)
_TF1_INITIALIZER = NormalInit(Param("stddev", 1), 1.0, tf1_default=True)
_INITIALIZER = NormalInit(Param("stddev", 1), None)

NORMAL_INITS: Dict[str, NormalInit] = {
    "tensorflow.random_normal": _RANDOM_TENSOR,
    "tensorflow.random.normal": _RANDOM_TENSOR,
    "tensorflow.truncated_normal": _RANDOM_TENSOR,
    "tensorflow.random.truncated_normal": _RANDOM_TENSOR,
    "tensorflow.random_normal_initializer": _TF1_INITIALIZER,
    "tensorflow.initializers.random_normal": _TF1_INITIALIZER,
    "tensorflow.initializers.truncated_normal": _TF1_INITIALIZER,
    # Only TF1 (and `compat.v1`) has this one, so its default is always 1.0.
    "tensorflow.truncated_normal_initializer": NormalInit(Param("stddev", 1), 1.0),
    "keras.initializers.RandomNormal": _INITIALIZER,
    "keras.initializers.TruncatedNormal": _INITIALIZER,
    "keras.initializers.random_normal": _INITIALIZER,
    "keras.initializers.truncated_normal": _INITIALIZER,
    "keras.initializers.normal": _INITIALIZER,
    "torch.nn.init.normal_": NormalInit(Param("std", 2), 1.0),
    "torch.nn.init.normal": NormalInit(Param("std", 2), 1.0),
    # Truncated at +-2 by default, so its default std of 1 gives about 0.88: explicit values only.
    "torch.nn.init.trunc_normal_": NormalInit(Param("std", 2), None),
}
# `w.data.normal_(mean, std)`: the in-place tensor method, std 1 by default.
NORMAL_METHOD = "normal_"
NORMAL_METHOD_INIT = NormalInit(Param("std", 1), 1.0)

# Calls whose argument becomes a variable's initial value, and where they take its shape.
VARIABLES: Dict[str, Param] = {
    "tensorflow.Variable": Param("initial_value", 0),
    "tensorflow.get_variable": Param("initializer", 3),  # after name, shape, dtype
}
GET_VARIABLE = "tensorflow.get_variable"
GET_VARIABLE_SHAPE = Param("shape", 1)
EMBEDDING_LOOKUPS = frozenset({
    "tensorflow.nn.embedding_lookup", "tensorflow.nn.embedding_lookup_sparse",
    "tensorflow.nn.safe_embedding_lookup_sparse", "torch.nn.functional.embedding",
})
EMBEDDING_LAYERS = frozenset({"keras.layers.Embedding", "torch.nn.Embedding", "torch.nn.EmbeddingBag"})

# -- Regularization (NN404) ------------------------------------------------------------------

REGULARIZERS: Dict[str, Tuple[Param, ...]] = {
    **{f"keras.regularizers.{name}": (Param("l1", 0), Param("l", None)) for name in ("l1", "L1")},
    **{f"keras.regularizers.{name}": (Param("l2", 0), Param("l", None)) for name in ("l2", "L2")},
    **{f"keras.regularizers.{name}": (Param("l1", 0), Param("l2", 1)) for name in ("l1_l2", "L1L2")},
    "tensorflow.contrib.layers.l1_regularizer": (Param("scale", 0),),
    "tensorflow.contrib.layers.l2_regularizer": (Param("scale", 0),),
    "tensorflow.contrib.layers.l1_l2_regularizer": (Param("scale_l1", 0), Param("scale_l2", 1)),
}
