"""The layers of a sequential model, and how many units a layer outputs.

The output-layer rules need a model's last layer, and some of them its unit count
(`Dense(1, activation="softmax")` is a constant). A sequential model lists its layers in more
ways than one: `Sequential([...])`, `nn.Sequential(a, b, c)`, `nn.Sequential(OrderedDict(...))`,
and an empty `Sequential()` grown by `model.add(...)` / `model.add_module(name, ...)` statements
after it. Those statements are read from the scope that binds the model (or, for `self.layers`,
from the methods of the class); a layer added under an `if` or in a loop makes the order
uncertain, which `Layers.certain` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Collection, Iterator, List, Optional, Tuple

import libcst as cst

from nnlint.analysis.arguments import argument
from nnlint.analysis.constants import constants
from nnlint.analysis.dataflow import Value, history, origin
from nnlint.analysis.names import NameResolver, Where, visible_bindings
from nnlint.analysis.scopes import ScopeIndex
from nnlint.analysis.statements import scope_statements
from nnlint.frameworks import keras, tensorflow, torch
from nnlint.frameworks.params import Param

if TYPE_CHECKING:
    from nnlint.analysis.context import FileContext

# Methods that append a layer to a sequential model: method -> the layer parameter.
_APPENDING = {"add": Param("layer", 0), "add_module": Param("module", 1), "append": Param("module", 0)}
_ORDERED_DICT = frozenset({"collections.OrderedDict"})


@dataclass(frozen=True)
class Layers:
    values: List[Value]
    # For each layer, whether it was added under an `if`, in a loop or a `try`: the listed
    # order may then not be the order at run time.
    conditional: List[bool]

    @property
    def certain(self) -> bool:
        return not any(self.conditional)


def sequential_layers(made: Value, holder: Optional[Value], index: ScopeIndex, resolver: NameResolver) -> Layers:
    """The layers of the `Sequential(...)` call `made`, then those added to `holder` (the name
    or `self` attribute it was assigned to) by `add`/`add_module` statements."""
    starred = _starred_list(made)
    if starred is None:
        values = [Value(layer, made.where) for layer in _listed_layers(made, resolver)]
    else:
        # `nn.Sequential(*layers)` with `layers = [...]` grown by `layers.append(...)`.
        steps = list(history(starred))
        listed = steps[-1]
        if not isinstance(listed.node, cst.List) or any(
            isinstance(e, cst.StarredElement) for e in listed.node.elements
        ):
            return Layers([], [])
        values = [Value(e.value, listed.where) for e in listed.node.elements]
        holder = steps[-2] if len(steps) > 1 else None
    conditional = [False] * len(values)
    if holder is not None:
        for call, where, runs_conditionally in method_calls(holder, _APPENDING, index):
            param = _APPENDING[call.func.attr.value]
            layer = argument(call, param)
            if layer is None:
                continue
            values.append(Value(layer, where))
            conditional.append(runs_conditionally)
    return Layers(values, conditional)


def _starred_list(made: Value) -> Optional[Value]:
    """`layers` in `nn.Sequential(*layers)`."""
    call = made.node
    if isinstance(call, cst.Call) and len(call.args) == 1 and call.args[0].star == "*":
        return Value(call.args[0].value, made.where)
    return None


def _listed_layers(made: Value, resolver: NameResolver) -> List[cst.BaseExpression]:
    call = made.node
    if not isinstance(call, cst.Call):
        return []
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in positional):
        return []
    if len(positional) == 1 and isinstance(positional[0].value, (cst.List, cst.Tuple)):
        elements = positional[0].value.elements
        if any(isinstance(e, cst.StarredElement) for e in elements):
            return []
        return [e.value for e in elements]
    if len(positional) == 1:
        entries = _ordered_dict_entries(Value(positional[0].value, made.where), resolver)
        if entries is not None:
            return entries
    return [a.value for a in positional]


def _ordered_dict_entries(value: Value, resolver: NameResolver) -> Optional[List[cst.BaseExpression]]:
    """The modules of `OrderedDict([("fc", nn.Linear(...)), ...])`."""
    node = origin(value).node
    if not (isinstance(node, cst.Call) and resolver.qualified_names(node.func, value.where) & _ORDERED_DICT):
        return None
    if len(node.args) != 1 or not isinstance(node.args[0].value, (cst.List, cst.Tuple)):
        return None
    modules = []
    for element in node.args[0].value.elements:
        pair = element.value
        if not (isinstance(pair, cst.Tuple) and len(pair.elements) == 2):
            return None
        modules.append(pair.elements[1].value)
    return modules


def method_calls(
    holder: Value, methods: Collection[str], index: ScopeIndex
) -> Iterator[Tuple[cst.Call, Where, bool]]:
    """`holder.<method>(...)` statements after `holder` (a name or `self` attribute) was bound,
    in source order, each with whether it runs conditionally."""
    node = holder.node
    if isinstance(node, cst.Name):
        bindings = visible_bindings(node.value, holder.where)
        if not bindings:
            return
        binding = bindings[-1]
        later = [b.order for b in binding.scope.bindings.get(node.value, []) if b.order > binding.order]
        until = min(later) if later else None
        for statement, order, conditional in scope_statements(binding.scope, index):
            if order <= binding.order or (until is not None and order >= until):
                continue
            call = _method_call(statement, methods, lambda receiver: _is_name(receiver, node.value))
            if call is not None:
                yield call, Where(binding.scope, order), conditional
    elif isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
        method = holder.where.scope.enclosing_method()
        if method is None or method.self_name != node.value.value:
            return
        attr = node.attr.value
        for binding in method.class_scope.self_attributes.get(attr, []):
            scope = binding.scope
            for statement, order, conditional in scope_statements(scope, index):
                if order > binding.order:
                    call = _method_call(statement, methods, lambda r: _is_self_attribute(r, scope.self_name, attr))
                    if call is not None:
                        yield call, Where(scope, order), conditional


def _method_call(
    statement: cst.CSTNode, methods: Collection[str], is_holder: Callable[[cst.BaseExpression], bool]
) -> Optional[cst.Call]:
    if not isinstance(statement, cst.Expr):
        return None
    call = statement.value
    if (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value in methods
        and is_holder(call.func.value)
    ):
        return call
    return None


def _is_name(node: cst.BaseExpression, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _is_self_attribute(node: cst.BaseExpression, self_name: Optional[str], attr: str) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value == attr
        and isinstance(node.value, cst.Name)
        and node.value.value == self_name
    )


def is_dense(layer: Value, resolver: NameResolver) -> bool:
    """`Dense`, `nn.Linear`, `tf.layers.dense`, `tf.matmul` (with or without a bias added)."""
    node = layer.node
    if not isinstance(node, cst.Call):
        return False
    return any(
        name in keras.LAYER_UNITS or name in torch.LINEAR_MODULES or name in tensorflow.LAYER_UNITS
        or name in tensorflow.MATMUL or name in tensorflow.XW_PLUS_B
        for name in resolver.qualified_names(node.func, layer.where)
    )


def units(layer: Value, ctx: "FileContext") -> Optional[int]:
    """How many units a weight layer outputs: `Dense(10)`, `nn.Linear(64, 10)`,
    `tf.layers.dense(h, 10)`, or `tf.matmul(h, W)` with `W` of a visible shape `[n, 10]`."""
    node = layer.node
    if not isinstance(node, cst.Call):
        return None
    for name in ctx.qualified_names(node.func, layer.where):
        param = keras.LAYER_UNITS.get(name) or torch.LINEAR_MODULES.get(name) or tensorflow.LAYER_UNITS.get(name)
        if param is not None:
            return _count(argument(node, param), layer.where, ctx)
        if name in tensorflow.MATMUL or name in tensorflow.XW_PLUS_B:
            weights = argument(node, Param("b", 1) if name in tensorflow.MATMUL else Param("weights", 1))
            return _last_dimension(Value(weights, layer.where), ctx) if weights is not None else None
    return None


def _last_dimension(weights: Value, ctx: "FileContext") -> Optional[int]:
    """The last dimension of a TF1 weight variable: `tf.Variable(tf.zeros([784, 10]))`,
    `tf.get_variable("w", [784, 10])`, `tf.get_variable("w", shape=[784, 10])`."""
    made = origin(weights)
    node = made.node
    if not isinstance(node, cst.Call):
        return None
    shape = None
    for name in ctx.qualified_names(node.func, made.where):
        if name in tensorflow.SHAPED_VARIABLES:
            shape = argument(node, tensorflow.SHAPED_VARIABLES[name])
        elif name in tensorflow.VARIABLE and node.args:
            initial = origin(Value(node.args[0].value, made.where))
            if isinstance(initial.node, cst.Call) and initial.node.args and ctx.match(
                initial.node.func, tensorflow.SHAPED_INITIAL_VALUES, initial.where
            ):
                shape = initial.node.args[0].value
                made = initial
    if not isinstance(shape, (cst.List, cst.Tuple)) or not shape.elements:
        return None
    return _count(shape.elements[-1].value, made.where, ctx)


def _count(expr: Optional[cst.BaseExpression], where: Where, ctx: "FileContext") -> Optional[int]:
    if expr is None:
        return None
    value = constants(ctx).value(expr, where)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
