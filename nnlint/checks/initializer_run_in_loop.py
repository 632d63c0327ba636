"""NN206: the variable initializer run inside the training loop."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.graph_ops import reinitializes_model
from nnlint.analysis.tf_graph import graph_mode_facts
from nnlint.rule import Rule, Severity


class InitializerRunInLoop(Rule):
    code = "NN206"
    name = "initializer-run-in-loop"
    severity = Severity.ERROR
    summary = "Running the variable initializer inside the training loop resets every weight at every step."

    what_it_does = (
        "Finds `sess.run(tf.global_variables_initializer())` (also `initialize_all_variables`, "
        "`variables_initializer(tf.global_variables())`, an initializer bound to a name earlier, "
        "in a list or in `tf.group`, and `init.run()`) inside a loop whose body also runs the "
        "training step. Takes precedence over NN201 on the same call."
    )
    why_bad = (
        "The initializer assigns fresh random values to every variable. Run before each step, "
        "it throws away what the previous step learned: the loss never goes down, and nothing "
        "fails to tell you why."
    )
    stays_silent = (
        "- An initializer run under an `if` in the loop (`if step == 0:`).\n"
        "- A loop whose session runs all happen in a nested loop "
        "(`for fold in folds: sess.run(init); for step in ...: sess.run(train_op)`): that is how "
        "independent trainings are repeated.\n"
        "- `tf.local_variables_initializer()` and `variables_initializer(metric_vars)`: "
        "resetting streaming metrics each epoch is their purpose; `var.initializer` for one variable.\n"
        "- A loop that creates variables (`tf.Variable`, `tf.layers.*`) before initializing them: "
        "each iteration is a new model that needs its initializer (NN201 reports the graph growth)."
    )
    example = (
        "import tensorflow as tf\n\n"
        "x = tf.placeholder(tf.float32, [None, 784])\n"
        "...\n"
        "for step in range(num_steps):\n"
        "    sess.run(tf.global_variables_initializer())\n"
        "    sess.run(train_op, feed_dict=next_feed())\n"
    )
    use_instead = (
        "import tensorflow as tf\n\n"
        "x = tf.placeholder(tf.float32, [None, 784])\n"
        "...\n"
        "sess.run(tf.global_variables_initializer())\n"
        "for step in range(num_steps):\n"
        "    sess.run(train_op, feed_dict=next_feed())\n"
    )
    known_problems = (
        "An initializer run once per epoch, with the training steps in a nested loop, looks "
        "the same as one run per independent training and is not reported."
    )

    def visit_Call(self, node: cst.Call) -> None:
        facts = graph_mode_facts(self.ctx)
        if facts is None:
            return
        site = facts.site(node)
        if site is None or not reinitializes_model(site, facts):
            return
        func = node.func
        fetch = node.args[0].value if facts.session_run(site) and node.args else func.value
        self.report(
            fetch,
            f"`{self.ctx.code_for(fetch)}` runs inside the training loop and resets every weight at "
            "every step, so the loss never goes down; run the initializer once before the loop.",
        )
