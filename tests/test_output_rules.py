"""NN102, NN104 and NN301-NN304 on the model shapes, loss spellings and label producers their
fixtures do not isolate, and the near-misses that must stay silent.

Sources mark each expected finding with `# expect: CODE`; every unmarked line must stay silent
for the codes under test.
"""

from __future__ import annotations

import textwrap

import pytest
from helpers import codes, expected_markers, lint

_CODES = ("NN102", "NN104", "NN301", "NN302", "NN303", "NN304")


def check(source: str) -> None:
    """The findings of the output-layer rules on `source` are exactly its markers."""
    text = textwrap.dedent(source)
    expected = sorted(m for m in expected_markers(text) if m[1] in _CODES)
    found = sorted(c for c in codes(text) if c[1] in _CODES)
    assert found == expected


# ============================================================================================
# Keras model shapes


@pytest.mark.parametrize("imports,prefix", [
    ("from tensorflow import keras", "keras.layers."),
    ("import keras", "keras.layers."),
    ("from tensorflow.keras.layers import Dense", ""),
    ("from keras.layers import Dense", ""),
    ("import tensorflow.compat.v1 as tf", "tf.keras.layers."),
    ("from tensorflow.python.keras import layers", "layers."),
])
def test_nn301_sequential_list_every_import_spelling(imports, prefix):
    seq = "keras.Sequential" if imports in ("from tensorflow import keras", "import keras") else "Seq"
    check(f"""
    {imports}
    from tensorflow.keras.models import Sequential as Seq
    import tensorflow as tf
    keras_ = tf.keras
    model = {seq}([
        {prefix}Dense(64, activation="relu"),
        {prefix}Dense(1, activation="relu"),  # expect: NN301
    ])
    model.compile(optimizer="adam", loss="mse")
    """)


def test_nn301_sequential_add_and_loop_of_hidden_layers():
    check("""
    from tensorflow import keras
    model = keras.Sequential()
    for units in (64, 32):
        model.add(keras.layers.Dense(units, activation="relu"))
    model.add(keras.layers.Dense(1, activation="relu"))  # expect: NN301
    model.compile("adam", keras.losses.MeanSquaredError())
    """)


def test_nn301_silent_when_the_last_add_is_conditional():
    check("""
    from tensorflow import keras
    model = keras.Sequential()
    model.add(keras.layers.Dense(64, activation="relu"))
    if positive_targets:
        model.add(keras.layers.Dense(1, activation="relu"))
    model.compile("adam", "mse")
    """)


def test_nn301_functional_and_builder_and_subclassed():
    check("""
    import tensorflow as tf
    from tensorflow.keras import layers, Model

    def build(n):
        inputs = layers.Input(shape=(n,))
        h = layers.Dense(32, activation="relu")(inputs)
        out = layers.Dense(1, activation=tf.nn.relu)(h)  # expect: NN301
        return Model(inputs=inputs, outputs=out)

    model = build(8)
    model.compile(optimizer="adam", loss="huber")

    class Regressor(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(16, activation="relu")
            self.out = layers.Dense(1, activation="softmax")  # expect: NN301, NN302

        def call(self, x):
            return self.out(self.hidden(x))

    reg = Regressor()
    reg.compile(optimizer="adam", loss=tf.keras.losses.mean_absolute_error)
    """)


def test_nn301_separate_activation_layer_and_string_loss_case():
    check("""
    from keras.models import Sequential
    from keras.layers import Dense, Activation
    model = Sequential([Dense(8, input_dim=4), Activation("relu"), Dense(1), Activation("relu")])  # expect: NN301
    model.compile(loss="MSE", optimizer="sgd")
    """)


def test_nn301_silent_for_sigmoid_tanh_linear_and_unknown_loss():
    check("""
    from tensorflow import keras
    a = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    a.compile("adam", "mse")
    b = keras.Sequential([keras.layers.Dense(1, activation="tanh")])
    b.compile("adam", "mae")
    c = keras.Sequential([keras.layers.Dense(1)])
    c.compile("adam", "mse")
    d = keras.Sequential([keras.layers.Dense(1, activation="relu")])
    d.compile("adam", loss=custom_loss)
    e = keras.Sequential([keras.layers.Dense(1, activation="relu")])
    e.compile("adam", loss=["mse", "mae"])
    f = keras.Sequential([keras.layers.Conv2D(3, 3, activation="relu")])
    f.compile("adam", "mse")
    """)


def test_nn301_msle_is_not_a_regression_loss_here():
    check("""
    from tensorflow import keras
    m = keras.Sequential([keras.layers.Dense(1, activation="relu")])
    m.compile("adam", "msle")
    """)


# ============================================================================================
# torch model shapes


def test_nn301_torch_sequential_ordered_dict_and_add_module():
    check("""
    from collections import OrderedDict
    import torch
    import torch.nn as nn
    a = nn.Sequential(OrderedDict([
        ("fc1", nn.Linear(4, 16)),
        ("act", nn.ReLU()),
        ("fc2", nn.Linear(16, 1)),
        ("out", nn.ReLU()),  # expect: NN301
    ]))
    b = nn.Sequential()
    b.add_module("fc", nn.Linear(4, 1))
    b.add_module("sp", nn.Softplus())  # expect: NN301
    criterion = nn.SmoothL1Loss()
    for x, y in loader:
        loss = criterion(a(x), y) + criterion(b(x), y)
    """)


def test_nn301_torch_forward_with_module_attribute_activation():
    check("""
    import torch
    from torch import nn
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 1)
            self.act = nn.ReLU()
        def forward(self, x):
            return self.act(self.fc(x))  # expect: NN301
    net = Net()
    out = net(x).squeeze(1)
    loss = torch.nn.functional.mse_loss(out, y)
    """)


def test_nn301_silent_for_feature_and_distillation_losses():
    check("""
    import torch
    import torch.nn.functional as F
    def consistency(student_logits, teacher_logits):
        return F.mse_loss(F.softmax(student_logits, dim=1), F.softmax(teacher_logits, dim=1))
    def content_loss(features, target):
        return F.mse_loss(F.relu(features), target)
    """)


def test_nn301_tf1_tensors_and_hand_written_mse():
    check("""
    import tensorflow.compat.v1 as tf
    x = tf.placeholder(tf.float32, [None, 13])
    y = tf.placeholder(tf.float32, [None, 1])
    W = tf.Variable(tf.zeros([13, 1]))
    b = tf.Variable(tf.zeros([1]))
    pred = tf.nn.relu(tf.matmul(x, W) + b)  # expect: NN301
    cost = tf.reduce_mean(tf.square(pred - y))
    dense = tf.layers.dense(x, 1, activation=tf.nn.relu)  # expect: NN301
    cost2 = tf.losses.mean_squared_error(labels=y, predictions=dense)
    """)


# ============================================================================================
# NN302


def test_nn302_keras_dense_one_unit_softmax_anywhere():
    check("""
    from tensorflow.keras import layers
    NUM_OUTPUTS = 1
    head = layers.Dense(NUM_OUTPUTS, activation="softmax")  # expect: NN302
    other = layers.Dense(units=1, activation="sigmoid")
    """)


def test_nn302_tf1_softmax_of_one_column_and_torch_dim_minus_one():
    check("""
    import tensorflow as tf
    import torch.nn as nn
    W = tf.get_variable("W", shape=[64, 1])
    y = tf.nn.softmax(tf.matmul(h, W))  # expect: NN302
    scores = tf.nn.softmax(tf.matmul(h, W), axis=1)
    head = nn.Sequential(nn.Linear(64, 1), nn.Softmax(dim=-1))  # expect: NN302
    attention = nn.Sequential(nn.Linear(64, 1), nn.Softmax(dim=1))
    """)


def test_nn302_torch_softmax_over_dim_1_only_when_it_feeds_a_loss():
    check("""
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(64, 1), nn.Softmax(dim=1))  # expect: NN302
    criterion = nn.BCELoss()
    loss = criterion(model(x), y)
    """)


# ============================================================================================
# NN304, NN102, NN104


def test_nn304_and_nn102_torch_functional_losses():
    check("""
    import torch
    import torch.nn.functional as F
    class Classifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(128, 10)
        def forward(self, x):
            return F.relu(self.fc(x))  # expect: NN304
    def train(model, x, y, logits):
        loss = F.cross_entropy(Classifier()(x), y)
        loss2 = F.binary_cross_entropy_with_logits(torch.sigmoid(logits), y)  # expect: NN102
        return loss + loss2
    """)


def test_nn102_keras_from_logits_with_softmax_output():
    check("""
    from tensorflow import keras
    model = keras.Sequential([
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),  # expect: NN102
    ])
    model.compile("adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)
    loss = loss_fn(y_true, keras.activations.softmax(scores))  # expect: NN102
    """)


def test_nn102_silent_for_log_softmax_and_inference_softmax():
    check("""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    criterion = nn.CrossEntropyLoss()
    loss = criterion(F.log_softmax(logits, dim=1), y)
    probs = F.softmax(model(x), dim=1)
    """)


def test_nn104_bce_on_linear_output_and_keras_function_losses():
    check("""
    import torch.nn as nn
    import tensorflow as tf
    net = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 1))  # expect: NN104
    bce = nn.BCELoss()
    loss = bce(net(x).squeeze(1), y)
    logits = tf.keras.layers.Dense(1)(h)  # expect: NN104
    tf_loss = tf.keras.losses.binary_crossentropy(y_true, logits)
    ok = tf.keras.losses.binary_crossentropy(y_true, logits, from_logits=True)
    """)


def test_nn104_nll_on_softmax_output():
    check("""
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(20, 5), nn.Softmax(dim=1))  # expect: NN104
    loss = nn.NLLLoss()(model(x), y)
    """)


# ============================================================================================
# NN303


def test_nn303_train_test_split_and_to_categorical():
    check("""
    import numpy as np
    from sklearn.model_selection import train_test_split
    from tensorflow.keras.utils import to_categorical
    from tensorflow import keras
    y = to_categorical(labels)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X_train, y_train, epochs=3)  # expect: NN303
    """)


def test_nn303_compile_inside_builder():
    check("""
    from tensorflow import keras
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    def build():
        m = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        m.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        return m
    model = build()
    model.fit(x_train, y_train, validation_data=(x_test, y_test))  # expect: NN303
    """)


def test_nn303_tf1_placeholders_and_feed_dict():
    check("""
    import tensorflow.compat.v1 as tf
    from tensorflow.examples.tutorials.mnist import input_data
    mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
    x = tf.placeholder(tf.float32, [None, 784])
    ids = tf.placeholder(tf.int64, [None])
    onehot = tf.placeholder(tf.float32, [None, 10])
    fed = tf.placeholder(tf.float32)
    logits = tf.layers.dense(x, 10)
    a = tf.losses.softmax_cross_entropy(onehot_labels=ids, logits=logits)  # expect: NN303
    b = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=onehot, logits=logits)  # expect: NN303
    c = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=fed, logits=logits)  # expect: NN303
    d = tf.nn.softmax_cross_entropy_with_logits(labels=onehot, logits=logits)
    with tf.Session() as sess:
        xs, ys = mnist.train.next_batch(100)
        sess.run(c, feed_dict={x: xs, fed: ys})
    """)


def test_nn303_torch_one_hot_target():
    check("""
    import torch
    import torch.nn.functional as F
    target = F.one_hot(y, num_classes=10)
    bad = F.cross_entropy(logits, target)  # expect: NN303
    ok = F.cross_entropy(logits, target.float())
    nll = F.nll_loss(F.log_softmax(logits, 1), F.one_hot(y, 10).float())  # expect: NN303
    """)


def test_nn303_silent_when_either_side_is_unknown_or_producers_disagree():
    check("""
    import numpy as np
    from tensorflow import keras
    model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "categorical_crossentropy")
    model.fit(x, load_labels("train.csv"))
    model.fit(train_generator, epochs=3)
    other = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
    other.compile("adam", loss=loss_from_config)
    other.fit(x, np.argmax(y, axis=1))
    if sparse:
        labels = np.argmax(y, axis=1)
    else:
        labels = y
    model.fit(x, labels)
    """)


def test_one_finding_per_site_when_compiled_twice():
    result = lint("""
    from tensorflow import keras
    model = keras.Sequential([keras.layers.Dense(1, activation="relu")])
    model.compile("adam", "mse")
    model.compile("sgd", "mae")
    """, "NN301")
    assert [d.line for d in result.diagnostics] == [3]
    assert "`loss=\"mse\"`" in result.diagnostics[0].message


# ============================================================================================
# Shapes found missing or wrong on real repositories


def test_activation_applied_under_a_condition_in_a_helper_is_not_certain():
    check("""
    import tensorflow as tf
    def fc(inp, n_in, n_out, use_relu=True):
        h = tf.matmul(inp, tf.Variable(tf.zeros([n_in, n_out])))
        if use_relu:
            h = tf.nn.relu(h)
        return h
    logits = fc(fc(x, 784, 128), 128, 10, use_relu=False)
    loss = tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y)
    """)


def test_outputs_unpacked_from_a_forward_that_returns_a_tuple_and_self_call():
    check("""
    import torch.nn as nn
    import torch.nn.functional as F
    import pytorch_lightning as pl
    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.adv = nn.Linear(128, 1)
            self.aux = nn.Sequential(nn.Linear(128, 10), nn.Softmax(dim=1))  # expect: NN102
        def forward(self, x):
            return self.adv(x), self.aux(x)
    D = Discriminator()
    auxiliary_loss = nn.CrossEntropyLoss()
    validity, label = D(images)
    loss = auxiliary_loss(label, labels)
    also = auxiliary_loss(D(images)[1], labels)
    adversarial = nn.BCEWithLogitsLoss()(D(images)[0], real)
    class Lit(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(64, 10)
        def forward(self, x):
            return F.softmax(self.fc(x), dim=1)  # expect: NN102
        def training_step(self, batch, batch_idx):
            x, y = batch
            return F.cross_entropy(self(x), y)
    """)


def test_sequential_built_from_a_list():
    check("""
    import torch.nn as nn
    def build(sizes):
        layers = [nn.Flatten()]
        for a, b in zip(sizes, sizes[1:]):
            layers.append(nn.Linear(a, b))
            layers.append(nn.ReLU())
        layers.append(nn.Linear(sizes[-1], 10))
        layers.append(nn.Softmax(dim=1))  # expect: NN102
        return nn.Sequential(*layers)
    model = build([784, 128])
    loss = nn.CrossEntropyLoss()(model(x), y)
    """)


def test_tf_losses_with_positional_arguments_in_either_order():
    check("""
    import tensorflow as tf
    y_ = tf.placeholder(tf.float32, [None, 10])
    h = tf.nn.relu(tf.matmul(x, W) + b)  # expect: NN304
    old = tf.nn.sparse_softmax_cross_entropy_with_logits(h, tf.argmax(y_, 1))
    target = tf.one_hot(t, 3, 1, 0)
    p = tf.contrib.layers.fully_connected(features, 3, tf.nn.softmax)  # expect: NN102
    contrib = tf.contrib.losses.softmax_cross_entropy(p, target)
    teacher = tf.nn.softmax(tf.matmul(x, W2))
    soft = tf.nn.softmax_cross_entropy_with_logits(teacher, student_logits)
    """)


def test_unreduced_squared_error_assigned_as_the_loss():
    check("""
    import tensorflow as tf
    q = tf.nn.relu(tf.matmul(x, W) + b)  # expect: NN301
    loss = tf.square(y - q)
    train = tf.train.AdamOptimizer(1e-3).minimize(loss)
    diff = tf.square(y - tf.nn.relu(tf.matmul(x, W3)))
    """)


# ============================================================================================
# Found by reviewing the rules against the catalog


def test_review_label_casts_keras_inputs_and_brier_classifiers():
    check("""
    import torch
    import torch.nn.functional as F
    import tensorflow as tf
    from tensorflow import keras
    from tensorflow.keras.utils import to_categorical
    ok = F.cross_entropy(logits, F.one_hot(y, 10).to(torch.float32))
    bad = F.cross_entropy(logits, F.one_hot(y, 10).to(device))  # expect: NN303
    labels = tf.keras.Input(shape=(10,), dtype="float32")
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=scores)  # expect: NN303
    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    y_train = to_categorical(y_train, 10)
    brier = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    brier.compile(optimizer="sgd", loss="mean_squared_error")
    brier.fit(x_train, y_train, epochs=5)
    penalty = F.l1_loss(F.relu(torch.nn.Linear(8, 4)(x)), torch.zeros_like(x))
    """)


def test_review_nn104_relu_and_tanh_outputs_and_nn302_without_dim():
    check("""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    a = nn.Sequential(nn.Linear(8, 5), nn.ReLU())  # expect: NN104
    loss_a = F.nll_loss(a(x), y)
    b = nn.Sequential(nn.Linear(8, 1), nn.Tanh())  # expect: NN104
    loss_b = nn.BCELoss()(b(x), t)
    c = nn.Sequential(nn.Linear(8, 1), nn.Softmax())  # expect: NN302
    """)



def test_nn303_what_a_placeholder_is_fed_decides_over_what_it_declares():
    check("""
    import tensorflow as tf
    from tensorflow.examples.tutorials.mnist import input_data
    mnist = input_data.read_data_sets("/tmp/data/", one_hot=False)
    y = tf.placeholder("float", [None, 10])
    cost = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=pred)  # expect: NN303
    with tf.Session() as sess:
        batch_x, batch_y = mnist.train.next_batch(128)
        sess.run(cost, feed_dict={x: batch_x, y: batch_y})
    """)
