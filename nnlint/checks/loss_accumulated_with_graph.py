"""NN205: the loss tensor itself added to a running total in a training loop."""

from __future__ import annotations

from typing import List, Optional, Set, Tuple

import libcst as cst

from nnlint.analysis.losses import backward_target, is_loss_call
from nnlint.analysis.scopes import dotted_name
from nnlint.rule import Applicability, NodeFix, Rule, Severity

# Methods whose call on a running total needs it to stay a tensor (then the fix detaches instead).
_TENSOR_METHODS = frozenset({"item", "backward", "detach", "cpu", "numpy", "to", "tolist"})


class _Loop:
    __slots__ = ("parent", "children", "backward_targets", "losses", "assigned", "candidates")

    def __init__(self, parent: Optional["_Loop"]) -> None:
        self.parent = parent
        self.children: List[_Loop] = []
        self.backward_targets: Set[str] = set()
        self.losses: Set[str] = set()  # names assigned a loss function's or criterion's result
        self.assigned: Set[str] = set()  # names (re)set in the loop other than by accumulating
        # (node to report, its statement, the running total, the accumulated expression)
        self.candidates: List[Tuple[cst.CSTNode, int, str, cst.BaseExpression]] = []
        if parent is not None:
            parent.children.append(self)

    def subtree(self):
        yield self
        for child in self.children:
            yield from child.subtree()

    def has_backward(self) -> bool:
        return any(loop.backward_targets for loop in self.subtree())


class _Function:
    __slots__ = ("loops", "tensor_uses", "current")

    def __init__(self) -> None:
        self.loops: List[_Loop] = []
        self.tensor_uses: Set[str] = set()
        self.current: Optional[_Loop] = None


class LossAccumulatedWithGraph(Rule):
    code = "NN205"
    name = "loss-accumulated-with-graph"
    severity = Severity.ERROR
    summary = "Adding the loss tensor to a running total keeps every step's autograd graph alive."

    what_it_does = (
        "In a PyTorch loop that calls `.backward()`, finds the loss tensor itself added to "
        "something that outlives the iteration: `total += loss`, `total = total + loss`, "
        "`losses.append(loss)`, also scaled (`avg += loss / n_batches`). The loss is the tensor "
        "`.backward()` is called on (also through `scaler.scale(loss)`), or the result of a "
        "loss function (`F.cross_entropy`, `F.mse_loss`, ...) or criterion "
        "(`criterion = nn.CrossEntropyLoss()`, or a callee named `criterion`/`loss_fn`)."
    )
    why_bad = (
        "A loss tensor references the autograd graph that produced it. Summing it into a "
        "total that lives across iterations (or keeping it in a list) keeps every iteration's "
        "graph, with all its saved activations, in memory: usage grows at every step until "
        "CUDA runs out of memory. It is the first cause listed in the PyTorch FAQ's "
        "memory section."
    )
    stays_silent = (
        "- `loss.item()`, `loss.detach()`, `float(loss)`, `loss.data`, `.cpu().numpy()`, "
        "`.tolist()`: no graph is kept.\n"
        "- A total that is itself backpropagated (`loss = 0; loss += criterion(...)`, then "
        "`loss.backward()`), and a total reset inside the loop, which lives only one step.\n"
        "- Loops that never call `.backward()` (evaluation loops)."
    )
    example = (
        "import torch\n\n"
        "total_loss = 0\n"
        "for x, y in loader:\n"
        "    optimizer.zero_grad()\n"
        "    loss = criterion(model(x), y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
        "    total_loss += loss\n"
    )
    use_instead = (
        "import torch\n\n"
        "total_loss = 0\n"
        "for x, y in loader:\n"
        "    optimizer.zero_grad()\n"
        "    loss = criterion(model(x), y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
        "    total_loss += loss.item()\n"
    )
    fix_safety = (
        "A safe fix adds `.item()` to the loss in the accumulated expression "
        "(`total += loss.item()`, `losses.append(loss.item())`). When the function later uses "
        "the total as a tensor (`total.item()`, `total.cpu()`, ...), the fix adds `.detach()` "
        "instead, which keeps it a tensor. The numbers added are the same either way."
    )
    known_problems = (
        "Losses are recognised by name through local assignments only: a loss returned by a "
        "helper function and accumulated under another name is not followed."
    )

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        self._functions: List[_Function] = [_Function()]

    # -- collection ------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(_Function())

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._evaluate(self._functions.pop())

    def leave_Module(self, node: cst.Module) -> None:
        self._evaluate(self._functions[0])

    def visit_For(self, node: cst.For) -> None:
        self._enter_loop()

    def leave_For(self, node: cst.For) -> None:
        self._leave_loop()

    def visit_While(self, node: cst.While) -> None:
        self._enter_loop()

    def leave_While(self, node: cst.While) -> None:
        self._leave_loop()

    def _enter_loop(self) -> None:
        function = self._functions[-1]
        loop = _Loop(function.current)
        if function.current is None:
            function.loops.append(loop)
        function.current = loop

    def _leave_loop(self) -> None:
        function = self._functions[-1]
        function.current = function.current.parent

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.uses_torch:
            return
        function = self._functions[-1]
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _TENSOR_METHODS:
            receiver = dotted_name(func.value)
            if receiver is not None:
                function.tensor_uses.add(receiver)
        loop = function.current
        if loop is None:
            return
        target = backward_target(node, self.ctx.here(), self.ctx.resolver)
        if target is not None:
            loop.backward_targets.add(dotted_name(target) or "")
        elif isinstance(func, cst.Attribute) and func.attr.value == "append" and len(node.args) == 1:
            receiver = dotted_name(func.value)
            if receiver is not None:
                loop.candidates.append((node, self.ctx.order, receiver, node.args[0].value))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        loop = self._functions[-1].current
        total = dotted_name(node.target)
        if loop is not None and total is not None and isinstance(node.operator, cst.AddAssign):
            loop.candidates.append((node, self.ctx.order, total, node.value))

    def visit_Assign(self, node: cst.Assign) -> None:
        loop = self._functions[-1].current
        if loop is None or len(node.targets) != 1:
            return
        target = node.targets[0].target
        name = dotted_name(target)
        if name is None:
            return
        value = node.value
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
            for own, other in ((value.left, value.right), (value.right, value.left)):
                if own.deep_equals(target):
                    loop.candidates.append((node, self.ctx.order, name, other))
                    return
        loop.assigned.add(name)
        if isinstance(value, cst.Call) and self.ctx.uses_torch and is_loss_call(
            value, self.ctx.here(), self.ctx.resolver
        ):
            loop.losses.add(name)

    # -- decision --------------------------------------------------------------------------

    def _evaluate(self, function: _Function) -> None:
        for outer in function.loops:
            for loop in outer.subtree():
                for reported, order, total, expr in loop.candidates:
                    self._check(reported, order, total, expr, loop, function)

    def _check(
        self, reported: cst.CSTNode, order: int, total: str, expr: cst.BaseExpression, loop: _Loop,
        function: _Function,
    ) -> None:
        training = loop
        while training is not None and not training.has_backward():
            training = training.parent
        if training is None:
            return
        loops = list(training.subtree())
        targets = {t for inner in loops for t in inner.backward_targets}
        if total in targets or any(total in inner.assigned for inner in loops):
            return  # the total is the loss being built, or it lives one iteration
        losses = targets | {name for inner in loops for name in inner.losses}
        carried = _loss_operands(expr, losses)
        if not carried:
            return
        method = "detach" if total in function.tensor_uses else "item"
        shown = self.ctx.code_for(carried[0])
        fix = NodeFix(
            Applicability.SAFE,
            f"Add `.{method}()` to the accumulated loss",
            tuple((node, f"{self.ctx.code_for(node)}.{method}()") for node in carried),
        )
        self.report(
            reported,
            f"`{shown}` still holds its autograd graph, so keeping it in `{total}` keeps every "
            f"step's graph in memory; accumulate `{shown}.{method}()` instead.",
            fix,
            statement=order,
        )


def _loss_operands(expr: cst.BaseExpression, losses: Set[str]) -> List[cst.BaseExpression]:
    """The loss names `expr` adds up, through `+ - * /` and unary minus only (a call such as
    `loss.item()` or `float(loss)` returns no graph)."""
    if isinstance(expr, (cst.Name, cst.Attribute)):
        return [expr] if dotted_name(expr) in losses else []
    if isinstance(expr, cst.BinaryOperation):
        return _loss_operands(expr.left, losses) + _loss_operands(expr.right, losses)
    if isinstance(expr, cst.UnaryOperation):
        return _loss_operands(expr.expression, losses)
    return []
