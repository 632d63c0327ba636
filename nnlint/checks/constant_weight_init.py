"""NN405: a hidden layer's weights initialised to a constant, so its units never differ."""

from __future__ import annotations

from typing import Dict, List, Optional

import libcst as cst

from nnlint.analysis.arguments import argument, operand
from nnlint.analysis.context import FileContext
from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.definitions import local_definition
from nnlint.analysis.model_structure import is_dense, sequential_layers
from nnlint.analysis.names import Where, visible_bindings
from nnlint.analysis.scopes import CLASS, LOOP, PARAM
from nnlint.analysis.tree import subtree
from nnlint.analysis.statements import module_calls
from nnlint.checks.output_loss import OutputRule, shown, visited_sequence
from nnlint import frameworks
from nnlint.frameworks import keras, tensorflow, torch
from nnlint.frameworks.params import Param
from nnlint.rule import Severity

_WEIGHT_ATTRIBUTES = ("weight",)
_MAX_UNIT_WISE = 4
# Methods that iterate over a model's modules.
_MODULE_WALKS = frozenset({"modules", "children", "named_modules", "named_children"})


class ConstantWeightInit(OutputRule):
    code = "NN405"
    name = "constant-weight-init"
    severity = Severity.WARNING
    summary = "A hidden layer's weights start equal, so its units stay identical forever."

    what_it_does = (
        "Finds a layer whose weights are initialised to a constant when its output goes into "
        "another layer: `kernel_initializer=\"zeros\"` (`\"ones\"`, `Zeros()`, `Constant(c)`, "
        "`tf.zeros_initializer()`) on a Keras layer followed by another dense layer; "
        "`nn.init.zeros_(self.fc1.weight)`, `nn.init.constant_(w, c)`, `.weight.data.fill_(c)` "
        "on an `nn.Linear` whose output feeds another one; a TF1 "
        "`tf.Variable(tf.zeros([a, b]))` (also `tf.ones`, `tf.fill`, `tf.constant(c, shape=...)`, "
        "`get_variable(initializer=tf.zeros_initializer())`) whose `tf.matmul` output goes into another layer."
    )
    why_bad = (
        "Units that start with the same weights compute the same output and receive the same "
        "gradient, so they stay identical at every step: the layer behaves like a single unit "
        "however wide it is. With zeros and ReLU the gradient is zero and the layer never "
        "learns at all. Random initialisation is what breaks the symmetry."
    )
    stays_silent = (
        "- Biases, which are routinely initialised to zero.\n"
        "- The last layer, and single-layer models (zero-initialised logistic regression is fine).\n"
        "- Layers whose output cannot be seen going into another layer."
    )
    example = (
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n\n"
        "class MLP(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.hidden = nn.Linear(784, 256)\n"
        "        self.out = nn.Linear(256, 10)\n"
        "        nn.init.zeros_(self.hidden.weight)\n\n"
        "    def forward(self, x):\n"
        "        return self.out(F.relu(self.hidden(x)))\n"
    )
    use_instead = (
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n\n"
        "class MLP(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.hidden = nn.Linear(784, 256)\n"
        "        self.out = nn.Linear(256, 10)\n"
        "        nn.init.kaiming_uniform_(self.hidden.weight, nonlinearity=\"relu\")\n\n"
        "    def forward(self, x):\n"
        "        return self.out(F.relu(self.hidden(x)))\n"
    )

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        sequence = visited_sequence(node, ctx)
        if sequence is not None:
            layers = [origin(layer) for layer in sequence.values]
            dense = [is_dense(layer, ctx.resolver) for layer in layers]
            for i, layer in enumerate(layers):
                if dense[i] and any(dense[i + 1:]):
                    self._check(layer)
            return
        fed = self._fed_input(node)
        if fed is None:
            return
        layer = self._producer(Value(fed, ctx.here()))
        if layer is not None:
            self._check(layer)

    def _fed_input(self, node: cst.Call) -> Optional[cst.BaseExpression]:
        """The input of a dense layer applied here: `Dense(...)(h)`, `self.fc2(h)`,
        `tf.matmul(h, W)`, `tf.layers.dense(h, n)`."""
        ctx = self.ctx
        if ctx.match(node.func, tensorflow.MATMUL | frozenset(tensorflow.LAYER_UNITS)):
            return operand(node)
        if ctx.qualified_names(node.func) or not node.args or node.args[0].keyword is not None:
            return None
        made = ctx.callee(node)
        if isinstance(made.node, cst.Call) and is_dense(made, ctx.resolver):
            return node.args[0].value
        return None

    def _producer(self, value: Value) -> Optional[Value]:
        """The weight layer whose output reaches `value`, through unit-wise layers
        (dropout, normalization) in between."""
        ctx = self.ctx
        for _ in range(_MAX_UNIT_WISE):
            before = ctx.activations.output(value)
            if before is not None and before.layer is not None:
                return before.layer
            if before is not None:
                # An activation of something not a dense layer: look through what it activates.
                site = before.site.node
                if not (isinstance(site, cst.Call) and site.args and site.args[0].keyword is None):
                    return None
                value = Value(site.args[0].value, before.site.where)
                continue
            made = origin(value)
            call = made.node
            if not isinstance(call, cst.Call) or not call.args or call.args[0].keyword is not None:
                return None
            layer = origin(Value(call.func, made.where))
            if not (isinstance(layer.node, cst.Call) and ctx.match(
                layer.node.func, keras.UNIT_WISE_LAYERS | torch.UNIT_WISE_LAYERS, layer.where
            )):
                return None
            value = Value(call.args[0].value, made.where)
        return None

    def _check(self, layer: Value) -> None:
        initializer = self._constant_initializer(layer)
        if initializer is not None:
            self.report_once(
                initializer,
                f"{shown(initializer.node, self.ctx)} gives every unit of a hidden layer the same weights, so "
                "the units stay identical and learn the same thing; use a random initialiser (Glorot or He).",
            )

    def _constant_initializer(self, layer: Value) -> Optional[Value]:
        """Where the layer's weights are set to a constant, if they are."""
        ctx = self.ctx
        call = layer.node
        if not isinstance(call, cst.Call):
            return None
        for name in ctx.qualified_names(call.func, layer.where):
            if name in keras.LAYER_UNITS:
                return self._constant(argument(call, keras.KERNEL_INITIALIZER), layer)
            if name in tensorflow.LAYER_KERNEL_INITIALIZERS:
                return self._constant(argument(call, tensorflow.LAYER_KERNEL_INITIALIZERS[name]), layer)
            if name in tensorflow.MATMUL:
                weights = argument(call, Param("b", 1))
                return self._constant_variable(Value(weights, layer.where)) if weights is not None else None
            if name in torch.LINEAR_MODULES:
                return _torch_constant_inits(ctx).get(id(call))
        return None

    def _constant(self, expr: Optional[cst.BaseExpression], layer: Value) -> Optional[Value]:
        """`"zeros"`, `Zeros()`, `tf.zeros_initializer()`: a constant initializer argument."""
        if expr is None:
            return None
        ctx = self.ctx
        made = origin(Value(expr, layer.where))
        node = made.node
        if isinstance(node, cst.SimpleString):
            text = node.evaluated_value
            return Value(expr, layer.where) if isinstance(text, str) and text.lower() in keras.CONSTANT_INITIALIZER_STRINGS else None
        if isinstance(node, cst.Call) and ctx.match(
            node.func, keras.CONSTANT_INITIALIZERS | tensorflow.CONSTANT_INITIALIZERS, made.where
        ):
            return Value(expr, layer.where)
        return None

    def _constant_variable(self, weights: Value) -> Optional[Value]:
        """`tf.Variable(tf.zeros([a, b]))`, `tf.get_variable("w", [a, b], initializer=tf.zeros_initializer())`."""
        ctx = self.ctx
        made = origin(weights)
        call = made.node
        if not isinstance(call, cst.Call):
            return None
        if ctx.match(call.func, tensorflow.SHAPED_VARIABLES, made.where):
            return self._constant(argument(call, tensorflow.GET_VARIABLE_INITIALIZER), made)
        if not ctx.match(call.func, tensorflow.VARIABLE, made.where) or not call.args:
            return None
        initial = origin(Value(call.args[0].value, made.where))
        name = isinstance(initial.node, cst.Call) and ctx.match(
            initial.node.func, tensorflow.CONSTANT_INITIAL_VALUES, initial.where
        )
        if not name:
            return None
        shape = argument(initial.node, tensorflow.CONSTANT_INITIAL_VALUES[name])
        if not isinstance(shape, (cst.List, cst.Tuple)) or len(shape.elements) < 2:
            return None  # biases, and shapes that cannot be seen
        return initial


def _torch_constant_inits(ctx: FileContext) -> Dict[int, Value]:
    """For each module constructor (by id), the call that sets its weight to a constant:
    `nn.init.zeros_(self.fc.weight)`, `nn.init.constant_(fc.weight, 0.5)`, `fc.weight.data.fill_(0)`."""
    found = ctx.memo.get("torch_constant_inits")
    if found is not None:
        return found
    found = ctx.memo["torch_constant_inits"] = {}
    if not ctx.uses_torch:
        return found
    reinitialised = set()
    for call, where in module_calls(ctx.index, ctx.memo):
        func = call.func
        names = ctx.qualified_names(func, where)
        if names & torch.CONSTANT_INIT_FUNCTIONS:
            target = operand(call)
        elif isinstance(func, cst.Attribute) and func.attr.value in torch.CONSTANT_FILL_METHODS and not names:
            target = func.value
        else:
            if any(name.startswith(torch.INIT_PREFIX) for name in names) and operand(call) is not None:
                # `kaiming_normal_(fc.weight)` after (or before) a constant one: not constant.
                owner = _weight_owner(origin(Value(operand(call), where)).node)
                made = origin(Value(owner, where)) if owner is not None else None
                if made is not None and isinstance(made.node, cst.Call):
                    reinitialised.add(id(made.node))
            continue
        if isinstance(target, cst.Name):
            target = origin(Value(target, where)).node  # `w = self.fc1.weight`
        module = _weight_owner(target)
        if module is None:
            continue
        made = origin(Value(module, where))
        if isinstance(made.node, cst.Call):
            found.setdefault(id(made.node), Value(call, where))
        elif isinstance(module, cst.Name):
            for layer in _layers_initialised_by_type(module, where, ctx):
                found.setdefault(id(layer), Value(call, where))
    for layer in reinitialised:
        found.pop(layer, None)
    return found


def _layers_initialised_by_type(module: cst.Name, where: Where, ctx: FileContext) -> List[cst.Call]:
    """`for m in self.modules(): if isinstance(m, nn.Linear): init(m.weight)`, and the same in a
    function given to `model.apply(fn)`: the dense layer constructors of the model it visits."""
    bindings = visible_bindings(module.value, where)
    if len(bindings) != 1 or not _guarded_by_dense_isinstance(module.value, where, ctx):
        return []
    binding = bindings[0]
    models: List[Value] = []
    if binding.kind == LOOP:
        loop = ctx.index.statements[binding.order]
        walked = loop.iter if isinstance(loop, cst.For) else None
        if isinstance(walked, cst.Call) and isinstance(walked.func, cst.Attribute) \
                and walked.func.attr.value in _MODULE_WALKS:
            models.append(Value(walked.func.value, Where(binding.scope, binding.order)))
    elif binding.kind == PARAM and isinstance(binding.scope.node, cst.FunctionDef):
        name = binding.scope.node.name.value
        for call, call_where in module_calls(ctx.index, ctx.memo):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "apply" and len(call.args) == 1 \
                    and isinstance(call.args[0].value, cst.Name) and call.args[0].value.value == name:
                models.append(Value(func.value, call_where))
    return [layer for model in models for layer in _dense_layers_of(model, ctx)]


def _guarded_by_dense_isinstance(name: str, where: Where, ctx: FileContext) -> bool:
    """The statement at `where` is inside `if isinstance(name, <dense layer classes>):`."""
    statement = ctx.index.statements[where.order] if 0 < where.order < len(ctx.index.statements) else None
    for node in ctx.index.statements:
        if not isinstance(node, cst.If) or not _is_dense_isinstance(node.test, name, where, ctx):
            continue
        if statement is not None and any(inner is statement for inner in subtree(node.body)):
            return True
    return False


def _is_dense_isinstance(test: cst.BaseExpression, name: str, where: Where, ctx: FileContext) -> bool:
    if not (isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "isinstance"
            and len(test.args) == 2 and isinstance(test.args[0].value, cst.Name)
            and test.args[0].value.value == name):
        return False
    kinds = test.args[1].value
    classes = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
    return all(ctx.match(c, torch.LINEAR_MODULES, where) for c in classes)


def _dense_layers_of(model: Value, ctx: FileContext) -> List[cst.Call]:
    """The `nn.Linear` constructors of `self` (its attributes), of an instance of a class of
    this module, or of an `nn.Sequential`."""
    method = model.where.scope.enclosing_method()
    node = model.node
    if method is not None and isinstance(node, cst.Name) and node.value == method.self_name:
        class_scope = method.class_scope
    else:
        made = origin(model)
        if not isinstance(made.node, cst.Call):
            return []
        if ctx.match(made.node.func, frameworks.SEQUENTIAL_CLASSES, made.where):
            layers = sequential_layers(made, None, ctx.index, ctx.resolver).values
            return [layer.node for layer in map(origin, layers) if is_dense(layer, ctx.resolver)]
        class_scope = local_definition(made.node.func, made.where, CLASS, ctx.index)
        if class_scope is None:
            return []
    found = []
    for bindings in class_scope.self_attributes.values():
        for binding in bindings:
            if binding.value is not None:
                made = origin(Value(binding.value, Where(binding.scope, binding.order)))
                if is_dense(made, ctx.resolver):
                    found.append(made.node)
    return found



def _weight_owner(target: Optional[cst.BaseExpression]) -> Optional[cst.BaseExpression]:
    """`self.fc` in `self.fc.weight` or `self.fc.weight.data`."""
    if isinstance(target, cst.Attribute) and target.attr.value == "data":
        target = target.value
    if isinstance(target, cst.Attribute) and target.attr.value in _WEIGHT_ATTRIBUTES:
        return target.value
    return None
