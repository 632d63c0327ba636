"""The TF graph and session rules on the cases their fixtures cannot isolate."""

from __future__ import annotations

from helpers import codes, lint

TF1_HEADER = """
import tensorflow.compat.v1 as tf
x = tf.placeholder(tf.float32, [None, 3])
"""


def test_nn201_fires_on_the_outer_call_only():
    found = codes(TF1_HEADER + """
with tf.Session() as sess:
    for step in range(10):
        m = tf.reduce_mean(tf.square(x))
        sess.run(m, feed_dict={x: batch()})
""", "NN201")
    assert found == [(7, "NN201")]


def test_nn201_counts_ops_built_in_an_outer_loop_of_a_session_loop():
    found = codes(TF1_HEADER + """
with tf.Session() as sess:
    for epoch in range(10):
        h = tf.layers.dense(x, 64)
        for step in range(100):
            sess.run(train_op)
""", "NN201")
    assert found == [(7, "NN201")]


def test_nn201_is_silent_for_a_fresh_graph_per_iteration():
    assert codes(TF1_HEADER + """
for lr in (0.1, 0.01):
    tf.reset_default_graph()
    w = tf.Variable(tf.zeros([3]))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
""", "NN201") == []


def test_nn201_reports_the_initializer_when_nn206_is_not_selected():
    code = TF1_HEADER + """
with tf.Session() as sess:
    for step in range(10):
        sess.run(tf.global_variables_initializer())
        sess.run(train_op)
"""
    assert codes(code, "NN2") == [(6, "NN203"), (7, "NN206")]
    assert codes(code, "NN201") == [(7, "NN201")]


def test_nn201_is_silent_in_eager_code_and_tf_function():
    assert codes("""
import tensorflow as tf
for step in range(10):
    t = tf.convert_to_tensor(batch())
    model.train_on_batch(t)
""", "NN201") == []


def test_nn202_follows_the_variable_not_the_name():
    found = codes(TF1_HEADER + """
sess = tf.Session()

def evaluate():
    sess = tf.Session()
    sess.close()
""", "NN202")
    assert found == [(5, "NN202")]


def test_nn202_is_silent_when_ownership_moves():
    assert codes(TF1_HEADER + """
def make():
    sess = tf.Session()
    return sess

def keep(pool):
    sess = tf.Session()
    pool.append(sess)

class Agent:
    def __init__(self):
        self.sess = tf.Session()

    def close(self):
        self.sess.close()
""", "NN202") == []


def test_nn202_self_attribute_closed_by_another_class_still_fires():
    found = codes(TF1_HEADER + """
class A:
    def __init__(self):
        self.sess = tf.Session()

class B:
    def __init__(self):
        self.sess = tf.Session()

    def close(self):
        self.sess.close()
""", "NN202")
    assert found == [(7, "NN202")]


def test_nn203_reports_a_loop_nest_once_and_respects_finalize():
    code = TF1_HEADER + """
with tf.Session() as sess:
    for epoch in range(10):
        for step in range(100):
            sess.run(train_op)
    sess.graph.finalize()
    for epoch in range(10):
        sess.run(train_op)
"""
    assert codes(code, "NN203") == [(6, "NN203")]


def test_nn203_is_silent_for_monitored_sessions_and_parameters_with_a_finalize_elsewhere():
    assert codes(TF1_HEADER + """
with tf.train.MonitoredTrainingSession() as sess:
    while not sess.should_stop():
        sess.run(train_op)

def train(sess):
    for step in range(10):
        sess.run(train_op)

def main():
    with tf.Session() as sess:
        sess.graph.finalize()
        train(sess)
""", "NN203") == []


def test_nn204_is_silent_for_an_ensemble_kept_in_a_list():
    assert codes("""
from tensorflow import keras
members = []
for seed in range(5):
    model = keras.Sequential([keras.layers.Dense(1)])
    model.fit(x, y)
    members.append(model)
""", "NN204") == []


def test_nn206_is_silent_when_the_training_runs_in_a_nested_loop():
    assert codes(TF1_HEADER + """
with tf.Session() as sess:
    init = tf.global_variables_initializer()
    for fold in range(5):
        sess.run(init)
        for step in range(100):
            sess.run(train_op)
""", "NN206") == []


TORCH_HEADER = """
import torch
import torch.nn as nn
import torch.nn.functional as F
"""


def test_nn205_scaled_accumulation_and_its_fix():
    result = lint(TORCH_HEADER + """
avg = 0
for x, y in loader:
    cost = F.cross_entropy(model(x), y)
    cost.backward()
    avg += cost / n_batches
""", "NN205")
    [finding] = result.diagnostics
    assert finding.line == 10
    [edit] = finding.fix.edits
    assert (edit.line, edit.column, edit.content) == (10, 12, "cost.item()")


def test_nn205_detaches_when_the_total_is_used_as_a_tensor_later():
    result = lint(TORCH_HEADER + """
def train():
    total = torch.zeros(1)
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        total = total + loss
    return total.item()
""", "NN205")
    [finding] = result.diagnostics
    assert finding.fix.edits[0].content == "loss.detach()"


def test_nn205_is_silent_for_a_loss_built_up_for_backward_and_for_per_step_totals():
    assert codes(TORCH_HEADER + """
for x, y in loader:
    loss = 0
    for t in range(steps):
        step_loss = criterion(model(x[t]), y[t])
        loss += step_loss
    loss.backward()
    batch_sum = 0
    batch_sum += loss
    history.append(loss.item())
    detached.append(loss.detach())
""", "NN205") == []


def test_nn205_needs_a_backward_in_the_loop():
    assert codes(TORCH_HEADER + """
total = 0
with torch.no_grad():
    for x, y in loader:
        loss = criterion(model(x), y)
        total += loss
""", "NN205") == []


def test_nn204_follows_a_builder_method_and_stays_silent_for_a_wired_model():
    found = codes("""
from tensorflow import keras

class Search:
    def build(self, width):
        return keras.Sequential([keras.layers.Dense(width), keras.layers.Dense(1)])

    def run(self, widths, base):
        for width in widths:
            model = self.build(width)
            model.fit(x, y)
            probe = keras.Model(inputs=base.input, outputs=base.get_layer("h").output)
            probe.predict(x)
""", "NN204")
    assert found == [(10, "NN204")]


def test_nn203_follows_a_session_bound_by_with_through_closing():
    assert codes(TF1_HEADER + """
import contextlib
with contextlib.closing(tf.train.MonitoredTrainingSession()) as mon:
    while True:
        mon.run(train_op)
""", "NN203") == []
