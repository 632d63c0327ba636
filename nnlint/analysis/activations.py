"""Which activation produced a value: softmax, sigmoid, relu, tanh, linear or log_softmax.

Several rules ask this of a tensor (NN101/NN103 of a log's argument, later the loss rules of a
model output), in every form the frameworks offer: a function (`tf.nn.softmax(z)`,
`F.softmax(z, 1)`), a tensor method (`z.softmax(1)`), a module instance (`nn.Softmax(1)(z)`, or
`self.sm = nn.Softmax(1)` called later), a Keras layer call (`Dense(10, activation="softmax")(h)`,
`Activation(tf.nn.sigmoid)(h)`, `Softmax()(h)`), a TF1 layer function
(`tf.layers.dense(h, 10, activation=tf.nn.softmax)`), and a `Sequential` model whose last layer
is one of those, a Functional `Model(inputs, outputs)`, a subclassed model's `call`/`forward`, or a
builder function that returns one of those.

The answer is an `Output`: the activation, the node that applies it (where the output-layer rules
report) and, when visible, the weight layer it activates (whose unit count NN302 needs).
Weight layers with no activation (`Dense(10)`, `nn.Linear`, `tf.matmul(h, W) + b`) are "linear".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Dict, Hashable, List, Optional, Tuple

import libcst as cst

from nnlint import frameworks
from nnlint.analysis.arguments import argument, operand
from nnlint.analysis.dataflow import Value, assignments, history, origin, unpacked
from nnlint.analysis.definitions import local_definition
from nnlint.analysis.model_structure import Layers, sequential_layers
from nnlint.analysis.names import NameResolver, Where, visible_bindings
from nnlint.analysis.rearrangements import rearranged_from
from nnlint.analysis.scopes import CLASS, DEF, PARAM, Binding, Scope, ScopeIndex
from nnlint.analysis.statements import conditional_blocks, module_calls
from nnlint.frameworks import keras, tensorflow, torch
from nnlint.frameworks.params import Param

# How many calls deep into functions of the module an answer may be looked for.
_MAX_CALL_DEPTH = 3
_MAX_REARRANGEMENTS = 4
# The method that runs when a module/model instance is called.
_CALL_METHODS = ("forward", "call")
_SAME_MODULE_METHODS = torch.SAME_MODULE_METHODS | frozenset({"train", "eval"})

SOFTMAX = "softmax"
SIGMOID = "sigmoid"
RELU = "relu"
TANH = "tanh"
LINEAR = "linear"
LOG_SOFTMAX = "log_softmax"


@dataclass(frozen=True)
class Output:
    kind: str
    # The call, layer or module that applies the activation: where a finding about it goes.
    site: Value
    # The weight layer (`Dense`, `nn.Linear`, `tf.matmul`) whose output is activated, if visible.
    layer: Optional[Value] = None
    # The activation is a constructor argument (`Dense(1, activation="relu")`): the site is the
    # constructor even where the layer is called elsewhere.
    configured: bool = False


class Activations:
    def __init__(self, resolver: NameResolver, index: ScopeIndex, memo: Dict[Hashable, Any], uses_torch: bool) -> None:
        self._resolver = resolver
        self._index = index
        self._memo = memo
        self._uses_torch = uses_torch
        self._blocks: Dict[int, Dict[int, Tuple[int, ...]]] = {}

    def of(self, value: Value) -> Optional[str]:
        """The activation applied last to produce `value`."""
        found = self.output(value)
        return found.kind if found is not None else None

    def output(self, value: Value, depth: int = 0) -> Optional[Output]:
        """How `value` was activated last (followed through assignments, and into the
        functions, methods and modules this module defines)."""
        settled = self._settled_origin(value)
        if settled is None:
            return self._branches_output(value, depth)
        value = settled
        node = value.node
        if _is_one_minus(node):
            # 1 - sigmoid(x) is sigmoid(-x): still a sigmoid output, saturating at 0 and 1.
            inner = self.output(Value(node.right, value.where), depth)
            return replace(inner, site=value) if inner is not None and inner.kind == SIGMOID else None
        if isinstance(node, cst.Name):
            return self._unpacked_output(value, depth)
        position = _constant_index(node)
        if position is not None and depth < _MAX_CALL_DEPTH:
            # `model(x)[0]` of a forward that returns a tuple
            return self._element_output(origin(Value(node.value, value.where)), position, depth)
        product = self._biased_product(value)
        if product is not None:
            return Output(LINEAR, value, product)
        if not isinstance(node, cst.Call):
            return None
        names = self._resolver.qualified_names(node.func, value.where)
        for name in names:
            kind = frameworks.ACTIVATION_FUNCTIONS.get(name)
            if kind is not None:
                activated = operand(node)
                return Output(kind, value, self.weight_layer(Value(activated, value.where)) if activated else None)
            layer_function = tensorflow.LAYER_FUNCTIONS.get(name)
            if layer_function is not None:
                param, default = layer_function
                kind = self._activation_argument(node, param, value, default)
                return Output(kind, value, value, configured=True) if kind is not None else None
            if name in tensorflow.MATMUL or name in tensorflow.XW_PLUS_B:
                return Output(LINEAR, value, value)
        if names & torch.DATA_PARALLEL_CALL and len(node.args) >= 2:
            return self.model_output(Value(node.args[0].value, value.where), depth)
        if names:
            return None
        func = node.func
        if self._uses_torch and isinstance(func, cst.Attribute) and func.attr.value in torch.ACTIVATION_METHODS:
            kind = torch.ACTIVATION_METHODS[func.attr.value]
            return Output(kind, value, self.weight_layer(Value(func.value, value.where)))
        callee = self._unwrapped(origin(Value(func, value.where)))
        if isinstance(callee.node, cst.Call):
            found = self.model_output(Value(func, value.where), depth)
            if found is None:
                return None
            if not found.configured and found.site.node is callee.node:
                # A module made elsewhere and called here (`self.act(h)`): the call is the site.
                found = replace(found, site=value)
            if found.layer is None and found.kind != LINEAR and node.args:
                found = replace(found, layer=self.weight_layer(Value(node.args[0].value, value.where)))
            return found
        if depth >= _MAX_CALL_DEPTH:
            return None
        if isinstance(callee.node, cst.Name) and self._is_parameter(callee):
            return self.model_output(callee, depth)  # `net(x)` in `def train(net, ...)`
        return self._returned(self._called_function(Value(node, value.where)), depth)

    def _called_function(self, call: Value) -> Optional[Scope]:
        """The function of this module a call runs: a `def`, the `forward`/`call` of an
        instance of a class of this module, or of `self` (`self(x)` in a LightningModule)."""
        func = call.node.func
        method = call.where.scope.enclosing_method()
        if isinstance(func, cst.Name) and method is not None and func.value == method.self_name:
            return self._call_method(method.class_scope)
        made = self._unwrapped(origin(Value(func, call.where)))
        if isinstance(made.node, cst.Call):
            instance_of = local_definition(made.node.func, made.where, CLASS, self._index)
            return self._call_method(instance_of) if instance_of is not None else None
        return local_definition(func, call.where, DEF, self._index)

    def _unpacked_output(self, value: Value, depth: int) -> Optional[Output]:
        """`out, aux = model(x)`: the output of the element of the tuple every `return` of the
        called function gives."""
        bindings = visible_bindings(value.node.value, value.where)
        if self._is_parameter(value):
            return _agreeing([self.output(v, depth + 1) for v in self._passed(bindings[0], depth)])
        found = unpacked(bindings[0], self._index) if len(bindings) == 1 else None
        if found is None or len(found[1]) != 1 or depth >= _MAX_CALL_DEPTH:
            return None
        rhs, (position,) = found
        return self._element_output(origin(rhs), position, depth)

    def _element_output(self, call: Value, position: int, depth: int) -> Optional[Output]:
        """The output at `position` of the tuple a call of this module's code returns."""
        if not isinstance(call.node, cst.Call) or self._resolver.qualified_names(call.node.func, call.where):
            return None
        function = self._called_function(call)
        if function is None or not function.returns:
            return None
        outputs = []
        for r in function.returns:
            returned = self._settled_origin(Value(r.value, Where(function, r.order))) if r.value is not None else None
            if returned is None or not isinstance(returned.node, cst.Tuple) or len(returned.node.elements) <= position:
                return None
            outputs.append(self.output(Value(returned.node.elements[position].value, returned.where), depth + 1))
        return _agreeing(outputs)

    @staticmethod
    def _is_parameter(value: Value) -> bool:
        """A parameter of a plain function (not a method's `self`)."""
        bindings = visible_bindings(value.node.value, value.where)
        return len(bindings) == 1 and bindings[0].kind == PARAM and bindings[0].scope.class_scope is None

    def _passed(self, parameter: Binding, depth: int) -> List[Value]:
        """The arguments this module's calls of a plain function pass for its parameter (empty
        when it has none, or when one of them cannot be read)."""
        function = parameter.scope
        node = function.node
        if depth >= _MAX_CALL_DEPTH or not isinstance(node, cst.FunctionDef) or function.class_scope is not None:
            return []
        params = [*node.params.posonly_params, *node.params.params]
        names = [p.name.value for p in params]
        if parameter.name not in names:
            return []
        param = Param(parameter.name, names.index(parameter.name))
        passed = []
        for call, where in module_calls(self._index, self._memo):
            if isinstance(call.func, cst.Name) and call.func.value == node.name.value and \
                    local_definition(call.func, where, DEF, self._index) is function:
                if any(a.star for a in call.args):
                    return []
                arg = argument(call, param)
                if arg is None:
                    return []
                passed.append(Value(arg, where))
        return passed

    def _unwrapped(self, made: Value) -> Value:
        """The module behind `m.to(device)`, `m.cuda()`, `m.train()` and `nn.DataParallel(m)`."""
        for _ in range(_MAX_CALL_DEPTH):
            node = made.node
            if not isinstance(node, cst.Call):
                return made
            func = node.func
            names = self._resolver.qualified_names(func, made.where)
            if names & torch.MODULE_WRAPPERS and node.args:
                inner = node.args[0].value
            elif not names and isinstance(func, cst.Attribute) and func.attr.value in _SAME_MODULE_METHODS:
                inner = func.value
            else:
                return made
            made = Value(inner, made.where) if isinstance(inner, cst.Call) else origin(Value(inner, made.where))
        return made

    def _branches_output(self, value: Value, depth: int) -> Optional[Output]:
        """For a name assigned in several branches (`if multi_gpu: out = ... else: out = ...`):
        the output all its assignments agree on."""
        node = value.node
        if not isinstance(node, cst.Name) or depth >= _MAX_CALL_DEPTH:
            return None
        choices = assignments(node, value.where)
        if len(choices) < 2:
            return None
        return _agreeing([self.output(choice, depth + 1) for choice in choices])

    def _settled_origin(self, value: Value) -> Optional[Value]:
        """`origin(value)`, or None when an assignment on the way may not have run
        (`if act: z = tf.nn.relu(z)` before `return z`): the value then depends on the branch."""
        for step in history(value):
            node = step.node
            if isinstance(node, cst.Name):
                bindings = visible_bindings(node.value, step.where)
                if bindings and not self._reaches(bindings[-1], step.where):
                    return None
            value = step
        return value

    def _reaches(self, binding: Binding, where: Where) -> bool:
        """The binding's statement certainly ran before `where` (same scope)."""
        scope = binding.scope
        if scope is not where.scope:
            return True
        blocks = self._blocks.get(id(scope))
        if blocks is None:
            blocks = self._blocks[id(scope)] = conditional_blocks(scope, self._index)
        assigned = blocks.get(binding.order, ())
        return blocks.get(where.order, ())[: len(assigned)] == assigned

    def model_output(self, model: Value, depth: int = 0) -> Optional[Output]:
        """How a layer, module or model object activates its output when it is called: a layer
        class, a Sequential model, a Functional `Model(inputs, outputs)`, an instance of a class
        of this module (its `forward`/`call`), or what a builder function of this module returns."""
        steps = list(history(model))
        made = steps[-1]
        holder = steps[-2] if len(steps) > 1 else None
        if isinstance(made.node, cst.Name):
            # `def train(net, ...)`: the models its callers pass
            if not self._is_parameter(made):
                return None
            parameter = visible_bindings(made.node.value, made.where)[0]
            return _agreeing([self.model_output(v, depth + 1) for v in self._passed(parameter, depth)])
        unwrapped = self._unwrapped(made)
        if unwrapped is not made:
            # `model = Net().to(device)`, `D = D.cuda()`, `nn.DataParallel(net)`
            return self.model_output(unwrapped, depth) if depth < _MAX_CALL_DEPTH else None
        node = made.node
        if not isinstance(node, cst.Call):
            return None
        names = self._resolver.qualified_names(node.func, made.where)
        for name in names:
            kind = torch.ACTIVATION_MODULES.get(name) or keras.ACTIVATION_LAYERS.get(name)
            if kind is not None:
                return Output(kind, made)
            param = keras.LAYERS_WITH_ACTIVATION.get(name)
            if param is not None:
                kind = self._activation_argument(node, param, made, LINEAR)
                if kind is None:
                    return None
                return Output(kind, made, None if name == keras.ACTIVATION_LAYER else made, configured=True)
            if name in torch.LINEAR_MODULES:
                return Output(LINEAR, made, made)
            if name in frameworks.SEQUENTIAL_CLASSES:
                return self.sequence_output(sequential_layers(made, holder, self._index, self._resolver), depth)
            if name in keras.FUNCTIONAL_MODEL:
                outputs = _single(argument(node, keras.FUNCTIONAL_OUTPUTS))
                return self.output(Value(outputs, made.where), depth + 1) if outputs is not None else None
        if names or depth >= _MAX_CALL_DEPTH:
            return None
        instance_of = local_definition(node.func, made.where, CLASS, self._index)
        if instance_of is not None:
            return self._returned(self._call_method(instance_of), depth)
        builder = local_definition(node.func, made.where, DEF, self._index)
        if builder is None or not builder.returns:
            return None
        return _agreeing([
            self.model_output(Value(r.value, Where(builder, r.order)), depth + 1) if r.value is not None else None
            for r in builder.returns
        ])

    def sequence_output(self, layers: Layers, depth: int) -> Optional[Output]:
        """The output of the last layer of a sequence, with the weight layer before it when
        the last layer is only an activation."""
        if not layers.values or layers.conditional[-1]:
            return None
        found = self.model_output(layers.values[-1], depth + 1)
        if found is None or found.layer is not None or found.kind == LINEAR or len(layers.values) < 2:
            return found
        previous = self.model_output(layers.values[-2], depth + 1)
        if previous is not None and previous.kind == LINEAR:
            return replace(found, layer=previous.layer)
        return found

    def weight_layer(self, value: Value) -> Optional[Value]:
        """The weight layer with no activation that produced `value`, if visible."""
        found = self.output(value, _MAX_CALL_DEPTH)
        return found.layer if found is not None and found.kind == LINEAR else None

    def _biased_product(self, value: Value) -> Optional[Value]:
        """For `tf.matmul(h, W) + b`: the `tf.matmul(h, W)`."""
        node = value.node
        if not (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)):
            return None
        for side in (node.left, node.right):
            made = origin(Value(side, value.where))
            if isinstance(made.node, cst.Call) and self._resolver.qualified_names(
                made.node.func, made.where
            ) & tensorflow.MATMUL:
                return made
        return None

    def _returned(self, function: Optional[Scope], depth: int) -> Optional[Output]:
        """The output every `return` of a function of this module gives, if they agree."""
        if function is None or not function.returns:
            return None
        return _agreeing([
            self.laid_out_output(Value(r.value, Where(function, r.order)), depth + 1) if r.value is not None else None
            for r in function.returns
        ])

    def laid_out_output(self, value: Value, depth: int = 0) -> Optional[Output]:
        """The output behind a value that was reshaped, squeezed, indexed or cast first
        (`out.view(-1)`, `pred[:, 0]`): a model's output is its last activation however it is
        laid out, which is what a loss or a `return` sees."""
        for _ in range(_MAX_REARRANGEMENTS):
            found = self.output(value, depth)
            if found is not None:
                return found
            settled = self._settled_origin(value)
            step = rearranged_from(settled, self._resolver) if settled is not None else None
            if step is None:
                return None
            value = step
        return None

    def _call_method(self, class_scope: Scope) -> Optional[Scope]:
        for name in _CALL_METHODS:
            bindings = class_scope.bindings.get(name, [])
            if len(bindings) == 1 and bindings[0].kind == DEF and bindings[0].node is not None:
                return self._index.scope_of(bindings[0].node)
        return None

    def _activation_argument(
        self, call: cst.Call, param: frameworks.Param, where_value: Value, default: str
    ) -> Optional[str]:
        arg = argument(call, param)
        if arg is None:
            return default
        if isinstance(arg, cst.Name) and arg.value == "None":
            return LINEAR
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


def _agreeing(outputs: List[Optional[Output]]) -> Optional[Output]:
    """The first output, when every return gives one with the same activation."""
    if not outputs or any(o is None for o in outputs) or len({o.kind for o in outputs}) != 1:
        return None
    return outputs[0]


def _constant_index(node: cst.BaseExpression) -> Optional[int]:
    """`i` of `t[i]` for a non-negative integer literal."""
    if not isinstance(node, cst.Subscript) or len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer):
        return int(index.value.value)
    return None


def _single(expr: Optional[cst.BaseExpression]) -> Optional[cst.BaseExpression]:
    """`outputs` itself, or its only element when it is a one-element list or tuple."""
    if isinstance(expr, (cst.List, cst.Tuple)):
        elements = expr.elements
        if len(elements) != 1 or isinstance(elements[0], cst.StarredElement):
            return None
        return elements[0].value
    return expr
