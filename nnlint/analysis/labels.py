"""How training labels are encoded: one-hot rows, or integer class ids.

NN303 compares this with what the loss expects. The encoding is decided by the call that made
the labels (`to_categorical`, `tf.one_hot`, `np.eye(n)[y]`, `LabelEncoder`, `np.argmax`, a
dataset's `load_data()`, the TF1 MNIST reader's `one_hot=` flag, a placeholder's dtype and
shape), and survives copies, casts, reshapes, slices and `train_test_split`. Labels that reach
the loss as a placeholder of undecided shape are followed to the `feed_dict` entries that feed
it, and an Estimator's `labels` parameter to the `y=` of the module's input functions. Anything
else is unknown, and NN303 stays silent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

import libcst as cst

from nnlint.analysis.arguments import argument, operand
from nnlint.analysis.constants import constants
from nnlint.analysis.dataflow import Value, assigned_value, history, origin, unpacked
from nnlint.analysis.model_structure import method_calls
from nnlint.analysis.names import Where, visible_bindings
from nnlint.analysis.scopes import PARAM, REBIND, Binding
from nnlint.analysis.statements import module_calls
from nnlint.frameworks import data_libraries, keras, tensorflow, torch
from nnlint.frameworks.loss_kinds import ONE_HOT, SPARSE
from nnlint.frameworks.params import Param

if TYPE_CHECKING:
    from nnlint.analysis.context import FileContext
    from nnlint.analysis.loss_resolution import LossUse

_MAX_STEPS = 16
_SPLITS = frozenset({"sklearn.model_selection.train_test_split", "sklearn.cross_validation.train_test_split"})
_MNIST_SPLITS = frozenset({"train", "test", "validation"})
_READ_DATA_SETS_ONE_HOT = Param("one_hot", 2)


@dataclass(frozen=True)
class Encoding:
    kind: str  # ONE_HOT or SPARSE
    source: str  # what made the labels, for messages
    # A `F.one_hot(...)` result still of integer dtype (torch's cross-entropy rejects it).
    integer_one_hot: bool = False


def label_encoding(value: Value, ctx: "FileContext") -> Optional[Encoding]:
    """The encoding of the labels `value`, or None when it cannot be seen."""
    return _Follower(ctx).encoding(value, 0)


class _Follower:
    def __init__(self, ctx: "FileContext") -> None:
        self._ctx = ctx

    def encoding(self, value: Value, depth: int) -> Optional[Encoding]:
        if depth > 2:
            return None
        ctx = self._ctx
        for _ in range(_MAX_STEPS):
            node = value.node
            if isinstance(node, (cst.Name, cst.Attribute)):
                previous = assigned_value(node, value.where)
                if previous is not None:
                    value = previous
                    continue
            if isinstance(node, cst.Name):
                return self._bound(node, value.where, depth)
            if isinstance(node, cst.Attribute):
                if node.attr.value == "labels":
                    return self._mnist(Value(node.value, value.where))
                if node.attr.value == "values":
                    value = Value(node.value, value.where)
                    continue
                return None
            if isinstance(node, cst.Subscript):
                found = self._subscripted(node, value.where)
                if found is not None:
                    return found
                value = Value(node.value, value.where)
                continue
            if not isinstance(node, cst.Call):
                return None
            names = ctx.qualified_names(node.func, value.where)
            if names:
                found, step = self._function(node, names, value, depth)
                if step is None:
                    return found
                value = step
                continue
            if not isinstance(node.func, cst.Attribute):
                return None
            method = node.func.attr.value
            receiver = Value(node.func.value, value.where)
            if method in torch.CASTING_METHODS and _casts_to_float(node, value.where, ctx):
                inner = self.encoding(receiver, depth + 1)
                return replace(inner, integer_one_hot=False) if inner is not None else None
            if method in data_libraries.KEEPING_METHODS:
                value = receiver
            elif method in torch.LONG_METHODS:
                return self.encoding(receiver, depth + 1) or Encoding(SPARSE, f"`.{method}()`")
            elif method in torch.FLOAT_METHODS:
                inner = self.encoding(receiver, depth + 1)
                return replace(inner, integer_one_hot=False) if inner is not None else None
            elif method in data_libraries.ENCODING_METHODS:
                return self._encoder(receiver)
            else:
                return None
        return None

    def _function(
        self, call: cst.Call, names: frozenset, value: Value, depth: int
    ) -> Tuple[Optional[Encoding], Optional[Value]]:
        """A framework or library call: its encoding, or the value to follow instead."""
        shown = _leaf(call)
        if names & torch.ONE_HOT_ENCODERS:
            return Encoding(ONE_HOT, f"`{shown}`", integer_one_hot=True), None
        if names & (keras.ONE_HOT_ENCODERS | tensorflow.ONE_HOT_ENCODERS | data_libraries.ONE_HOT_FUNCTIONS):
            return Encoding(ONE_HOT, f"`{shown}`"), None
        if names & (tensorflow.ARGMAX | torch.ARGMAX | data_libraries.ARGMAX):
            return Encoding(SPARSE, f"`{shown}`"), None
        if names & torch.LONG_TENSORS:
            return Encoding(SPARSE, f"`{shown}`"), None
        if names & tensorflow.PLACEHOLDER:
            return self._placeholder(Value(call, value.where), depth), None
        if names & keras.INPUT:
            return self._keras_input(Value(call, value.where)), None
        if names & data_libraries.ARRAY_COPIES:
            copied = operand(call)
            return None, (Value(copied, value.where) if copied is not None else None)
        return None, None

    def _bound(self, name: cst.Name, where: Where, depth: int) -> Optional[Encoding]:
        bindings = visible_bindings(name.value, where)
        if len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind == REBIND:
            return self._unpacked(binding, depth)
        if binding.kind == PARAM:
            return self._estimator_labels(binding, depth)
        return None

    def _unpacked(self, binding: Binding, depth: int) -> Optional[Encoding]:
        """A name unpacked from a call: `(x, y), (xt, yt) = mnist.load_data()`,
        `xs, ys = mnist.train.next_batch(50)`, `X_tr, X_te, y_tr, y_te = train_test_split(X, y)`."""
        ctx = self._ctx
        found = unpacked(binding, ctx.index)
        if found is None:
            return None
        rhs, path = found
        made = origin(rhs)
        call = made.node
        if not isinstance(call, cst.Call):
            return None
        names = ctx.qualified_names(call.func, made.where)
        if names & keras.CLASS_ID_DATASETS and path in ((0, 1), (1, 1)):
            return Encoding(SPARSE, f"`{_leaf(call)}()` labels")
        if names & _SPLITS:
            arrays = [a.value for a in call.args if a.keyword is None]
            if len(arrays) == 2 and not any(a.star for a in call.args) and path in ((2,), (3,)):
                return self.encoding(Value(arrays[1], made.where), depth + 1)
            return None
        if not names and path == (1,) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "next_batch":
            return self._mnist(Value(call.func.value, made.where))
        return None

    def _subscripted(self, node: cst.Subscript, where: Where) -> Optional[Encoding]:
        """`np.eye(n)[y]` is one-hot; `mnist.train.next_batch(50)[1]` holds the reader's labels."""
        base = origin(Value(node.value, where))
        if not isinstance(base.node, cst.Call):
            return None
        if self._ctx.match(base.node.func, data_libraries.IDENTITY_MATRICES, base.where):
            return Encoding(ONE_HOT, f"`{_leaf(base.node)}(n)[labels]`")
        func = base.node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "next_batch" and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == "1":
                return self._mnist(Value(func.value, base.where))
        return None

    def _mnist(self, split: Value) -> Optional[Encoding]:
        """Labels of `mnist.train` (`.labels`, `.next_batch(n)`): one-hot only when the reader
        was called with `one_hot=True`."""
        node = split.node
        if not (isinstance(node, cst.Attribute) and node.attr.value in _MNIST_SPLITS):
            return None
        reader = origin(Value(node.value, split.where))
        if not isinstance(reader.node, cst.Call):
            return None
        ctx = self._ctx
        if not ctx.match(reader.node.func, tensorflow.MNIST_READERS, reader.where):
            return None
        flag = argument(reader.node, _READ_DATA_SETS_ONE_HOT)
        if flag is not None and constants(ctx).value(flag, reader.where) is True:
            return Encoding(ONE_HOT, "`read_data_sets(..., one_hot=True)`")
        if flag is None or constants(ctx).value(flag, reader.where) is False:
            without = "" if _leaf(reader.node).endswith("load_dataset") else " without `one_hot=True`"
            return Encoding(SPARSE, f"`{_leaf(reader.node)}(...)`{without}")
        return None

    def _encoder(self, encoder: Value) -> Optional[Encoding]:
        """`LabelBinarizer().fit_transform(y)` (one-hot), `LabelEncoder().fit_transform(y)` (ids)."""
        made = origin(encoder)
        if not isinstance(made.node, cst.Call):
            return None
        names = self._ctx.qualified_names(made.node.func, made.where)
        if names & data_libraries.ONE_HOT_ENCODER_CLASSES:
            return Encoding(ONE_HOT, f"`{_leaf(made.node)}`")
        if names & data_libraries.CLASS_ID_ENCODER_CLASSES:
            return Encoding(SPARSE, f"`{_leaf(made.node)}`")
        return None

    def _placeholder(self, placeholder: Value, depth: int) -> Optional[Encoding]:
        """What its `feed_dict` entries feed it, when they agree (that is what reaches the
        loss, whatever the placeholder declares); otherwise an int placeholder of shape `[None]`
        holds ids, and a float one of shape `[None, n > 1]` one-hot rows."""
        ctx = self._ctx
        call = placeholder.node
        fed = [self.encoding(v, depth + 1) for v in _fed_values(ctx).get(id(call), [])]
        if fed and all(f is not None for f in fed) and len({f.kind for f in fed}) == 1:
            return fed[0]
        dtype = argument(call, Param("dtype", 0))
        shape = argument(call, Param("shape", 1))
        kind = _dtype_kind(dtype, placeholder.where, ctx) if dtype is not None else None
        if isinstance(shape, (cst.List, cst.Tuple)):
            dims = [e.value for e in shape.elements]
            if kind == "int" and len(dims) == 1:
                return Encoding(SPARSE, "an integer placeholder of shape `[None]`")
            if kind == "float" and len(dims) == 2:
                width = constants(ctx).value(dims[1], placeholder.where)
                if isinstance(width, int) and not isinstance(width, bool) and width > 1:
                    return Encoding(ONE_HOT, f"a float placeholder of shape `[None, {width}]`")
        return None

    def _keras_input(self, made: Value) -> Optional[Encoding]:
        """`keras.Input(shape=(10,))` (float by default) holds one-hot rows; an integer one of
        shape `()` or `(1,)` holds class ids."""
        ctx = self._ctx
        shape = argument(made.node, keras.INPUT_SHAPE)
        dtype = argument(made.node, keras.INPUT_DTYPE)
        if not isinstance(shape, (cst.List, cst.Tuple)):
            return None
        dims = [e.value for e in shape.elements]
        kind = "float" if dtype is None else _dtype_kind(dtype, made.where, ctx)
        if kind == "float" and len(dims) == 1:
            width = constants(ctx).value(dims[0], made.where)
            if isinstance(width, int) and not isinstance(width, bool) and width > 1:
                return Encoding(ONE_HOT, f"a float `Input` of shape `({width},)`")
        if kind == "int" and (not dims or (len(dims) == 1 and constants(ctx).value(dims[0], made.where) == 1)):
            return Encoding(SPARSE, "an integer `Input`")
        return None

    def _estimator_labels(self, binding: Binding, depth: int) -> Optional[Encoding]:
        """`labels` of a `model_fn(features, labels, mode)` given to an Estimator: the `y=` of
        the module's `numpy_input_fn` calls, when they all agree."""
        function = binding.scope.node
        if not isinstance(function, cst.FunctionDef) or binding.name != "labels":
            return None
        ctx = self._ctx
        calls = module_calls(ctx.index, ctx.memo)
        given = any(
            ctx.match(call.func, tensorflow.ESTIMATORS, where)
            and isinstance(fn := argument(call, tensorflow.ESTIMATOR_MODEL_FN), cst.Name)
            and fn.value == function.name.value
            for call, where in calls
        )
        if not given:
            return None
        found: List[Optional[Encoding]] = []
        for call, where in calls:
            input_fn = ctx.match(call.func, tensorflow.NUMPY_INPUT_FN, where)
            if input_fn is not None:
                labels = argument(call, tensorflow.NUMPY_INPUT_FN[input_fn])
                if labels is not None:
                    found.append(self.encoding(Value(labels, where), depth + 1))
        if found and all(f is not None for f in found) and len({f.kind for f in found}) == 1:
            return found[0]
        return None


def _dtype_kind(dtype: cst.BaseExpression, where: Where, ctx: "FileContext") -> Optional[str]:
    """"float" or "int" for a dtype given as a string (`"float32"`) or a framework dtype
    (`tf.int64`, `torch.float32`)."""
    if isinstance(dtype, cst.SimpleString) and isinstance(dtype.evaluated_value, str):
        names = frozenset({dtype.evaluated_value})
    else:
        names = frozenset(name.rsplit(".", 1)[-1] for name in ctx.qualified_names(dtype, where)
                          if name.startswith(("tensorflow.", "torch.", "numpy.")))
    if names & data_libraries.FLOAT_DTYPE_NAMES:
        return "float"
    if names & data_libraries.INTEGER_DTYPE_NAMES:
        return "int"
    return None


def _casts_to_float(call: cst.Call, where: Where, ctx: "FileContext") -> bool:
    """`t.to(torch.float32)`, `t.to(dtype=torch.float)`, `t.type(torch.FloatTensor)`."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value != "dtype":
            continue
        if _dtype_kind(arg.value, where, ctx) == "float":
            return True
        if any(name in torch.FLOAT_TENSOR_TYPES for name in ctx.qualified_names(arg.value, where)):
            return True
    return False


def labels_trained_with(use: LossUse, ctx: "FileContext") -> List[Value]:
    """The labels a loss sees: a loss call's own, or for a compiled Keras model those its
    `fit`/`train_on_batch` calls pass."""
    if use.model is None:
        return [use.labels] if use.labels is not None else []
    found = []
    for step in history(use.model):
        if isinstance(step.node, (cst.Name, cst.Attribute)):
            for call, where, _ in method_calls(step, keras.LABELLED_TRAINING, ctx.index):
                labels = argument(call, keras.LABELLED_TRAINING[call.func.attr.value])
                if labels is not None:
                    found.append(Value(labels, where))
    return found


def _fed_values(ctx: "FileContext") -> Dict[int, List[Value]]:
    """For each placeholder call (by id), the values `feed_dict={ph: value}` entries feed it."""
    found = ctx.memo.get("fed_values")
    if found is None:
        found = ctx.memo["fed_values"] = {}
        for call, where in module_calls(ctx.index, ctx.memo):
            for arg in call.args:
                if not isinstance(arg.value, cst.Dict):
                    continue
                for element in arg.value.elements:
                    if isinstance(element, cst.DictElement):
                        key = origin(Value(element.key, where)).node
                        if isinstance(key, cst.Call):
                            found.setdefault(id(key), []).append(Value(element.value, where))
    return found


def _leaf(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Attribute):
        inner = func.value
        prefix = f"{inner.attr.value}." if isinstance(inner, cst.Attribute) else (
            f"{inner.value}." if isinstance(inner, cst.Name) else ""
        )
        return prefix + func.attr.value
    return func.value if isinstance(func, cst.Name) else "call"
