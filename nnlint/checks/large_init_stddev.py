"""NN403: weights drawn from a normal distribution with a standard deviation of 1 or more."""

from __future__ import annotations

import re
from typing import List, Optional, Set, Tuple

import libcst as cst

from nnlint.analysis.arguments import argument
from nnlint.analysis.constants import constants
from nnlint.analysis.dataflow import assigned_value, origin
from nnlint.analysis.names import leaves
from nnlint.analysis.scopes import dotted_name
from nnlint.analysis.tf_graph import graph_mode_facts
from nnlint.checks.values import number_text, shown
from nnlint.frameworks.hyperparameters import (
    EMBEDDING_LAYERS,
    EMBEDDING_LOOKUPS,
    NORMAL_INITS,
    NORMAL_METHOD,
    NORMAL_METHOD_INIT,
    GET_VARIABLE,
    GET_VARIABLE_SHAPE,
    VARIABLES,
    NormalInit,
)
from nnlint.frameworks.params import Param
from nnlint.rule import Option, Rule, Severity

_LEAVES = leaves(NORMAL_INITS) | {NORMAL_METHOD}
_LOOKUP_LEAVES = leaves(EMBEDDING_LOOKUPS)
_SHAPE = Param("shape", 0)
_NAME = Param("name", None)
# Names of parameters whose N(0, 1) initialisation is standard (embeddings, learned tokens) or
# harmless (biases).
_EXEMPT_NAME = re.compile(r"emb|token|bias", re.IGNORECASE)
_BIAS_NAME = re.compile(r"^b(_\w+)?\d*$", re.IGNORECASE)


class LargeInitStddev(Rule):
    code = "NN403"
    name = "large-init-stddev"
    severity = Severity.WARNING
    summary = "Weights initialised with a standard deviation of 1 or more make activations explode."

    options = {
        "stddev-max": Option(float, 1.0, "the standard deviation from which an initialisation is reported (inclusive)"),
    }

    what_it_does = (
        "Finds weights initialised from a normal distribution whose standard deviation is "
        "`stddev-max` (1.0) or more: `tf.random_normal`/`tf.random.normal`/`tf.truncated_normal` "
        "as the initial value of a `tf.Variable` or `tf.get_variable` of rank 2 or more (their "
        "default stddev is 1.0), `RandomNormal(stddev=...)`, `tf.random_normal_initializer(stddev=...)`, "
        "`nn.init.normal_(w)` without `std` (its default is 1.0) and `w.data.normal_(0, 1)` on a weight."
    )
    why_bad = (
        "With unit variance per weight, each layer multiplies the activations' scale by about "
        "the square root of its fan-in: after two 784x256 layers the logits are in the hundreds, "
        "softmax saturates, and the loss sits at a huge constant (the seeds' loss stuck at 87.33) "
        "or becomes NaN. Use a scaled initialiser (Glorot/He) or a stddev around 0.01-0.1."
    )
    stays_silent = (
        "- Embedding matrices (a variable used with `embedding_lookup`, an `nn.Embedding`, an "
        "`Embedding` layer's `embeddings_initializer`, a name containing `emb`): N(0, 1) is "
        "their standard initialisation.\n"
        "- Biases and other rank-1 variables, and random tensors that are data or noise rather "
        "than a variable's initial value (`z = tf.random_normal([batch, 100])`).\n"
        "- A stddev that is not known before the script runs, Glorot/He initialisers, "
        "`trunc_normal_` without an explicit `std`, and initialisers whose default stddev is "
        "small (Keras `RandomNormal()`)."
    )
    example = (
        "import tensorflow as tf\n\n"
        "W1 = tf.Variable(tf.random_normal([784, 256]))\n"
        "W2 = tf.Variable(tf.random_normal([256, 10]))\n"
    )
    use_instead = (
        "import tensorflow as tf\n\n"
        "W1 = tf.Variable(tf.random_normal([784, 256], stddev=0.01))\n"
        "W2 = tf.Variable(tf.random_normal([256, 10], stddev=0.01))\n"
    )
    story = "The seeds' loss stuck at 87.33 came from `tf.Variable(tf.random_normal([784, 256]))` weights."

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        # (call, its statement, message, names of the variable it initialises), decided at the
        # end of the module once every `embedding_lookup` has been seen.
        self._pending: List[Tuple[cst.Call, int, str, Tuple[str, ...]]] = []
        self._looked_up: Set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        name = self.ctx.leaf(node.func)
        if name in _LOOKUP_LEAVES:
            if self.ctx.match(node.func, EMBEDDING_LOOKUPS) and node.args:
                self._looked_up.add(self.ctx.code_for(node.args[0].value))
            return
        if name not in _LEAVES:
            return
        qualified = self.ctx.match(node.func, NORMAL_INITS)
        if qualified is not None:
            spec = NORMAL_INITS[qualified]
            api = qualified.rsplit(".", 1)[-1]
        elif name == NORMAL_METHOD and isinstance(node.func, cst.Attribute) and _is_weight(node.func.value):
            spec = NORMAL_METHOD_INIT
            api = f"{self.ctx.code_for(node.func.value)}.normal_"
        else:
            return
        stddev = self._stddev(node, spec)
        if stddev is None:
            return
        expr, value = stddev
        targets = self._targets(node, spec, qualified)
        if targets is None:
            return
        given = f"stddev {shown(self.ctx, expr, value)}" if expr is not None else f"its default stddev {number_text(value)}"
        message = (
            f"{api} draws weights with {given}, which makes activations explode layer after layer; "
            f"use a Glorot/He initialiser or a stddev around 0.01."
        )
        self._pending.append((node, self.ctx.order, message, targets))

    def leave_Module(self, node: cst.Module) -> None:
        for call, statement, message, targets in self._pending:
            if not any(target in self._looked_up for target in targets):
                self.report(call, message, statement=statement)

    def _stddev(self, node: cst.Call, spec: NormalInit) -> Optional[Tuple[Optional[cst.BaseExpression], float]]:
        expr = argument(node, spec.stddev)
        if expr is None:
            if spec.default is None or any(arg.star for arg in node.args):
                return None
            if spec.tf1_default and not self._tf1():
                return None
            value = spec.default
        else:
            value = constants(self.ctx).number(expr, self.ctx.here())
            if value is None:
                return None
        if value < self.settings["stddev-max"]:
            return None
        return expr, value

    def _targets(self, node: cst.Call, spec: NormalInit, qualified: Optional[str]) -> Optional[Tuple[str, ...]]:
        """The names the initialised weight goes by, or None when it is exempt (an embedding,
        a bias, data rather than a variable)."""
        if qualified is None:  # `w.normal_()`
            return self._torch_weight(node.func.value)
        if qualified.startswith("torch."):
            return self._torch_weight(node.args[0].value) if node.args else None
        arg, call = self.ctx.parent(), self.ctx.parent(2)
        if not (isinstance(arg, cst.Arg) and isinstance(call, cst.Call)):
            return None if spec.needs_variable else ()
        if arg.keyword is not None and _EXEMPT_NAME.search(arg.keyword.value):
            return None  # `bias_initializer=`, `embeddings_initializer=`
        if self.ctx.match(call.func, EMBEDDING_LAYERS):
            return None
        variable = self.ctx.match(call.func, VARIABLES)
        if variable is None or argument(call, VARIABLES[variable]) is not node:
            return None if spec.needs_variable else ()
        shape = argument(node, _SHAPE) if spec.needs_variable else argument(call, GET_VARIABLE_SHAPE)
        rank = _rank(shape, self)
        if rank == 1 or (spec.needs_variable and rank < 2):
            return None
        return self._variable_names(call)

    def _variable_names(self, call: cst.Call) -> Optional[Tuple[str, ...]]:
        """The names of the variable `call` creates (its `name=`, the name it is assigned to);
        None when one says it is an embedding or a bias."""
        names = []
        label = argument(call, _NAME)
        if label is None and self.ctx.match(call.func, {GET_VARIABLE}) and call.args:
            label = call.args[0].value  # tf.get_variable("embedding", ...)
        if isinstance(label, cst.SimpleString):
            names.append(label.value.strip("'\""))
        holder = self.ctx.parent(3)
        if isinstance(holder, cst.Assign) and len(holder.targets) == 1:
            names.append(self.ctx.code_for(holder.targets[0].target))
        elif isinstance(holder, cst.DictElement):
            names.append(self.ctx.code_for(holder.key).strip("'\""))
        if any(_EXEMPT_NAME.search(name) or _BIAS_NAME.match(name.rsplit(".", 1)[-1]) for name in names):
            return None
        return tuple(names)

    def _tf1(self) -> bool:
        """TF1 code: an initializer handed to `tf.get_variable`, or a graph-mode module."""
        call = self.ctx.parent(2)
        if isinstance(call, cst.Call) and self.ctx.match(call.func, {GET_VARIABLE}):
            return True
        return graph_mode_facts(self.ctx) is not None

    def _torch_weight(self, expr: cst.BaseExpression) -> Optional[Tuple[str, ...]]:
        """The weight's name, unless it is a bias or an embedding's weight (named so, made by
        `nn.Embedding`, or under `if isinstance(m, nn.Embedding):`)."""
        name = dotted_name(expr)
        if name is None or "bias" in name.lower() or _EXEMPT_NAME.search(name):
            return None
        stack = self.ctx.stack
        if any(
            isinstance(node, cst.If) and stack[i + 1] is node.body and "Embedding" in self.ctx.code_for(node.test)
            for i, node in enumerate(stack[:-1])
        ):
            return None  # under `if isinstance(m, nn.Embedding):`, not in its `elif`/`else`
        owner = expr
        while isinstance(owner, cst.Attribute) and owner.attr.value in ("data", "weight"):
            owner = owner.value
        if owner is not expr:
            made = origin(self.ctx.value(owner))
            if isinstance(made.node, cst.Call) and self.ctx.match(made.node.func, EMBEDDING_LAYERS, made.where):
                return None
        return (name,)


def _is_weight(expr: cst.BaseExpression) -> bool:
    name = dotted_name(expr)
    return name is not None and "weight" in name.lower() and "bias" not in name.lower()


def _rank(shape: Optional[cst.BaseExpression], rule: "LargeInitStddev") -> int:
    """The rank of a literal shape (`[784, 256]`, or a name assigned one); 0 when unknown."""
    if shape is not None and not isinstance(shape, (cst.List, cst.Tuple)):
        previous = assigned_value(shape, rule.ctx.here())
        shape = previous.node if previous is not None else None
    if isinstance(shape, (cst.List, cst.Tuple)) and not any(
        isinstance(e, cst.StarredElement) for e in shape.elements
    ):
        elements = shape.elements
        if len(elements) == 2 and isinstance(elements[0].value, cst.Integer) and elements[0].value.value == "1":
            return 1  # `[1, 30]`: a row that broadcasts, a bias
        return len(elements)
    return 0
