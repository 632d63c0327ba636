"""NN203: a session loop on a graph that was never finalized."""

from __future__ import annotations

from typing import Union

import libcst as cst

from nnlint.analysis.sessions import MONITORED, UNKNOWN
from nnlint.analysis.tf_graph import GraphFacts, Loop, graph_mode_facts
from nnlint.rule import Rule, Severity


class GraphNotFinalized(Rule):
    code = "NN203"
    name = "graph-not-finalized"
    severity = Severity.WARNING
    summary = "A session loop runs on a graph nobody finalized, so accidental op creation goes unnoticed."

    what_it_does = (
        "In graph-mode (TF1-style) code, finds loops that run a session (`sess.run(...)`, "
        "`tensor.eval(feed_dict=...)`, `op.run(...)`) with no `finalize()` call earlier in the "
        "same function (or module, for a loop at the top level). One finding per loop nest, at "
        "the outermost loop that runs the session."
    )
    why_bad = (
        "NN201 finds the ops built in the loop that it can see; the ones built by helper "
        "functions, library code or a property are invisible to a linter and grow the graph just "
        "the same. `graph.finalize()` makes the graph read-only, so the first op created in the "
        "loop raises an error at once instead of slowly exhausting memory."
    )
    stays_silent = (
        "- A `finalize()` call (`sess.graph.finalize()`, `tf.get_default_graph().finalize()`, "
        "`g.finalize()`) before the loop in the same function; for a session that comes from a "
        "parameter, an attribute or another function, any `finalize()` in the module.\n"
        "- `tf.train.MonitoredTrainingSession`, `MonitoredSession`, `SingularMonitoredSession` "
        "and `tf.train.Supervisor` sessions, which finalize the graph themselves; a session of "
        "unknown origin in a module that uses one of them.\n"
        "- TF2 eager code and loops inside `@tf.function`."
    )
    example = (
        "import tensorflow as tf\n\n"
        "with tf.Session() as sess:\n"
        "    sess.run(init)\n"
        "    for step in range(num_steps):\n"
        "        sess.run(train_op, feed_dict=next_feed())\n"
    )
    use_instead = (
        "import tensorflow as tf\n\n"
        "with tf.Session() as sess:\n"
        "    sess.run(init)\n"
        "    sess.graph.finalize()\n"
        "    for step in range(num_steps):\n"
        "        sess.run(train_op, feed_dict=next_feed())\n"
    )
    known_problems = (
        "Any `finalize()` call counts, whichever graph it is called on. Nested loops are "
        "reported once, at the outermost loop that runs the session."
    )

    def visit_For(self, node: cst.For) -> None:
        self._check(node, node.iter)

    def visit_While(self, node: cst.While) -> None:
        self._check(node, node.test)

    def _check(self, node: Union[cst.For, cst.While], header: cst.BaseExpression) -> None:
        facts = graph_mode_facts(self.ctx)
        if facts is None:
            return
        loop = facts.loop(node)
        if loop is None or loop.in_tf_function or not _needs_finalize_before(loop, facts):
            return
        if any(_needs_finalize_before(outer, facts) for outer in loop.chain() if outer is not loop):
            return  # one finding per loop nest
        runs = facts.session_runs(loop)
        sessions = [facts.session_run(site) for site in runs]
        if any(s.kind == MONITORED or (s.kind == UNKNOWN and facts.uses_monitored) for s in sessions):
            return
        if facts.finalized_for(loop, sessions):
            return
        receiver = runs[0].node.func.value
        shown = self.ctx.code_for(receiver) if isinstance(receiver, (cst.Name, cst.Attribute)) else "sess"
        self.report(
            header,
            f"This loop runs `{shown}` on a graph that is never finalized, so ops created inside it "
            "grow the graph unnoticed; call `sess.graph.finalize()` before the loop.",
        )


def _needs_finalize_before(loop: Loop, facts: GraphFacts) -> bool:
    """The loop runs a session on a graph it does not rebuild at each iteration."""
    return facts.is_session_loop(loop) and not facts.fresh_per_iteration(loop)
