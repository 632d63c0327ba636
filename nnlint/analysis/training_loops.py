"""PyTorch training loops: what each loop (and each function) does to gradients and modes.

NN501-NN503 ask about a loop as a whole (does it call `zero_grad()` anywhere? does it call
`model.train()` again after `model.eval()`?) and about where a call sits (under
`torch.no_grad()`? after `model.eval()`?). This analysis walks a module that imports torch once,
the first time a rule asks, and records every call as an event with its function, its innermost
loop and whether autograd is off there. Nothing is decided here; rules read the events.

A step often happens in a helper (`train_step(batch)` called in the loop) or a closure
(`optimizer.step(closure)` for LBFGS), so a loop's events include those of the functions defined
in it and of this module's loop-free functions it calls, one level deep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterator, List, NamedTuple, Optional, Tuple

import libcst as cst

from nnlint.analysis.arguments import argument
from nnlint.analysis.dataflow import Value, assignments, origin
from nnlint.analysis.definitions import local_definition
from nnlint.analysis.losses import backward_target
from nnlint.analysis.names import NameResolver, Where, leaf, visible_bindings
from nnlint.analysis.scopes import CLASS, DEF, Scope, ScopeIndex, dotted_name, expression_scope
from nnlint.analysis.tree import STATEMENT_TYPES, children
from nnlint.frameworks import torch
from nnlint.frameworks.params import Param

if TYPE_CHECKING:
    from nnlint.analysis.context import FileContext

# Event kinds.
BACKWARD = "backward"  # `loss.backward()`, `scaler.scale(loss).backward()`, `torch.autograd.backward`
GRAD = "grad"  # gradients not accumulated in `.grad`: `torch.autograd.grad`, `dist_autograd.backward`
STEP = "step"  # `<x>.step(...)`: an optimizer step only if `steps_optimizer()` says so
ZERO_GRAD = "zero_grad"  # `opt.zero_grad()`, `model.zero_grad()`, `p.grad.zero_()`, `p.grad = None`
TRAIN = "train"  # `model.train()`, `model.train(True)`
EVAL = "eval"  # `model.eval()`, `model.train(False)`
CALL = "call"  # any other call
ASSIGN = "assign"  # `x = ...` with one target, and `x += ...` (`receiver` is the target)

_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
# The node types the walk notes something about (by exact type: `isinstance` on LibCST's
# abstract classes costs more than the rest of the walk); every other node is only descended.
_NOTED = frozenset((cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.For, cst.While, cst.With, cst.Call,
                    cst.Assign, cst.AugAssign) + _COMPREHENSIONS)
# Calls on a model that return the same model (`model.to(device).train()`).
_OPTIMIZER_NAME = re.compile(r"optim|(^|_)opt(_|\d|$)|scaler", re.IGNORECASE)
_SCHEDULER_NAME = re.compile(r"sched", re.IGNORECASE)
# Names that say an object is a model, for models whose construction is not visible.
MODEL_NAME = re.compile(
    r"model|net|classifier|encoder|decoder|generator|discriminator|backbone|^[GD](_\w+)?$", re.IGNORECASE
)
_CRITERION_NAME = re.compile(r"criterion|loss", re.IGNORECASE)
# Methods of a model that run it (`model.forward(x)`, `vae.decode(z)`).
# (Not `generate`: Hugging Face models run it under `no_grad` already.)
RUNNING_METHODS = frozenset({"forward", "predict", "encode", "decode", "sample", "inference"})


@dataclass(eq=False)
class Function:
    """A `def`, or the module's top level."""

    scope: Scope
    node: Optional[cst.FunctionDef]
    defined_in: Optional["Loop"]
    no_grad: bool  # decorated with `@torch.no_grad()`, or defined inside such a function
    disables_grad: bool = False  # calls `torch.set_grad_enabled(False)`
    loops: List["Loop"] = field(default_factory=list)  # the loops no other loop of it encloses
    events: List["Event"] = field(default_factory=list)

    @property
    def name(self) -> Optional[str]:
        return self.node.name.value if self.node is not None else None

    def parameter_names(self) -> List[str]:
        if self.node is None:
            return []
        params = self.node.params
        return [p.name.value for p in (*params.posonly_params, *params.params)]


@dataclass(eq=False)
class Loop:
    node: cst.CSTNode  # cst.For or cst.While
    where: Where
    function: Function
    parent: Optional["Loop"]
    children: List["Loop"] = field(default_factory=list)
    events: List["Event"] = field(default_factory=list)  # events whose innermost loop this is
    closures: List[Function] = field(default_factory=list)  # functions defined in its body

    def subtree(self) -> Iterator["Loop"]:
        yield self
        for child in self.children:
            yield from child.subtree()


@dataclass(eq=False)
class Event:
    kind: str
    node: cst.CSTNode
    where: Where
    function: Function
    loop: Optional[Loop]
    receiver: Optional[cst.BaseExpression]  # the object the method is called on, or the callee
    no_grad: bool
    in_comprehension: bool

    def loops(self) -> Iterator["Loop"]:
        """The loops of its function around it, innermost first."""
        loop = self.loop
        while loop is not None:
            yield loop
            loop = loop.parent


class Reached(NamedTuple):
    """An event a loop runs, and the call in the loop that reached it (None: in the loop itself)."""

    event: Event
    via: Optional[Event]


class _Frame(NamedTuple):
    scope: Scope
    order: int
    function: Function
    loop: Optional[Loop]
    no_grad: bool
    in_comprehension: bool


class TrainingLoops:
    def __init__(self, module: cst.Module, index: ScopeIndex, resolver: NameResolver) -> None:
        self.index = index
        self.resolver = resolver
        self.module_function = Function(index.module_scope, None, None, False)
        self.functions: List[Function] = [self.module_function]
        self._by_scope: Dict[int, Function] = {id(index.module_scope): self.module_function}
        self._loops: Dict[int, Loop] = {}
        self._reached: Dict[int, List[Reached]] = {}
        self._switched: Optional[FrozenSet[str]] = None
        self._walk(module)

    # -- questions -------------------------------------------------------------------------

    def loop(self, node: cst.CSTNode) -> Optional[Loop]:
        return self._loops.get(id(node))

    def all_loops(self) -> Iterator[Loop]:
        for function in self.functions:
            for loop in function.loops:
                yield from loop.subtree()

    def function_of(self, scope: Scope) -> Optional[Function]:
        return self._by_scope.get(id(scope))

    def reached(self, loop: Loop) -> List[Reached]:
        """Every event the loop runs: its own, its nested loops', those of functions defined in
        it, and those of the functions of this module that it calls (one level deep)."""
        found = self._reached.get(id(loop))
        if found is None:
            found = [Reached(e, None) for e in self._own_events(loop)]
            helpers = set()
            for reached in list(found):
                helper = self.helper(reached.event)
                if helper is not None and id(helper) not in helpers:
                    helpers.add(id(helper))
                    found.extend(Reached(e, reached.event) for e in helper.events)
            self._reached[id(loop)] = found
        return found

    def in_looping_helper(self, reached: Reached) -> bool:
        """The event is in a helper with loops of its own (which its own loops answer for)."""
        return reached.via is not None and bool(reached.event.function.loops)

    def _own_events(self, loop: Loop) -> Iterator[Event]:
        for inner in loop.subtree():
            yield from inner.events
            for closure in inner.closures:
                yield from self._function_events(closure)

    def _function_events(self, function: Function) -> Iterator[Event]:
        yield from function.events
        for loop in function.loops:
            for inner in loop.subtree():
                for closure in inner.closures:
                    yield from self._function_events(closure)

    def helper(self, event: Event) -> Optional[Function]:
        """The function of this module a call event calls, if any."""
        if event.kind != CALL or not isinstance(event.node, cst.Call):
            return None
        scope = local_definition(event.node.func, event.where, DEF, self.index)
        return self._by_scope.get(id(scope)) if scope is not None else None

    def steps_optimizer(self, event: Event) -> bool:
        """`optimizer.step()`, `scaler.step(optimizer)`, `xm.optimizer_step(optimizer)`; not
        `scheduler.step()` or `env.step(action)`."""
        if event.kind != STEP:
            return False
        call = event.node
        if leaf(call.func) == "optimizer_step":
            return True
        names_to_check = [event.receiver]
        made = origin(Value(event.receiver, event.where))
        if isinstance(made.node, cst.Call):
            names = self.resolver.qualified_names(made.node.func, made.where)
            if any(n.startswith(torch.NOT_OPTIMIZERS) for n in names):
                return False
            if any(n.startswith(torch.OPTIMIZER_PREFIX) or n in torch.GRAD_SCALERS for n in names):
                return True
            names_to_check.append(made.node.func)  # `build_optimizer(...)`, `transformers.AdamW(...)`
        return any(_names_optimizer(expr) for expr in names_to_check)

    def at_call_site(self, reached: Reached, expr: Optional[cst.BaseExpression]) -> Optional[Value]:
        """`expr` as the loop sees it: a helper's parameter becomes the argument the loop's
        call passed for it (`validate(net)` makes the helper's `model` the loop's `net`)."""
        if expr is None:
            return None
        event, via = reached
        if via is None or not isinstance(expr, cst.Name) or not isinstance(via.node, cst.Call):
            return Value(expr, event.where)
        names = event.function.parameter_names()
        if expr.value not in names:
            return Value(expr, event.where)
        position = names.index(expr.value)
        if event.function.scope.self_name is not None:
            position -= 1  # `self.helper(net)` passes `self` implicitly
        passed = argument(via.node, Param(expr.value, position if position >= 0 else None))
        return Value(passed, via.where) if passed is not None else None

    def is_model(self, callee: cst.BaseExpression, where: Where) -> bool:
        """A call of `callee` runs a model: `self(x)` in an `nn.Module`, an object made by an
        `nn.Module` class or a model factory, something `.eval()`/`.train()` is called on
        in this module, or a name that says model (`model`, `net`, `encoder`, `G`). Classes,
        functions and imported names are not models: calling them builds one."""
        if isinstance(callee, cst.Attribute) and callee.attr.value in RUNNING_METHODS:
            callee = callee.value  # `model.forward(x)`, `self.predict(x)`
        if self.resolver.qualified_names(callee, where):
            return False
        if isinstance(callee, cst.Name) and any(
            b.kind in (CLASS, DEF) for b in visible_bindings(callee.value, where)
        ):
            return False
        if isinstance(callee, cst.Name) and callee.value in self._mode_switched():
            return True
        key = model_key(callee)
        if key is None:
            return False
        if key in self._mode_switched():
            return True
        method = where.scope.enclosing_method()
        if method is not None and key == method.self_name:
            return self._is_module_class(method.class_scope)
        made = origin(Value(callee, where))
        if isinstance(made.node, cst.Call):
            names = self.resolver.qualified_names(made.node.func, made.where)
            if any(n.startswith(torch.MODEL_FACTORY_PREFIXES) for n in names):
                return True
            if any(n.startswith("torch.nn.") and n.rsplit(".", 1)[-1][:1].isupper() for n in names):
                return not any(n.endswith(torch.LOSS_MODULE_SUFFIX) for n in names)
            owner = local_definition(made.node.func, made.where, CLASS, self.index)
            if owner is not None:
                return self._is_module_class(owner)
        last = key.rsplit(".", 1)[-1]
        return bool(MODEL_NAME.search(last)) and not _CRITERION_NAME.search(last)

    def _mode_switched(self) -> FrozenSet[str]:
        """The dotted names `.train()`/`.eval()` is called on anywhere in the module."""
        if self._switched is None:
            self._switched = frozenset(
                key for function in self.functions for event in function.events
                if event.kind in (TRAIN, EVAL) and (key := model_key(event.receiver)) is not None
            )
        return self._switched

    def is_module_instance(self, expr: cst.BaseExpression, where: Where) -> bool:
        """`expr` is known to hold an `nn.Module`: it was made by a `torch.nn` class, a
        torchvision/timm model factory, or a class of this module that derives from
        `nn.Module` (directly or through another class of this module). Unlike `is_model`,
        no name or `forward` method counts as evidence. With several assignments, each must
        make a module, except that wrapping the name itself (`if multi_gpu: model =
        nn.DataParallel(model)`) proves that its other value is a module too."""
        values = assignments(expr, where)
        if len(values) > 1:
            return any(self._wraps(value, expr) for value in values) or all(
                self._makes_module(origin(value)) for value in values
            )
        return self._makes_module(origin(Value(expr, where)))

    def _wraps(self, value: Value, expr: cst.BaseExpression) -> bool:
        """`value` is a `torch.nn` wrapper module of `expr` itself (DataParallel, DDP)."""
        node = value.node
        if not (isinstance(node, cst.Call) and node.args):
            return False
        names = self.resolver.qualified_names(node.func, value.where)
        return bool(names & torch.MODULE_WRAPPERS) and dotted_name(node.args[0].value) == dotted_name(expr)

    def _makes_module(self, made: Value) -> bool:
        node = made.node
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and (
            node.func.attr.value in torch.SAME_MODULE_METHODS or node.func.attr.value in ("train", "eval")
        ):
            node = node.func.value
        if not isinstance(node, cst.Call):
            return False
        names = self.resolver.qualified_names(node.func, made.where)
        if any(n.startswith(torch.MODULE_FACTORY_PREFIXES) for n in names):
            return True
        if any(_is_torch_nn_class(n) for n in names):
            return True
        owner = local_definition(node.func, made.where, CLASS, self.index)
        return owner is not None and self._is_module_class(owner, by_forward=False)

    def _is_module_class(self, class_scope: Scope, depth: int = 0, by_forward: bool = True) -> bool:
        """A class of this module that derives from an `nn.Module`, directly or through a base
        class of this module; `by_forward` also counts any class that defines `forward`."""
        if by_forward and "forward" in class_scope.bindings:
            return True
        node = class_scope.node
        if not isinstance(node, cst.ClassDef) or depth > 8:
            return False
        where = Where(class_scope.parent or self.index.module_scope, self.index.order_of.get(id(node), 0))
        for base in node.bases:
            names = self.resolver.qualified_names(base.value, where)
            if names & torch.MODULE_BASES or any(n.startswith("torch.nn.") for n in names):
                return True
            local_base = local_definition(base.value, where, CLASS, self.index)
            if local_base is not None and self._is_module_class(local_base, depth + 1, by_forward):
                return True
        return False

    # -- the walk --------------------------------------------------------------------------

    def _walk(self, module: cst.Module) -> None:
        order_of = self.index.order_of
        root = _Frame(self.index.module_scope, 0, self.module_function, None, False, False)
        work: List[Tuple[cst.CSTNode, _Frame]] = [(module, root)]
        no_overrides: Dict[int, _Frame] = {}
        while work:
            node, frame = work.pop()
            if type(node) in STATEMENT_TYPES:
                order = order_of.get(id(node))
                if order is not None:
                    frame = frame._replace(order=order)
            overrides = no_overrides
            if type(node) in _NOTED:
                overrides = {}
                frame = self._note(node, frame, overrides)
            for kid in reversed(children(node)):
                work.append((kid, overrides.get(id(kid), frame)))

    def _note(self, node: cst.CSTNode, frame: _Frame, overrides: Dict[int, _Frame]) -> _Frame:
        """Record what `node` tells and set its children's frames; return its own frame."""
        where = Where(frame.scope, frame.order)
        if isinstance(node, cst.FunctionDef):
            scope = self.index.scope_of(node) or frame.scope
            no_grad = frame.no_grad or any(self._is_no_grad(d.decorator, where) for d in node.decorators)
            function = Function(scope, node, frame.loop, no_grad)
            self.functions.append(function)
            self._by_scope[id(scope)] = function
            if frame.loop is not None:
                frame.loop.closures.append(function)
            for decorator in node.decorators:
                overrides[id(decorator)] = frame
            return _Frame(scope, 0, function, None, no_grad, False)
        if isinstance(node, cst.ClassDef):
            return frame._replace(scope=self.index.scope_of(node) or frame.scope, loop=None, in_comprehension=False)
        if isinstance(node, cst.Lambda) or isinstance(node, _COMPREHENSIONS):
            scope = expression_scope(node, frame.scope) or frame.scope
            return frame._replace(scope=scope, in_comprehension=frame.in_comprehension or not isinstance(node, cst.Lambda))
        if isinstance(node, (cst.For, cst.While)):
            loop = Loop(node, where, frame.function, frame.loop)
            self._loops[id(node)] = loop
            (frame.loop.children if frame.loop is not None else frame.function.loops).append(loop)
            inside = frame._replace(loop=loop)
            overrides[id(node.body)] = inside
            if isinstance(node, cst.While):
                overrides[id(node.test)] = inside
            return frame
        if isinstance(node, cst.With):
            grad_off = frame.no_grad
            for item in node.items:
                switch = self._grad_switch(item.item, where)
                if switch is not None:
                    grad_off = switch
            overrides[id(node.body)] = frame._replace(no_grad=grad_off)
            return frame
        if isinstance(node, cst.Assign):
            for target in node.targets:
                if isinstance(target.target, cst.Attribute) and target.target.attr.value == "grad":
                    self._add(ZERO_GRAD, node, target.target.value, frame, where)
            if len(node.targets) == 1:
                self._add(ASSIGN, node, node.targets[0].target, frame, where)
            return frame
        if isinstance(node, cst.AugAssign):
            self._add(ASSIGN, node, node.target, frame, where)
            return frame
        self._note_call(node, frame, where)
        return frame

    def _note_call(self, node: cst.Call, frame: _Frame, where: Where) -> None:
        func = node.func
        name = leaf(func)
        receiver = func.value if isinstance(func, cst.Attribute) else None
        if name in ("backward", "manual_backward"):
            if self.resolver.qualified_names(func, where) & torch.CONTEXT_BACKWARD:
                self._add(GRAD, node, receiver, frame, where)
                return
            if backward_target(node, where, self.resolver) is not None or name == "manual_backward":
                self._add(BACKWARD, node, receiver, frame, where)
                return
        elif name == "zero_grad" or (name == "zero_" and _is_grad(receiver)):
            self._add(ZERO_GRAD, node, receiver, frame, where)
            return
        elif name in ("step", "optimizer_step") and receiver is not None:
            self._add(STEP, node, receiver, frame, where)
            return
        elif name == "train" and receiver is not None:
            self._add(EVAL if _is_false(node.args[0].value if node.args else None) else TRAIN,
                      node, receiver, frame, where)
            return
        elif name == "eval" and receiver is not None and not node.args:
            self._add(EVAL, node, receiver, frame, where)
            return
        elif name == "grad" and self.resolver.qualified_names(func, where) & torch.AUTOGRAD_GRAD:
            self._add(GRAD, node, receiver, frame, where)
            return
        elif name == "set_grad_enabled" and self.resolver.qualified_names(func, where) & torch.SET_GRAD_ENABLED:
            if not _is_true(node.args[0].value if node.args else None):
                frame.function.disables_grad = True
        self._add(CALL, node, func, frame, where)

    def _add(self, kind: str, node: cst.CSTNode, receiver: Optional[cst.BaseExpression],
             frame: _Frame, where: Where) -> None:
        event = Event(kind, node, where, frame.function, frame.loop, receiver, frame.no_grad, frame.in_comprehension)
        frame.function.events.append(event)
        if frame.loop is not None:
            frame.loop.events.append(event)

    def _is_no_grad(self, expr: cst.BaseExpression, where: Where) -> bool:
        if isinstance(expr, cst.Call):
            expr = expr.func
        return bool(self.resolver.qualified_names(expr, where) & torch.NO_GRAD)

    def _grad_switch(self, expr: cst.BaseExpression, where: Where) -> Optional[bool]:
        """True when the context manager turns autograd off, False when it turns it on, None
        when it does neither. `set_grad_enabled(is_train)` counts as off: the code manages it."""
        func = expr.func if isinstance(expr, cst.Call) else expr
        names = self.resolver.qualified_names(func, where)
        if names & torch.NO_GRAD:
            return True
        if names & torch.ENABLE_GRAD:
            return False
        if names & torch.SET_GRAD_ENABLED and isinstance(expr, cst.Call):
            return not _is_true(expr.args[0].value if expr.args else None)
        return None


def _names_optimizer(expr: cst.BaseExpression) -> bool:
    """`optimizer`, `opt_G`, `self.optim`, `make_optimizer`, `scaler`; not `scheduler`."""
    name = dotted_name(expr)
    if name is None:
        return False
    last = name.rsplit(".", 1)[-1]
    return bool(_OPTIMIZER_NAME.search(last)) and not _SCHEDULER_NAME.search(last)


def _is_torch_nn_class(name: str) -> bool:
    """`torch.nn.Linear`, `torch.nn.parallel.DistributedDataParallel`; not `torch.nn.Parameter`
    or anything in `torch.nn.functional`, `torch.nn.init` and `torch.nn.utils`."""
    if not name.startswith("torch.nn.") or name.startswith(torch.NOT_MODULE_PREFIXES):
        return False
    last = name.rsplit(".", 1)[-1]
    return last[:1].isupper() and last not in torch.NOT_MODULE_CLASSES


def model_key(expr: Optional[cst.BaseExpression]) -> Optional[str]:
    """The model a `.train()`/`.eval()` is called on, as a dotted name: `model` for
    `model.to(device).train()` and `model.module.eval()`."""
    while True:
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in torch.SAME_MODULE_METHODS:
            expr = expr.func.value
        elif isinstance(expr, cst.Attribute) and expr.attr.value == "module":
            expr = expr.value
        else:
            break
    return dotted_name(expr) if expr is not None else None


def _is_false(expr: Optional[cst.BaseExpression]) -> bool:
    """`train(False)` is `eval()`; `train(is_training)` may restore training mode."""
    return isinstance(expr, cst.Name) and expr.value == "False"


def _is_true(expr: Optional[cst.BaseExpression]) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def _is_grad(expr: Optional[cst.BaseExpression]) -> bool:
    """`p.grad` or `p.grad.data`."""
    if isinstance(expr, cst.Attribute) and expr.attr.value == "data":
        expr = expr.value
    return isinstance(expr, cst.Attribute) and expr.attr.value == "grad"


def training_loops(ctx: "FileContext") -> Optional[TrainingLoops]:
    """The module's training-loop facts, computed once; None when it imports nothing of the
    PyTorch ecosystem."""
    facts = ctx.memo.get("training_loops", False)
    if facts is False:
        uses_torch = bool(ctx.imported_roots & torch.ECOSYSTEM_ROOTS)
        facts = TrainingLoops(ctx.module, ctx.index, ctx.resolver) if uses_torch else None
        ctx.memo["training_loops"] = facts
    return facts
