"""NN401: a learning rate far above the range where the optimizer converges."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from nnlint.analysis.arguments import argument
from nnlint.analysis.constants import constants, dict_entry
from nnlint.analysis.names import defining_scope, leaf, leaves
from nnlint.analysis.scopes import dotted_name
from nnlint.checks.values import number_text, shown
from nnlint.frameworks.hyperparameters import (
    ADAGRAD,
    ADAPTIVE,
    OPTIMIZERS,
    SGD,
    GRADIENT_CLIPPING,
    KERAS_CLIPPING_ARGUMENTS,
    LR_MULTIPLIERS,
    VARIABLE_LIST_METHODS,
    VARIABLES,
    Optimizer,
)
from nnlint.frameworks.params import Param
from nnlint.rule import Option, Rule, Severity

_LEAVES = leaves(OPTIMIZERS)
# Names of tensors that are a model's weights (`W1`, `b_conv`, `weights`, `d_params`), as opposed
# to an input being optimized (`image`, `x_adv`, `noise`).
_WEIGHT_NAME = re.compile(
    r"^(?:[wb]\d*|[wb]_\w*|weights?\w*|bias\w*|kernel\w*|theta\w*|params?|parameters|"
    r"\w*_(?:w|b|weights?|bias|kernel|vars|variables|params)\d*)$",
    re.IGNORECASE,
)
_VAR_LIST = Param("var_list", None)
_NAME = Param("name", None)
_IMAGE_NAME = re.compile(r"image|img|canvas|pixel|adv", re.IGNORECASE)
_VARIABLE_LEAVES = leaves(VARIABLES)
_CLIPPING_LEAVES = leaves(GRADIENT_CLIPPING)
_MULTIPLIER_LEAVES = leaves(LR_MULTIPLIERS)
_PAIRS = Param("grads_and_vars", 0)


class LearningRateTooHigh(Rule):
    code = "NN401"
    name = "learning-rate-too-high"
    severity = Severity.WARNING
    summary = "A learning rate this high makes training diverge."

    options = {
        "adaptive-max": Option(
            float, 0.05,
            "the learning rate from which Adam, AdamW, Adamax, Nadam, RAdam and RMSprop are "
            "reported (inclusive)",
        ),
        "sgd-max": Option(
            float, 1.0, "the learning rate from which plain and momentum SGD, and Adagrad, are reported (inclusive)"
        ),
    }

    what_it_does = (
        "Finds an optimizer constructed with a learning rate at or above the divergence "
        "threshold: `adaptive-max` (0.05) for Adam-family optimizers (torch.optim, Keras and "
        "`tf.keras.optimizers`, TF1 `tf.train.AdamOptimizer`, `RMSPropOptimizer`), "
        "`sgd-max` (1.0) for SGD, `GradientDescentOptimizer`, "
        "`MomentumOptimizer` and Adagrad. The value may be a literal or come from a module constant "
        "(`LR = 0.1`), an `argparse` default (`args.lr`), an absl or TF flag (`FLAGS.lr`), a "
        "`config = {\"lr\": 0.1}` dictionary or a `self.lr = 0.1` attribute."
    )
    why_bad = (
        "Adaptive optimizers scale every step to about the learning rate, whatever the "
        "gradient's size: at 0.1 each weight moves by 0.1 per step, which throws a network "
        "out of any minimum. The loss jumps around or becomes NaN after a few steps, or "
        "ReLUs die and the loss gets stuck, and the run looks like a bug in the model."
    )
    stays_silent = (
        "- Adadelta (its learning rate is 1.0 by design), LBFGS, Rprop, Ftrl and other "
        "optimizers without a usual range.\n"
        "- A learning rate that is not known before the script runs (a function parameter, a "
        "value read from a file, a schedule object).\n"
        "- An optimizer that updates explicit input tensors rather than a model's weights "
        "(`Adam([image], lr=2.0)`, `minimize(loss, var_list=[image])`, or `minimize(loss)` "
        "with no `var_list` in a TensorFlow module that makes a variable named like an image, "
        "`init_image = tf.Variable(content)`): style transfer, adversarial examples and feature "
        "visualisation use large rates on purpose.\n"
        "- `lr=1.0` for an optimizer handed to `LambdaLR`/`MultiplicativeLR`, whose function "
        "gives the real rate (the Transformer's warm-up schedule).\n"
        "- SGD (not Adam-family) in a module that clips gradients (`clip_grad_norm_`, "
        "`tf.clip_by_global_norm`, Keras `clipnorm=`): clipped SGD at 20-30 is how recurrent "
        "language models are trained."
    )
    example = (
        "import argparse\n"
        "import torch\n\n"
        "parser = argparse.ArgumentParser()\n"
        "parser.add_argument(\"--lr\", type=float, default=0.1)\n"
        "args = parser.parse_args()\n"
        "optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)\n"
    )
    use_instead = (
        "import argparse\n"
        "import torch\n\n"
        "parser = argparse.ArgumentParser()\n"
        "parser.add_argument(\"--lr\", type=float, default=1e-3)\n"
        "args = parser.parse_args()\n"
        "optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)\n"
    )
    known_problems = (
        "Adagrad is held to the SGD threshold rather than the adaptive one: its steps shrink "
        "with every update, and rates of 0.05-0.5 are ordinary for it (TensorFlow's own "
        "estimators default to 0.05). Only the default of a command-line option is checked; a run that passes `--lr 1e-4` is "
        "fine even though its default is reported. Per-group learning rates "
        "(`[{\"params\": ..., \"lr\": 0.1}]`) are not checked."
    )
    story = (
        "The seeds' divergent runs used `tf.train.AdamOptimizer(0.1)`: a value that is ordinary "
        "for gradient descent, copied into an Adam script."
    )

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        # Optimizers over a large learning rate, waiting for the end of the module to learn
        # what they update: (call, its statement, message, the name it is bound to).
        self._pending: List[Tuple[cst.Call, int, str, Optional[str], str]] = []
        # Optimizers handed to a LambdaLR-style scheduler, which sets the real rate.
        self._multiplied: Set[str] = set()
        self._clips_gradients = False
        # Optimizer names whose `minimize`/`apply_gradients` updates explicit input tensors.
        self._updates_inputs: Dict[str, bool] = {}
        # A TF variable named like an image (`init_image = tf.Variable(content)`): an optimizer
        # that minimizes over all variables then optimizes that input (style transfer, deep dream).
        self._image_variable = False
        self._all_variables: Set[str] = set()  # optimizers whose `minimize` has no `var_list`

    def visit_Call(self, node: cst.Call) -> None:
        name = self.ctx.leaf(node.func)
        if name in _VARIABLE_LEAVES and not self._image_variable:
            self._image_variable = self._creates_image_variable(node)
        if name in _CLIPPING_LEAVES and self.ctx.match(node.func, GRADIENT_CLIPPING):
            self._clips_gradients = True
            return
        if name in _MULTIPLIER_LEAVES and node.args and self.ctx.match(node.func, LR_MULTIPLIERS):
            optimizer = node.args[0].value
            key = self._key(optimizer)
            if key is not None:
                self._multiplied.add(key)
            return
        if name in VARIABLE_LIST_METHODS and isinstance(node.func, cst.Attribute):
            receiver = node.func.value
            key = self._key(receiver)
            if key is not None:
                if _updates_explicit_tensors(node):
                    self._updates_inputs[key] = True
                elif name == "minimize" and argument(node, _VAR_LIST) is None:
                    self._all_variables.add(key)
            return
        if name not in _LEAVES:
            return
        qualified = self.ctx.match(node.func, OPTIMIZERS)
        if qualified is None:
            return
        spec = OPTIMIZERS[qualified]
        threshold = self._threshold(spec)
        if threshold is None:
            return
        expr = _learning_rate(node, spec)
        if expr is None:
            return
        value = constants(self.ctx).number(expr, self.ctx.here())
        if value is None or value < threshold:
            return
        if spec.takes_params and node.args and _explicit_tensors(node.args[0].value):
            return
        if any(arg.keyword is not None and arg.keyword.value in KERAS_CLIPPING_ARGUMENTS for arg in node.args) \
                and spec.family != ADAPTIVE:
            return
        kind = {ADAPTIVE: "adaptive optimizers", ADAGRAD: "Adagrad"}.get(spec.family, "SGD")
        typical = "1e-3" if spec.family == ADAPTIVE else "0.1"
        message = (
            f"Learning rate {shown(self.ctx, expr, value)} for {qualified.rsplit('.', 1)[-1]} is at "
            f"or above {number_text(threshold)}, where {kind} usually diverge; start from "
            f"about {typical}."
        )
        self._pending.append((node, self.ctx.order, message, self._bound_key(node), spec.family))

    def leave_Module(self, node: cst.Module) -> None:
        for call, statement, message, bound, family in self._pending:
            keys = {f"#{id(call)}", bound} - {None}
            if keys & self._updates_inputs.keys() or keys & self._multiplied:
                continue
            if self._image_variable and keys & self._all_variables:
                continue
            if self._clips_gradients and family != ADAPTIVE:
                continue
            self.report(call, message, statement=statement)

    def _creates_image_variable(self, node: cst.Call) -> bool:
        if not self.ctx.match(node.func, VARIABLES):
            return False
        parent = self.ctx.parent()
        names = [self._bound_text(node) or ""]
        label = argument(node, _NAME)
        if isinstance(label, cst.SimpleString):
            names.append(label.value)
        if isinstance(parent, cst.Assign) or label is not None:
            return any(_IMAGE_NAME.search(name) for name in names)
        return False

    def _threshold(self, spec: Optimizer) -> Optional[float]:
        if spec.family == ADAPTIVE:
            return self.settings["adaptive-max"]
        if spec.family in (SGD, ADAGRAD):
            return self.settings["sgd-max"]
        return None

    def _bound_target(self, node: cst.Call) -> Optional[cst.BaseExpression]:
        parent = self.ctx.parent()
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            return parent.targets[0].target
        if isinstance(parent, (cst.AnnAssign, cst.NamedExpr)):
            return parent.target
        return None

    def _bound_text(self, node: cst.Call) -> Optional[str]:
        target = self._bound_target(node)
        return dotted_name(target) if target is not None else None

    def _bound_key(self, node: cst.Call) -> Optional[str]:
        target = self._bound_target(node)
        return self._key(target) if target is not None else None

    def _key(self, expr: cst.BaseExpression) -> Optional[str]:
        """Identifies an optimizer across the module: the call itself, a variable of one
        scope (two functions' `optimizer` are different objects), or an attribute path."""
        if isinstance(expr, cst.Call):
            return f"#{id(expr)}"
        if isinstance(expr, cst.Name):
            scope = defining_scope(expr.value, self.ctx.scope)
            return f"{id(scope)}:{expr.value}"
        return dotted_name(expr)


def _learning_rate(call: cst.Call, spec: Optimizer) -> Optional[cst.BaseExpression]:
    for param in spec.learning_rate:
        expr = argument(call, param)
        if expr is not None:
            return expr
    return None


def _explicit_tensors(expr: cst.BaseExpression) -> bool:
    """A literal list of tensors that are not named like weights (`[image]`, `[x_adv]`), also
    as a parameter group's `params`."""
    if not isinstance(expr, (cst.List, cst.Tuple)) or not expr.elements:
        return False
    for element in expr.elements:
        value = element.value
        if isinstance(element, cst.StarredElement):
            return False
        if isinstance(value, cst.Dict):  # a parameter group: `{"params": [image], "lr": ...}`
            params = dict_entry(value, "params")
            if params is not None and _explicit_tensors(params):
                return True
            continue
        name = dotted_name(value)
        if name is None or not _WEIGHT_NAME.match(name.rsplit(".", 1)[-1]):
            return True
    return False


def _updates_explicit_tensors(call: cst.Call) -> bool:
    """`opt.minimize(loss, var_list=[image])`, `opt.apply_gradients([(grad, image)])`,
    `opt.apply_gradients(zip(grads, [image]))`."""
    if call.func.attr.value == "apply_gradients":
        pairs = argument(call, _PAIRS)
        if isinstance(pairs, (cst.List, cst.Tuple)):
            variables = [
                e.value.elements[1].value for e in pairs.elements
                if isinstance(e.value, cst.Tuple) and len(e.value.elements) == 2
            ]
            return bool(variables) and _explicit_tensors(cst.List([cst.Element(v) for v in variables]))
        if isinstance(pairs, cst.Call) and leaf(pairs.func) == "zip" and len(pairs.args) == 2:
            return _explicit_tensors(pairs.args[1].value)
        return False
    var_list = argument(call, _VAR_LIST)
    return var_list is not None and _explicit_tensors(var_list)
