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
from nnlint.analysis.names import NameResolver
from nnlint.frameworks import keras, tensorflow, torch


class Activations:
    def __init__(self, resolver: NameResolver, uses_torch: bool) -> None:
        self._resolver = resolver
        self._uses_torch = uses_torch

    def of(self, value: Value) -> Optional[str]:
        """The activation applied last to produce `value` (followed through assignments)."""
        value = origin(value)
        node = value.node
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
            return self.of_layer(callee)
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
