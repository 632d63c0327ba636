"""Graph-mode facts of a module: its loops, the calls made in them, and its sessions.

The graph and session rules (NN201-NN206) ask questions whose answer lies after the node being
visited: is this loop a session loop (the `sess.run` may come after the op it builds)? is this
session closed somewhere later in its function? So this analysis walks the module once, the first
time a rule asks, and records every call with the loops around it, every `finalize()`, and every
place where a session name or attribute is closed or handed over. Files that import neither
TensorFlow nor Keras are never walked.

Loops are counted per function: a loop inside a nested `def` or `lambda` runs when that function
is called, not at each iteration of the loop around the definition. A `for` loop's iterable and
its `else` run once, so they belong to the enclosing loop; a `while` test runs at each iteration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Iterator, List, NamedTuple, Optional, Set, Tuple

import libcst as cst

from nnlint.analysis.names import NameResolver, Where, defining_scope, visible_bindings
from nnlint.analysis.scopes import ASSIGN, MODULE, Scope, ScopeIndex, expression_scope
from nnlint.analysis.sessions import CLOSING, SessionOrigin, run_receiver
from nnlint.analysis.tree import STATEMENT_TYPES, children
from nnlint.frameworks import keras, tensorflow

if TYPE_CHECKING:
    from nnlint.analysis.context import FileContext

_GRAPH_MODE_LEAVES = frozenset(name.rsplit(".", 1)[-1] for name in tensorflow.GRAPH_MODE_MARKERS)
# The nodes the walk notes something about, by exact type; every other node is only descended.
_DEFINITION, _LAMBDA, _COMPREHENSION, _LOOP, _IF, _WITH, _CALL, _ATTRIBUTE, _RELEASE = (
    "definition", "lambda", "comprehension", "loop", "if", "with", "call", "attribute", "release",
)
_KINDS: Dict[type, str] = {
    cst.FunctionDef: _DEFINITION,
    cst.ClassDef: _DEFINITION,
    cst.Lambda: _LAMBDA,
    cst.ListComp: _COMPREHENSION,
    cst.SetComp: _COMPREHENSION,
    cst.DictComp: _COMPREHENSION,
    cst.GeneratorExp: _COMPREHENSION,
    cst.For: _LOOP,
    cst.While: _LOOP,
    cst.If: _IF,
    cst.With: _WITH,
    cst.Call: _CALL,
    cst.Attribute: _ATTRIBUTE,
    cst.Return: _RELEASE,
    cst.Yield: _RELEASE,
    cst.Assign: _RELEASE,
    cst.AnnAssign: _RELEASE,
}
# Methods that take ownership of a session passed to them (so its closing happens elsewhere).
_OWNERSHIP_METHODS = frozenset({"append", "add", "enter_context", "push", "callback", "register"})


@dataclass(eq=False)
class Loop:
    node: cst.CSTNode  # cst.For or cst.While
    where: Where
    parent: Optional["Loop"]
    depth: int  # 1 for a loop that no other loop of its function encloses
    seq: int  # position in the walk, to compare with the `finalize()` calls
    in_tf_function: bool
    opens_fresh_graph: bool = False  # `with tf.Graph().as_default():` in its body
    children: List["Loop"] = field(default_factory=list)
    calls: List["CallSite"] = field(default_factory=list)  # calls whose innermost loop this is

    def subtree(self) -> Iterator["Loop"]:
        yield self
        for child in self.children:
            yield from child.subtree()

    def chain(self) -> Iterator["Loop"]:
        """This loop and the loops around it, innermost first."""
        loop: Optional[Loop] = self
        while loop is not None:
            yield loop
            loop = loop.parent

    def outermost(self) -> "Loop":
        loop = self
        while loop.parent is not None:
            loop = loop.parent
        return loop


@dataclass(eq=False)
class CallSite:
    node: cst.Call
    where: Where
    loop: Optional[Loop]  # the innermost loop of its function around it
    outer_call: Optional[cst.Call]  # the nearest call around it in the same statement
    # The loop depth at which the innermost `with tf.Graph().as_default():` around it was opened
    # inside a loop (0: none). Ops built under it go into a graph made fresh at that depth.
    fresh_depth: int
    conditional: bool  # under an `if` inside its innermost loop
    parent: Optional[cst.CSTNode]
    grandparent: Optional[cst.CSTNode]
    great_grandparent: Optional[cst.CSTNode]




@dataclass(frozen=True)
class Finalize:
    """A `<graph>.finalize()` call."""

    seq: int
    scopes: Tuple[Scope, ...]  # the function (and module, class) scopes around it
    receiver: cst.BaseExpression


class _Frame(NamedTuple):
    scope: Scope
    order: int
    functions: Tuple[Scope, ...]  # the function (and module) scopes around the node
    loop: Optional[Loop]
    fresh_depth: int
    conditional: bool
    call: Optional[cst.Call]
    in_tf_function: bool


class GraphFacts:
    def __init__(self, module: cst.Module, index: ScopeIndex, resolver: NameResolver) -> None:
        self.resolver = resolver
        self.graph_mode = False
        self.uses_monitored = False
        self.loops: Dict[int, Loop] = {}
        self.sites: Dict[int, CallSite] = {}
        self.finalizers: List[Finalize] = []
        # Every `<x>.initializer` read (a variable's initializer op, or a tf.data iterator's).
        self.initializer_reads: List[Tuple[cst.Attribute, Where]] = []
        # Where sessions are closed or handed over: name -> the function scopes around each event.
        # Where sessions are closed or handed over: (the scope that binds the name, name), and
        # (the class whose `self.<attr>` it is, or None for another object's, attr).
        self._released_names: Set[Tuple[int, str]] = set()
        self._released_attributes: Set[Tuple[Optional[int], str]] = set()
        self._runs: Dict[int, Optional[SessionOrigin]] = {}
        self._seq = 0
        self._walk(module, index)

    # -- questions -------------------------------------------------------------------------

    def site(self, call: cst.Call) -> Optional[CallSite]:
        return self.sites.get(id(call))

    def loop(self, node: cst.CSTNode) -> Optional[Loop]:
        return self.loops.get(id(node))

    def session_run(self, site: CallSite) -> Optional[SessionOrigin]:
        """The session `site` runs, if it runs one."""
        key = id(site.node)
        if key not in self._runs:
            self._runs[key] = run_receiver(site.node, site.where, self.resolver)
        return self._runs[key]

    def session_runs(self, loop: Loop) -> List[CallSite]:
        """The session runs anywhere in the loop's body, nested loops included."""
        return [site for inner in loop.subtree() for site in inner.calls if self.session_run(site)]

    def is_session_loop(self, loop: Loop) -> bool:
        return any(self.session_run(site) for inner in loop.subtree() for site in inner.calls)

    def grows_graph_per_iteration(self, site: CallSite) -> bool:
        """True when the ops `site` builds pile up in one graph across iterations of a session
        loop: some session loop around it is deeper than every fresh graph around it."""
        if site.loop is None or site.loop.in_tf_function:
            return False
        fresh = max(site.fresh_depth, self._reset_depth(site.loop))
        return any(loop.depth > fresh and self.is_session_loop(loop) for loop in site.loop.chain())

    def resets_graph(self, loop: Loop) -> bool:
        """The loop's body calls `tf.reset_default_graph()` or Keras' `clear_session()`."""
        for site in loop.calls:
            names = self.resolver.qualified_names(site.node.func, site.where)
            if names & (tensorflow.GRAPH_RESETS | keras.CLEAR_SESSION):
                return True
        return False

    def _reset_depth(self, loop: Loop) -> int:
        return max((inner.depth for inner in loop.chain() if self.resets_graph(inner)), default=0)

    def fresh_per_iteration(self, loop: Loop) -> bool:
        """Each iteration works on a new graph (`with tf.Graph().as_default():`, a reset)."""
        return loop.opens_fresh_graph or self.resets_graph(loop)

    def finalized_for(self, loop: Loop, sessions: List[SessionOrigin]) -> bool:
        """A `finalize()` protects the graph the loop runs: one earlier in the loop's function
        (or module, at top level), or, for a session made elsewhere, one where it was made (its
        class, for `self.sess`); any, for a session that comes from a parameter."""
        function = loop.where.scope
        graphs = {name for origin in sessions for name in _graph_argument_names(origin)}
        for finalize in self.finalizers:
            if finalize.seq < loop.seq and finalize.scopes[-1] is function and _on_graph(finalize, graphs):
                return True
        if function.kind == MODULE:
            return False
        for origin in sessions:
            if origin.made is None:
                if self.finalizers:
                    return True
                continue
            made_in = origin.made.where.scope
            if made_in is function:
                continue
            owner = made_in.class_scope or made_in
            if any(owner in finalize.scopes for finalize in self.finalizers):
                return True
        return False

    def released(self, name: str, scope: Scope) -> bool:
        """The variable `name` of `scope` is closed or handed over somewhere."""
        return (id(scope), name) in self._released_names

    def attribute_released(self, attr: str, class_scope: Optional[Scope]) -> bool:
        """`self.<attr>` of the class, or `<obj>.<attr>` of any object, is closed or handed over."""
        key = id(class_scope) if class_scope is not None else None
        return (key, attr) in self._released_attributes or (None, attr) in self._released_attributes

    # -- the walk --------------------------------------------------------------------------

    def _walk(self, module: cst.Module, index: ScopeIndex) -> None:
        order_of = index.order_of
        parents: Dict[int, cst.CSTNode] = {}
        root = _Frame(index.module_scope, 0, (index.module_scope,), None, 0, False, None, False)
        work: List[Tuple[cst.CSTNode, _Frame]] = [(module, root)]
        no_overrides: Dict[int, _Frame] = {}
        while work:
            node, frame = work.pop()
            self._seq += 1
            node_type = type(node)
            if node_type in STATEMENT_TYPES:
                order = order_of.get(id(node))
                if order is not None and order != frame.order:
                    frame = frame._replace(order=order, call=None)
            kind = _KINDS.get(node_type)
            child_frames = no_overrides
            if kind is not None:
                child_frames = {}
                frame = self._note(kind, node, frame, child_frames, index, parents)
            kids = children(node)
            for kid in reversed(kids):
                parents[id(kid)] = node
                work.append((kid, child_frames.get(id(kid), frame)))

    def _note(
        self,
        kind: str,
        node: cst.CSTNode,
        frame: _Frame,
        child_frames: Dict[int, _Frame],
        index: ScopeIndex,
        parents: Dict[int, cst.CSTNode],
    ) -> _Frame:
        """Record what `node` tells, set the frames of its children; return its own frame."""
        where = Where(frame.scope, frame.order)
        if kind == _DEFINITION:
            scope = index.scope_of(node) or frame.scope
            tf_function = frame.in_tf_function or (
                isinstance(node, cst.FunctionDef) and self._is_tf_function(node, where)
            )
            for decorator in node.decorators:
                child_frames[id(decorator)] = frame._replace(call=None)
            return _Frame(scope, 0, frame.functions + (scope,), None, 0, False, None, tf_function)
        if kind == _LAMBDA:
            scope = expression_scope(node, frame.scope) or frame.scope
            return _Frame(scope, frame.order, frame.functions + (scope,), None, 0, False, None,
                          frame.in_tf_function)
        if kind == _COMPREHENSION:
            return frame._replace(scope=expression_scope(node, frame.scope) or frame.scope)
        if kind == _LOOP:
            loop = Loop(node, where, frame.loop, (frame.loop.depth if frame.loop else 0) + 1,
                        self._seq, frame.in_tf_function)
            self.loops[id(node)] = loop
            if frame.loop is not None:
                frame.loop.children.append(loop)
            inside = frame._replace(loop=loop, conditional=False)
            child_frames[id(node.body)] = inside
            if isinstance(node, cst.While):
                child_frames[id(node.test)] = inside
        elif kind == _IF:
            if frame.loop is not None:
                child_frames[id(node.body)] = frame._replace(conditional=True)
                if node.orelse is not None:
                    child_frames[id(node.orelse)] = frame._replace(conditional=True)
        elif kind == _WITH:
            self._note_with(node, frame, where, child_frames)
        elif kind == _CALL:
            self._note_call(node, frame, where, parents)
            return frame._replace(call=node)
        elif kind == _ATTRIBUTE:
            attr = node.attr.value
            if attr in ("close", "__exit__"):
                self._release(node.value, frame)
            elif attr == "initializer":
                self.initializer_reads.append((node, where))
        elif node.value is not None:  # return, yield, assignment
            self._release(node.value, frame)
        return frame

    def _is_tf_function(self, node: cst.FunctionDef, where: Where) -> bool:
        for decorator in node.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            if self.resolver.qualified_names(expr, where) & tensorflow.TF_FUNCTION:
                return True
        return False

    def _note_call(self, node: cst.Call, frame: _Frame, where: Where, parents: Dict[int, cst.CSTNode]) -> None:
        parent = parents.get(id(node))
        grandparent = parents.get(id(parent)) if parent is not None else None
        great = parents.get(id(grandparent)) if grandparent is not None else None
        site = CallSite(node, where, frame.loop, frame.call, frame.fresh_depth, frame.conditional,
                        parent, grandparent, great)
        self.sites[id(node)] = site
        if frame.loop is not None:
            frame.loop.calls.append(site)
        func = node.func
        leaf = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        if leaf in _GRAPH_MODE_LEAVES:
            names = self.resolver.qualified_names(func, where)
            self.graph_mode = self.graph_mode or bool(names & tensorflow.GRAPH_MODE_MARKERS)
            self.uses_monitored = self.uses_monitored or bool(names & tensorflow.MONITORED_SESSIONS)
        elif leaf == "finalize" and not node.args:
            self.finalizers.append(Finalize(self._seq, frame.functions, func.value))
        elif leaf in _OWNERSHIP_METHODS or (
            leaf == "closing" and self.resolver.qualified_names(func, where) & CLOSING
        ):
            for arg in node.args:
                self._release(arg.value, frame)

    def _note_with(self, node: cst.With, frame: _Frame, where: Where, child_frames: Dict[int, _Frame]) -> None:
        fresh = False
        for item in node.items:
            expr = item.item
            self._release(expr, frame)
            if isinstance(expr, cst.Call):
                for arg in expr.args:
                    self._release(arg.value, frame)
            if frame.loop is not None and self._opens_fresh_graph(expr, where, frame.loop):
                fresh = True
        if fresh:
            frame.loop.opens_fresh_graph = True
            child_frames[id(node.body)] = frame._replace(fresh_depth=frame.loop.depth)

    def _opens_fresh_graph(self, expr: cst.BaseExpression, where: Where, loop: Loop) -> bool:
        """`tf.Graph().as_default()`, or `g.as_default()` on a graph made inside `loop`."""
        if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
                and expr.func.attr.value == "as_default"):
            return False
        graph = expr.func.value
        if isinstance(graph, cst.Name):
            bindings = visible_bindings(graph.value, where)
            if len(bindings) != 1 or bindings[0].kind != ASSIGN or bindings[0].scope is not loop.where.scope:
                return False
            if bindings[0].order <= loop.where.order:
                return False
            graph = bindings[0].value
            where = Where(bindings[0].scope, bindings[0].order)
        return isinstance(graph, cst.Call) and bool(
            self.resolver.qualified_names(graph.func, where) & tensorflow.GRAPH_CLASS
        )

    def _release(self, expr: cst.BaseExpression, frame: _Frame) -> None:
        """`expr` is closed or handed over: a name or attribute in it owns a session no more."""
        if isinstance(expr, cst.Name):
            owner = defining_scope(expr.value, frame.scope)
            if owner is not None:
                self._released_names.add((id(owner), expr.value))
        elif isinstance(expr, cst.Attribute):
            method = frame.scope.enclosing_method()
            receiver = expr.value
            if method is not None and isinstance(receiver, cst.Name) and receiver.value == method.self_name:
                self._released_attributes.add((id(method.class_scope), expr.attr.value))
            else:
                self._released_attributes.add((None, expr.attr.value))
        elif isinstance(expr, (cst.Tuple, cst.List)):
            for element in expr.elements:
                self._release(element.value, frame)


def _graph_argument_names(origin: SessionOrigin) -> Iterator[str]:
    """`g` in `tf.Session(graph=g)`."""
    made = origin.made
    if made is not None and isinstance(made.node, cst.Call):
        for arg in made.node.args:
            if arg.keyword is not None and arg.keyword.value == "graph" and isinstance(arg.value, cst.Name):
                yield arg.value.value


def _on_graph(finalize: Finalize, graphs: Set[str]) -> bool:
    """The finalize may be on one of `graphs` (always, when the session names no graph)."""
    if not graphs:
        return True
    receiver = finalize.receiver
    if isinstance(receiver, cst.Name):
        return receiver.value in graphs
    return isinstance(receiver, cst.Attribute) and receiver.attr.value == "graph"


def graph_mode_facts(ctx: "FileContext") -> Optional[GraphFacts]:
    """The module's graph facts when it is TF1 graph-mode code (sessions, placeholders)."""
    facts = graph_facts(ctx)
    return facts if facts is not None and facts.graph_mode else None


def graph_facts(ctx: "FileContext") -> Optional[GraphFacts]:
    """The module's graph facts, computed once; None when it imports neither TensorFlow nor Keras."""
    facts = ctx.memo.get("tf_graph", False)
    if facts is False:
        facts = None
        if ctx.imported_roots & {"tensorflow", "keras"}:
            facts = GraphFacts(ctx.module, ctx.index, ctx.resolver)
        ctx.memo["tf_graph"] = facts
    return facts
