"""NN204: a whole model loaded or built at every iteration of a loop that uses it."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.graph_ops import GRAPH_LOAD, MODEL_LOAD, reloads_model
from nnlint.analysis.tf_graph import graph_facts
from nnlint.rule import Rule, Severity

_FIXES = {
    GRAPH_LOAD: "load it once before the loop, or inside `with tf.Graph().as_default():` in the loop",
    MODEL_LOAD: "load it once before the loop, or call `tf.keras.backend.clear_session()` at the "
                "start of each iteration",
}
_BUILD_FIX = "call `tf.keras.backend.clear_session()` at the start of each iteration"


class ModelReloadedInLoop(Rule):
    code = "NN204"
    name = "model-reloaded-in-loop"
    severity = Severity.WARNING
    summary = "A model loaded or built at every iteration of a loop keeps every old copy in memory."

    what_it_does = (
        "Finds a whole model loaded or built inside a loop that also uses it: "
        "`tf.train.import_meta_graph`, `tf.saved_model.loader.load` with a session run in the "
        "loop; `keras.models.load_model`, `Sequential(...)`, `Model(...)`, or a function of the "
        "module that returns one, with `fit`, `train_on_batch`, `evaluate` or `predict` called "
        "on the result in the loop."
    )
    why_bad = (
        "Each load or build adds a complete copy of the model to the default graph (TF1) or to "
        "Keras' global state, and nothing removes the old copies: memory grows at every "
        "iteration and each step gets slower. Cross-validation folds and hyper-parameter "
        "searches are where this usually happens."
    )
    stays_silent = (
        "- `tf.keras.backend.clear_session()` or `tf.reset_default_graph()` anywhere in the "
        "loop's body, or the load inside `with tf.Graph().as_default():` opened in the loop.\n"
        "- `tf.saved_model.loader.load(sess, ...)` into a session made in the loop with its own "
        "`graph=`.\n"
        "- A model wired from an existing model's tensors "
        "(`Model(inputs=m.input, outputs=m.get_layer(name).output)`), which creates no weights.\n"
        "- Models built in a loop that never trains or runs them there (sub-blocks appended "
        "to a list in a model definition)."
    )
    example = (
        "from tensorflow import keras\n\n"
        "for train_idx, val_idx in folds:\n"
        "    model = keras.Sequential([keras.layers.Dense(64, activation=\"relu\"), keras.layers.Dense(1)])\n"
        "    model.compile(optimizer=\"adam\", loss=\"mse\")\n"
        "    model.fit(x[train_idx], y[train_idx], epochs=10)\n"
    )
    use_instead = (
        "from tensorflow import keras\n\n"
        "for train_idx, val_idx in folds:\n"
        "    keras.backend.clear_session()\n"
        "    model = keras.Sequential([keras.layers.Dense(64, activation=\"relu\"), keras.layers.Dense(1)])\n"
        "    model.compile(optimizer=\"adam\", loss=\"mse\")\n"
        "    model.fit(x[train_idx], y[train_idx], epochs=10)\n"
    )
    known_problems = (
        "Builder functions and methods (`build_model()`, `self.build_model()`) are recognised when "
        "the module defines them and they return a `Sequential`/`Model` (or a loaded model); "
        "imported builders are not followed."
    )
    story = (
        "The seed case: a saved graph was loaded with `import_meta_graph` at every prediction in "
        "a loop, and memory grew until the process was killed; the fix was loading it inside "
        "`with tf.Graph().as_default():`."
    )

    def visit_Call(self, node: cst.Call) -> None:
        facts = graph_facts(self.ctx)
        if facts is None:
            return
        site = facts.site(node)
        if site is None or site.loop is None:
            return
        kind = reloads_model(site, facts, self.ctx.index)
        if kind is None:
            return
        shown = self.ctx.code_for(node.func)
        verb = "loads" if kind in _FIXES else "builds"
        self.report(
            node,
            f"`{shown}(...)` {verb} a whole model at every iteration of this loop and the old "
            f"copies are never freed, so memory grows each time; {_FIXES.get(kind, _BUILD_FIX)}.",
        )
