"""NN505: `model.forward(x)` runs the module without its hooks."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.names import leaf
from nnlint.analysis.training_loops import training_loops
from nnlint.rule import Applicability, NodeFix, Rule, Severity


class ForwardCalledDirectly(Rule):
    code = "NN505"
    name = "forward-called-directly"
    severity = Severity.WARNING
    summary = "Calling `.forward()` on a module skips its hooks; call the module itself."

    what_it_does = (
        "Finds `x.forward(...)` where `x` is known to be an `nn.Module`: an instance of a "
        "`torch.nn` class (`nn.Linear`, `nn.Sequential`, `nn.DataParallel`), of a torchvision or "
        "timm model, or of a class in the same file that derives from `nn.Module` directly or "
        "through another class of the file (also through `self.encoder = ...` attributes)."
    )
    why_bad = (
        "`module(x)` goes through `nn.Module.__call__`, which runs the forward pre-hooks and hooks "
        "that other code registered (pruning, quantization observers, spectral norm, "
        "`DistributedDataParallel`'s gradient synchronisation, feature extractors, profilers). "
        "`module.forward(x)` skips all of them, so those features silently stop working."
    )
    stays_silent = (
        "- `super().forward(x)` and `Base.forward(self, x)`: a subclass extending its base.\n"
        "- `self.forward(x)` inside the class's own methods (a `predict` wrapper).\n"
        "- Objects not known to be modules: parameters, values returned by unknown functions, "
        "classes of the file that have a `forward` method but do not derive from `nn.Module`."
    )
    example = (
        "import torch.nn as nn\n\n"
        "model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))\n"
        "prediction = model.forward(batch)\n"
    )
    use_instead = (
        "import torch.nn as nn\n\n"
        "model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))\n"
        "prediction = model(batch)\n"
    )
    fix_safety = (
        "Unsafe: `model(x)` runs the module's hooks, which `model.forward(x)` did not, so the "
        "results can change (which is the point)."
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "forward"):
            return
        receiver = func.value
        if isinstance(receiver, cst.Call) and leaf(receiver.func) == "super":
            return  # `super().forward(x)` extends the base class's forward
        if not isinstance(receiver, (cst.Name, cst.Attribute, cst.Call)):
            return
        method = self.ctx.scope.enclosing_method()
        if isinstance(receiver, cst.Name) and method is not None and receiver.value == method.self_name:
            return
        facts = training_loops(self.ctx)
        if facts is None or not facts.is_module_instance(receiver, self.ctx.here()):
            return
        shown = self.ctx.code_for(receiver)
        self.report(node, (
            f"`{shown}.forward(...)` skips the module's hooks; call `{shown}(...)` instead."
        ), fix=NodeFix(Applicability.UNSAFE, f"Call `{shown}(...)`", ((func, shown),)))
