"""PyTorch API knowledge, in canonical spelling (`torch.nn.functional.*`, `torch.nn.*`)."""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Tuple

from nnlint.frameworks.loss_kinds import (
    BINARY, IDS_OR_FLOAT_PROBABILITIES, LOG_PROBABILITIES, LOGITS, MULTICLASS, PROBABILITIES, REGRESSION,
    SPARSE, VALUES, Loss,
)
from nnlint.frameworks.params import Param

LOG_FUNCTIONS: FrozenSet[str] = frozenset({"torch.log", "torch.log2", "torch.log10"})
LOG_METHODS: FrozenSet[str] = frozenset({"log", "log2", "log10"})

ACTIVATION_FUNCTIONS: Dict[str, str] = {
    "torch.softmax": "softmax",
    "torch.nn.functional.softmax": "softmax",
    "torch.special.softmax": "softmax",
    "torch.sigmoid": "sigmoid",
    "torch.nn.functional.sigmoid": "sigmoid",
    "torch.special.expit": "sigmoid",
    "torch.nn.functional.hardsigmoid": "sigmoid",
    "torch.relu": "relu",
    "torch.nn.functional.relu": "relu",
    "torch.nn.functional.relu6": "relu",
    "torch.nn.functional.elu": "relu",
    "torch.nn.functional.selu": "relu",
    "torch.nn.functional.softplus": "relu",
    "torch.tanh": "tanh",
    "torch.nn.functional.tanh": "tanh",
    "torch.log_softmax": "log_softmax",
    "torch.nn.functional.log_softmax": "log_softmax",
    "torch.special.log_softmax": "log_softmax",
}

# Tensor methods that are activations (`logits.softmax(dim=1)`, `x.sigmoid()`).
ACTIVATION_METHODS: Dict[str, str] = {
    "softmax": "softmax",
    "sigmoid": "sigmoid",
    "relu": "relu",
    "tanh": "tanh",
    "log_softmax": "log_softmax",
}

LOG_SOFTMAX_TWINS: Dict[str, str] = {
    "torch.softmax": "log_softmax",
    "torch.nn.functional.softmax": "log_softmax",
    "torch.special.softmax": "log_softmax",
}

# nn.Module classes that are an activation: instance calls produce that activation.
ACTIVATION_MODULES: Dict[str, str] = {
    "torch.nn.Softmax": "softmax",
    "torch.nn.Softmax2d": "softmax",
    "torch.nn.Sigmoid": "sigmoid",
    "torch.nn.Hardsigmoid": "sigmoid",
    "torch.nn.ReLU": "relu",
    "torch.nn.ReLU6": "relu",
    "torch.nn.ELU": "relu",
    "torch.nn.SELU": "relu",
    "torch.nn.Softplus": "relu",
    "torch.nn.Tanh": "tanh",
    "torch.nn.LogSoftmax": "log_softmax",
}

# `torch.clamp(x, max=1.0)` leaves zeros in place: only a lower bound guards a log.
GUARDS: Dict[str, Optional[Param]] = {
    "torch.clamp": Param("min", 1),
    "torch.clip": Param("min", 1),
    "torch.clamp_min": None,
    "torch.maximum": None,
    "torch.exp": None,
}

GUARD_METHODS: Dict[str, Optional[Param]] = {
    "clamp": Param("min", 0),
    "clip": Param("min", 0),
    "clamp_": Param("min", 0),
    "clip_": Param("min", 0),
    "clamp_min": None,
    "clamp_min_": None,
    "exp": None,
}

REDUCTIONS: FrozenSet[str] = frozenset({"torch.sum", "torch.mean"})
REDUCTION_METHODS: FrozenSet[str] = frozenset({"sum", "mean"})

MULTIPLY_FUNCTIONS: FrozenSet[str] = frozenset({"torch.mul", "torch.multiply"})

VALUE_PRESERVING: FrozenSet[str] = frozenset({
    "torch.gather",
    "torch.squeeze",
    "torch.unsqueeze",
    "torch.reshape",
    "torch.flatten",
    "torch.index_select",
    "torch.masked_select",
})

VALUE_PRESERVING_METHODS: FrozenSet[str] = frozenset({
    "view",
    "reshape",
    "squeeze",
    "unsqueeze",
    "flatten",
    "gather",
    "float",
    "double",
    "half",
    "to",
    "cpu",
    "cuda",
    "contiguous",
    "detach",
    "expand_as",
    "index_select",
    "masked_select",
    "transpose",
    "permute",
})

SEQUENTIAL: FrozenSet[str] = frozenset({"torch.nn.Sequential"})

# -- Training loops (NN205) -----------------------------------------------------------------------

# `torch.nn.functional` losses whose names do not end in `_loss`.
FUNCTIONAL_LOSSES: FrozenSet[str] = frozenset({
    "torch.nn.functional.cross_entropy",
    "torch.nn.functional.binary_cross_entropy",
    "torch.nn.functional.binary_cross_entropy_with_logits",
    "torch.nn.functional.kl_div",
    "torch.nn.functional.ctc_loss",
})
LOSS_MODULE_SUFFIX = "Loss"  # `torch.nn.MSELoss`, `torch.nn.CrossEntropyLoss`, ...
AUTOGRAD_BACKWARD: FrozenSet[str] = frozenset({"torch.autograd.backward"})

# -- Training loops (NN501-NN503) ---------------------------------------------------------------

# Context managers and decorators under which autograd records nothing.
NO_GRAD: FrozenSet[str] = frozenset({
    "torch.no_grad",
    "torch.inference_mode",
    "torch.autograd.no_grad",
    "torch.autograd.grad_mode.no_grad",
    "torch.autograd.grad_mode.inference_mode",
})
# `torch.set_grad_enabled(False)`, as a context manager or a plain call.
SET_GRAD_ENABLED: FrozenSet[str] = frozenset({
    "torch.set_grad_enabled",
    "torch.autograd.set_grad_enabled",
    "torch.autograd.grad_mode.set_grad_enabled",
})
ENABLE_GRAD: FrozenSet[str] = frozenset({"torch.enable_grad", "torch.autograd.enable_grad"})
# Gradients computed without `.backward()` (adversarial examples, gradient penalties).
AUTOGRAD_GRAD: FrozenSet[str] = frozenset({"torch.autograd.grad"})
# Distributed autograd keeps each step's gradients in its own context, not in `.grad`.
CONTEXT_BACKWARD: FrozenSet[str] = frozenset({"torch.distributed.autograd.backward"})
GRAD_SCALERS: FrozenSet[str] = frozenset({
    "torch.cuda.amp.GradScaler", "torch.amp.GradScaler", "torch.cpu.amp.GradScaler",
})
OPTIMIZER_PREFIX = "torch.optim."
NOT_OPTIMIZERS = ("torch.optim.lr_scheduler.", "torch.optim.swa_utils.")
MODULE_BASES: FrozenSet[str] = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module"})
# Methods of a module that return the module itself (`model.to(device).eval()`).
SAME_MODULE_METHODS: FrozenSet[str] = frozenset({
    "to", "cuda", "cpu", "float", "half", "double", "bfloat16", "share_memory",
})
# Packages whose users write PyTorch training and inference code (a script may import only
# torchvision and still build, load and run models).
ECOSYSTEM_ROOTS: FrozenSet[str] = frozenset({
    "torch", "torchvision", "torchaudio", "torchtext", "timm", "lightning", "pytorch_lightning",
})
# Modules that wrap the module passed to them.
MODULE_WRAPPERS: FrozenSet[str] = frozenset({
    "torch.nn.DataParallel", "torch.nn.parallel.DataParallel",
    "torch.nn.parallel.DistributedDataParallel", "torch.nn.parallel.distributed.DistributedDataParallel",
})
# Factories whose result is always an `nn.Module` (NN505 needs certainty, not likelihood).
MODULE_FACTORY_PREFIXES = ("torchvision.models.", "timm.create_model", "timm.models.")
# Capitalized names in `torch.nn` that are not modules.
NOT_MODULE_CLASSES: FrozenSet[str] = frozenset({
    "Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer", "PackedSequence",
})
NOT_MODULE_PREFIXES = ("torch.nn.functional.", "torch.nn.init.", "torch.nn.utils.", "torch.nn.attention.")
# Unpickles whatever was saved: a state dict, a checkpoint dict, or a whole model.
LOAD: FrozenSet[str] = frozenset({"torch.load"})
# Calls that return a ready model.
MODEL_FACTORY_PREFIXES = ("torchvision.models.", "timm.create_model", "torch.hub.load", "torch.load",
                          "torch.jit.load", "torch.jit.script", "torch.compile")

# -- Losses (NN102, NN104, NN301-NN304) -----------------------------------------------------------

_INPUT = Param("input", 0)
_TARGET = Param("target", 1)
# (functional name, module class, loss facts)
_LOSSES = (
    ("cross_entropy", "CrossEntropyLoss", MULTICLASS, LOGITS, IDS_OR_FLOAT_PROBABILITIES),
    ("nll_loss", "NLLLoss", MULTICLASS, LOG_PROBABILITIES, SPARSE),
    ("binary_cross_entropy", "BCELoss", BINARY, PROBABILITIES, None),
    ("binary_cross_entropy_with_logits", "BCEWithLogitsLoss", BINARY, LOGITS, None),
    ("mse_loss", "MSELoss", REGRESSION, VALUES, None),
    ("l1_loss", "L1Loss", REGRESSION, VALUES, None),
    ("smooth_l1_loss", "SmoothL1Loss", REGRESSION, VALUES, None),
    ("huber_loss", "HuberLoss", REGRESSION, VALUES, None),
)
LOSS_FUNCTIONS: Dict[str, Loss] = {
    f"torch.nn.functional.{function}": Loss(f"F.{function}", task, takes, _INPUT, _TARGET, encoding)
    for function, _, task, takes, encoding in _LOSSES
}
# Criterion modules: made once, then called as `criterion(output, target)`.
LOSS_CLASSES: Dict[str, Loss] = {
    f"torch.nn.{cls}": Loss(f"nn.{cls}", task, takes, _INPUT, _TARGET, encoding)
    for _, cls, task, takes, encoding in _LOSSES
}
SQUARED_ERRORS: FrozenSet[str] = frozenset({"torch.square", "torch.abs"})
POW: FrozenSet[str] = frozenset({"torch.pow"})
# `data_parallel(module, inputs, ...)` computes `module(inputs)`.
DATA_PARALLEL_CALL: FrozenSet[str] = frozenset({
    "torch.nn.parallel.data_parallel", "torch.nn.parallel.data_parallel.data_parallel",
})
# Modules whose output is a linear function of their input.
LINEAR_MODULES: Dict[str, Param] = {
    "torch.nn.Linear": Param("out_features", 1),
    "torch.nn.LazyLinear": Param("out_features", 0),
    "torch.nn.Bilinear": Param("out_features", 2),
}

# Softmax functions and modules: the dim parameter. Without it torch picks a dim by rank
# (deprecated): dim 1 of a `[batch, units]` output, so a single unit is normalised on its own.
SOFTMAX_AXES: Dict[str, Tuple[Param, bool]] = {
    "torch.softmax": (Param("dim", 1), True),
    "torch.nn.functional.softmax": (Param("dim", 1), True),
    "torch.special.softmax": (Param("dim", 1), True),
    "torch.nn.Softmax": (Param("dim", 0), True),
}

# Hand-written log-sum-exp (NN106), as in tensorflow.py; the tensor methods have the same names.
EXP_FUNCTIONS: FrozenSet[str] = frozenset({"torch.exp"})
SUM_AXES: Dict[str, Tuple[Param, ...]] = {"torch.sum": (Param("dim", 1),)}
SUM_METHOD_AXIS = Param("dim", 0)
LOGSUMEXP_BESIDE_SUM = "logsumexp"

# Constant weight initialisation (NN405): in-place initialisers and tensor methods.
CONSTANT_INIT_FUNCTIONS: FrozenSet[str] = frozenset({
    "torch.nn.init.zeros_", "torch.nn.init.ones_", "torch.nn.init.constant_", "torch.nn.init.constant",
})
UNIT_WISE_LAYERS: FrozenSet[str] = frozenset(
    f"torch.nn.{name}" for name in ("Dropout", "BatchNorm1d", "LayerNorm", "Identity", "AlphaDropout")
)
CONSTANT_FILL_METHODS: FrozenSet[str] = frozenset({"fill_", "zero_"})
INIT_PREFIX = "torch.nn.init."

# -- Labels (NN303) -------------------------------------------------------------------------------

ONE_HOT_ENCODERS: FrozenSet[str] = frozenset({"torch.nn.functional.one_hot"})
ARGMAX: FrozenSet[str] = frozenset({"torch.argmax"})
LONG_TENSORS: FrozenSet[str] = frozenset({"torch.LongTensor", "torch.cuda.LongTensor"})
# Tensor methods that make the values integers, or floats again.
LONG_METHODS: FrozenSet[str] = frozenset({"long", "int"})
FLOAT_METHODS: FrozenSet[str] = frozenset({"float", "double", "half", "bfloat16"})
# Methods that cast to the dtype or tensor type they are given.
CASTING_METHODS: FrozenSet[str] = frozenset({"to", "type"})
FLOAT_TENSOR_TYPES: FrozenSet[str] = frozenset({
    "torch.FloatTensor", "torch.DoubleTensor", "torch.cuda.FloatTensor", "torch.cuda.DoubleTensor",
})
