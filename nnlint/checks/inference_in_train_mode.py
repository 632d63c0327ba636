"""NN504: weights loaded for inference into a model that is still in training mode."""

from __future__ import annotations

import re
from typing import Dict, Iterator, List, Optional, Set, Tuple

import libcst as cst

from nnlint.analysis.dataflow import Value, origin
from nnlint.analysis.model_modes import mode_independent
from nnlint.analysis.names import INERT_BUILTINS, leaf
from nnlint.analysis.training_loops import (
    ASSIGN, BACKWARD, CALL, EVAL, GRAD, MODEL_NAME, TRAIN, Event, Function, TrainingLoops, model_key, training_loops,
)
from nnlint.frameworks import torch
from nnlint.rule import Rule, Severity

# Calls on a model that return it with its mode set.
_SETS_MODE = frozenset({"eval", "train", "from_pretrained"})
_SWITCHING_METHODS = frozenset({"freeze"})
_NOT_MODEL_CLASS = re.compile(r"loss|criterion|checkpoint|optim|sched|stopping|loader|dataset", re.IGNORECASE)


class InferenceInTrainMode(Rule):
    code = "NN504"
    name = "inference-in-train-mode"
    severity = Severity.WARNING
    summary = "A model that loads weights and predicts without `.eval()` predicts in training mode."

    what_it_does = (
        "Finds a script or function that loads weights into a model (`model.load_state_dict(...)`, "
        "or `model = torch.load(path)` of a whole model) and then calls the model, with no "
        "`.eval()` or `.train(...)` on it anywhere in that scope and no training there. It reports "
        "the first call of the model after the load."
    )
    why_bad = (
        "A freshly built or unpickled model is in training mode. Dropout keeps zeroing random "
        "activations and batch norm normalizes with the statistics of each inference batch "
        "instead of the running averages it learned, so predictions are noisy, depend on the "
        "batch they come in, and are worse than the validation numbers promised."
    )
    stays_silent = (
        "- `.eval()`, `.train(False)` or Lightning's `.freeze()` on the model anywhere in that "
        "scope, before or after the load, also chained (`torch.load(path).eval()`), on a module that contains it "
        "(`self.eval()` for `self.model`), or anywhere in the file for a model that is a global "
        "or a `self` attribute.\n"
        "- The model is trained in that scope (`backward()`, `autograd.grad`, an optimizer "
        "step): a resumed training run.\n"
        "- The model is a parameter of the function (the caller may have set its mode), or is "
        "passed to a function other than a torch one or a built-in (`evaluate(model, loader)`).\n"
        "- Models built with `from_pretrained(...)`, which start in evaluation mode, and models "
        "whose whole definition is in the file and has no layer that depends on the mode "
        "(no dropout, normalization, recurrent or attention layer, no use of `self.training`).\n"
        "- Loading and calling in different scopes (`__init__` loads, `predict` calls)."
    )
    example = (
        "import torch\n\n"
        "model = Classifier()\n"
        "model.load_state_dict(torch.load(\"classifier.pt\"))\n"
        "with torch.no_grad():\n"
        "    probabilities = model(images).softmax(dim=1)\n"
    )
    use_instead = (
        "import torch\n\n"
        "model = Classifier()\n"
        "model.load_state_dict(torch.load(\"classifier.pt\"))\n"
        "model.eval()\n"
        "with torch.no_grad():\n"
        "    probabilities = model(images).softmax(dim=1)\n"
    )
    known_problems = (
        "A model whose class is imported or unpickled is reported even when it has no dropout "
        "or normalization layer (its layers are not visible), and so is a model whose layers "
        "come from a helper function."
    )

    def leave_Module(self, node: cst.Module) -> None:
        facts = training_loops(self.ctx)
        if facts is None:
            return
        switched = _mode_switched_anywhere(facts)
        for function in facts.functions:
            for key, call in _calls_in_train_mode(facts, function, switched):
                self.report(call.node, (
                    f"`{key}` predicts after loading weights but is never put in evaluation "
                    f"mode, so dropout and batch norm act as in training; call `{key}.eval()` "
                    "after loading."
                ), statement=call.where.order)


def _mode_switched_anywhere(facts: TrainingLoops) -> Set[str]:
    return {
        key for function in facts.functions for event in function.events
        if (key := _switched_model(event)) is not None
    }


def _switched_model(event: Event) -> Optional[str]:
    """The model whose mode the event sets: `.eval()`, `.train(...)`, and Lightning's
    `.freeze()` (which calls `eval()`)."""
    if event.kind in (TRAIN, EVAL):
        return model_key(event.receiver)
    func = event.receiver
    if event.kind == CALL and isinstance(func, cst.Attribute) and func.attr.value in _SWITCHING_METHODS:
        return model_key(func.value)
    return None


def _calls_in_train_mode(
    facts: TrainingLoops, function: Function, switched: Set[str]
) -> Iterator[Tuple[str, Event]]:
    events = function.events
    if any(event.kind in (BACKWARD, GRAD) or facts.steps_optimizer(event) for event in events):
        return  # the model is trained here (also with `autograd.grad` or an LBFGS closure)
    loads = _loads(facts, function)
    if not loads:
        return
    parameters = set(function.parameter_names())
    local_switches = {key for event in events if (key := _switched_model(event)) is not None}
    for key, order in loads.items():
        root = key.split(".", 1)[0]
        if root in parameters and root != function.scope.self_name:
            continue
        keys = _prefixes(key)
        local = _bound_in(function, root)
        if keys & (local_switches if local else switched):
            continue
        constructions = function.events if local else [e for f in facts.functions for e in f.events]
        if _passed_on(facts, events, key) or _mode_set_at_construction(constructions, key):
            continue
        if _built_without_mode_dependent_layers(facts, key, constructions):
            continue
        call = next((e for e in events if e.kind == CALL and e.where.order > order and _runs(e, key)), None)
        if call is not None:
            yield key, call


def _loads(facts: TrainingLoops, function: Function) -> Dict[str, int]:
    """The models this function loads weights into, with the statement order of the first load."""
    loads: Dict[str, int] = {}
    for event in function.events:
        key: Optional[str] = None
        if event.kind == CALL and isinstance(event.receiver, cst.Attribute) and (
            event.receiver.attr.value == "load_state_dict"
        ):
            receiver = event.receiver.value
            if facts.is_model(receiver, event.where) or _built_by_model_class(receiver, event):
                key = model_key(receiver)  # not an optimizer, a scheduler or a training handler
        elif event.kind == ASSIGN and isinstance(event.node, cst.Assign) and _loads_whole_model(facts, event):
            key = model_key(event.receiver)
        if key is not None and key not in loads:
            loads[key] = event.where.order
    return loads


def _built_without_mode_dependent_layers(facts: TrainingLoops, key: str, events: List[Event]) -> bool:
    """The model's one construction shows all its layers and none behaves differently in
    training (`nn.Sequential(nn.Linear(...), nn.ReLU(), ...)`): `.eval()` would change nothing."""
    built = [
        Value(value, event.where)
        for event in events if event.kind == ASSIGN and isinstance(event.node, cst.Assign)
        for target, value in _pairs(event.node.targets[0].target, event.node.value)
        if model_key(target) == key
    ]
    return len(built) == 1 and mode_independent(built[0], facts.resolver, facts.index)


def _built_by_model_class(receiver: cst.BaseExpression, event: Event) -> bool:
    """`gen = Generator()`: the class name says model where the variable's name does not."""
    made = origin(Value(receiver, event.where))
    if not isinstance(made.node, cst.Call):
        return False
    name = leaf(made.node.func) or ""
    return bool(MODEL_NAME.search(name)) and not _NOT_MODEL_CLASS.search(name)


def _loads_whole_model(facts: TrainingLoops, event: Event) -> bool:
    """`model = torch.load(path)`, also `torch.load(path)["model"].to(device)`; not when the
    chain itself sets the mode (`torch.load(path).eval()`)."""
    value = event.node.value
    while True:
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
            method = value.func.attr.value
            if method in _SETS_MODE:
                return False
            if method not in torch.SAME_MODULE_METHODS:
                break
            value = value.func.value
        elif isinstance(value, cst.Subscript):
            value = value.value
        else:
            break
    return isinstance(value, cst.Call) and bool(
        facts.resolver.qualified_names(value.func, event.where) & torch.LOAD
    )


def _runs(event: Event, key: str) -> bool:
    """The call runs the model: `model(x)`, `model.module(x)`, `model.forward(x)`."""
    func = event.receiver
    if isinstance(func, cst.Attribute) and func.attr.value == "forward":
        func = func.value
    return isinstance(func, (cst.Name, cst.Attribute)) and model_key(func) == key


def _prefixes(key: str) -> Set[str]:
    """`self.net.encoder` is switched by `.eval()` on itself, `self.net` or `self`."""
    parts = key.split(".")
    return {".".join(parts[:n]) for n in range(1, len(parts) + 1)}


def _bound_in(function: Function, root: str) -> bool:
    return root in function.scope.bindings and root != function.scope.self_name


def _passed_on(facts: TrainingLoops, events: List[Event], key: str) -> bool:
    """The model goes to a function that may set its mode (torch's own functions do not)."""
    for event in events:
        if event.kind != CALL or not isinstance(event.node, cst.Call):
            continue
        if not any(model_key(arg.value) == key for arg in event.node.args):
            continue
        if isinstance(event.node.func, cst.Name) and event.node.func.value in INERT_BUILTINS:
            continue  # `print(model)`
        names = facts.resolver.qualified_names(event.node.func, event.where)
        if not any(name.startswith("torch.") for name in names):
            return True
    return False


def _mode_set_at_construction(events: List[Event], key: str) -> bool:
    """`model = Net().eval()`, `g, d = G().eval(), D().eval()` or
    `model = AutoModel.from_pretrained(name)`."""
    return any(
        model_key(target) == key and any(name in _SETS_MODE for name in _chain(value))
        for event in events if event.kind == ASSIGN and isinstance(event.node, cst.Assign)
        for target, value in _pairs(event.node.targets[0].target, event.node.value)
    )


def _pairs(target: cst.BaseExpression, value: cst.BaseExpression) -> Iterator[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    """Each name with the value it gets, also element by element in `a, b = x, y`."""
    if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
        if len(target.elements) == len(value.elements):
            for t, v in zip(target.elements, value.elements):
                yield from _pairs(t.value, v.value)
        return
    yield target, value


def _chain(expr: cst.BaseExpression) -> Iterator[str]:
    """The method names of a call chain, outermost first: `to`, `eval` for `Net().eval().to(d)`."""
    while isinstance(expr, (cst.Call, cst.Attribute, cst.Subscript)):
        if isinstance(expr, cst.Call):
            name = leaf(expr.func)
            if name is not None:
                yield name
            expr = expr.func.value if isinstance(expr.func, cst.Attribute) else expr.func
        else:
            expr = expr.value
