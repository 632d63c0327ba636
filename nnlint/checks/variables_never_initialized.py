"""NN207: a TF1 session that runs variables nobody initialized."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.initialization import uninitialized_sessions
from nnlint.analysis.tf_graph import graph_mode_facts
from nnlint.rule import Rule, Severity


class VariablesNeverInitialized(Rule):
    code = "NN207"
    name = "variables-never-initialized"
    severity = Severity.ERROR
    summary = "A session runs a graph whose variables are never initialized, so its first run fails."

    what_it_does = (
        "Finds TF1 graph-mode code that creates variables (`tf.Variable`, `tf.get_variable`, "
        "`tf.layers.*`, `tf.contrib.layers.*`, `slim.*`) and runs them in a session it creates "
        "(`tf.Session()`, `tf.InteractiveSession()`), with no initializer run anywhere in the "
        "module. It reports each such session where it is created."
    )
    why_bad = (
        "A TF1 variable has no value until its initializer op runs. The first `sess.run` that "
        "touches one fails with `FailedPreconditionError: Attempting to use uninitialized "
        "value`, often after the input pipeline has spent minutes loading data."
    )
    stays_silent = (
        "- Anything in the module that initializes or restores variables: "
        "`tf.global_variables_initializer()`, `initialize_all_variables`, `variables_initializer`, "
        "`tf.initializers.global_variables()`, `<var>.initializer` (not a tf.data iterator's), "
        "`saver.restore(...)` or any other `.restore(...)`, `tf.train.init_from_checkpoint`, "
        "`var.load(value, sess)`, `var.assign(value)`, `tf.saved_model.loader.load`, Keras' "
        "`get_session`/`set_session`.\n"
        "- `MonitoredTrainingSession`, `Supervisor`, `Scaffold`, `SessionManager`, Estimators and "
        "`slim.learning.train`: they initialize the variables themselves.\n"
        "- A session that comes from elsewhere (a parameter, `K.get_session()`), or that is passed "
        "to a function this module does not define (`load_weights(sess, path)` may restore them).\n"
        "- A module that creates no variables itself (a frozen graph, a model built in another "
        "module), and a session opened in a `with graph.as_default():` block where no variable "
        "is created (variables of other graphs do not count)."
    )
    example = (
        "import tensorflow as tf\n\n"
        "W = tf.Variable(tf.zeros([784, 10]))\n"
        "y = tf.nn.softmax(tf.matmul(x, W))\n"
        "with tf.Session() as sess:\n"
        "    for batch_x, batch_y in batches:\n"
        "        sess.run(train_op, feed_dict={x: batch_x, y_: batch_y})\n"
    )
    use_instead = (
        "import tensorflow as tf\n\n"
        "W = tf.Variable(tf.zeros([784, 10]))\n"
        "y = tf.nn.softmax(tf.matmul(x, W))\n"
        "with tf.Session() as sess:\n"
        "    sess.run(tf.global_variables_initializer())\n"
        "    for batch_x, batch_y in batches:\n"
        "        sess.run(train_op, feed_dict={x: batch_x, y_: batch_y})\n"
    )
    known_problems = (
        "Initializers are looked for in the whole module: one run for one graph silences the "
        "sessions of another graph in the same file."
    )

    def leave_Module(self, node: cst.Module) -> None:
        facts = graph_mode_facts(self.ctx)
        if facts is None:
            return
        for site in uninitialized_sessions(facts, self.ctx.index):
            self.report(site.node, (
                "This session runs a graph whose variables are never initialized, so the first "
                "`run` fails with FailedPreconditionError; run `tf.global_variables_initializer()` "
                "in it before training."
            ), statement=site.where.order)
