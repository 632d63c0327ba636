"""Which activation produced a value: softmax, sigmoid, relu, tanh, linear or log_softmax.

Several rules ask this of a tensor (NN101/NN103 of a log's argument, later the loss rules of a
model output), in every form the frameworks offer: a function (`tf.nn.softmax(z)`,
`F.softmax(z, 1)`), a tensor method (`z.softmax(1)`), a module instance (`nn.Softmax(1)(z)`, or
`self.sm = nn.Softmax(1)` called later), a Keras layer call (`Dense(10, activation="softmax")(h)`,
`Activation(tf.nn.sigmoid)(h)`, `Softmax()(h)`), a TF1 layer function
(`tf.layers.dense(h, 10, activation=tf.nn.softmax)`), and a `Sequential` model whose last layer
is one of those.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint import frameworks
from nnlint.analysis.arguments import argument
from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.definitions import local_definition
from nnlint.analysis.names import NameResolver, Where
from nnlint.analysis.scopes import CLASS, DEF, Scope, ScopeIndex
from nnlint.frameworks import keras, tensorflow, torch

# How many calls deep into functions of the module an answer may be looked for.
_MAX_CALL_DEPTH = 3
# The method that runs when a module/model instance is called.
_CALL_METHODS = ("forward", "call")


class Activations:
    def __init__(self, resolver: NameResolver, index: ScopeIndex, uses_torch: bool) -> None:
        self._resolver = resolver
        self._index = index
        self._uses_torch = uses_torch

    def of(self, value: Value, depth: int = 0) -> Optional[str]:
        """The activation applied last to produce `value` (followed through assignments, and
        into the functions, methods and modules this module defines)."""
        value = origin(value)
        node = value.node
        if _is_one_minus(node):
            # 1 - sigmoid(x) is sigmoid(-x): still a sigmoid output, saturating at 0 and 1.
            return "sigmoid" if self.of(Value(node.right, value.where), depth) == "sigmoid" else None
        if not isinstance(node, cst.Call):
            return None
        names = self._resolver.qualified_names(node.func, value.where)
        for name in names:
            kind = frameworks.ACTIVATION_FUNCTIONS.get(name)
            if kind is not None:
                return kind
            layer_function = tensorflow.LAYER_FUNCTIONS.get(name)
            if layer_function is not None:
                param, default = layer_function
                return self._activation_argument(node, param, value, default)
        if names:
            return None
        func = node.func
        if (
            self._uses_torch
            and isinstance(func, cst.Attribute)
            and func.attr.value in torch.ACTIVATION_METHODS
        ):
            return torch.ACTIVATION_METHODS[func.attr.value]
        callee = origin(Value(func, value.where))
        if isinstance(callee.node, cst.Call):
            kind = self.of_layer(callee)
            if kind is not None or depth >= _MAX_CALL_DEPTH:
                return kind
            instance_of = local_definition(callee.node.func, callee.where, CLASS, self._index)
            if instance_of is not None:
                return self._returned(self._call_method(instance_of), depth)
            return None
        if depth >= _MAX_CALL_DEPTH:
            return None
        return self._returned(local_definition(func, value.where, DEF, self._index), depth)

    def _returned(self, function: Optional[Scope], depth: int) -> Optional[str]:
        """The activation every `return` of a function of this module applies, if they agree."""
        if function is None or not function.returns:
            return None
        kinds = {
            self.of(Value(r.value, Where(function, r.order)), depth + 1) if r.value is not None else None
            for r in function.returns
        }
        return kinds.pop() if len(kinds) == 1 else None

    def _call_method(self, class_scope: Scope) -> Optional[Scope]:
        for name in _CALL_METHODS:
            bindings = class_scope.bindings.get(name, [])
            if len(bindings) == 1 and bindings[0].kind == DEF and bindings[0].node is not None:
                return self._index.scope_of(bindings[0].node)
        return None

    def of_layer(self, layer: Value) -> Optional[str]:
        """The activation a layer, module or Sequential model applies last when it is called."""
        node = layer.node
        if not isinstance(node, cst.Call):
            return None
        for name in self._resolver.qualified_names(node.func, layer.where):
            kind = torch.ACTIVATION_MODULES.get(name) or keras.ACTIVATION_LAYERS.get(name)
            if kind is not None:
                return kind
            param = keras.LAYERS_WITH_ACTIVATION.get(name)
            if param is not None:
                return self._activation_argument(node, param, layer, "linear")
            if name in frameworks.SEQUENTIAL_CLASSES:
                last = _last_sequential_layer(node)
                return self.of_layer(origin(Value(last, layer.where))) if last is not None else None
        return None

    def _activation_argument(
        self, call: cst.Call, param: frameworks.Param, where_value: Value, default: str
    ) -> Optional[str]:
        arg = argument(call, param)
        if arg is None:
            return default
        if isinstance(arg, cst.Name) and arg.value == "None":
            return "linear"
        if isinstance(arg, cst.SimpleString):
            return keras.ACTIVATION_STRINGS.get(arg.evaluated_value.lower())
        for name in self._resolver.qualified_names(arg, where_value.where):
            kind = frameworks.ACTIVATION_FUNCTIONS.get(name)
            if kind is not None:
                return kind
        return None


def _is_one_minus(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.BinaryOperation)
        and isinstance(node.operator, cst.Subtract)
        and isinstance(node.left, (cst.Integer, cst.Float))
        and float(node.left.value.replace("_", "")) == 1.0
    )


def _last_sequential_layer(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The last layer of `Sequential([...])` (Keras) or `nn.Sequential(a, b, c)` (torch)."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if not positional:
        return None
    if len(positional) == 1 and isinstance(positional[0].value, (cst.List, cst.Tuple)):
        elements = positional[0].value.elements
        if not elements or isinstance(elements[-1], cst.StarredElement):
            return None
        return elements[-1].value
    return positional[-1].value
