"""What a call inside a loop does to the TensorFlow graph.

Three questions, one per rule, answered from the walk in tf_graph.py: does the call add an op
(NN201)? does a session run re-initialize every variable of the model (NN206)? does the call load
or build a whole model (NN204)? NN201 defers to the other two on the same call, so the answers
live here, where both sides can ask them.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.analysis.arguments import argument
from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.definitions import local_definition
from nnlint.analysis.names import Where
from nnlint.analysis.scopes import DEF, ScopeIndex
from nnlint.analysis.sessions import session_origin
from nnlint.analysis.tf_graph import CallSite, GraphFacts, Loop
from nnlint.frameworks import keras, tensorflow
from nnlint.frameworks.params import Param

_FETCHES = Param("fetches", 0)
_VAR_LIST = Param("var_list", 0)
_GRAPH = Param("graph", 1)
_MAX_DEPTH = 4

# Kinds of whole-model loads (NN204).
GRAPH_LOAD = "graph-load"
MODEL_LOAD = "model-load"
MODEL_BUILD = "model-build"


def builds_op(site: CallSite, facts: GraphFacts) -> bool:
    """The call adds an op to the default graph each time it runs."""
    names = facts.resolver.qualified_names(site.node.func, site.where)
    if names:
        # Every meaning must be a TensorFlow op: a name that two star imports may provide
        # could be the other module's.
        return all(name.startswith("tensorflow.") and not _builds_nothing(name) for name in names)
    func = site.node.func
    if not isinstance(func, cst.Attribute):
        return False
    method = func.attr.value
    if method in tensorflow.OPTIMIZER_OP_METHODS:
        return _made_by(func.value, site.where, facts, _is_optimizer)
    if method in tensorflow.VARIABLE_OP_METHODS:
        return _made_by(func.value, site.where, facts, lambda n: n in tensorflow.VARIABLE_CONSTRUCTORS)
    return False


def _builds_nothing(name: str) -> bool:
    return (
        name in tensorflow.NO_OP_CALLS
        or name.startswith(tensorflow.NO_OP_PREFIXES)
        or _is_optimizer(name)  # optimizers build their ops in `minimize`/`apply_gradients`
    )


def _is_optimizer(name: str) -> bool:
    return name.startswith(tensorflow.OPTIMIZER_MODULE) and name.endswith("Optimizer")


def _made_by(expr: cst.BaseExpression, where: Where, facts: GraphFacts, predicate) -> bool:
    made = origin(Value(expr, where))
    if not isinstance(made.node, cst.Call):
        return False
    return any(predicate(name) for name in facts.resolver.qualified_names(made.node.func, made.where))


# -- NN206 ---------------------------------------------------------------------------------------


def reinitializes_model(site: CallSite, facts: GraphFacts) -> bool:
    """`site` runs the initializer of every variable, unconditionally, in a loop whose own body
    also runs the training step (so each step starts again from random weights).

    A loop whose session runs all happen in nested loops re-initializes once per run or fold,
    which is how independent trainings are repeated; it is not reported.
    """
    loop = site.loop
    if loop is None or site.conditional or not _runs_initializer(site, facts):
        return False
    if any(facts.is_session_loop(child) for child in loop.children):
        return False
    if any(_creates_variables(other, facts) for inner in loop.subtree() for other in inner.calls):
        return False  # a new model each iteration needs its initializer (NN201 reports the growth)
    return any(
        other is not site and facts.session_run(other) and not _runs_initializer(other, facts)
        for other in loop.calls
    )


def _creates_variables(site: CallSite, facts: GraphFacts) -> bool:
    names = facts.resolver.qualified_names(site.node.func, site.where)
    return bool(names & tensorflow.VARIABLE_CONSTRUCTORS) or any(
        name.startswith(tensorflow.LAYER_MODULES) for name in names
    )


def _runs_initializer(site: CallSite, facts: GraphFacts) -> bool:
    func = site.node.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "run"):
        return False
    if facts.session_run(site):
        fetches = argument(site.node, _FETCHES)
        return fetches is not None and is_model_initializer(fetches, site.where, facts)
    # `tf.global_variables_initializer().run()` with the default session.
    return is_model_initializer(func.value, site.where, facts)


def is_model_initializer(expr: cst.BaseExpression, where: Where, facts: GraphFacts, depth: int = 0) -> bool:
    """`expr` is an op that initializes every variable (alone, in a list, or in `tf.group`)."""
    if depth > _MAX_DEPTH:
        return False
    value = origin(Value(expr, where))
    node = value.node
    if isinstance(node, (cst.List, cst.Tuple)):
        return any(is_model_initializer(e.value, value.where, facts, depth + 1) for e in node.elements)
    if not isinstance(node, cst.Call):
        return False
    names = facts.resolver.qualified_names(node.func, value.where)
    if names & tensorflow.ALL_VARIABLES_INITIALIZERS:
        return True
    if names & tensorflow.VARIABLES_INITIALIZER:
        var_list = argument(node, _VAR_LIST)
        return isinstance(var_list, cst.Call) and bool(
            facts.resolver.qualified_names(var_list.func, value.where) & tensorflow.MODEL_VARIABLE_LISTS
        )
    if names & tensorflow.GROUP:
        return any(is_model_initializer(a.value, value.where, facts, depth + 1) for a in node.args)
    return False


# -- NN204 ---------------------------------------------------------------------------------------


def reloads_model(site: CallSite, facts: GraphFacts, index: ScopeIndex) -> Optional[str]:
    """The kind of whole-model load or build `site` does at each iteration of a loop that also
    uses the model, without a fresh graph or `clear_session()`; None otherwise."""
    loop = site.loop
    if loop is None:
        return None
    kind = _model_source(site, facts, index)
    if kind is None or site.fresh_depth >= loop.depth:
        return None
    if any(facts.resets_graph(inner) for inner in loop.subtree()):
        return None
    if kind == GRAPH_LOAD:
        if _loads_into_fresh_session_graph(site, facts, loop):
            return None
        return kind if facts.is_session_loop(loop) else None
    return kind if _model_used_in(site, loop) else None


def _model_source(site: CallSite, facts: GraphFacts, index: ScopeIndex) -> Optional[str]:
    node = site.node
    names = facts.resolver.qualified_names(node.func, site.where)
    if names & tensorflow.GRAPH_LOADERS:
        return GRAPH_LOAD
    if names & keras.MODEL_LOADERS:
        return MODEL_LOAD
    if names & keras.MODEL_CLASSES:
        return None if _wired_from_existing_model(node) else MODEL_BUILD
    if names:
        return None
    builder = local_definition(node.func, site.where, DEF, index)
    for returned in builder.returns if builder is not None else ():
        if returned.value is None:
            continue
        made = origin(Value(returned.value, Where(builder, returned.order)))
        if isinstance(made.node, cst.Call):
            made_names = facts.resolver.qualified_names(made.node.func, made.where)
            if made_names & keras.MODEL_LOADERS or (
                made_names & keras.MODEL_CLASSES and not _wired_from_existing_model(made.node)
            ):
                return MODEL_BUILD
    return None


def _wired_from_existing_model(call: cst.Call) -> bool:
    """`Model(inputs=m.input, outputs=m.get_layer(name).output)`: no new weights."""
    stack = [arg.value for arg in call.args]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Attribute) and node.attr.value in keras.MODEL_TENSOR_ATTRIBUTES:
            return True
        if isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif isinstance(node, cst.Call):
            # Not the callee: `keras.layers.Dense(...)` names a module, not a model's layers.
            stack.extend(arg.value for arg in node.args)
        elif isinstance(node, cst.Subscript):
            stack.append(node.value)
        elif isinstance(node, (cst.List, cst.Tuple)):
            stack.extend(e.value for e in node.elements)
    return False


def _model_used_in(site: CallSite, loop: Loop) -> bool:
    """The loop trains, evaluates or runs the model the call made, and does not keep it (an
    ensemble appended to a list is meant to stay in memory)."""
    parent, grandparent = site.parent, site.grandparent
    if isinstance(parent, cst.Attribute) and parent.attr.value in keras.MODEL_USE_METHODS:
        return isinstance(grandparent, cst.Call)
    if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1):
        return False
    target = parent.targets[0].target
    if not isinstance(target, (cst.Name, cst.Attribute)):
        return False
    used = False
    for inner in loop.subtree():
        for call in inner.calls:
            func = call.node.func
            if not isinstance(func, cst.Attribute):
                continue
            if func.attr.value in _KEEPING_METHODS and any(_mentions(a.value, target) for a in call.node.args):
                return False
            if func.attr.value in keras.MODEL_USE_METHODS and func.value.deep_equals(target):
                used = True
    return used


_KEEPING_METHODS = frozenset({"append", "insert", "add", "extend"})


def _mentions(expr: cst.BaseExpression, target: cst.BaseExpression) -> bool:
    stack = [expr]
    while stack:
        node = stack.pop()
        if node.deep_equals(target):
            return True
        if isinstance(node, (cst.Tuple, cst.List)):
            stack.extend(e.value for e in node.elements)
    return False


def _loads_into_fresh_session_graph(site: CallSite, facts: GraphFacts, loop: Loop) -> bool:
    """`tf.saved_model.loader.load(sess, ...)` into a session made in the loop with its own graph."""
    names = facts.resolver.qualified_names(site.node.func, site.where)
    if "tensorflow.train.import_meta_graph" in names or not site.node.args:
        return False
    made = session_origin(site.node.args[0].value, site.where, facts.resolver).made
    if made is None or not isinstance(made.node, cst.Call):
        return False
    made_in_loop = made.where.scope is loop.where.scope and made.where.order > loop.where.order
    return made_in_loop and argument(made.node, _GRAPH) is not None
