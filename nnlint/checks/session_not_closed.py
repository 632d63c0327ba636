"""NN202: a `tf.Session` that is neither a `with` item nor ever closed."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from nnlint.analysis.names import defining_scope
from nnlint.analysis.tf_graph import CallSite, GraphFacts, graph_facts
from nnlint.frameworks import tensorflow
from nnlint.rule import Rule, Severity


class SessionNotClosed(Rule):
    code = "NN202"
    name = "session-not-closed"
    severity = Severity.WARNING
    summary = "A `tf.Session()` that is never closed keeps its graph and device memory alive."

    what_it_does = (
        "Finds `tf.Session(...)` and `tf.InteractiveSession(...)` (also through `compat.v1`) that "
        "are not a `with` item and are never closed: `sess = tf.Session()` with no `sess.close()` "
        "in the same function (or module), `self.sess = tf.Session()` when no `.sess.close()` "
        "appears anywhere in the module, a session used without a name "
        "(`tf.Session().run(...)`), and a bare `tf.InteractiveSession()` statement."
    )
    why_bad = (
        "A session holds its graph's resources and, on a GPU, its device memory until it is "
        "closed. Scripts that run training twice in one process (notebooks, hyper-parameter "
        "searches, servers, test suites) pile up sessions until the device runs out of memory."
    )
    stays_silent = (
        "- `with tf.Session() as sess:`, `with contextlib.closing(tf.Session()) as sess:`, and "
        "`with sess:` later on.\n"
        "- A session whose name (or attribute) gets `.close()` anywhere in its function, "
        "including `atexit.register(sess.close)` and a `close()` method of the class.\n"
        "- A session that is returned, yielded, stored in another name, attribute or container "
        "(`pool.append(sess)`, `stack.enter_context(sess)`), or made directly as a call's "
        "argument (`K.set_session(tf.Session())`): its new owner closes it. A named session "
        "passed to an ordinary call (`saver.restore(sess, path)`) is not handed over.\n"
        "- `tf.train.MonitoredTrainingSession` and other monitored sessions: they are not checked."
    )
    example = (
        "import tensorflow as tf\n\n"
        "sess = tf.Session()\n"
        "sess.run(tf.global_variables_initializer())\n"
        "for step in range(1000):\n"
        "    sess.run(train_op)\n"
    )
    use_instead = (
        "import tensorflow as tf\n\n"
        "with tf.Session() as sess:\n"
        "    sess.run(tf.global_variables_initializer())\n"
        "    for step in range(1000):\n"
        "        sess.run(train_op)\n"
    )
    known_problems = (
        "`self.sess` is closed by `self.sess.close()` in its own class, or by `obj.sess.close()` on "
        "any object in the module: the object is not tracked, only the attribute name."
    )

    def visit_Call(self, node: cst.Call) -> None:
        facts = graph_facts(self.ctx)
        if facts is None:
            return
        site = facts.site(node)
        if site is None or not (self.ctx.qualified_names(node.func) & tensorflow.SESSION_CLASSES):
            return
        problem = _unclosed(site, facts)
        if problem is None:
            return
        shown = self.ctx.code_for(node.func)
        self.report(
            node,
            f"`{shown}()` {problem}, so its graph and device memory stay allocated; open it with "
            f"`with {shown}() as sess:` or call `sess.close()` when done.",
        )


def _unclosed(site: CallSite, facts: GraphFacts) -> Optional[str]:
    """How the session made at `site` escapes closing, or None when it is closed or handed over."""
    parent = site.parent
    if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is site.node:
        targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
        if len(targets) != 1:
            return None
        target = targets[0]
        if isinstance(target, cst.Name):
            scope = defining_scope(target.value, site.where.scope)
            return None if scope is None or facts.released(target.value, scope) else "is never closed"
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            method = site.where.scope.enclosing_method()
            owner = method.class_scope if method is not None and method.self_name == target.value.value else None
            if facts.attribute_released(target.attr.value, owner):
                return None
            return f"is stored in `{target.value.value}.{target.attr.value}` and never closed"
        return None
    if isinstance(parent, cst.Attribute) and parent.value is site.node:
        if parent.attr.value in ("close", "__enter__", "__exit__"):
            return None
        return "is used without a name and can never be closed"
    if isinstance(parent, cst.Expr):
        return "is created without a name and can never be closed"
    return None
