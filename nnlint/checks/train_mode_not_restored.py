"""NN502: validation switches the model to eval mode and training never switches it back."""

from __future__ import annotations

from typing import List, Optional, Set, Tuple

import libcst as cst

from nnlint.analysis.dataflow import assigned_value, origin
from nnlint.analysis.names import Where, leaf
from nnlint.analysis.training_loops import (
    BACKWARD,
    CALL,
    EVAL,
    TRAIN,
    Loop,
    Reached,
    TrainingLoops,
    model_key,
    training_loops,
)
from nnlint.analysis.tree import children
from nnlint.rule import Rule, Severity


# Assignments followed back from an optimizer's arguments to find the model's parameters.
_MAX_FOLLOWED = 8


class TrainModeNotRestored(Rule):
    code = "NN502"
    name = "train-mode-not-restored"
    severity = Severity.WARNING
    summary = "After `model.eval()` in the epoch loop, the model keeps training in eval mode."

    what_it_does = (
        "Finds a loop that both trains a model (`.backward()` and an optimizer `step()` on "
        "an optimizer built from that model's parameters) and calls `model.eval()` (directly "
        "or in a validation helper it calls), but never calls `model.train()` in the loop. "
        "Reported at the `eval()` call."
    )
    why_bad = (
        "`eval()` turns dropout off and makes batch-norm use its running statistics. Without "
        "`train()` at the start of each epoch, every epoch after the first validation trains "
        "in eval mode: no dropout regularization, and batch-norm statistics that never adapt. "
        "Accuracy plateaus early and nothing reports why."
    )
    stays_silent = (
        "- `model.train()` anywhere in the loop, also in a training helper it calls, and "
        "`model.train(is_training)` with a computed mode.\n"
        "- `eval()` on a frozen model that the loop's optimizer does not update (a feature "
        "extractor for a perceptual loss).\n"
        "- `eval()` after the training loop, for the final test."
    )
    example = (
        "import torch\n\n"
        "model.train()\n"
        "for epoch in range(epochs):\n"
        "    for x, y in train_loader:\n"
        "        optimizer.zero_grad()\n"
        "        criterion(model(x), y).backward()\n"
        "        optimizer.step()\n"
        "    model.eval()\n"
        "    with torch.no_grad():\n"
        "        validate(model, val_loader)\n"
    )
    use_instead = (
        "import torch\n\n"
        "for epoch in range(epochs):\n"
        "    model.train()\n"
        "    for x, y in train_loader:\n"
        "        optimizer.zero_grad()\n"
        "        criterion(model(x), y).backward()\n"
        "        optimizer.step()\n"
        "    model.eval()\n"
        "    with torch.no_grad():\n"
        "        validate(model, val_loader)\n"
    )
    known_problems = (
        "When the optimizer's construction is not visible, the model counts as trained when "
        "the loop calls it."
    )

    def leave_Module(self, node: cst.Module) -> None:
        facts = training_loops(self.ctx)
        if facts is None:
            return
        reported: Set[int] = set()
        for loop in facts.all_loops():
            eval_call = self._unrestored_eval(facts, loop)
            if eval_call is not None and id(eval_call.event.node) not in reported:
                reported.add(id(eval_call.event.node))
                key = _key(facts, eval_call)
                self.report(eval_call.event.node, (
                    f"`{key}.eval()` runs inside the training loop but `{key}.train()` is never "
                    f"called again in it, so later epochs train without dropout and with frozen "
                    f"batch-norm; call `{key}.train()` at the start of each epoch."
                ), statement=eval_call.event.where.order)

    def _unrestored_eval(self, facts: TrainingLoops, loop: Loop) -> Optional[Reached]:
        reached = facts.reached(loop)
        if not any(r.event.kind == BACKWARD for r in reached):
            return None
        steps = [r for r in reached if facts.steps_optimizer(r.event)]
        if not steps:
            return None
        restored = {_key(facts, r) for r in reached if r.event.kind == TRAIN}
        if None in restored:
            return None
        for candidate in reached:
            if candidate.event.kind != EVAL:
                continue
            key = _key(facts, candidate)
            if key is None or key in restored:
                continue
            if _trains(facts, key, steps, reached):
                return candidate
        return None


def _key(facts: TrainingLoops, reached: Reached) -> Optional[str]:
    value = facts.at_call_site(reached, reached.event.receiver)
    return model_key(value.node) if value is not None else None


def _trains(facts: TrainingLoops, key: str, steps: List[Reached], reached: List[Reached]) -> bool:
    """Some stepped optimizer updates the model `key`: it was built from `key.parameters()`
    (or from `key` itself, through a helper). An optimizer whose construction is not visible
    counts when the loop calls the model."""
    unknown = False
    for step in steps:
        value = facts.at_call_site(step, _optimizer(step.event.node, step.event.receiver))
        made = origin(value) if value is not None else None
        if made is None or not isinstance(made.node, cst.Call):
            unknown = True
        elif _mentions(made.node, key, made.where):
            return True
    return unknown and any(r.event.kind == CALL and model_key(r.event.receiver) == key for r in reached)


def _optimizer(call: cst.Call, receiver: cst.BaseExpression) -> cst.BaseExpression:
    """The optimizer a step call steps: the receiver, or the argument of `scaler.step(opt)`
    and `xm.optimizer_step(opt)`."""
    name = (model_key(receiver) or "").rsplit(".", 1)[-1].lower()
    if call.args and call.args[0].keyword is None and ("scaler" in name or leaf(call.func) == "optimizer_step"):
        return call.args[0].value
    return receiver


def _mentions(call: cst.Call, key: str, where: Where) -> bool:
    """`Adam(model.parameters())`, `SGD(list(model.fc.parameters()) + ...)`, `make_opt(model)`;
    for `self.model`, also `Adam(model.parameters())` in the `__init__` that stored it."""
    own = key.rsplit(".", 1)[-1]
    work: List[Tuple[cst.CSTNode, Where]] = [(arg.value, where) for arg in call.args]
    followed = 0
    while work:
        node, at = work.pop()
        if isinstance(node, (cst.Name, cst.Attribute)):
            name = model_key(node)
            if name is not None and (name == key or name.startswith(key + ".") or name.split(".")[0] == own):
                return True
            previous = assigned_value(node, at) if followed < _MAX_FOLLOWED else None
            if previous is not None:  # `params = [p for p in model.parameters() if ...]`
                followed += 1
                work.append((previous.node, previous.where))
        work.extend((child, at) for child in children(node))
    return False
