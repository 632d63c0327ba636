"""NN105-NN107, NN305, NN306 and NN405: the model-side rules, on the shapes their fixtures do not
isolate, the near-misses that must stay silent, and NN106's fix.

Sources mark each expected finding with `# expect: CODE`; every unmarked line must stay silent
for the codes under test.
"""

from __future__ import annotations

import textwrap

import pytest

from helpers import codes, expected_markers, lint
from nnlint.fixing import apply_fixes

_CODES = ("NN105", "NN106", "NN107", "NN305", "NN306", "NN405")


def check(source: str) -> None:
    text = textwrap.dedent(source)
    expected = sorted(m for m in expected_markers(text) if m[1] in _CODES)
    found = sorted(c for c in codes(text) if c[1] in _CODES)
    assert found == expected


# ============================================================================================
# NN105 activation-applied-twice


def test_nn105_functions_methods_models_and_layers():
    check("""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import tensorflow as tf
    from tensorflow import keras
    a = F.softmax(F.softmax(x, dim=1), dim=1)  # expect: NN105
    p = torch.sigmoid(z)
    b = p.sigmoid()  # expect: NN105
    net = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))
    c = F.softmax(net(x), dim=1)  # expect: NN105
    model = keras.Sequential([
        keras.layers.Dense(10, activation="softmax"),
        keras.layers.Activation("softmax"),  # expect: NN105
    ])
    d = tf.nn.softmax(model(images))  # expect: NN105
    e = F.softmax(F.log_softmax(x, dim=1), dim=1)
    f = torch.sigmoid(F.softmax(x, dim=1))
    g = F.softmax(unknown(x), dim=1)
    """)


def test_nn105_functional_layer_call():
    check("""
    from tensorflow.keras import layers
    h = layers.Dense(10, activation="softmax")(x)
    out = layers.Softmax()(h)  # expect: NN105
    """)


# ============================================================================================
# NN106 hand-written-logsumexp


@pytest.mark.parametrize("line,fixed", [
    ("z = torch.log(torch.sum(torch.exp(x), dim=1))", "z = torch.logsumexp(x, dim=1)"),
    ("z = torch.log(torch.sum(torch.exp(x), 1, keepdim=True))", "z = torch.logsumexp(x, 1, keepdim=True)"),
    ("z = x.exp().sum(1).log()", "z = x.logsumexp(1)"),
    ("z = (a + b).exp().sum(dim=-1).log()", "z = (a + b).logsumexp(dim=-1)"),
    ("z = tf.log(tf.reduce_sum(tf.exp(x), axis=1))", "z = tf.reduce_logsumexp(x, axis=1)"),
    ("z = tf.math.log(tf.math.reduce_sum(tf.exp(x), 1, keepdims=True))",
     "z = tf.math.reduce_logsumexp(x, 1, keepdims=True)"),
    ("z = K.log(K.sum(K.exp(x), axis=-1))", "z = K.logsumexp(x, axis=-1)"),
])
def test_nn106_fix_keeps_axis_and_keepdims(line, fixed):
    header = "import torch\nimport tensorflow as tf\nfrom keras import backend as K\n"
    text = header + line + "\n"
    findings = [d for d in lint(text).diagnostics if d.code == "NN106"]
    assert len(findings) == 1 and findings[0].fix is not None
    assert apply_fixes(text, findings) == header + fixed + "\n"


def test_nn106_through_assignments_reports_without_fix_and_near_misses():
    check("""
    import torch
    import tensorflow as tf
    e = torch.exp(scores)
    s = e.sum(dim=1)
    z = torch.log(s)  # expect: NN106
    everything = torch.log(torch.sum(torch.exp(x)))
    stable = torch.log(torch.sum(torch.exp(x - x.max()), dim=1))
    two = torch.log2(torch.sum(torch.exp(x), dim=1))
    guarded = tf.log(tf.reduce_sum(tf.exp(x), axis=1) + 1e-8)
    """)
    result = lint("import torch\ne = torch.exp(x)\nz = torch.log(e.sum(1))\n")
    assert [d.fix for d in result.diagnostics if d.code == "NN106"] == [None]


# ============================================================================================
# NN107 sigmoid-then-bce


def test_nn107_torch_and_explicit_tf_sigmoid():
    check("""
    import torch
    import torch.nn as nn
    import tensorflow as tf
    from tensorflow import keras
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 1)
        def forward(self, x):
            return torch.sigmoid(self.fc(x))  # expect: NN107
    criterion = nn.BCELoss()
    loss = criterion(Net()(x), y)
    tf_loss = tf.keras.losses.binary_crossentropy(y, tf.sigmoid(logits))  # expect: NN107
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    bce = keras.losses.BinaryCrossentropy()
    keras_loss = bce(y, keras.activations.sigmoid(logits))
    """)


# ============================================================================================
# NN305 missing-nonlinearity


def test_nn305_sequences():
    check("""
    import torch.nn as nn
    from collections import OrderedDict
    from tensorflow import keras
    a = nn.Sequential(
        nn.Linear(784, 256),  # expect: NN305
        nn.Linear(256, 10),
    )
    b = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    c = nn.Sequential(nn.Linear(784, 256), nn.Dropout(0.2), nn.Linear(256, 10))
    m = keras.Sequential()
    m.add(keras.layers.Dense(64, input_shape=(20,)))  # expect: NN305
    m.add(keras.layers.Dense(10, activation="softmax"))
    bottleneck = keras.Sequential([keras.layers.Dense(32, activation=None), keras.layers.Dense(10)])
    last = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(10)])
    """)


# ============================================================================================
# NN306 loss-output-mismatch


def test_nn306_three_contradictions_and_constants():
    check("""
    from tensorflow import keras
    NUM_CLASSES = 10
    a = keras.Sequential([keras.layers.Dense(1)])  # expect: NN306
    a.compile("adam", "sparse_categorical_crossentropy")
    b = keras.Sequential([keras.layers.Dense(NUM_CLASSES, activation="softmax")])  # expect: NN306
    b.compile("adam", loss=keras.losses.BinaryCrossentropy())
    num_classes = 5
    c = keras.Sequential([keras.layers.Dense(num_classes, activation="sigmoid")])  # expect: NN306
    c.compile("adam", loss=keras.losses.categorical_crossentropy)
    multilabel = keras.Sequential([keras.layers.Dense(5, activation="sigmoid")])
    multilabel.compile("adam", "binary_crossentropy")
    two = keras.Sequential([keras.layers.Dense(2, activation="softmax")])
    two.compile("adam", "binary_crossentropy")
    unknown = keras.Sequential([keras.layers.Dense(n_out, activation="softmax")])
    unknown.compile("adam", "binary_crossentropy")
    """)


# ============================================================================================
# NN405 constant-weight-init


def test_nn405_keras_hidden_layers_sequential_and_functional():
    check("""
    from tensorflow import keras
    from tensorflow.keras import layers, initializers
    model = keras.Sequential([
        layers.Dense(64, activation="relu", kernel_initializer="zeros"),  # expect: NN405
        layers.Dense(10, activation="softmax", kernel_initializer="zeros"),
    ])
    inputs = keras.Input(shape=(20,))
    h = layers.Dense(32, activation="tanh", kernel_initializer=initializers.Constant(0.1))(inputs)  # expect: NN405
    out = layers.Dense(1, bias_initializer="zeros")(h)
    single = keras.Sequential([layers.Dense(10, activation="softmax", kernel_initializer="zeros")])
    """)


def test_nn405_torch_init_calls_on_hidden_layers_only():
    check("""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 256)
            self.fc2 = nn.Linear(256, 10)
            nn.init.zeros_(self.fc1.weight)  # expect: NN405
            nn.init.zeros_(self.fc1.bias)
            nn.init.constant_(self.fc2.weight, 0.0)
        def forward(self, x):
            return self.fc2(F.relu(self.fc1(x)))
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(10, 10)
            self.out = nn.Linear(10, 1)
            self.hidden.weight.data.fill_(0.5)  # expect: NN405
        def forward(self, x):
            h = torch.tanh(self.hidden(x))
            return self.out(h)
    logistic = nn.Linear(784, 10)
    nn.init.zeros_(logistic.weight)
    """)


def test_nn405_tf1_variables():
    check("""
    import tensorflow.compat.v1 as tf
    x = tf.placeholder(tf.float32, [None, 784])
    W1 = tf.Variable(tf.zeros([784, 256]))  # expect: NN405
    b1 = tf.Variable(tf.zeros([256]))
    h = tf.nn.relu(tf.matmul(x, W1) + b1)
    W2 = tf.Variable(tf.zeros([256, 10]))
    logits = tf.matmul(h, W2)
    W = tf.Variable(tf.zeros([784, 10]))
    softmax_regression = tf.nn.softmax(tf.matmul(x, W))
    V = tf.get_variable("V", [784, 64], initializer=tf.zeros_initializer())  # expect: NN405
    g = tf.nn.sigmoid(tf.matmul(x, V))
    y2 = tf.layers.dense(g, 10)
    """)


def test_models_moved_to_a_device_wrapped_or_returned_through_branches_and_reshapes():
    check("""
    import torch
    import torch.nn as nn
    device = torch.device("cuda")
    D = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Sigmoid())  # expect: NN107
    D = D.to(device)
    class Judge(nn.Module):
        def __init__(self, gpus):
            super().__init__()
            self.gpus = gpus
            self.body = nn.Sequential(nn.Linear(20, 10), nn.ReLU(), nn.Linear(10, 1), nn.Sigmoid())  # expect: NN107
        def forward(self, x):
            if self.gpus > 1:
                score = nn.parallel.data_parallel(self.body, x, range(self.gpus))
            else:
                score = self.body(x)
            return score.view(-1, 1).squeeze(1)
    judge = nn.DataParallel(Judge(2)).cuda()
    criterion = nn.BCELoss()
    loss = criterion(D(images), real) + criterion(judge(x), y)
    """)


def test_models_and_outputs_passed_to_helper_functions():
    check("""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    decoder = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 50), nn.Sigmoid())  # expect: NN107
    def recon_loss(recon, target):
        return F.binary_cross_entropy(recon, target, reduction="sum")
    loss = recon_loss(decoder(z), x)
    class Matcher(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(12, 1)
        def forward(self, a):
            return torch.sigmoid(self.head(a))  # expect: NN107
    def train(net, batches):
        crit = nn.BCELoss()
        for a, y in batches:
            crit(net(a), y).backward()
    train(Matcher(), data)
    def evaluate(net, batches):
        return [nn.BCELoss()(net(a), y) for a, y in batches]
    evaluate(Matcher(), data)
    evaluate(other_model, data)
    """)


def test_nn405_initialisation_by_layer_type_in_a_modules_loop_or_apply():
    check("""
    import torch.nn as nn
    import torch.nn.functional as F
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 256)
            self.bn = nn.BatchNorm1d(256)
            self.fc2 = nn.Linear(256, 10)
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    nn.init.constant_(m.weight, 0.0)  # expect: NN405
                    nn.init.zeros_(m.bias)
                elif isinstance(m, nn.BatchNorm1d):
                    nn.init.constant_(m.weight, 1)
        def forward(self, x):
            return self.fc2(F.relu(self.bn(self.fc1(x))))
    def zero_weights(m):
        if isinstance(m, nn.Linear):
            m.weight.data.fill_(0)  # expect: NN405
    def xavier(m):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    net.apply(zero_weights)
    net.apply(xavier)
    out = net(x)
    """)


def test_review_nn405_weight_through_a_local_and_reinitialised():
    check("""
    import torch.nn as nn
    import torch.nn.functional as F
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 8)
            self.fc2 = nn.Linear(8, 8)
            self.out = nn.Linear(8, 1)
            w = self.fc1.weight
            nn.init.constant_(w, 0.5)  # expect: NN405
            nn.init.zeros_(self.fc2.weight)
            nn.init.kaiming_normal_(self.fc2.weight)
        def forward(self, x):
            return self.out(F.relu(self.fc2(F.relu(self.fc1(x)))))
    """)
