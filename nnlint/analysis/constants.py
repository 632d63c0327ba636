"""The value a hyper-parameter has when the script runs with its defaults.

The hyper-parameter rules (NN401-NN404) compare a learning rate, a dropout rate or a stddev with
a threshold, and in real scripts that number is rarely a literal at the call: it is a module
constant (`LR = 0.1`), an `argparse` default read as `args.lr`, an absl/TF flag read as
`FLAGS.lr`, a `config = {"lr": 0.1}` entry, a `self.lr = 0.1` attribute or a class attribute of a
config class. This module follows those, and only those; anything else (a function parameter,
a value read from a file) is unknown, and the rules stay silent about it.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple, Union

import libcst as cst

from nnlint.analysis.dataflow import assigned_value
from nnlint.analysis.definitions import local_definition
from nnlint.analysis.names import Where, visible_bindings
from nnlint.analysis.scopes import ASSIGN, CLASS, Scope, dotted_name
from nnlint.analysis.tree import children

if TYPE_CHECKING:
    from nnlint.analysis.context import FileContext

Constant = Union[int, float, str, bool]

_MAX_DEPTH = 10
_CONFLICT = object()
_CONVERTERS = {"float": float, "int": int, "str": str}
_OPTION = re.compile(r"^--?([A-Za-z_][\w-]*)$")
# Calls that return parsed command-line options: `parse_args()`, `get_args()`, `parse_opts()`.
_PARSER_CALL = re.compile(r"parse|args|arguments|opts|options|flags|config", re.IGNORECASE)
# Names a parameter holding parsed options goes by (`def train(args)`, `def main(opt)`).
_OPTIONS_NAME = re.compile(r"^(args?|opts?|options|config|cfg|conf|hparams|hps?|params|flags|settings)$",
                           re.IGNORECASE)


@dataclass(frozen=True)
class _Default:
    """A command-line default: its expression and its `type=` converter, if any."""

    value: Optional[cst.BaseExpression]
    converter: Optional[str]


class Constants:
    """Answers "what is this expression's value?" for one module."""

    def __init__(self, ctx: "FileContext") -> None:
        self._ctx = ctx
        self._options: Optional[Tuple[Dict[str, object], Set[Tuple[str, ...]]]] = None

    def value(self, expr: cst.BaseExpression, where: Where) -> Optional[Constant]:
        """The value of `expr` evaluated at `where`, or None when it is not known."""
        return self._value(expr, where, 0)

    def number(self, expr: cst.BaseExpression, where: Where) -> Optional[float]:
        """The value as a finite float, or None (not a number, NaN, too large for a float)."""
        value = self.value(expr, where)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None

    # -- expressions ---------------------------------------------------------------------

    def _value(self, expr: cst.BaseExpression, where: Where, depth: int) -> Optional[Constant]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString)):
            return _literal(expr)
        if isinstance(expr, cst.UnaryOperation):
            operand = self._value(expr.expression, where, depth + 1)
            if isinstance(operand, (int, float)) and not isinstance(operand, bool):
                if isinstance(expr.operator, cst.Minus):
                    return -operand
                if isinstance(expr.operator, cst.Plus):
                    return operand
            return None
        if isinstance(expr, cst.BinaryOperation):
            return self._arithmetic(expr, where, depth)
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False"):
                return expr.value == "True"
            return self._name(expr, where, depth)
        if isinstance(expr, cst.Attribute):
            return self._attribute(expr, where, depth)
        if isinstance(expr, cst.Subscript):
            return self._subscript(expr, where, depth)
        if isinstance(expr, cst.Call):
            return self._call(expr, where, depth)
        return None

    def _arithmetic(self, expr: cst.BinaryOperation, where: Where, depth: int) -> Optional[Constant]:
        left = self._value(expr.left, where, depth + 1)
        right = self._value(expr.right, where, depth + 1)
        if not (_is_number(left) and _is_number(right)):
            return None
        operator = expr.operator
        try:
            if isinstance(operator, cst.Add):
                return left + right
            if isinstance(operator, cst.Subtract):
                return left - right
            if isinstance(operator, cst.Multiply):
                return left * right
            if isinstance(operator, cst.Divide):
                return left / right
            if isinstance(operator, cst.Power) and abs(right) <= 64:
                return left ** right
        except (ZeroDivisionError, OverflowError, ValueError):
            return None
        return None

    def _name(self, expr: cst.Name, where: Where, depth: int) -> Optional[Constant]:
        """A name has a value when every assignment it may refer to gives the same one."""
        bindings = visible_bindings(expr.value, where)
        if not bindings:
            return None
        values = set()
        for binding in bindings:
            if binding.kind != ASSIGN or binding.value is None:
                return None
            value = self._value(binding.value, Where(binding.scope, binding.order), depth + 1)
            if value is None:
                return None
            values.add((type(value), value))
        if len(values) != 1:
            return None
        return values.pop()[1]

    def _attribute(self, expr: cst.Attribute, where: Where, depth: int) -> Optional[Constant]:
        previous = assigned_value(expr, where)  # `self.lr = 0.1`
        if previous is not None:
            return self._value(previous.node, previous.where, depth + 1)
        receiver, attr = expr.value, expr.attr.value
        if self._ctx.resolver.qualified_names(receiver, where):
            # `FLAGS.lr`, `tf.app.flags.FLAGS.lr`: absl's or TensorFlow's flag registry.
            names = self._ctx.resolver.qualified_names(receiver, where)
            return self._option(attr, depth) if any(n.endswith("flags.FLAGS") for n in names) else None
        if not isinstance(receiver, cst.Name):
            return None
        method = where.scope.enclosing_method()
        if method is not None and method.self_name == receiver.value:
            return None
        config_class = local_definition(receiver, where, CLASS, self._ctx.index)
        if config_class is not None:  # `Config.lr`
            return self._class_attribute(config_class, attr, depth)
        made = assigned_value(receiver, where)
        if made is None:
            return self._option(attr, depth) if _OPTIONS_NAME.search(receiver.value) else None
        if isinstance(made.node, cst.Call):
            instance_of = local_definition(made.node.func, made.where, CLASS, self._ctx.index)
            if instance_of is not None:  # `cfg = Config()`
                return self._class_attribute(instance_of, attr, depth)
        return self._option(attr, depth) if _parses_arguments(made.node) else None

    def _class_attribute(self, class_scope: Scope, attr: str, depth: int) -> Optional[Constant]:
        """A class attribute (`lr = 0.1` in the body) or one set once on `self` in its methods."""
        bindings = class_scope.bindings.get(attr) or class_scope.self_attributes.get(attr, [])
        if len(bindings) != 1 or bindings[0].kind != ASSIGN or bindings[0].value is None:
            return None
        binding = bindings[0]
        return self._value(binding.value, Where(binding.scope, binding.order), depth + 1)

    def _subscript(self, expr: cst.Subscript, where: Where, depth: int) -> Optional[Constant]:
        """`config["lr"]` where `config = {"lr": 0.1}` or `dict(lr=0.1)`."""
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return None
        key = self._value(expr.slice[0].slice.value, where, depth + 1)
        if not isinstance(key, str):
            return None
        return self._entry(expr.value, key, where, depth)

    def _entry(self, mapping: cst.BaseExpression, key: str, where: Where, depth: int) -> Optional[Constant]:
        made = assigned_value(mapping, where)
        if made is None or self._mutated(("key", dotted_name(mapping), key)):
            return None
        found = dict_entry(made.node, key)
        if found is None:
            return None
        return self._value(found, made.where, depth + 1)

    def _call(self, expr: cst.Call, where: Where, depth: int) -> Optional[Constant]:
        func = expr.func
        if isinstance(func, cst.Name) and func.value in ("float", "int") and len(expr.args) == 1 \
                and not self._ctx.resolver.qualified_names(func, where) and not visible_bindings(func.value, where):
            return _convert(self._value(expr.args[0].value, where, depth + 1), func.value)
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and expr.args:
            key = self._value(expr.args[0].value, where, depth + 1)
            if not isinstance(key, str):
                return None
            made = assigned_value(func.value, where)
            if made is None or not _is_dict(made.node) or self._mutated(("key", dotted_name(func.value), key)):
                return None
            found = dict_entry(made.node, key)
            if found is not None:
                return self._value(found, made.where, depth + 1)
            if len(expr.args) == 2:
                return self._value(expr.args[1].value, where, depth + 1)
        return None

    # -- command-line options --------------------------------------------------------------

    def _option(self, dest: str, depth: int) -> Optional[Constant]:
        if self._mutated(("attribute", dest)):
            return None  # `args.lr = args.lr * args.batch_size / 256`
        default = self._collected()[0].get(dest)
        if not isinstance(default, _Default) or default.value is None:
            return None
        where = Where(self._ctx.index.module_scope, 1 << 62)
        value = self._value(default.value, where, depth + 1)
        if default.converter is not None and isinstance(value, str):
            return _convert(value, default.converter)
        return value

    def _mutated(self, key: Tuple[str, ...]) -> bool:
        return key in self._collected()[1]

    def _collected(self) -> Tuple[Dict[str, object], Set[Tuple[str, ...]]]:
        if self._options is None:
            self._options = self._collect()
        return self._options

    def _collect(self) -> Tuple[Dict[str, object], Set[Tuple[str, ...]]]:
        """One walk for the module's command-line options and its changes to options.

        Options: every `add_argument`, `set_defaults` and `DEFINE_*`, by destination; a
        destination given two different defaults has none we can trust. Changes: entries
        assigned after a dictionary was written (`config["lr"] = 1e-3`), and attributes
        assigned on anything but `self` (`args.lr = ...`), whose literal value is then stale."""
        options: Dict[str, object] = {}
        mutated: Set[Tuple[str, ...]] = set()
        work: List[cst.CSTNode] = [self._ctx.module]
        while work:
            node = work.pop()
            node_type = type(node)
            if node_type is cst.Call and isinstance(node.func, cst.Attribute):
                for dest, default in _declared_options(node):
                    known = options.get(dest)
                    if known is None:
                        options[dest] = default
                    elif known is not _CONFLICT and not _same_default(known, default):
                        options[dest] = _CONFLICT
            elif node_type is cst.Assign:
                for target in node.targets:
                    mutated.update(_changed(target.target))
            elif node_type is cst.AugAssign or node_type is cst.AnnAssign:
                mutated.update(_changed(node.target))
            work.extend(children(node))
        return options, mutated


def _changed(target: cst.BaseExpression) -> List[Tuple[str, ...]]:
    """What an assignment target changes: `("key", "config", "lr")` for `config["lr"] = ...`,
    `("attribute", "lr")` for `args.lr = ...`; nothing for names and `self.` attributes."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return [change for element in target.elements for change in _changed(element.value)]
    if isinstance(target, cst.Subscript) and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
        key = _string(target.slice[0].slice.value)
        mapping = dotted_name(target.value)
        return [("key", mapping, key)] if key is not None and mapping is not None else []
    if isinstance(target, cst.Attribute) and not (isinstance(target.value, cst.Name) and target.value.value == "self"):
        return [("attribute", target.attr.value)]
    return []


def _is_dict(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Dict) or (
        isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict"
    )


def _declared_options(call: cst.Call) -> List[Tuple[str, _Default]]:
    method = call.func.attr.value
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    if method == "add_argument":
        dest = _string(keywords.get("dest")) or _dest_of(positional)
        if dest is None:
            return []
        converter = keywords.get("type")
        converter_name = converter.value if isinstance(converter, cst.Name) else None
        default = keywords.get("default")
        action = _string(keywords.get("action"))
        if default is None and action in ("store_true", "store_false"):
            default = cst.Name("False" if action == "store_true" else "True")
        return [(dest, _Default(default, converter_name if converter_name in _CONVERTERS else None))]
    if method == "set_defaults":
        return [(name, _Default(value, None)) for name, value in keywords.items()]
    if method.startswith("DEFINE_"):
        name = _string(keywords.get("name") or (positional[0] if positional else None))
        default = keywords.get("default") or (positional[1] if len(positional) > 1 else None)
        return [(name, _Default(default, None))] if name else []
    return []


def _dest_of(option_strings: List[cst.BaseExpression]) -> Optional[str]:
    """argparse's rule: the first long option, else the first option, with dashes made `_`."""
    names = [s for s in (_string(o) for o in option_strings) if s is not None]
    if not names:
        return None
    if not names[0].startswith("-"):
        return names[0]
    longs = [n for n in names if n.startswith("--")] or names
    match = _OPTION.match(longs[0])
    return match.group(1).replace("-", "_") if match else None


def _same_default(a: object, b: _Default) -> bool:
    return isinstance(a, _Default) and (
        (a.value is None and b.value is None)
        or (a.value is not None and b.value is not None and a.value.deep_equals(b.value))
    )


def _parses_arguments(expr: cst.BaseExpression) -> bool:
    """`parser.parse_args()`, `parser.parse_known_args()[0]`, a helper such as `get_args()`."""
    if isinstance(expr, cst.Subscript):
        expr = expr.value
    if not isinstance(expr, cst.Call):
        return False
    func = expr.func
    leaf = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    return bool(_PARSER_CALL.search(leaf))


def dict_entry(node: cst.BaseExpression, key: str) -> Optional[cst.BaseExpression]:
    """The value under a string key of a `{...}` literal or a `dict(...)` call, if written there."""
    if isinstance(node, cst.Dict):
        for element in node.elements:
            if isinstance(element, cst.DictElement) and _string(element.key) == key:
                return element.value
        return None
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == key:
                return arg.value
    return None


def _literal(expr: cst.BaseExpression) -> Optional[Constant]:
    try:
        value = ast.literal_eval(expr.value)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, (int, float, str)) else None


def _string(expr: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(expr, cst.SimpleString):
        value = _literal(expr)
        return value if isinstance(value, str) else None
    return None


def _convert(value: Optional[Constant], converter: str) -> Optional[Constant]:
    if value is None or isinstance(value, bool):
        return None
    try:
        return _CONVERTERS[converter](value)
    except (ValueError, TypeError, OverflowError):
        return None


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def constants(ctx: "FileContext") -> Constants:
    """The module's constant resolver, made once per file."""
    found = ctx.memo.get("constants")
    if found is None:
        found = ctx.memo["constants"] = Constants(ctx)
    return found

