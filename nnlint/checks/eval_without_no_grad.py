"""NN503: an evaluation pass that runs the model with autograd still recording."""

from __future__ import annotations

import re
from typing import Iterable, List, Optional, Set

import libcst as cst

from nnlint.analysis.dataflow import assigned_value
from nnlint.analysis.names import Where
from nnlint.analysis.training_loops import (
    BACKWARD,
    MODEL_NAME,
    RUNNING_METHODS,
    CALL,
    EVAL,
    GRAD,
    TRAIN,
    Event,
    Function,
    TrainingLoops,
    model_key,
    training_loops,
)
from nnlint.rule import Rule, Severity

# The function names the catalog treats as evaluation code.
EVALUATION_FUNCTIONS = frozenset({"evaluate", "validate", "test", "predict", "inference"})
_GRADIENTS = (BACKWARD, GRAD)
_SHAPE_METHODS = frozenset({
    "squeeze", "unsqueeze", "view", "reshape", "flatten", "permute", "transpose", "contiguous",
    "float", "double", "half", "to",
})
# Calls that compute gradients inside a library (advertorch's `adversary.perturb`, torchattacks).
_ATTACK_NAME = re.compile(r"attack|perturb|adversar|fgsm|pgd", re.IGNORECASE)


class EvalWithoutNoGrad(Rule):
    code = "NN503"
    name = "eval-without-no-grad"
    severity = Severity.WARNING
    summary = "Evaluation without `torch.no_grad()` builds an autograd graph for every batch."

    what_it_does = (
        "Finds the first model call, with autograd on, in an evaluation function (named "
        "`evaluate`, `validate`, `test`, `predict` or `inference`) or in a loop that follows "
        "`model.eval()` in the same function, when that code never computes gradients "
        "(`.backward()`, `torch.autograd.grad`). A model is `self` in an `nn.Module`, an "
        "object built by an `nn.Module` class, a torchvision/timm/`torch.load` model, "
        "something `.eval()` or `.train()` is called on, or a name such as `model`, `net`, "
        "`encoder`."
    )
    why_bad = (
        "`model.eval()` changes dropout and batch-norm; it does not stop autograd. Every "
        "forward pass still records its graph and keeps the activations it needs for a "
        "backward pass that never comes. Validation then uses several times the memory of "
        "inference and is slower: it is the usual cause of an out-of-memory error that "
        "happens only during validation."
    )
    stays_silent = (
        "- Code under `with torch.no_grad():`, `torch.inference_mode()`, "
        "`torch.set_grad_enabled(False)` (or a computed mode), or in a function decorated with "
        "`@torch.no_grad()`/`@torch.inference_mode()`.\n"
        "- An evaluation function that some caller in the module calls under `no_grad`.\n"
        "- Code that computes gradients: adversarial evaluation, saliency maps, gradient penalties.\n"
        "- A function that returns the model's raw output (`def predict(self, x): return self.net(x)`) "
        "and does not call `.eval()`: its caller decides whether gradients are needed."
    )
    example = (
        "import torch\n\n"
        "def evaluate(model, loader):\n"
        "    model.eval()\n"
        "    correct = 0\n"
        "    for x, y in loader:\n"
        "        correct += (model(x).argmax(1) == y).sum().item()\n"
        "    return correct / len(loader.dataset)\n"
    )
    use_instead = (
        "import torch\n\n"
        "@torch.no_grad()\n"
        "def evaluate(model, loader):\n"
        "    model.eval()\n"
        "    correct = 0\n"
        "    for x, y in loader:\n"
        "        correct += (model(x).argmax(1) == y).sum().item()\n"
        "    return correct / len(loader.dataset)\n"
    )
    known_problems = (
        "Models are recognised by how they were made or named; a model stored under an unusual "
        "name and made in another module is not seen."
    )

    def leave_Module(self, node: cst.Module) -> None:
        facts = training_loops(self.ctx)
        if facts is None or facts.module_function.disables_grad:
            return  # `torch.set_grad_enabled(False)` at module level: the whole script
        guarded = _called_under_no_grad(facts)
        reported: Set[int] = set()
        for function in facts.functions:
            if function.no_grad or function.disables_grad or id(function) in guarded:
                continue
            if function.name in EVALUATION_FUNCTIONS:
                call = self._evaluation_function(facts, function)
                if call is not None:
                    reported.add(id(function))
                    self._report(call, f"`{function.name}()`")
                    continue
            for call in self._after_eval(facts, function):
                self._report(call, "after `.eval()`")

    def _report(self, call: Event, where: str) -> None:
        shown = self.ctx.code_for(call.node.func)
        self.report(call.node, (
            f"`{shown}(...)` runs {where} with autograd on, so every batch builds a graph that is "
            f"never used; wrap the evaluation in `with torch.no_grad():` or decorate it with "
            f"`@torch.no_grad()`."
        ), statement=call.where.order)

    def _evaluation_function(self, facts: TrainingLoops, function: Function) -> Optional[Event]:
        events = function.events
        if _computes_gradients(events):
            return None
        if not any(e.kind == EVAL for e in events) and _returns_model_output(facts, function):
            return None
        return next((e for e in events if _runs_model(facts, e)), None)

    def _after_eval(self, facts: TrainingLoops, function: Function) -> Iterable[Event]:
        """Per `model.eval()`, the first model call in a loop after it (before the model is
        switched back with `.train()`), when nothing in between computes gradients."""
        events = function.events
        for switch in events:
            if switch.kind != EVAL or switch.no_grad:
                continue
            key = model_key(switch.receiver)
            region = []
            for event in events:
                if event.where.order <= switch.where.order:
                    continue
                if event.kind == TRAIN and model_key(event.receiver) == key:
                    break
                region.append(event)
            if _computes_gradients(region):
                continue
            call = next((e for e in region if _in_loop_after(e, switch) and _calls_into(e, key)), None)
            if call is not None:
                yield call


def _computes_gradients(events: List[Event]) -> bool:
    """`.backward()`, `torch.autograd.grad`, or an attack library that calls them."""
    for event in events:
        if event.kind in _GRADIENTS:
            return True
        if event.kind == CALL and _ATTACK_NAME.search(_callee_name(event)):
            return True
    return False


def _callee_name(event: Event) -> str:
    node = event.node
    return (model_key(node.func) or "") if isinstance(node, cst.Call) else ""


def _in_loop_after(event: Event, switch: Event) -> bool:
    """The call iterates, in a loop (or comprehension) that starts after the `.eval()`, or in
    the `.eval()`'s own loop when that loop computes no gradients: code that follows `.eval()`
    inside the training loop itself is not an evaluation loop."""
    if event.in_comprehension or any(loop.where.order > switch.where.order for loop in event.loops()):
        return True
    # `for net in nets: net.eval(); net(test_x)`: a loop that only evaluates.
    return switch.loop is not None and switch.loop is event.loop and not any(
        e.kind in _GRADIENTS for inner in switch.loop.subtree() for e in inner.events
    )


def _calls_into(event: Event, key: Optional[str]) -> bool:
    """A call, with autograd on, of the model `key` itself, a submodule named like one
    (`model.encoder(x)`) or a method that runs it (`model.predict(x)`); not its other methods
    (`model.parameters()`, `self._get_last_yseq(...)`)."""
    if key is None or event.kind != CALL or event.no_grad:
        return False
    callee = model_key(event.receiver)
    if callee == key:
        return True
    if callee is None or not callee.startswith(key + "."):
        return False
    last = callee.rsplit(".", 1)[-1]
    return last in RUNNING_METHODS or bool(MODEL_NAME.search(last))


def _runs_model(facts: TrainingLoops, event: Event) -> bool:
    return event.kind == CALL and not event.no_grad and facts.is_model(event.receiver, event.where)


def _called_under_no_grad(facts: TrainingLoops) -> Set[int]:
    """Functions of this module that some call site runs under `no_grad`, and methods that
    their class's `forward` calls (`self.predict(...)`: part of the model, whose caller decides
    about gradients)."""
    guarded: Set[int] = set()
    for function in facts.functions:
        for event in function.events:
            if event.kind != CALL:
                continue
            helper = facts.helper(event)
            if helper is None:
                continue
            from_forward = function.name == "forward" and helper.scope.class_scope is function.scope.class_scope
            if event.no_grad or function.no_grad or function.disables_grad or from_forward:
                guarded.add(id(helper))
    return guarded


def _returns_model_output(facts: TrainingLoops, function: Function) -> bool:
    """`return self.net(x)`, `out = model(x); return out`, `return model(x), h`,
    `return self.fc(x).squeeze()`: a tensor that still has its graph, for the caller to use.
    In a method, any call of one of its own attributes (`self.cls_fc(x)`) counts: a module's
    `predict` runs its own layers."""
    method = function.scope if function.scope.class_scope is not None else None
    for binding in function.scope.returns:
        where = Where(binding.scope, binding.order)
        values = [binding.value] if binding.value is not None else []
        while values:
            value = values.pop()
            if isinstance(value, cst.Tuple):
                values.extend(e.value for e in value.elements)
                continue
            if isinstance(value, cst.Name):
                previous = assigned_value(value, where)
                value = previous.node if previous is not None else value
            while _is_shape_call(value):
                value = value.func.value
            if not isinstance(value, cst.Call):
                continue
            callee = value.func
            if method is not None and isinstance(callee, cst.Attribute) and isinstance(callee.value, cst.Name) \
                    and callee.value.value == method.self_name:
                return True
            if facts.is_model(callee, where):
                return True
    return False


def _is_shape_call(value: cst.BaseExpression) -> bool:
    """`t.squeeze()`, `t.view(-1)`: a method that keeps the tensor's graph."""
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
        and value.func.attr.value in _SHAPE_METHODS

