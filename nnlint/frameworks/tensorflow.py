"""TensorFlow (1.x, `tf.compat.v1`, 2.x) API knowledge, in canonical spelling (see spelling.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Dict, FrozenSet, Optional, Tuple

from nnlint.frameworks.loss_kinds import (
    BINARY, LOGITS, MULTICLASS, ONE_HOT, PROBABILITIES, REGRESSION, SPARSE, VALUES, Loss,
)
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

# -- Graph mode and sessions (NN201-NN206) -------------------------------------------------------

# Calls whose presence makes a module graph-mode (TF1-style) code.
GRAPH_MODE_MARKERS: FrozenSet[str] = frozenset({
    "tensorflow.Session",
    "tensorflow.InteractiveSession",
    "tensorflow.placeholder",
    "tensorflow.placeholder_with_default",
    "tensorflow.disable_eager_execution",
    "tensorflow.disable_v2_behavior",
    "tensorflow.train.MonitoredTrainingSession",
    "tensorflow.train.MonitoredSession",
    "tensorflow.train.SingularMonitoredSession",
    "tensorflow.train.Supervisor",
})

# Sessions that the user owns and must close.
SESSION_CLASSES: FrozenSet[str] = frozenset({"tensorflow.Session", "tensorflow.InteractiveSession"})
INTERACTIVE_SESSION: FrozenSet[str] = frozenset({"tensorflow.InteractiveSession"})

# Sessions (and their factories) that finalize the graph themselves and close on exit.
MONITORED_SESSIONS: FrozenSet[str] = frozenset({
    "tensorflow.train.MonitoredTrainingSession",
    "tensorflow.train.MonitoredSession",
    "tensorflow.train.SingularMonitoredSession",
    "tensorflow.train.Supervisor",
})
# Methods of a `tf.train.Supervisor` that hand out a session.
SUPERVISOR_SESSION_METHODS: FrozenSet[str] = frozenset({"managed_session", "prepare_or_wait_for_session"})

GET_DEFAULT_SESSION: FrozenSet[str] = frozenset({"tensorflow.get_default_session"})
GRAPH_CLASS: FrozenSet[str] = frozenset({"tensorflow.Graph"})
TF_FUNCTION: FrozenSet[str] = frozenset({"tensorflow.function"})

# Calls that throw the default graph away, so the ops built after them do not pile up.
GRAPH_RESETS: FrozenSet[str] = frozenset({"tensorflow.reset_default_graph"})

# Calls into `tensorflow` that build no graph op, so calling them in a session loop is harmless.
# Every other call into the `tensorflow` namespace counts as op-building (NN201). Each group says
# why it builds nothing; `NO_OP_PREFIXES` covers whole modules with the same reason.
NO_OP_CALLS: FrozenSet[str] = frozenset({
    # Sessions and graphs: they run or hold a graph, they add nothing to it.
    "tensorflow.Session",
    "tensorflow.InteractiveSession",
    "tensorflow.get_default_session",
    "tensorflow.get_default_graph",
    "tensorflow.Graph",
    "tensorflow.reset_default_graph",
    "tensorflow.train.MonitoredTrainingSession",
    "tensorflow.train.MonitoredSession",
    "tensorflow.train.SingularMonitoredSession",
    "tensorflow.train.Supervisor",
    "tensorflow.train.ChiefSessionCreator",
    "tensorflow.train.WorkerSessionCreator",
    "tensorflow.train.Scaffold",
    # Session-run plumbing: hooks, run arguments and threads over ops that already exist.
    "tensorflow.train.SessionRunHook",
    "tensorflow.train.SessionRunArgs",
    "tensorflow.train.StopAtStepHook",
    "tensorflow.train.LoggingTensorHook",
    "tensorflow.train.CheckpointSaverHook",
    "tensorflow.train.SummarySaverHook",
    "tensorflow.train.NanTensorHook",
    "tensorflow.train.Coordinator",
    "tensorflow.train.start_queue_runners",
    "tensorflow.train.LooperThread",
    "tensorflow.train.global_step",
    "tensorflow.train.get_global_step",
    "tensorflow.train.get_or_create_global_step",  # creates the step once, then returns it
    # Configuration and protocol buffers: plain Python objects.
    "tensorflow.ConfigProto",
    "tensorflow.GPUOptions",
    "tensorflow.GraphOptions",
    "tensorflow.OptimizerOptions",
    "tensorflow.RunOptions",
    "tensorflow.RunMetadata",
    "tensorflow.Summary",
    "tensorflow.Summary.Value",
    "tensorflow.summary.Summary",
    "tensorflow.HistogramProto",
    "tensorflow.Event",
    "tensorflow.make_tensor_proto",
    "tensorflow.make_ndarray",
    "tensorflow.train.Example",
    "tensorflow.train.SequenceExample",
    "tensorflow.train.Features",
    "tensorflow.train.Feature",
    "tensorflow.train.FeatureList",
    "tensorflow.train.FeatureLists",
    "tensorflow.train.Int64List",
    "tensorflow.train.FloatList",
    "tensorflow.train.BytesList",
    # Checkpoint files: read or written from Python.
    "tensorflow.train.latest_checkpoint",
    "tensorflow.train.get_checkpoint_state",
    "tensorflow.train.checkpoint_exists",
    "tensorflow.train.list_variables",
    "tensorflow.train.load_variable",
    "tensorflow.train.load_checkpoint",
    "tensorflow.train.NewCheckpointReader",
    "tensorflow.train.update_checkpoint_state",
    "tensorflow.train.write_graph",
    "tensorflow.io.write_graph",
    "tensorflow.train.export_meta_graph",
    # Summary writers: write protocol buffers to event files.
    "tensorflow.summary.FileWriter",
    "tensorflow.summary.FileWriterCache",
    "tensorflow.train.SummaryWriter",
    # Graph bookkeeping: read collections, scopes and devices; add no op.
    "tensorflow.get_collection",
    "tensorflow.get_collection_ref",
    "tensorflow.add_to_collection",
    "tensorflow.trainable_variables",
    "tensorflow.global_variables",
    "tensorflow.all_variables",
    "tensorflow.local_variables",
    "tensorflow.model_variables",
    "tensorflow.moving_average_variables",
    "tensorflow.get_variable_scope",
    "tensorflow.variable_scope",
    "tensorflow.name_scope",
    "tensorflow.device",
    "tensorflow.control_dependencies",
    "tensorflow.set_random_seed",
    "tensorflow.random.set_seed",
    "tensorflow.executing_eagerly",
    "tensorflow.enable_eager_execution",
    "tensorflow.disable_eager_execution",
    "tensorflow.enable_v2_behavior",
    "tensorflow.disable_v2_behavior",
    "tensorflow.get_logger",
    "tensorflow.is_tensor",
    # Types and shapes: Python descriptions of tensors.
    "tensorflow.as_dtype",
    "tensorflow.DType",
    "tensorflow.TensorShape",
    "tensorflow.Dimension",
    "tensorflow.dimension_value",
})

NO_OP_PREFIXES: Tuple[str, ...] = (
    "tensorflow.logging.",  # Python logging
    "tensorflow.python.platform.",  # `gfile`, `flags`, `tf_logging`, `app` imported from their modules
    "tensorflow.gfile.",  # file system access from Python
    "tensorflow.io.gfile.",
    "tensorflow.python_io.",  # TFRecord reading and writing from Python
    "tensorflow.io.TFRecordWriter",
    "tensorflow.io.tf_record_iterator",
    "tensorflow.flags.",  # command-line flags
    "tensorflow.app.",
    "tensorflow.compat.as_",  # string conversion (`as_bytes`, `as_text`, `as_str`)
    "tensorflow.nest.",  # nested-structure utilities in Python
    "tensorflow.config.",  # device and runtime configuration
    "tensorflow.test.",  # `is_gpu_available`, `gpu_device_name`
    "tensorflow.dtypes.",
    "tensorflow.errors.",  # exception classes
    "tensorflow.examples.",  # dataset downloaders (`input_data.read_data_sets`)
    "tensorflow.contrib.learn.datasets.",
    "tensorflow.contrib.learn.python.learn.datasets.",
    "tensorflow.saved_model.utils.",  # signature protocol buffers
    "tensorflow.saved_model.signature_def_utils.",
    "tensorflow.saved_model.builder.",  # writes an existing graph
    "tensorflow.debugging.set_log_device_placement",
    "tensorflow.autograph.set_verbosity",
)

# Initializers that reset every variable of the model (NN206).
ALL_VARIABLES_INITIALIZERS: FrozenSet[str] = frozenset({
    "tensorflow.global_variables_initializer",
    "tensorflow.initialize_all_variables",
})
# `variables_initializer(var_list)` resets the model when `var_list` is one of these.
VARIABLES_INITIALIZER: FrozenSet[str] = frozenset({
    "tensorflow.variables_initializer",
    "tensorflow.initialize_variables",
})
MODEL_VARIABLE_LISTS: FrozenSet[str] = frozenset({
    "tensorflow.global_variables",
    "tensorflow.all_variables",
    "tensorflow.trainable_variables",
    "tensorflow.model_variables",
})
GROUP: FrozenSet[str] = frozenset({"tensorflow.group"})

# Calls that load a whole saved graph into the default graph (NN204).
GRAPH_LOADERS: FrozenSet[str] = frozenset({
    "tensorflow.train.import_meta_graph",
    "tensorflow.saved_model.loader.load",
    "tensorflow.saved_model.load_v1",
})

# Methods that build ops on objects made by the constructors below (NN201).
OPTIMIZER_OP_METHODS: FrozenSet[str] = frozenset({"minimize", "compute_gradients", "apply_gradients"})
VARIABLE_OP_METHODS: FrozenSet[str] = frozenset({
    "assign", "assign_add", "assign_sub", "scatter_update", "scatter_add", "scatter_sub",
})
VARIABLE_CONSTRUCTORS: FrozenSet[str] = frozenset({"tensorflow.Variable", "tensorflow.get_variable"})
# Modules whose functions create variables (`tf.layers.dense`, `slim.conv2d`).
LAYER_MODULES: Tuple[str, ...] = (
    "tensorflow.layers.", "tensorflow.contrib.layers.", "tensorflow.contrib.slim.", "tf_slim.",
)
# Functions of those modules that create no variable (NN207 asks whether a model has any).
VARIABLE_FREE_LAYER_FUNCTION = re.compile(
    r"pool|flatten|dropout|initializer|regularizer|arg_scope|one_hot|summar|^get_|assign_from"
    r"|^l[12]_|softmax|unit_norm|^bias_add$|^repeat_|^stack$|^variable$",
    re.IGNORECASE,
)

# What initializes (or restores) a graph's variables, so its sessions can run them (NN207):
# calls anywhere in the module, and methods on any object (`saver.restore(sess, path)`).
VARIABLE_INITIALIZATION: FrozenSet[str] = ALL_VARIABLES_INITIALIZERS | VARIABLES_INITIALIZER | frozenset({
    "tensorflow.initializers.global_variables",
    "tensorflow.initializers.variables",
    "tensorflow.assign",
    "tf_slim.assign_from_checkpoint",
    "tf_slim.assign_from_checkpoint_fn",
    "tensorflow.train.init_from_checkpoint",
    "tensorflow.contrib.framework.init_from_checkpoint",
    "tensorflow.contrib.framework.assign_from_checkpoint",
    "tensorflow.contrib.framework.assign_from_checkpoint_fn",
    "tensorflow.contrib.slim.assign_from_checkpoint",
    "tensorflow.contrib.slim.assign_from_checkpoint_fn",
    "tensorflow.saved_model.loader.load",
    "tensorflow.saved_model.load_v1",
    "keras.backend.get_session",
    "keras.backend.set_session",
})
INITIALIZING_METHODS: FrozenSet[str] = frozenset({
    "restore", "initialize_or_restore", "run_restore_ops", "load_weights", "assign_from_checkpoint",
})
# APIs that create and initialize their own session: code using them manages variables through them.
SELF_INITIALIZING_PREFIXES: Tuple[str, ...] = (
    "tensorflow.estimator.",
    "tensorflow.contrib.learn.",
    "tensorflow.contrib.tpu.",
    "tensorflow.contrib.slim.learning.",
    "tensorflow.contrib.slim.evaluation.",
    "tf_slim.learning.",
    "tf_slim.evaluation.",
    "tensorflow.train.Scaffold",
    "tensorflow.train.SessionManager",
    "tensorflow.train.MonitoredTrainingSession",
    "tensorflow.train.MonitoredSession",
    "tensorflow.train.SingularMonitoredSession",
    "tensorflow.train.Supervisor",
)
OPTIMIZER_MODULE = "tensorflow.train."

# -- Losses (NN102, NN104, NN301-NN304) -----------------------------------------------------------

_LOGITS = Param("logits", 1)
_LABELS = Param("labels", 0)
_PREDICTIONS = Param("predictions", 1)

# TF1 losses (`tf.losses`, `tf.compat.v1.losses`) and the `tf.nn` cross-entropies. The `tf.nn`
# functions take keywords only in TF1 (a `_sentinel` comes first); positions are TF2's.
_LOSS_FUNCTIONS: Dict[str, Loss] = {
    "tensorflow.losses.softmax_cross_entropy":
        Loss("tf.losses.softmax_cross_entropy", MULTICLASS, LOGITS, _LOGITS, Param("onehot_labels", 0), ONE_HOT),
    "tensorflow.losses.sparse_softmax_cross_entropy":
        Loss("tf.losses.sparse_softmax_cross_entropy", MULTICLASS, LOGITS, _LOGITS, _LABELS, SPARSE),
    "tensorflow.losses.sigmoid_cross_entropy":
        Loss("tf.losses.sigmoid_cross_entropy", BINARY, LOGITS, _LOGITS, Param("multi_class_labels", 0)),
    "tensorflow.losses.log_loss": Loss("tf.losses.log_loss", BINARY, PROBABILITIES, _PREDICTIONS, _LABELS),
    **{f"tensorflow.losses.{name}": Loss(f"tf.losses.{name}", REGRESSION, VALUES, _PREDICTIONS, _LABELS)
       for name in ("mean_squared_error", "absolute_difference", "huber_loss")},
    **{f"tensorflow.nn.{name}": Loss(f"tf.nn.{name}", MULTICLASS, LOGITS, _LOGITS, _LABELS, ONE_HOT)
       for name in ("softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2")},
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits":
        Loss("tf.nn.sparse_softmax_cross_entropy_with_logits", MULTICLASS, LOGITS, _LOGITS, _LABELS, SPARSE),
    **{f"tensorflow.nn.{name}": Loss(f"tf.nn.{name}", BINARY, LOGITS, _LOGITS, _LABELS)
       for name in ("sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits")},
}

LOSS_FUNCTIONS: Dict[str, Loss] = {name: replace(loss, either_order=True) for name, loss in _LOSS_FUNCTIONS.items()}

# Element-wise error terms of a hand-written regression loss, `tf.reduce_mean(tf.square(pred - y))`.
SQUARED_ERRORS: FrozenSet[str] = frozenset({
    "tensorflow.square", "tensorflow.math.square", "tensorflow.abs", "tensorflow.math.abs",
})
L2_LOSS: FrozenSet[str] = frozenset({"tensorflow.nn.l2_loss"})
POW: FrozenSet[str] = frozenset({"tensorflow.pow", "tensorflow.math.pow"})

# Layers and products whose output is a linear function of their input (no activation).
MATMUL: FrozenSet[str] = frozenset({"tensorflow.matmul", "tensorflow.linalg.matmul"})
XW_PLUS_B: FrozenSet[str] = frozenset({"tensorflow.nn.xw_plus_b", "tensorflow.nn.bias_add"})
# Where a dense layer function's unit count is given.
LAYER_UNITS: Dict[str, Param] = {
    "tensorflow.layers.dense": Param("units", 1),
    "tensorflow.contrib.layers.fully_connected": Param("num_outputs", 1),
    "tensorflow.contrib.slim.fully_connected": Param("num_outputs", 1),
    "tf_slim.fully_connected": Param("num_outputs", 1),
    "tf_slim.layers.fully_connected": Param("num_outputs", 1),
}
# Variables whose shape is given: function -> the shape parameter.
SHAPED_VARIABLES: Dict[str, Param] = {"tensorflow.get_variable": Param("shape", 1)}
# Initial values whose shape is their first argument (`tf.Variable(tf.zeros([784, 10]))`).
SHAPED_INITIAL_VALUES: FrozenSet[str] = frozenset({
    "tensorflow.zeros", "tensorflow.ones", "tensorflow.random_normal", "tensorflow.random.normal",
    "tensorflow.truncated_normal", "tensorflow.random.truncated_normal", "tensorflow.random_uniform",
    "tensorflow.random.uniform",
})
VARIABLE: FrozenSet[str] = frozenset({"tensorflow.Variable"})

# Softmax functions: the axis parameter, and whether leaving it out normalises over the units.
SOFTMAX_AXES: Dict[str, Tuple[Param, bool]] = {
    "tensorflow.nn.softmax": (Param("axis", 1), True),
    "tensorflow.math.softmax": (Param("axis", 1), True),
}

# Hand-written log-sum-exp (NN106): the exp and sum functions, the sum's axis parameters, and
# the name of the fused function beside the sum (`tf.reduce_sum` -> `tf.reduce_logsumexp`).
EXP_FUNCTIONS: FrozenSet[str] = frozenset({"tensorflow.exp", "tensorflow.math.exp"})
SUM_AXES: Dict[str, Tuple[Param, ...]] = {
    "tensorflow.reduce_sum": (Param("axis", 1), Param("reduction_indices")),
    "tensorflow.math.reduce_sum": (Param("axis", 1), Param("reduction_indices")),
}
LOGSUMEXP_BESIDE_SUM = "reduce_logsumexp"

# Constant weight initialisation (NN405).
CONSTANT_INITIALIZERS: FrozenSet[str] = frozenset({
    "tensorflow.zeros_initializer", "tensorflow.ones_initializer", "tensorflow.constant_initializer",
    "tensorflow.initializers.zeros", "tensorflow.initializers.ones", "tensorflow.initializers.constant",
})
# Initial values that are the same everywhere: function -> the shape parameter.
CONSTANT_INITIAL_VALUES: Dict[str, Param] = {
    "tensorflow.zeros": Param("shape", 0),
    "tensorflow.ones": Param("shape", 0),
    "tensorflow.fill": Param("dims", 0),
    "tensorflow.constant": Param("shape", 2),
}
GET_VARIABLE_INITIALIZER = Param("initializer", 3)
LAYER_KERNEL_INITIALIZERS: Dict[str, Param] = {"tensorflow.layers.dense": Param("kernel_initializer", 5)}

# -- Labels (NN303) -------------------------------------------------------------------------------

ONE_HOT_ENCODERS: FrozenSet[str] = frozenset({"tensorflow.one_hot"})
ARGMAX: FrozenSet[str] = frozenset({"tensorflow.argmax", "tensorflow.math.argmax"})
PLACEHOLDER: FrozenSet[str] = frozenset({"tensorflow.placeholder"})
# The MNIST readers of the TF1 tutorials: labels are one-hot only with `one_hot=True`.
MNIST_READERS: FrozenSet[str] = frozenset({
    "tensorflow.examples.tutorials.mnist.input_data.read_data_sets",
    "tensorflow.contrib.learn.python.learn.datasets.mnist.read_data_sets",
    "tensorflow.contrib.learn.datasets.mnist.read_data_sets",
    "tensorflow.contrib.learn.datasets.load_dataset",
})
# Estimators call their `model_fn(features, labels, mode)` with the labels of their input function.
ESTIMATOR_MODEL_FN = Param("model_fn", 0)
ESTIMATORS: FrozenSet[str] = frozenset({"tensorflow.estimator.Estimator"})
NUMPY_INPUT_FN: Dict[str, Param] = {
    "tensorflow.estimator.inputs.numpy_input_fn": Param("y", 1),
    "tensorflow.estimator.inputs.pandas_input_fn": Param("y", 1),
}
