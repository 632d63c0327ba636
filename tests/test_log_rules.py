"""NN101 and NN103 on small programs: import styles, dataflow, guards and precedence.

The realistic cases live in fixtures/; these pin the edges of the semantics one at a time.
"""

from __future__ import annotations

import pytest

from helpers import codes, lint

SOFTMAX_STYLES = [
    ("import tensorflow as tf", "tf.log", "tf.nn.softmax(z)"),
    ("import tensorflow.compat.v1 as tf", "tf.log", "tf.nn.softmax(z)"),
    ("import tensorflow as tf", "tf.math.log", "tf.math.softmax(z)"),
    ("import tensorflow as tf", "tf.compat.v1.log", "tf.nn.softmax(z)"),
    ("from tensorflow.keras import backend as K", "K.log", "K.softmax(z)"),
    ("from keras import backend as K", "K.log", "K.softmax(z)"),
    ("import keras", "keras.ops.log", "keras.ops.softmax(z)"),
    ("import torch", "torch.log", "torch.softmax(z, 1)"),
    ("import torch\nimport torch.nn.functional as F", "torch.log", "F.softmax(z, dim=1)"),
    ("import torch\nfrom torch.nn import functional as F", "torch.log", "F.softmax(z, dim=1)"),
    ("import torch\nfrom torch import nn", "torch.log", "nn.Softmax(dim=1)(z)"),
]


@pytest.mark.parametrize("imports, log, softmax", SOFTMAX_STYLES)
def test_log_of_softmax_under_every_import_style(imports, log, softmax):
    direct = f"{imports}\nout = {log}({softmax})\n"
    through_variable = f"{imports}\np = {softmax}\nout = {log}(p)\n"
    line = imports.count("\n") + 2
    assert codes(direct) == [(line, "NN103")]
    assert codes(through_variable) == [(line + 1, "NN103")]


@pytest.mark.parametrize("imports, log, softmax", SOFTMAX_STYLES)
def test_guarded_softmax_is_silent(imports, log, softmax):
    assert codes(f"{imports}\nout = {log}({softmax} + 1e-8)\n") == []


def test_nn103_takes_precedence_and_nn101_reports_when_nn103_is_off():
    code = "import tensorflow as tf\ny = tf.nn.softmax(z)\nl = tf.log(y)\n"
    assert codes(code) == [(3, "NN103")]
    assert codes(code, "NN101") == [(3, "NN101")]


@pytest.mark.parametrize(
    "guard",
    [
        "tf.clip_by_value(p, 1e-10, 1.0)",
        "tf.maximum(p, 1e-10)",
        "p + eps",
        "eps + p",
        "tf.exp(p)",
        "1.0",
    ],
)
def test_tf_guards(guard):
    assert codes(f"import tensorflow as tf\np = tf.sigmoid(z)\nl = tf.log({guard})\n") == []


@pytest.mark.parametrize(
    "guard",
    ["torch.clamp(p, min=1e-8)", "torch.clamp(p, 1e-8, 1.0)", "torch.clamp_min(p, 1e-8)",
     "p.clamp(min=1e-8)", "p.clamp(1e-8)", "p.clamp_min(1e-8)"],
)
def test_torch_guards(guard):
    assert codes(f"import torch\np = torch.sigmoid(z)\nl = torch.log({guard})\n") == []


def test_clamp_with_only_an_upper_bound_is_not_a_guard_but_hides_the_origin():
    # clamp(max=...) leaves zeros in place, but what it returns is no longer "a sigmoid output".
    assert codes("import torch\np = torch.sigmoid(z)\nl = torch.log(torch.clamp(p, max=1.0))\n") == []


def test_guard_applied_earlier_through_a_variable():
    code = """
    import tensorflow as tf
    y = tf.nn.softmax(logits)
    y = tf.clip_by_value(y, 1e-10, 1.0)
    loss = -tf.reduce_sum(t * tf.log(y))
    """
    assert codes(code) == []


def test_guarded_parameter_reassigned_in_a_keras_loss():
    code = """
    from keras import backend as K
    def loss(y_true, y_pred):
        y_pred = K.clip(y_pred, K.epsilon(), 1 - K.epsilon())
        return -K.sum(y_true * K.log(y_pred), axis=-1)
    """
    assert codes(code) == []


@pytest.mark.parametrize(
    "expression",
    [
        "tf.reduce_sum(y_ * tf.log(p))",
        "tf.reduce_mean(-tf.reduce_sum(tf.log(p) * y_, axis=1))",
        "tf.reduce_sum(tf.multiply(y_, tf.log(p)))",
        "-tf.reduce_mean(y_ * tf.log(p) + (1 - y_) * tf.log(1 - p))",
    ],
)
def test_hand_written_cross_entropy_on_a_parameter(expression):
    code = f"import tensorflow as tf\ndef loss(y_, p):\n    return {expression}\n"
    found = codes(code)
    assert found and all(c == (3, "NN101") for c in found)


@pytest.mark.parametrize(
    "expression",
    [
        "tf.reduce_sum(tf.log(sigma))",  # no labels * log
        "tf.log(p)",  # unknown origin, not a cross-entropy
        "y_ * tf.log(p)",  # not reduced
        "tf.reduce_sum(y_ * tf.log(p + 1e-8))",  # guarded
    ],
)
def test_not_a_finding_without_the_cross_entropy_shape(expression):
    assert codes(f"import tensorflow as tf\ndef loss(y_, p, sigma):\n    return {expression}\n") == []


def test_torch_method_forms():
    code = """
    import torch
    import torch.nn.functional as F
    a = F.softmax(x, 1).log()
    b = x.sigmoid().log()
    c = -(t * q.log()).sum()
    d = logger.log()
    """
    assert codes(code) == [(4, "NN103"), (5, "NN101"), (6, "NN101")]


def test_self_attribute_dataflow_and_sequential_models():
    code = """
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.out = nn.Sigmoid()
            self.disc = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())

        def forward(self, x):
            self.p = self.out(x)
            return torch.log(self.p) + torch.log(self.disc(x))
    """
    assert codes(code) == [(13, "NN101"), (13, "NN101")]


def test_keras_layers_and_tf1_layer_functions():
    code = """
    import tensorflow as tf
    from tensorflow.keras import layers
    h = layers.Dense(10, activation="softmax")(x)
    g = layers.Dense(1, activation=tf.nn.sigmoid)(x)
    u = layers.Dense(10)(x)
    a = tf.layers.dense(x, 4, tf.nn.softmax)
    l1 = tf.log(h)
    l2 = tf.log(g)
    l3 = tf.log(u)
    l4 = tf.log(a)
    """
    assert codes(code) == [(8, "NN103"), (9, "NN101"), (11, "NN103")]


def test_user_functions_named_like_the_framework_are_not_the_framework():
    code = """
    import torch

    def softmax(x):
        return x

    def log(x):
        return torch.log(x + 1e-8)

    a = torch.log(softmax(z))
    b = log(torch.softmax(z, 1))
    """
    assert codes(code) == []


def test_tuple_unpacking_pairs_elements():
    code = """
    import tensorflow as tf
    gate, scale = tf.sigmoid(g), tf.exp(s)
    a = tf.log(gate)
    b = tf.log(scale)
    c, d = model(x)
    e = tf.log(c)
    """
    assert codes(code) == [(4, "NN101")]


def test_fixes():
    result = lint("import tensorflow as tf\nl = tf.log(tf.nn.softmax(x, axis=1))\nm = tf.log(tf.sigmoid(x))\n")
    nn103, nn101 = result.diagnostics
    assert nn103.fix.applicability.value == "safe"
    assert [(e.line, e.column, e.end_column, e.content) for e in nn103.fix.edits] == [
        (2, 5, 37, "tf.nn.log_softmax(x, axis=1)")
    ]
    assert nn101.fix.applicability.value == "unsafe"
    assert nn101.fix.edits[0].content == "tf.sigmoid(x) + 1e-8"


def test_no_fix_when_the_framework_has_no_log_softmax_twin():
    result = lint("from keras import backend as K\nl = K.log(K.softmax(x))\n")
    assert [d.code for d in result.diagnostics] == ["NN103"]
    assert result.diagnostics[0].fix is None


def test_values_returned_by_functions_methods_and_modules_of_the_module():
    code = """
    import tensorflow as tf
    import torch
    import torch.nn.functional as F

    def discriminator(x):
        logits = tf.matmul(x, W)
        return tf.nn.sigmoid(logits)

    class Policy(torch.nn.Module):
        def pi(self, x):
            prob = F.softmax(self.fc(x), dim=0)
            return prob

        def forward(self, x):
            return torch.sigmoid(self.fc(x))

        def act(self, s):
            return torch.log(self.pi(s))

    d_real = discriminator(x)
    d_fake = discriminator(g)
    loss = -tf.reduce_mean(tf.log(d_real) + tf.log(1. - d_fake))
    model = Policy()
    a = torch.log(model.pi(s)[0])
    b = torch.log(model(s))
    """
    assert codes(code) == [(19, "NN103"), (23, "NN101"), (23, "NN101"), (25, "NN101"), (26, "NN101")]


def test_functions_whose_returns_disagree_or_are_guarded_stay_silent():
    code = """
    import tensorflow as tf

    def head(x, binary):
        if binary:
            return tf.nn.sigmoid(x)
        return x

    def safe(x):
        return tf.nn.sigmoid(x) + 1e-6

    a = tf.log(head(x, True))
    b = tf.log(safe(x))
    c = tf.log(2 - tf.sigmoid(x))
    """
    assert codes(code) == []
