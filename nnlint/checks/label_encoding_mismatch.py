"""NN303: labels encoded one way (one-hot or class ids) given to a loss that expects the other."""

from __future__ import annotations

from typing import List

import libcst as cst

from nnlint.analysis.arguments import argument
from nnlint.analysis.context import FileContext
from nnlint.analysis.dataflow import Value, history
from nnlint.analysis.definitions import local_definition
from nnlint.analysis.labels import Encoding, label_encoding
from nnlint.analysis.loss_resolution import LossUse, loss_use
from nnlint.analysis.model_structure import method_calls
from nnlint.analysis.names import Where
from nnlint.analysis.scopes import DEF
from nnlint.frameworks import keras
from nnlint.frameworks.loss_kinds import IDS_OR_FLOAT_PROBABILITIES, ONE_HOT, SPARSE
from nnlint.rule import Rule, Severity

_COMPILE = frozenset({"compile"})


class LabelEncodingMismatch(Rule):
    code = "NN303"
    name = "label-encoding-mismatch"
    severity = Severity.ERROR
    summary = "One-hot labels given to a sparse loss, or integer class ids to a one-hot loss."

    what_it_does = (
        "Follows the labels a model is trained on back to what made them, and compares their "
        "encoding with the loss. One-hot: `to_categorical`, `tf.one_hot`, `F.one_hot`, "
        "`np.eye(n)[y]`, `pd.get_dummies`, `LabelBinarizer`/`OneHotEncoder`, a float placeholder "
        "of shape `[None, n > 1]`, the TF1 MNIST reader with `one_hot=True`. Integer class ids: "
        "a Keras dataset's `load_data()` labels, `np.argmax`/`tf.argmax`, an int placeholder of "
        "shape `[None]`, `torch.LongTensor`/`.long()`, `LabelEncoder`. The labels are followed "
        "through copies, casts, reshapes, slices, `train_test_split`, `feed_dict` entries and an "
        "Estimator's input functions into `model.fit`/`train_on_batch` (checked against the "
        "compiled loss) or a loss call (`tf.losses.softmax_cross_entropy(onehot_labels=...)`, "
        "`tf.nn.sparse_softmax_cross_entropy_with_logits(labels=...)`, `F.cross_entropy`)."
    )
    why_bad = (
        "A one-hot loss given class ids reads each id as a row of class scores (and fails on "
        "shapes, or silently broadcasts); a sparse loss given one-hot rows fails on shapes or "
        "treats each 0/1 as a class id. When the shapes happen to broadcast, training runs and "
        "the loss never falls (the seed's fix was swapping `tf.losses.softmax_cross_entropy` "
        "for `sparse_softmax_cross_entropy`). torch's cross-entropy rejects an integer "
        "`F.one_hot` target; cast to float it is read as class probabilities, which is fine."
    )
    stays_silent = (
        "- Either side's encoding cannot be seen (labels from a generator, a parameter, a file).\n"
        "- Several compiles or producers that disagree.\n"
        "- torch's `F.cross_entropy` with a one-hot target cast to float (class probabilities)."
    )
    example = (
        "from tensorflow import keras\n\n"
        "(x_train, y_train), _ = keras.datasets.mnist.load_data()\n"
        "model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation=\"softmax\")])\n"
        "model.compile(optimizer=\"adam\", loss=\"categorical_crossentropy\")\n"
        "model.fit(x_train, y_train, epochs=5)\n"
    )
    use_instead = (
        "from tensorflow import keras\n\n"
        "(x_train, y_train), _ = keras.datasets.mnist.load_data()\n"
        "model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation=\"softmax\")])\n"
        "model.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\")\n"
        "model.fit(x_train, y_train, epochs=5)\n"
    )
    story = (
        "The seed case: an Estimator `model_fn` passed its integer labels straight to "
        "`tf.losses.softmax_cross_entropy(onehot_labels=labels, ...)`; swapping in "
        "`sparse_softmax_cross_entropy` fixed the stuck loss."
    )

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in keras.LABELLED_TRAINING:
            labels = argument(node, keras.LABELLED_TRAINING[func.attr.value])
            if labels is None:
                return
            uses = _compiled_losses(ctx.value(func.value), ctx)
            encodings = {use.loss.encoding for use in uses}
            if not uses or len(encodings) != 1:
                return
            self._compare(uses[0], ctx.value(labels))
            return
        use = loss_use(node, ctx)
        if use is not None and use.model is None and use.labels is not None:
            self._compare(use, use.labels)

    def _compare(self, use: LossUse, labels: Value) -> None:
        expected = use.loss.encoding
        if expected is None:
            return
        found = label_encoding(labels, self.ctx)
        if found is None or not _contradicts(expected, found):
            return
        loss = f"`{use.loss.name}`"
        if found.kind == ONE_HOT and found.integer_one_hot and expected == IDS_OR_FLOAT_PROBABILITIES:
            message = (
                f"These labels are integer one-hot rows (from {found.source}), which {loss} rejects; "
                "pass the class ids themselves, or cast the one-hot rows with `.float()`."
            )
        elif found.kind == ONE_HOT:
            message = (
                f"These labels are one-hot (from {found.source}) but {loss} expects integer class ids; "
                "pass the class ids (drop the one-hot encoding) or use the categorical, non-sparse loss."
            )
        else:
            message = (
                f"These labels are integer class ids (from {found.source}) but {loss} expects one-hot "
                "rows; use the sparse form of the loss or one-hot encode the labels."
            )
        self.report(labels.node, message)


def _contradicts(expected: str, found: Encoding) -> bool:
    if expected == IDS_OR_FLOAT_PROBABILITIES:
        return found.kind == ONE_HOT and found.integer_one_hot
    if expected == SPARSE:
        return found.kind == ONE_HOT
    return expected == ONE_HOT and found.kind == SPARSE


def _compiled_losses(model: Value, ctx: FileContext, depth: int = 0) -> List[LossUse]:
    """The losses `compile` gives the model: compile calls on the names it was held in, or
    inside the builder function that returned it."""
    uses: List[LossUse] = []
    steps = list(history(model))
    for step in steps:
        if isinstance(step.node, (cst.Name, cst.Attribute)):
            for call, where, _ in method_calls(step, _COMPILE, ctx.index):
                use = loss_use(call, ctx, where)
                if use is not None:
                    uses.append(use)
    made = steps[-1]
    if not uses and depth == 0 and isinstance(made.node, cst.Call):
        builder = local_definition(made.node.func, made.where, DEF, ctx.index)
        if builder is not None:
            for returned in builder.returns:
                if returned.value is not None:
                    uses.extend(_compiled_losses(Value(returned.value, Where(builder, returned.order)), ctx, 1))
    return uses


