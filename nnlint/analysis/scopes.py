"""Scopes and the names they bind, built by one walk over the statements of a module.

Name resolution and dataflow need to know, for every scope, which names it binds and how
(import, assignment, parameter, loop target ...) and in which order. All of that lives in
statements, so this pass never descends into expressions, which keeps it a small fraction of
the parse. Lambdas and comprehensions, whose bindings live inside expressions, get their scopes
from the engine's traversal when it reaches them (`expression_scope`).

Each statement gets a sequence number (`order`); a binding is visible to a use in the same scope
when its order is smaller, which gives "the last assignment before this line" semantics.
"""

from __future__ import annotations

from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import libcst as cst

from nnlint.frameworks.spelling import canonical

# Binding kinds.
IMPORT = "import"
ASSIGN = "assign"  # a value we can follow (`x = expr`, `x: T = expr`, tuple element)
REBIND = "rebind"  # bound to a value we cannot follow (augmented, unpacked from a call, ...)
PARAM = "param"
DEF = "def"
CLASS = "class"
LOOP = "loop"
WITH = "with"  # `with expr as name`: value is the context manager expression

MODULE = "module"
CLASS_SCOPE = "class"
FUNCTION = "function"
LAMBDA = "lambda"
COMPREHENSION = "comprehension"

VISIBLE_EVERYWHERE = -1


class Binding:
    __slots__ = ("name", "kind", "order", "scope", "value", "qualified", "node")

    def __init__(
        self,
        name: str,
        kind: str,
        order: int,
        scope: "Scope",
        value: Optional[cst.BaseExpression] = None,
        qualified: Tuple[str, ...] = (),
        node: Optional[cst.CSTNode] = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.order = order
        self.scope = scope
        self.value = value
        self.qualified = qualified
        self.node = node

    def __repr__(self) -> str:
        return f"Binding({self.name!r}, {self.kind}, order={self.order})"


class Scope:
    __slots__ = (
        "kind",
        "parent",
        "node",
        "bindings",
        "star_imports",
        "global_names",
        "self_name",
        "class_scope",
        "self_attributes",
        "returns",
    )

    def __init__(self, kind: str, parent: Optional["Scope"], node: Optional[cst.CSTNode]) -> None:
        self.kind = kind
        self.parent = parent
        self.node = node
        self.bindings: Dict[str, List[Binding]] = {}
        self.star_imports: List[str] = []
        self.global_names: set = set()
        # Methods: the name of the instance parameter and the class scope it belongs to.
        self.self_name: Optional[str] = None
        self.class_scope: Optional["Scope"] = None
        # Class scopes: `self.<attr> = value` assignments made in any of its methods.
        self.self_attributes: Dict[str, List[Binding]] = {}
        # Function scopes: the values of their `return` statements.
        self.returns: List[Binding] = []

    def enclosing_method(self) -> Optional["Scope"]:
        """The method this scope is in (itself, or the function around a lambda or
        comprehension), if that function is defined directly in a class."""
        scope: Optional[Scope] = self
        while scope is not None and scope.kind != FUNCTION:
            scope = scope.parent
        return scope if scope is not None and scope.class_scope is not None else None

    def bind(self, binding: Binding) -> None:
        self.bindings.setdefault(binding.name, []).append(binding)

    def __repr__(self) -> str:
        return f"Scope({self.kind})"


class ScopeIndex:
    """The scopes of one module and the statement order numbers."""

    def __init__(
        self,
        module_scope: Scope,
        scopes: Dict[int, Scope],
        order_of: Dict[int, int],
        statements: List[cst.CSTNode],
    ):
        self.module_scope = module_scope
        self._scopes = scopes
        self.order_of = order_of
        # The statement with each order number (index 0 is the module).
        self.statements = statements

    def scope_of(self, node: cst.CSTNode) -> Optional[Scope]:
        """The scope a FunctionDef or ClassDef opens."""
        return self._scopes.get(id(node))

    def all_scopes(self) -> Iterator[Scope]:
        """The module scope and the scope of every function and class."""
        return iter(self._scopes.values())

    def import_aliases(self) -> Dict[str, str]:
        """Names imported under another name, mapped to the last component of the original:
        `{"TorchAdam": "Adam"}` for `from torch.optim import Adam as TorchAdam`."""
        aliases: Dict[str, str] = {}
        for scope in self._scopes.values():
            for name, bindings in scope.bindings.items():
                for binding in bindings:
                    for qualified in binding.qualified:
                        original = qualified.rsplit(".", 1)[-1]
                        if original != name:
                            aliases[name] = original
        return aliases

    def imported_roots(self) -> Iterator[str]:
        """Top-level package names imported anywhere in the module's statements."""
        seen = set()
        for scope in self._scopes.values():
            for bindings in scope.bindings.values():
                for binding in bindings:
                    for name in binding.qualified:
                        root = name.split(".", 1)[0]
                        if root not in seen:
                            seen.add(root)
                            yield root
            for star in scope.star_imports:
                root = star.split(".", 1)[0]
                if root not in seen:
                    seen.add(root)
                    yield root


def dotted_name(node: cst.CSTNode) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, None for anything else."""
    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _import_from_module(node: cst.ImportFrom) -> Optional[str]:
    if node.relative:
        return None
    return dotted_name(node.module) if node.module is not None else None


class _Builder:
    def __init__(self) -> None:
        self.order = 0
        self.order_of: Dict[int, int] = {}
        self.statements: List[cst.CSTNode] = []
        self.scopes: Dict[int, Scope] = {}

    def next_order(self, node: cst.CSTNode) -> int:
        self.order += 1
        self.order_of[id(node)] = self.order
        self.statements.append(node)
        return self.order

    # -- binding helpers -------------------------------------------------------------------

    def _target_scope(self, scope: Scope, name: str) -> Scope:
        if name in scope.global_names:
            while scope.parent is not None:
                scope = scope.parent
        return scope

    def bind(self, scope: Scope, name: str, kind: str, order: int, **extra) -> None:
        target = self._target_scope(scope, name)
        target.bind(Binding(name, kind, order, target, **extra))

    def bind_target(
        self,
        scope: Scope,
        target: cst.BaseExpression,
        value: Optional[cst.BaseExpression],
        order: int,
        kind: str = ASSIGN,
    ) -> None:
        """Bind every name in an assignment target, pairing tuple elements when possible."""
        if isinstance(target, cst.Name):
            if value is None or kind != ASSIGN:
                self.bind(scope, target.value, kind if kind != ASSIGN else REBIND, order, node=target)
            else:
                self.bind(scope, target.value, ASSIGN, order, value=value, node=target)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            values: Optional[Sequence[cst.BaseExpression]] = None
            if (
                isinstance(value, (cst.Tuple, cst.List))
                and len(value.elements) == len(elements)
                and not any(isinstance(e, cst.StarredElement) for e in value.elements)
                and not any(isinstance(e, cst.StarredElement) for e in target.elements)
            ):
                values = [e.value for e in value.elements]
            for i, element in enumerate(elements):
                self.bind_target(scope, element, values[i] if values else None, order, kind)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(scope, target.value, None, order, kind)
        elif isinstance(target, cst.Attribute):
            self.bind_self_attribute(scope, target, value, order)

    def bind_self_attribute(
        self, scope: Scope, target: cst.Attribute, value: Optional[cst.BaseExpression], order: int
    ) -> None:
        if (
            scope.self_name is not None
            and scope.class_scope is not None
            and isinstance(target.value, cst.Name)
            and target.value.value == scope.self_name
        ):
            attr = target.attr.value
            kind = ASSIGN if value is not None else REBIND
            scope.class_scope.self_attributes.setdefault(attr, []).append(
                Binding(attr, kind, order, scope, value=value, node=target)
            )

    # -- statements ------------------------------------------------------------------------

    def walk_block(self, scope: Scope, body: Iterable[cst.CSTNode]) -> None:
        for statement in body:
            self.walk_statement(scope, statement)

    def walk_body(self, scope: Scope, block: cst.BaseSuite) -> None:
        if isinstance(block, cst.IndentedBlock):
            self.walk_block(scope, block.body)
        elif isinstance(block, cst.SimpleStatementSuite):
            self.walk_block(scope, block.body)

    def walk_statement(self, scope: Scope, node: cst.CSTNode) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            self.walk_block(scope, node.body)
            return
        order = self.next_order(node)
        if isinstance(node, cst.Assign):
            for target in node.targets:
                self.bind_target(scope, target.target, node.value, order)
        elif isinstance(node, cst.AnnAssign):
            self.bind_target(scope, node.target, node.value, order)
        elif isinstance(node, cst.AugAssign):
            self.bind_target(scope, node.target, None, order, REBIND)
        elif isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name)
                if full is None:
                    continue
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.bind(scope, alias.asname.name.value, IMPORT, order,
                              qualified=(canonical(full),), node=alias)
                else:
                    root = full.split(".", 1)[0]
                    self.bind(scope, root, IMPORT, order, qualified=(root,), node=alias)
        elif isinstance(node, cst.ImportFrom):
            self.walk_import_from(scope, node, order)
        elif isinstance(node, cst.FunctionDef):
            self.bind(scope, node.name.value, DEF, order, node=node)
            self.walk_function(scope, node)
        elif isinstance(node, cst.ClassDef):
            self.bind(scope, node.name.value, CLASS, order, node=node)
            inner = Scope(CLASS_SCOPE, scope, node)
            self.scopes[id(node)] = inner
            self.walk_body(inner, node.body)
        elif isinstance(node, cst.For):
            self.bind_target(scope, node.target, None, order, LOOP)
            self.walk_body(scope, node.body)
            if node.orelse is not None:
                self.walk_body(scope, node.orelse.body)
        elif isinstance(node, cst.While):
            self.walk_body(scope, node.body)
            if node.orelse is not None:
                self.walk_body(scope, node.orelse.body)
        elif isinstance(node, cst.If):
            self.walk_body(scope, node.body)
            orelse = node.orelse
            if isinstance(orelse, cst.If):
                self.walk_statement(scope, orelse)
            elif orelse is not None:
                self.walk_body(scope, orelse.body)
        elif isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None:
                    name = item.asname.name
                    if isinstance(name, cst.Name):
                        self.bind(scope, name.value, WITH, order, value=item.item, node=name)
                    else:
                        self.bind_target(scope, name, None, order, REBIND)
            self.walk_body(scope, node.body)
        elif isinstance(node, (cst.Try, getattr(cst, "TryStar", cst.Try))):
            self.walk_body(scope, node.body)
            for handler in node.handlers:
                if handler.name is not None and isinstance(handler.name.name, cst.Name):
                    self.bind(scope, handler.name.name.value, REBIND, order)
                self.walk_body(scope, handler.body)
            if node.orelse is not None:
                self.walk_body(scope, node.orelse.body)
            if node.finalbody is not None:
                self.walk_body(scope, node.finalbody.body)
        elif isinstance(node, cst.Return):
            scope.returns.append(Binding("return", ASSIGN if node.value is not None else REBIND,
                                         order, scope, value=node.value, node=node))
        elif isinstance(node, cst.Global):
            scope.global_names.update(n.name.value for n in node.names)
        elif isinstance(node, getattr(cst, "Match", ())):
            for case in node.cases:
                self.walk_body(scope, case.body)

    def walk_import_from(self, scope: Scope, node: cst.ImportFrom, order: int) -> None:
        module = _import_from_module(node)
        if isinstance(node.names, cst.ImportStar):
            if module is not None:
                scope.star_imports.append(canonical(module))
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            name = alias.name.value
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            qualified = (canonical(f"{module}.{name}"),) if module is not None else ()
            self.bind(scope, local, IMPORT, order, qualified=qualified, node=alias)

    def walk_function(self, scope: Scope, node: cst.FunctionDef) -> None:
        inner = Scope(FUNCTION, scope, node)
        self.scopes[id(node)] = inner
        params = list(_parameters(node.params))
        for param in params:
            inner.bind(Binding(param.name.value, PARAM, VISIBLE_EVERYWHERE, inner, node=param))
        if scope.kind == CLASS_SCOPE and params and not _is_staticmethod(node):
            inner.self_name = params[0].name.value
            inner.class_scope = scope
        self.walk_body(inner, node.body)


def _parameters(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg
    yield from params.kwonly_params
    if params.star_kwarg is not None:
        yield params.star_kwarg


def _is_staticmethod(node: cst.FunctionDef) -> bool:
    return any(
        isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
        for d in node.decorators
    )


def build_scopes(module: cst.Module) -> ScopeIndex:
    builder = _Builder()
    module_scope = Scope(MODULE, None, module)
    builder.scopes[id(module)] = module_scope
    builder.walk_block(module_scope, module.body)
    return ScopeIndex(module_scope, builder.scopes, builder.order_of, [module] + builder.statements)


def expression_scope(node: cst.CSTNode, parent: Scope) -> Optional[Scope]:
    """The scope a lambda or comprehension opens, with its bindings visible everywhere in it."""
    if isinstance(node, cst.Lambda):
        scope = Scope(LAMBDA, parent, node)
        for param in _parameters(node.params):
            scope.bind(Binding(param.name.value, PARAM, VISIBLE_EVERYWHERE, scope, node=param))
        return scope
    if isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
        scope = Scope(COMPREHENSION, parent, node)
        comp: Optional[cst.CompFor] = node.for_in
        while comp is not None:
            _bind_loop_target(scope, comp.target)
            comp = comp.inner_for_in
        return scope
    return None


def _bind_loop_target(scope: Scope, target: cst.BaseExpression) -> None:
    if isinstance(target, cst.Name):
        scope.bind(Binding(target.value, LOOP, VISIBLE_EVERYWHERE, scope, node=target))
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _bind_loop_target(scope, element.value)
    elif isinstance(target, cst.StarredElement):
        _bind_loop_target(scope, target.value)
