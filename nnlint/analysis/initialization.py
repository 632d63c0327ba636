"""Whether a TF1 module runs sessions on variables that nothing ever initializes (NN207).

Initialization has many faces (an initializer op, a checkpoint restore, Keras managing the
session, an Estimator, a helper from another module that receives the session), and missing
one of them would turn a correct script into a false alarm. So the question is asked of the
module as a whole: any visible way of initializing, or any session handed to code this module
does not show, and the answer is "initialized".
"""

from __future__ import annotations

import re
from typing import FrozenSet, List, Optional, Set

import libcst as cst

from nnlint.analysis.arguments import argument
from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.definitions import local_definition
from nnlint.analysis.names import INERT_BUILTINS, NameResolver, Where, leaf
from nnlint.analysis.scopes import DEF, Scope, ScopeIndex, dotted_name
from nnlint.analysis.sessions import SESSION, named_like_session, session_origin
from nnlint.analysis.tf_graph import CallSite, GraphFacts
from nnlint.analysis.tree import subtree
from nnlint.frameworks import tensorflow
from nnlint.frameworks.params import Param

_ITERATOR = re.compile(r"iter", re.IGNORECASE)
_GRAPH_NAME = re.compile(r"graph|^g$", re.IGNORECASE)
_INIT_NAME = re.compile(r"init", re.IGNORECASE)
# Built-in functions a session may be passed to without anything happening to its graph.
_GRAPH = Param("graph", 1)


def uninitialized_sessions(facts: GraphFacts, index: ScopeIndex) -> List[CallSite]:
    """The `tf.Session()` / `tf.InteractiveSession()` calls of a module that creates variables
    and runs sessions but shows no way of initializing those variables."""
    resolver = facts.resolver
    sessions: List[CallSite] = []
    run_sessions: Set[int] = set()  # the session calls that some `run` names explicitly
    default_runs: Set[int] = set()  # `op.run(feed_dict=...)`, `loss.eval()`: the default session's
    variables: List[CallSite] = []  # the calls that create variables
    graphs: List[cst.With] = []  # `with graph.as_default():` blocks
    for site in facts.sites.values():
        names = resolver.qualified_names(site.node.func, site.where)
        if _initializes(site, names, resolver):
            return []
        if names & tensorflow.SESSION_CLASSES:
            sessions.append(site)
        elif names and any(_creates_variables(name) for name in names):
            variables.append(site)
        elif _opens_graph(site, resolver):
            graphs.append(site.grandparent)
        run = facts.session_run(site)
        if run is not None and _runs_foreign_initializer(site):
            return []
        if run is not None:
            if run.made is not None:
                run_sessions.add(id(run.made.node))
            else:
                default_runs.add(id(site.node))
    running = [
        site for site in sessions
        if id(site.node) in run_sessions or _runs_as_default(site, default_runs, resolver)
    ]
    if not (running and variables):
        return []
    running = _with_variables_in_their_graph(running, variables, graphs)
    if not running:
        return []
    if any(_initializes_variable(node, where, resolver) for node, where in facts.initializer_reads):
        return []
    if any(_hands_over_session(site, facts, index) for site in facts.sites.values()):
        return []
    return sorted(running, key=lambda site: site.where.order)


def _runs_foreign_initializer(site: CallSite) -> bool:
    """`sess.run(model.init_op)` with `model` from another module: an op named like an
    initializer whose making this module does not show."""
    fetch = site.node.args[0].value if site.node.args else None
    if not isinstance(fetch, (cst.Name, cst.Attribute)):
        return False
    if isinstance(fetch, cst.Attribute) and fetch.attr.value == "initializer":
        return False  # a variable's or an iterator's initializer: judged from its origin
    name = dotted_name(fetch) or ""
    last = name.rsplit(".", 1)[-1]
    if not _INIT_NAME.search(last) or _ITERATOR.search(name):
        return False
    return not isinstance(origin(Value(fetch, site.where)).node, cst.Call)


def _opens_graph(site: CallSite, resolver: NameResolver) -> bool:
    """`with tf.Graph().as_default():` or `with graph.as_default():` (not a session's)."""
    func = site.node.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "as_default"):
        return False
    if not (isinstance(site.parent, cst.WithItem) and isinstance(site.grandparent, cst.With)):
        return False
    made = origin(Value(func.value, site.where))
    if isinstance(made.node, cst.Call):
        return bool(resolver.qualified_names(made.node.func, made.where) & tensorflow.GRAPH_CLASS)
    name = dotted_name(func.value)
    return name is not None and bool(_GRAPH_NAME.search(name.rsplit(".", 1)[-1]))


def _with_variables_in_their_graph(
    sessions: List[CallSite], variables: List[CallSite], graphs: List[cst.With]
) -> List[CallSite]:
    """The sessions whose graph has variables created in it: a session opened inside a
    `with graph.as_default():` block runs that graph, one opened outside every such block runs
    the default graph. (Variables a local helper creates for the block are not seen: silence.)"""
    if not graphs:
        return sessions
    blocks = [(graph, {id(node) for node in subtree(graph.body)}) for graph in graphs]

    def block_of(site: CallSite) -> Optional[cst.With]:
        inside = [(graph, ids) for graph, ids in blocks if id(site.node) in ids]
        return min(inside, key=lambda pair: len(pair[1]))[0] if inside else None

    def session_block(site: CallSite) -> Optional[cst.With]:
        named = argument(site.node, _GRAPH)
        if named is None:
            return block_of(site)
        # `tf.Session(graph=g)` runs the graph that `with g.as_default():` filled.
        return next((graph for graph in graphs if _graph_name(graph) == dotted_name(named)), block_of(site))

    graphs_with_variables = {id(block_of(site)) for site in variables}
    return [site for site in sessions if id(session_block(site)) in graphs_with_variables]


def _graph_name(block: cst.With) -> Optional[str]:
    for item in block.items:
        call = item.item
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "as_default":
            return dotted_name(call.func.value)
    return None


def _runs_as_default(site: CallSite, default_runs: Set[int], resolver: NameResolver) -> bool:
    """Ops run without naming a session use this one: an `InteractiveSession` (for the rest
    of the module), or a session opened by `with` (in its body)."""
    if not default_runs:
        return False
    if resolver.qualified_names(site.node.func, site.where) & tensorflow.INTERACTIVE_SESSION:
        return True
    block = site.grandparent
    if not (isinstance(site.parent, cst.WithItem) and isinstance(block, cst.With)):
        return False
    return any(id(node) in default_runs for node in subtree(block.body))


def _initializes(site: CallSite, names: FrozenSet[str], resolver: NameResolver) -> bool:
    if names & tensorflow.VARIABLE_INITIALIZATION or any(
        name.startswith(tensorflow.SELF_INITIALIZING_PREFIXES) for name in names
    ):
        return True
    func = site.node.func
    if not isinstance(func, cst.Attribute):
        return False
    method = func.attr.value
    if method in tensorflow.INITIALIZING_METHODS:
        return True
    if method == "assign":  # `sess.run(W.assign(pretrained))` sets W without its initializer
        return True
    # `var.load(value, sess)` assigns a value, which initializes the variable.
    args = site.node.args
    return method == "load" and len(args) == 2 and args[1].keyword is None and (
        named_like_session(args[1].value)
        or session_origin(args[1].value, site.where, resolver).kind == SESSION
    )


def _creates_variables(name: str) -> bool:
    if name in tensorflow.VARIABLE_CONSTRUCTORS:
        return True
    return name.startswith(tensorflow.LAYER_MODULES) and not tensorflow.VARIABLE_FREE_LAYER_FUNCTION.search(
        name.rsplit(".", 1)[-1]
    )


def _initializes_variable(node: cst.Attribute, where: Where, resolver: NameResolver) -> bool:
    """`<x>.initializer` is a variable's initializer, unless `x` is a tf.data iterator."""
    name = dotted_name(node.value)
    if name is not None and _ITERATOR.search(name.rsplit(".", 1)[-1]):
        return False
    made = origin(Value(node.value, where))
    if isinstance(made.node, cst.Call):
        method = leaf(made.node.func) or ""
        if _ITERATOR.search(method):
            return False
    return True


def _hands_over_session(site: CallSite, facts: GraphFacts, index: ScopeIndex) -> bool:
    """`site` passes a session this module created to code it does not show (a helper from
    another module may initialize or restore the variables), directly or through a helper of
    this module that passes it on."""
    resolver = facts.resolver
    passed = [
        position for position, arg in enumerate(site.node.args)
        if isinstance(arg.value, (cst.Name, cst.Attribute))
        and session_origin(arg.value, site.where, resolver).kind == SESSION
    ]
    if not passed:
        return False
    helper = _local_helper(site, index)
    if helper is None:
        return _foreign(site, resolver, index)
    parameters = _parameter_names(helper)
    forwarded = {parameters[i] for i in passed if i < len(parameters) and site.node.args[i].keyword is None}
    return any(
        other.where.scope is helper and _foreign(other, resolver, index) and any(
            isinstance(arg.value, cst.Name) and arg.value.value in forwarded for arg in other.node.args
        )
        for other in facts.sites.values()
    )


def _local_helper(site: CallSite, index: ScopeIndex) -> Optional[Scope]:
    func = site.node.func
    if not isinstance(func, cst.Name):
        return None
    return local_definition(func, site.where, DEF, index)


def _parameter_names(scope: Scope) -> List[str]:
    node = scope.node
    if not isinstance(node, cst.FunctionDef):
        return []
    return [p.name.value for p in (*node.params.posonly_params, *node.params.params)]


def _foreign(site: CallSite, resolver: NameResolver, index: ScopeIndex) -> bool:
    """The call goes to code this module does not show and that is not TensorFlow's."""
    func = site.node.func
    names = resolver.qualified_names(func, site.where)
    if any(name.startswith("tensorflow.") for name in names):
        return False
    if isinstance(func, cst.Name) and (func.value in INERT_BUILTINS or _local_helper(site, index) is not None):
        return False
    if isinstance(func, cst.Attribute) and not names:
        # A method of a TensorFlow object (`saver.save(sess, path)`) is TensorFlow's own code.
        made = origin(Value(func.value, site.where))
        if isinstance(made.node, cst.Call) and any(
            name.startswith("tensorflow.") for name in resolver.qualified_names(made.node.func, made.where)
        ):
            return False
    return True
