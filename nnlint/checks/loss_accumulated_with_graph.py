"""NN205: the loss tensor itself added to a running total in a training loop."""

from __future__ import annotations

from typing import Dict, List, Set, Tuple

import libcst as cst

from nnlint.analysis.losses import backward_target, is_loss_call
from nnlint.analysis.scopes import dotted_name
from nnlint.analysis.training_loops import ASSIGN, BACKWARD, CALL, Event, Function, Loop, training_loops
from nnlint.rule import Applicability, NodeFix, Rule, Severity

# Methods whose call on a running total needs it to stay a tensor (then the fix detaches instead).
_TENSOR_METHODS = frozenset({"item", "backward", "detach", "cpu", "numpy", "to", "tolist"})


class _LoopFacts:
    """What NN205 reads off one loop's own events (not those of its nested loops)."""

    __slots__ = ("backward_targets", "losses", "assigned", "candidates")

    def __init__(self) -> None:
        self.backward_targets: Set[str] = set()
        self.losses: Set[str] = set()  # names assigned a loss function's or criterion's result
        self.assigned: Set[str] = set()  # names (re)set in the loop other than by accumulating
        # (node to report, its statement, the running total, the accumulated expression)
        self.candidates: List[Tuple[cst.CSTNode, int, str, cst.BaseExpression]] = []


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

    def leave_Module(self, node: cst.Module) -> None:
        facts = training_loops(self.ctx)
        if facts is None:
            return
        for function in facts.functions:
            if not function.loops:
                continue
            loops = {id(loop): self._loop_facts(loop) for outer in function.loops for loop in outer.subtree()}
            tensor_uses = _tensor_uses(function)
            for outer in function.loops:
                for loop in outer.subtree():
                    for reported, order, total, expr in loops[id(loop)].candidates:
                        self._check(reported, order, total, expr, loop, loops, tensor_uses)

    def _loop_facts(self, loop: Loop) -> _LoopFacts:
        found = _LoopFacts()
        for event in loop.events:
            if event.kind == BACKWARD:
                target = backward_target(event.node, event.where, self.ctx.resolver)
                found.backward_targets.add((dotted_name(target) if target is not None else None) or "")
            elif event.kind == ASSIGN:
                self._note_assignment(event, found)
            elif event.kind == CALL and _is_append(event.node):
                receiver = dotted_name(event.node.func.value)
                if receiver is not None:
                    found.candidates.append((event.node, event.where.order, receiver, event.node.args[0].value))
        return found

    def _note_assignment(self, event: Event, found: _LoopFacts) -> None:
        node, order = event.node, event.where.order
        name = dotted_name(event.receiver)
        if name is None:
            return
        if isinstance(node, cst.AugAssign):
            if isinstance(node.operator, cst.AddAssign):
                found.candidates.append((node, order, name, node.value))
            return
        value = node.value
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
            for own, other in ((value.left, value.right), (value.right, value.left)):
                if own.deep_equals(event.receiver):
                    found.candidates.append((node, order, name, other))
                    return
        found.assigned.add(name)
        if isinstance(value, cst.Call) and is_loss_call(value, event.where, self.ctx.resolver):
            found.losses.add(name)

    def _check(
        self, reported: cst.CSTNode, order: int, total: str, expr: cst.BaseExpression, loop: Loop,
        facts: Dict[int, _LoopFacts], tensor_uses: Set[str],
    ) -> None:
        training = loop
        while training is not None and not any(facts[id(inner)].backward_targets for inner in training.subtree()):
            training = training.parent
        if training is None:
            return
        loops = [facts[id(inner)] for inner in training.subtree()]
        targets = {t for inner in loops for t in inner.backward_targets}
        if total in targets or any(total in inner.assigned for inner in loops):
            return  # the total is the loss being built, or it lives one iteration
        losses = targets | {name for inner in loops for name in inner.losses}
        carried = _loss_operands(expr, losses)
        if not carried:
            return
        method = "detach" if total in tensor_uses else "item"
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


def _is_append(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
        and node.func.attr.value == "append" and len(node.args) == 1


def _tensor_uses(function: Function) -> Set[str]:
    """Names the function calls tensor methods on (`total.item()`): a total used as a tensor."""
    uses: Set[str] = set()
    for event in function.events:
        func = event.node.func if isinstance(event.node, cst.Call) else None
        if isinstance(func, cst.Attribute) and func.attr.value in _TENSOR_METHODS:
            receiver = dotted_name(func.value)
            if receiver is not None:
                uses.add(receiver)
    return uses
