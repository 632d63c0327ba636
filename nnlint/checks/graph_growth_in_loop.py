"""NN201: an op built inside a session loop, which grows the graph at every iteration."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from nnlint.analysis.graph_ops import builds_op, reinitializes_model, reloads_model
from nnlint.analysis.tf_graph import CallSite, GraphFacts, graph_mode_facts
from nnlint.rule import Rule, Severity


class GraphGrowthInLoop(Rule):
    code = "NN201"
    name = "graph-growth-in-loop"
    severity = Severity.ERROR
    summary = "A TensorFlow op built inside a `sess.run` loop grows the graph at every iteration."

    what_it_does = (
        "In graph-mode (TF1-style) code, finds calls that add ops to the graph inside a loop that "
        "also runs a session: `tf.convert_to_tensor`, `tf.constant`, `tf.Variable`, math ops, "
        "`tf.train.Saver()`, `tf.assign`, `optimizer.minimize(loss)`, `var.assign(value)` and "
        "every other call into `tensorflow` except a documented list of APIs that build no op "
        "(sessions, graphs, configuration and protocol buffers, logging, `gfile`, flags, "
        "checkpoint-file helpers, summary writers, collections and scopes, dtypes and shapes; see "
        "`NO_OP_CALLS` in `nnlint/frameworks/tensorflow.py`). A session loop is a `for` or `while` "
        "loop whose body calls `sess.run(...)`, `tensor.eval(feed_dict=...)` or "
        "`op.run(feed_dict=...)`. One finding per statement: `tf.reduce_mean(tf.square(x))` is "
        "reported once, at the outer call."
    )
    why_bad = (
        "A TF1 graph only grows: every call that builds an op adds nodes that stay until the "
        "process ends. Built inside the training loop, the graph gains nodes at every step, each "
        "`run` gets slower, and memory grows until the process is killed, often hours into "
        "training."
    )
    stays_silent = (
        "- TF2 eager code (no `Session`, `placeholder`, `disable_eager_execution` or monitored "
        "session in the module) and loops inside `@tf.function`.\n"
        "- Loops that build the graph without running it "
        "(`for i in range(num_layers): x = tf.layers.dense(x, 64)`), unless a loop around them runs "
        "a session.\n"
        "- Ops built under `with tf.Graph().as_default():` opened in the loop, or after "
        "`tf.reset_default_graph()` / `clear_session()` in the loop: each iteration gets a fresh "
        "graph.\n"
        "- `sess.run(tf.global_variables_initializer())` in a training loop: NN206 reports it "
        "(when selected). `tf.train.import_meta_graph` in a loop: NN204 reports it (when selected).\n"
        "- Ops built by the module's own helper functions called from the loop: only calls "
        "written in the loop body are checked."
    )
    example = (
        "import tensorflow.compat.v1 as tf\n\n"
        "images = tf.placeholder(tf.float32, [None, 784])\n"
        "...\n"
        "for batch_x, batch_y in batches:\n"
        "    x = tf.convert_to_tensor(batch_x)\n"
        "    sess.run(train_op, feed_dict={images: sess.run(x), labels: batch_y})\n"
    )
    use_instead = (
        "import tensorflow.compat.v1 as tf\n\n"
        "images = tf.placeholder(tf.float32, [None, 784])\n"
        "...\n"
        "sess.graph.finalize()  # any op created from here on raises at once\n"
        "for batch_x, batch_y in batches:\n"
        "    sess.run(train_op, feed_dict={images: batch_x, labels: batch_y})\n"
    )
    known_problems = (
        "Whether a call builds an op is decided by its name: every call into `tensorflow` "
        "outside the no-op list counts. A TensorFlow API that builds no op and is missing from "
        "that list is a false alarm; please report it so it can be added."
    )
    story = (
        "The seed case: a TF1 training job ran out of memory after ten minutes because "
        "`tf.convert_to_tensor` was called on every batch inside the `sess.run` loop."
    )

    def visit_Call(self, node: cst.Call) -> None:
        facts = graph_mode_facts(self.ctx)
        if facts is None:
            return
        site = facts.site(node)
        if site is None or site.loop is None or not builds_op(site, facts):
            return
        if self._inside_reported_call(site, facts) or not facts.grows_graph_per_iteration(site):
            return
        if self._reported_by_other_rule(site, facts):
            return
        shown = self.ctx.code_for(node.func)
        self.report(
            node,
            f"`{shown}(...)` builds a new op at every iteration of this session loop, so the graph "
            "and memory grow until the process dies; build it once before the loop, feed values "
            "through a placeholder, and call `sess.graph.finalize()` before the loop.",
        )

    def _inside_reported_call(self, site: CallSite, facts: GraphFacts) -> bool:
        return any(builds_op(outer, facts) for outer in _outer_sites(site, facts))

    def _reported_by_other_rule(self, site: CallSite, facts: GraphFacts) -> bool:
        if self.ctx.is_selected("NN204") and reloads_model(site, facts, self.ctx.index):
            return True
        return self.ctx.is_selected("NN206") and any(
            reinitializes_model(outer, facts) for outer in _outer_sites(site, facts)
        )


def _outer_sites(site: CallSite, facts: GraphFacts) -> Iterator[CallSite]:
    """The calls around `site` in its statement, innermost first."""
    outer = site.outer_call
    while outer is not None:
        outer_site = facts.site(outer)
        if outer_site is None:
            return
        yield outer_site
        outer = outer_site.outer_call
