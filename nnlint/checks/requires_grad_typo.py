"""NN506: `p.require_grad = False` sets an attribute PyTorch never reads."""

from __future__ import annotations

from typing import List, Set, Tuple

import libcst as cst

from nnlint.rule import Applicability, NodeFix, Rule, Severity

# Misspellings of `requires_grad`; assigning one creates a new attribute and raises nothing.
TYPOS = frozenset({"require_grad", "requires_grads", "require_grads"})
_RECEIVERS_OF_OWN_SETTINGS = frozenset({"self", "cls"})
_READ, _ASSIGNED, _DELETED = "read", "assigned", "deleted"


class RequiresGradTypo(Rule):
    code = "NN506"
    name = "requires-grad-typo"
    severity = Severity.ERROR
    summary = "A misspelled `requires_grad` leaves the parameter it meant to freeze still training."

    what_it_does = (
        "Finds assignments to `.require_grad`, `.requires_grads` or `.require_grads` "
        "(`p.require_grad = False` in a loop over `model.parameters()`, "
        "`model.fc.weight.requires_grads = False`)."
    )
    why_bad = (
        "Tensors accept any new attribute, so the misspelled one is set without an error and "
        "PyTorch never reads it. The layer the script meant to freeze keeps its gradients and "
        "keeps training, which silently changes a fine-tuning run into full training (and can "
        "destroy the pretrained features it meant to keep)."
    )
    stays_silent = (
        "- The correct spelling, `requires_grad`, and the `requires_grad_()` method.\n"
        "- `self.require_grad = flag`, `cls.require_grad = ...` and a class-level "
        "`require_grad: bool = True`: the code's own setting (other assignments of that name "
        "then stay silent too).\n"
        "- An attribute of that name that the module also reads somewhere (`if cfg.require_grad:`): "
        "the code uses it as its own attribute, not as PyTorch's flag."
    )
    example = (
        "import torchvision\n\n"
        "model = torchvision.models.resnet50(weights=\"DEFAULT\")\n"
        "for param in model.parameters():\n"
        "    param.require_grad = False\n"
    )
    use_instead = (
        "import torchvision\n\n"
        "model = torchvision.models.resnet50(weights=\"DEFAULT\")\n"
        "for param in model.parameters():\n"
        "    param.requires_grad = False\n"
    )
    fix_safety = "Safe: renames the attribute to `requires_grad`, which is what the code meant to set."

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        self._assigned: List[Tuple[cst.Attribute, int]] = []
        self._read: Set[str] = set()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """`require_grad: bool = True` in a class body declares the attribute as the code's own."""
        for statement in node.body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else (
                    [small.target] if isinstance(small, cst.AnnAssign) else []
                )
                self._read.update(t.value for t in targets if isinstance(t, cst.Name) and t.value in TYPOS)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        attr = node.attr.value
        if attr not in TYPOS:
            return
        use = self._use(node)
        if use == _READ:
            self._read.add(attr)
        elif isinstance(node.value, cst.Name) and node.value.value in _RECEIVERS_OF_OWN_SETTINGS:
            self._read.add(attr)  # `self.require_grad = flag`: the object's own setting
        elif use == _ASSIGNED:
            self._assigned.append((node, self.ctx.order))

    def _use(self, node: cst.Attribute) -> str:
        """Whether the attribute is read, assigned (also inside `a.x, b.x = ...` or as a `for`
        target) or deleted."""
        child: cst.CSTNode = node
        depth = 1
        while True:
            parent = self.ctx.parent(depth)
            if isinstance(parent, (cst.Element, cst.Tuple, cst.List, cst.StarredElement)):
                child, depth = parent, depth + 1
                continue
            if isinstance(parent, cst.AssignTarget) or (
                isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is child
            ) or (isinstance(parent, (cst.For, cst.CompFor)) and parent.target is child):
                return _ASSIGNED
            if isinstance(parent, cst.Del):
                return _DELETED
            return _READ

    def leave_Module(self, node: cst.Module) -> None:
        for target, order in self._assigned:
            typo = target.attr.value
            if typo in self._read:
                continue
            self.report(target, (
                f"`{typo}` is a misspelling of `requires_grad`, so this sets an attribute PyTorch "
                "never reads and the parameter keeps training; write `requires_grad`."
            ), fix=NodeFix(Applicability.SAFE, "Rename to `requires_grad`", ((target.attr, "requires_grad"),)),
                statement=order)
