"""NN501: a training loop that steps an optimizer but never clears the gradients."""

from __future__ import annotations

from typing import List

import libcst as cst

from nnlint.analysis.training_loops import BACKWARD, ZERO_GRAD, Loop, TrainingLoops, training_loops
from nnlint.rule import Rule, Severity


class MissingZeroGrad(Rule):
    code = "NN501"
    name = "missing-zero-grad"
    severity = Severity.ERROR
    summary = "A training loop that never calls `zero_grad()` adds up the gradients of every step."

    what_it_does = (
        "Finds a PyTorch loop that calls `.backward()` and an optimizer's `step()` (also "
        "`scaler.step(optimizer)`, a step in a helper function or an LBFGS closure) but never "
        "clears the gradients in the loop: no `zero_grad()` on an optimizer or a model, no "
        "`p.grad.zero_()` and no `p.grad = None`. It reports the innermost such loop, at its header."
    )
    why_bad = (
        "`.backward()` adds to `.grad`; it does not overwrite it. Without clearing, each step "
        "applies the sum of all gradients so far, so the effective step grows with every "
        "iteration until the loss diverges (or, with momentum, much sooner)."
    )
    stays_silent = (
        "- Gradient accumulation: `zero_grad()` under an `if` in the loop "
        "(`if (i + 1) % accum == 0:`), or anywhere else in the loop.\n"
        "- A `zero_grad()` in a helper function the loop calls.\n"
        "- A loop that only calls `.backward()`, with the step after it (a full-batch "
        "gradient summed over mini-batches).\n"
        "- `scheduler.step()` and `env.step(action)`, which are not optimizer steps."
    )
    example = (
        "import torch\n\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n"
        "for x, y in loader:\n"
        "    loss = criterion(model(x), y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
    )
    use_instead = (
        "import torch\n\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n"
        "for x, y in loader:\n"
        "    optimizer.zero_grad()\n"
        "    loss = criterion(model(x), y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
    )
    known_problems = (
        "Gradients cleared by code this module does not show (a callback, a function in "
        "another module) are not seen; such loops are reported."
    )

    def leave_Module(self, node: cst.Module) -> None:
        facts = training_loops(self.ctx)
        if facts is None:
            return
        unclean = [loop for loop in facts.all_loops() if _steps_without_clearing(facts, loop)]
        flagged = {id(loop) for loop in unclean}
        for loop in unclean:
            if any(id(child) in flagged for child in _descendants(loop)):
                continue  # the inner loop is the one reported
            header = loop.node.iter if isinstance(loop.node, cst.For) else loop.node.test
            self.report(header, (
                "This loop calls `backward()` and `step()` but never `zero_grad()`, so gradients "
                "add up across iterations; call `optimizer.zero_grad()` before `backward()`."
            ), statement=loop.where.order)


def _steps_without_clearing(facts: TrainingLoops, loop: Loop) -> bool:
    backward = step = False
    for reached in facts.reached(loop):
        event = reached.event
        if event.kind == ZERO_GRAD:
            return False  # also in a helper with loops of its own: precision first
        if facts.in_looping_helper(reached):
            continue  # that helper's loops are reported themselves
        backward = backward or event.kind == BACKWARD
        step = step or facts.steps_optimizer(event)
    return backward and step


def _descendants(loop: Loop) -> List[Loop]:
    return [inner for inner in loop.subtree() if inner is not loop]
