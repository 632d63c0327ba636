"""NN401-NN404 on the cases their fixtures do not isolate: every import spelling the catalog
requires, thresholds at their boundary, near-misses that must stay silent, and thresholds set
through settings and configuration files.

Sources mark each expected finding with `# expect: CODE`; every unmarked line must stay silent.
"""

from __future__ import annotations

import textwrap

import pytest

from cli_helpers import found, invoke, write
from helpers import codes, expected_markers, lint
from nnlint import selection
from nnlint.engine import lint_source


def check(source: str, select: str) -> None:
    """The findings of `select` on `source` are exactly its `# expect:` markers."""
    text = textwrap.dedent(source)
    expected = sorted(m for m in expected_markers(text) if m[1].startswith(select))
    assert sorted(codes(text, select)) == expected


def with_settings(source: str, code: str, options: dict) -> list:
    result = lint_source(textwrap.dedent(source), "t.py", selection.resolve([code], []), {code: options})
    assert result.internal_errors == []
    return [(d.line, d.code) for d in result.diagnostics]


# ============================================================================================
# NN401 learning-rate-too-high


def test_nn401_tf_compat_v1_optimizers():
    check("""
    import tensorflow.compat.v1 as tf
    a = tf.train.AdamOptimizer(0.1)  # expect: NN401
    b = tf.train.RMSPropOptimizer(learning_rate=0.05)  # expect: NN401
    c = tf.train.AdamOptimizer(learning_rate=0.001)
    d = tf.train.GradientDescentOptimizer(0.99)
    e = tf.train.MomentumOptimizer(1.0, momentum=0.9)  # expect: NN401
    f = tf.train.AdadeltaOptimizer(1.0)
    g = tf.train.FtrlOptimizer(5.0)
    h = tf.train.ProximalGradientDescentOptimizer(3.0)
    i = tf.compat.v1.train.AdamOptimizer(0.5)  # expect: NN401
    """, "NN401")


def test_nn401_tf_contrib_optimizers():
    check("""
    import tensorflow as tf
    a = tf.contrib.opt.NadamOptimizer(0.1)  # expect: NN401
    b = tf.contrib.opt.LazyAdamOptimizer(learning_rate=0.2)  # expect: NN401
    c = tf.contrib.opt.AdamWOptimizer(1e-4, learning_rate=0.1)  # expect: NN401
    d = tf.contrib.opt.AdamWOptimizer(0.1, 0.001)
    """, "NN401")


def test_nn401_tf_keras_optimizers_module():
    check("""
    from tensorflow.keras import optimizers
    a = optimizers.Adam(learning_rate=0.1)  # expect: NN401
    b = optimizers.Adam(0.01)
    c = optimizers.Nadam(lr=0.06)  # expect: NN401
    d = optimizers.SGD(0.5, momentum=0.9)
    e = optimizers.SGD(learning_rate=2.0)  # expect: NN401
    f = optimizers.Adadelta(learning_rate=1.0)
    g = optimizers.Adagrad(learning_rate=0.5)
    """, "NN401")


def test_nn401_standalone_keras():
    check("""
    import keras
    a = keras.optimizers.adam(lr=0.1)  # expect: NN401
    b = keras.optimizers.legacy.Adam(0.1)  # expect: NN401
    c = keras.optimizers.experimental.AdamW(learning_rate=0.2)  # expect: NN401
    d = keras.optimizers.RMSprop(lr=0.001)
    e = keras.optimizers.Ftrl(1.0)
    f = keras.optimizers.Lion(0.3)
    g = keras.optimizers.Adafactor(learning_rate=1.0)
    h = keras.optimizers.sgd(lr=1.0)  # expect: NN401
    """, "NN401")


def test_nn401_torch_optim_module_alias():
    check("""
    from torch import optim
    a = optim.Adam(model.parameters(), lr=0.05)  # expect: NN401
    b = optim.Adam(model.parameters(), lr=0.049)
    c = optim.SGD(model.parameters(), 1.0)  # expect: NN401
    d = optim.SGD(model.parameters(), lr=0.99, momentum=0.9)
    e = optim.Adadelta(model.parameters(), lr=1.0)
    f = optim.LBFGS(model.parameters(), lr=1)
    g = optim.Rprop(model.parameters(), lr=0.5)
    h = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    i = optim.RAdam(model.parameters(), lr=0.3)  # expect: NN401
    j = optim.NAdam(model.parameters(), 0.3)  # expect: NN401
    k = optim.Adamax(model.parameters(), lr=0.002)
    l = optim.ASGD(model.parameters(), lr=1.5)  # expect: NN401
    """, "NN401")


def test_nn401_torch_direct_and_submodule_imports():
    check("""
    import torch
    from torch.optim import Adam, SGD
    a = Adam(model.parameters(), 0.1)  # expect: NN401
    b = SGD(model.parameters(), lr=1.0)  # expect: NN401
    c = torch.optim.adam.Adam(model.parameters(), lr=0.1)  # expect: NN401
    d = torch.optim.sgd.SGD(model.parameters(), lr=0.1)
    e = torch.optim.adamw.AdamW(params=model.parameters(), lr=0.07)  # expect: NN401
    """, "NN401")


def test_nn401_optimizer_imported_under_another_name():
    check("""
    from torch.optim import Adam as TorchAdam
    from tensorflow.keras.optimizers import SGD as KerasSGD
    a = TorchAdam(model.parameters(), lr=0.1)  # expect: NN401
    b = KerasSGD(learning_rate=2.0)  # expect: NN401
    """, "NN401")


def test_nn401_adagrad_is_held_to_the_sgd_threshold():
    check("""
    import torch
    a = torch.optim.Adagrad(model.parameters(), lr=1.0)  # expect: NN401
    b = torch.optim.Adagrad(model.parameters(), lr=0.5)
    """, "NN401")


def test_nn401_schedules_and_unknown_values_are_silent():
    check("""
    import torch
    from tensorflow import keras

    def make(model, lr):
        return torch.optim.Adam(model.parameters(), lr=lr)

    schedule = keras.optimizers.schedules.ExponentialDecay(0.5, decay_steps=1000, decay_rate=0.9)
    a = keras.optimizers.Adam(learning_rate=schedule)
    b = keras.optimizers.Adam(learning_rate=lambda: 0.5)
    c = torch.optim.Adam(model.parameters(), lr=float(open("lr.txt").read()))
    d = torch.optim.Adam(model.parameters(), lr=[0.5][0])
    e = torch.optim.Adam(model.parameters())
    f = torch.optim.Adam(*args, **kwargs)
    """, "NN401")


def test_nn401_explicit_input_tensors_are_silent():
    check("""
    import torch
    image = torch.zeros(1, 3, 224, 224, requires_grad=True)
    a = torch.optim.Adam([image], lr=2.0)
    b = torch.optim.Adam([x_adv, noise], lr=0.5)
    c = torch.optim.LBFGS([image])
    d = torch.optim.SGD((latent,), lr=10.0)
    e = torch.optim.Adam([W1, b1], lr=0.5)  # expect: NN401
    f = torch.optim.Adam([self.weight, self.bias], lr=0.5)  # expect: NN401
    g = torch.optim.Adam([{"params": encoder.parameters()}], lr=0.1)  # expect: NN401
    h = torch.optim.Adam(list(model.parameters()), lr=0.1)  # expect: NN401
    i = torch.optim.Adam([*model.parameters()], lr=0.1)  # expect: NN401
    """, "NN401")


def test_nn401_tf_optimizer_of_explicit_variables_is_silent():
    check("""
    import tensorflow as tf
    step = tf.train.AdamOptimizer(2.0).minimize(loss, var_list=[image])
    adv = tf.train.AdamOptimizer(learning_rate=0.5)
    adv_step = adv.minimize(loss, var_list=[x_adv])
    vis = tf.train.AdamOptimizer(1.0)
    vis_step = vis.apply_gradients([(grad, canvas)])
    noise_opt = tf.train.AdamOptimizer(0.3)
    noise_step = noise_opt.apply_gradients(zip(grads, [noise]))
    model_opt = tf.train.AdamOptimizer(0.5)  # expect: NN401
    model_step = model_opt.minimize(loss, var_list=[W1, b1])
    plain = tf.train.AdamOptimizer(0.5).minimize(loss)  # expect: NN401
    pairs = tf.train.AdamOptimizer(0.5)  # expect: NN401
    pairs_step = pairs.apply_gradients(zip(grads, tvars))
    """, "NN401")


def test_nn401_tf_optimizer_attribute_of_explicit_variables_is_silent():
    check("""
    import tensorflow as tf

    class StyleTransfer:
        def __init__(self, loss, image):
            self.opt = tf.train.AdamOptimizer(2.0)
            self.step = self.opt.minimize(loss, var_list=[image])
    """, "NN401")


def test_nn401_names_that_are_not_the_framework():
    check("""
    import torch
    from torch.optim import SGD

    def Adam(params, lr):
        return None

    class optim:
        RMSprop = None

    def SGD(params, lr):
        return None

    a = Adam(model.parameters(), lr=0.1)
    b = optim.RMSprop(model.parameters(), lr=0.1)
    c = SGD(model.parameters(), lr=5.0)
    d = my_lib.optim.Adam(model.parameters(), lr=0.1)
    """, "NN401")


def test_nn401_shadowed_only_after_its_use():
    check("""
    from torch.optim import Adam
    a = Adam(model.parameters(), lr=0.1)  # expect: NN401

    def Adam(params, lr):
        return None

    b = Adam(model.parameters(), lr=0.1)
    """, "NN401")


def test_nn401_message_names_the_value_its_source_and_the_threshold():
    result = lint("""
    import argparse
    import torch.optim as optim
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()
    opt = optim.RMSprop(model.parameters(), lr=args.lr)
    sgd = optim.SGD(model.parameters(), lr=3)
    """, "NN401")
    assert [(d.line, d.code) for d in result.diagnostics] == [(7, "NN401"), (8, "NN401")]
    adaptive, sgd = (d.message for d in result.diagnostics)
    assert "`args.lr` (0.1)" in adaptive and "RMSprop" in adaptive and "0.05" in adaptive and "1e-3" in adaptive
    assert sgd.startswith("Learning rate 3 for SGD") and "at or above 1" in sgd and "0.1" in sgd


def test_nn401_thresholds_from_settings():
    source = """
    import torch
    a = torch.optim.Adam(model.parameters(), lr=0.1)
    b = torch.optim.Adam(model.parameters(), lr=0.2)
    c = torch.optim.SGD(model.parameters(), lr=0.5)
    d = torch.optim.SGD(model.parameters(), lr=1.0)
    e = torch.optim.Adagrad(model.parameters(), lr=0.7)
    """
    assert with_settings(source, "NN401", {"adaptive-max": 0.2, "sgd-max": 1.0}) == [(4, "NN401"), (6, "NN401")]
    assert with_settings(source, "NN401", {"sgd-max": 0.5}) == [(3, "NN401"), (4, "NN401"), (5, "NN401"),
                                                               (6, "NN401"), (7, "NN401")]
    assert with_settings(source, "NN401", {}) == [(3, "NN401"), (4, "NN401"), (6, "NN401")]


def test_nn401_message_uses_the_configured_threshold():
    result = lint_source("import torch\nopt = torch.optim.Adam(model.parameters(), lr=0.25)\n", "t.py",
                         selection.resolve(["NN401"], []), {"NN401": {"adaptive-max": 0.2}})
    [diagnostic] = result.diagnostics
    assert "at or above 0.2," in diagnostic.message


# --------------------------------------------------------------------------------------------
# NN401 thresholds from a configuration file


SCRIPT = (
    "import torch\n"
    "a = torch.optim.Adam(model.parameters(), lr=0.1)\n"
    "b = torch.optim.Adam(model.parameters(), lr=0.3)\n"
)


@pytest.fixture
def script(tmp_path, monkeypatch):
    write(tmp_path / "train.py", SCRIPT)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNLINT_DEBUG", raising=False)
    return tmp_path


def test_config_default_thresholds(script):
    assert found(["--select", "NN401", "train.py"]) == [("train.py", 2, 5, "NN401"), ("train.py", 3, 5, "NN401")]


def test_config_adaptive_max_is_accepted_and_used(script):
    write(script / "pyproject.toml", "[tool.nnlint.rules.NN401]\nadaptive-max = 0.2\n")
    assert found(["--select", "NN401", "train.py"]) == [("train.py", 3, 5, "NN401")]


def test_config_integer_threshold_is_accepted(script):
    write(script / "pyproject.toml", "[tool.nnlint.rules.NN401]\nadaptive-max = 1\nsgd-max = 2\n")
    assert found(["--select", "NN401", "train.py"]) == []


def test_config_in_nnlint_toml(script):
    write(script / "nnlint.toml", "[rules.NN401]\nadaptive-max = 0.2\n")
    assert found(["--select", "NN401", "train.py"]) == [("train.py", 3, 5, "NN401")]


def test_config_misspelled_option_is_rejected_with_a_clear_message(script):
    write(script / "pyproject.toml", "[tool.nnlint.rules.NN401]\nadaptive-maxx = 0.2\n")
    result = invoke(["train.py"])
    assert result.exit_code == 2
    assert result.stdout == ""
    err = result.stderr
    assert err.count("\n") == 1 and err.startswith("nnlint: error: ")
    assert "pyproject.toml" in err
    assert "adaptive-maxx" in err and "NN401" in err
    assert "adaptive-max, sgd-max" in err  # the options that exist
    assert "Traceback" not in err


def test_config_threshold_of_the_wrong_type_is_rejected(script):
    write(script / "pyproject.toml", '[tool.nnlint.rules.NN401]\nadaptive-max = "0.2"\n')
    result = invoke(["train.py"])
    assert result.exit_code == 2
    assert "adaptive-max" in result.stderr and "must be a float" in result.stderr
    assert result.stderr.count("\n") == 1


# ============================================================================================
# NN402 dropout-keep-prob-confusion


def test_nn402_keras_layers():
    check("""
    from tensorflow.keras import layers
    a = layers.Dropout(0.8)  # expect: NN402
    b = layers.Dropout(0.79)
    c = layers.LSTM(64, dropout=0.9)  # expect: NN402
    d = layers.GRU(64, recurrent_dropout=0.85)  # expect: NN402
    e = layers.LSTM(64, dropout=0.2, recurrent_dropout=0.2)
    f = layers.MultiHeadAttention(num_heads=2, key_dim=8, dropout=0.9)  # expect: NN402
    g = layers.Dropout(rate=1.5)
    h = layers.AlphaDropout(0.95)  # expect: NN402
    i = layers.SpatialDropout1D(0.5)
    j = layers.Dropout(0.0)
    """, "NN402")


def test_nn402_standalone_keras_and_keep_named_values():
    check("""
    import keras
    KEEP_RATE = 0.9
    a = keras.layers.Dropout(KEEP_RATE)  # expect: NN402
    b = keras.layers.Dropout(rate=config["keep_prob"])  # expect: NN402
    c = keras.layers.Dropout(1 - KEEP_RATE)
    d = keras.layers.Dropout(config["dropout"])
    """, "NN402")


def test_nn402_torch_modules_and_functional():
    check("""
    import torch.nn as nn
    import torch.nn.functional as F
    KEEP_PROB = 0.9

    class Net(nn.Module):
        def __init__(self, keep_prob):
            super().__init__()
            self.keep_prob = keep_prob
            self.a = nn.Dropout(p=1 - keep_prob)
            self.b = nn.Dropout(p=1 - KEEP_PROB)
            self.c = nn.Dropout(self.keep_prob)  # expect: NN402
            self.d = nn.Dropout(0.5)
            self.e = nn.MultiheadAttention(512, 8, 0.9)  # expect: NN402
            self.f = nn.LSTM(10, 20, num_layers=2, dropout=0.8)  # expect: NN402
            self.g = nn.TransformerEncoderLayer(512, 8, dropout=0.1)
            self.h = nn.Dropout2d(p=KEEP_PROB)  # expect: NN402

        def forward(self, x):
            x = F.dropout(x, 0.9, training=self.training)  # expect: NN402
            x = F.dropout(x, training=self.training)
            x = F.dropout2d(x, p=0.95)  # expect: NN402
            x = F.dropout(x, p=1 - KEEP_PROB)
            return F.alpha_dropout(x, 0.2, self.training)
    """, "NN402")


def test_nn402_tf1_graph_mode():
    check("""
    import tensorflow.compat.v1 as tf
    x = tf.placeholder(tf.float32, [None, 3])
    keep_prob = tf.placeholder(tf.float32)
    a = tf.nn.dropout(x, 0.1)  # expect: NN402
    b = tf.nn.dropout(x, 0.9)
    c = tf.nn.dropout(x, keep_prob=keep_prob)
    d = tf.nn.dropout(x, keep_prob=0.2)  # expect: NN402
    e = tf.nn.dropout(x, keep_prob=0.21)
    cell = tf.nn.rnn_cell.DropoutWrapper(base_cell, output_keep_prob=0.1)  # expect: NN402
    cell2 = tf.nn.rnn_cell.DropoutWrapper(base_cell, 0.5, 0.5)
    f = tf.contrib.layers.dropout(x, keep_prob=0.2)  # expect: NN402
    g = tf.layers.dropout(x, 0.9)  # expect: NN402
    h = tf.layers.dropout(x, rate=0.3)
    i = tf.nn.dropout(x, rate=1 - keep_prob)
    """, "NN402")


def test_nn402_tf2_positional_rate_is_ambiguous_and_silent():
    check("""
    import tensorflow as tf
    a = tf.nn.dropout(x, 0.9)
    b = tf.nn.dropout(x, 0.1)
    c = tf.nn.dropout(x, rate=0.9)  # expect: NN402
    d = tf.nn.dropout(x, rate=0.1)
    """, "NN402")


def test_nn402_tf1_keep_probability_named_dropout_is_silent():
    check("""
    import tensorflow as tf
    DROPOUT = 0.5

    def block(x, dropout):
        return tf.nn.dropout(x, keep_prob=dropout)

    y = tf.nn.dropout(x, keep_prob=DROPOUT)
    """, "NN402")


def test_nn402_messages_suggest_the_complement():
    result = lint("""
    import torch.nn as nn
    import tensorflow.compat.v1 as tf
    a = nn.Dropout(0.9)
    b = tf.nn.dropout(x, keep_prob=0.15)
    c = nn.Dropout(p=keep_prob)
    """, "NN402")
    rate, keep, named = (d.message for d in result.diagnostics)
    assert "0.9" in rate and "drop rate 0.1" in rate
    assert "0.15" in keep and "keep probability 0.85" in keep
    assert "`keep_prob`" in named and "`1 - keep_prob`" in named


def test_nn402_thresholds_from_settings():
    source = """
    import torch.nn as nn
    a = nn.Dropout(0.7)
    b = nn.Dropout(0.5)
    """
    assert with_settings(source, "NN402", {"rate-max": 0.6}) == [(3, "NN402")]
    assert with_settings(source, "NN402", {"rate-max": 0.5}) == [(3, "NN402"), (4, "NN402")]
    assert with_settings(source, "NN402", {}) == []


# ============================================================================================
# NN403 large-init-stddev


def test_nn403_tf1_random_tensors():
    check("""
    import tensorflow.compat.v1 as tf
    shape = [784, 256]
    W1 = tf.Variable(tf.random_normal(shape, stddev=0.01))
    W2 = tf.Variable(tf.random_normal(shape))  # expect: NN403
    z = tf.random_normal([64, 100])
    noisy = x + tf.random_normal(tf.shape(x), stddev=1.0)
    W3 = tf.Variable(tf.random_normal([784, 256]) * 0.01)
    b = tf.Variable(tf.random_normal([1, 30]))
    W4 = tf.get_variable("W4", initializer=tf.random_normal([784, 256]))  # expect: NN403
    W5 = tf.Variable(initial_value=tf.random.normal((784, 256), 0.0, 2.0))  # expect: NN403
    W6 = tf.Variable(tf.truncated_normal([784, 256], stddev=1.0))  # expect: NN403
    W7 = tf.Variable(tf.truncated_normal([784, 256], stddev=0.99))
    W8 = tf.Variable(tf.random_normal(unknown_shape))
    W9 = tf.Variable(tf.random.truncated_normal([3, 3, 64, 128]))  # expect: NN403
    """, "NN403")


def test_nn403_embedding_matrices_are_silent():
    check("""
    import tensorflow.compat.v1 as tf
    emb = tf.Variable(tf.random_normal([10000, 128]))
    word_emb = tf.Variable(tf.random_normal([10000, 128]), name="table")
    E = tf.get_variable("embedding", initializer=tf.random_normal([10000, 128]))
    named = tf.Variable(tf.random_normal([10000, 128]), name="embeddings")
    V = tf.Variable(tf.random_normal([10000, 128]), name="word_vectors")
    looked_up = tf.nn.embedding_lookup(V, ids)
    weights = {"embedding": tf.Variable(tf.random_normal([10000, 128]))}
    E2 = tf.get_variable("embedding", [10000, 128], initializer=tf.random_normal_initializer(stddev=1.0))
    W = tf.Variable(tf.random_normal([128, 10]))  # expect: NN403
    """, "NN403")


def test_nn403_initializers():
    check("""
    import tensorflow as tf
    from tensorflow.keras import initializers, layers
    a = tf.get_variable("W", [784, 256], initializer=tf.random_normal_initializer(stddev=1.0))  # expect: NN403
    b = tf.truncated_normal_initializer(0.0, 1.5)  # expect: NN403
    c = tf.random_normal_initializer()
    d = layers.Dense(10, kernel_initializer=initializers.RandomNormal())
    e = layers.Dense(10, kernel_initializer=initializers.RandomNormal(0.0, 1.0))  # expect: NN403
    f = layers.Dense(10, kernel_initializer=initializers.TruncatedNormal(stddev=0.02))
    g = layers.Embedding(100, 8, embeddings_initializer=initializers.RandomNormal(stddev=1.0))
    h = layers.Dense(10, kernel_initializer=tf.keras.initializers.random_normal(stddev=2.0))  # expect: NN403
    i = layers.Dense(10, kernel_initializer="glorot_uniform")
    """, "NN403")


def test_nn403_tf1_initializer_defaults():
    check("""
    import tensorflow.compat.v1 as tf
    x = tf.placeholder(tf.float32, [None, 784])
    a = tf.get_variable("W", [784, 256], initializer=tf.random_normal_initializer())  # expect: NN403
    b = tf.get_variable("W2", [256], initializer=tf.random_normal_initializer(stddev=1.0))
    c = tf.get_variable("W3", [784, 256], initializer=tf.random_normal_initializer(stddev=0.01))
    h = tf.layers.dense(x, 256, kernel_initializer=tf.random_normal_initializer())  # expect: NN403
    h = tf.layers.dense(h, 256, kernel_initializer=tf.truncated_normal_initializer())  # expect: NN403
    h = tf.layers.dense(h, 10, bias_initializer=tf.random_normal_initializer())
    """, "NN403")


def test_nn403_tf2_initializer_defaults_are_small():
    check("""
    import tensorflow as tf
    h = tf.keras.layers.Dense(256, kernel_initializer=tf.random_normal_initializer())
    i = tf.keras.layers.Dense(256, kernel_initializer=tf.initializers.random_normal())
    j = tf.keras.layers.Dense(256, kernel_initializer=tf.random_normal_initializer(0.0, 1.0))  # expect: NN403
    """, "NN403")


def test_nn403_torch_module_init():
    check("""
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 10)
            self.embed = nn.Embedding(100, 10)
            self.table = nn.Embedding(100, 10)
            nn.init.normal_(self.fc.weight)  # expect: NN403
            nn.init.normal_(self.fc.bias)
            nn.init.normal_(self.fc.weight, std=0.02)
            nn.init.normal_(self.fc.weight, 0.0, 1.0)  # expect: NN403
            nn.init.normal_(self.embed.weight)
            nn.init.normal_(self.table.weight)
            nn.init.trunc_normal_(self.fc.weight)
            nn.init.trunc_normal_(self.fc.weight, std=1.0)  # expect: NN403
            self.fc.weight.data.normal_(0, 1)  # expect: NN403
            self.fc.weight.data.normal_(0.0, 0.02)
            self.fc.weight.data.normal_(std=1.5)  # expect: NN403
            self.fc.bias.data.normal_()
            self.table.weight.data.normal_()
    """, "NN403")


def test_nn403_torch_init_function():
    check("""
    import torch.nn as nn

    def init_weights(m):
        if isinstance(m, nn.Linear):
            m.weight.data.normal_()  # expect: NN403
        if isinstance(m, nn.Embedding):
            m.weight.data.normal_()
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.normal_(1.0, 0.02)
    """, "NN403")


def test_nn403_torch_init_in_the_branch_after_an_embedding_test():
    check("""
    import torch.nn as nn

    def init_weights(m):
        if isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight)  # expect: NN403
    """, "NN403")


def test_nn403_message_and_settings():
    source = """
    from tensorflow.keras import initializers
    a = initializers.RandomNormal(stddev=0.5)
    b = initializers.RandomNormal(stddev=0.1)
    """
    assert with_settings(source, "NN403", {"stddev-max": 0.5}) == [(3, "NN403")]
    assert with_settings(source, "NN403", {}) == []
    result = lint("import tensorflow as tf\nW = tf.Variable(tf.random_normal([784, 256]))\n", "NN403")
    [diagnostic] = result.diagnostics
    assert "its default stddev 1" in diagnostic.message and "Glorot/He" in diagnostic.message


# ============================================================================================
# NN404 excessive-regularization


def test_nn404_keras_regularizers():
    check("""
    import keras
    from tensorflow.keras import layers, regularizers
    a = regularizers.l2(l2=0.1)  # expect: NN404
    b = regularizers.l1_l2(l1=0.0, l2=0.2)  # expect: NN404
    c = regularizers.L1L2(0.0, 0.2)  # expect: NN404
    d = regularizers.l2(0.099)
    e = regularizers.L1L2(l1=1e-5, l2=1e-4)
    f = keras.regularizers.l1(l=0.3)  # expect: NN404
    g = layers.Dense(10, kernel_regularizer=keras.regularizers.L2(0.5))  # expect: NN404
    h = regularizers.l2()
    """, "NN404")


def test_nn404_keras_optimizer_weight_decay_is_decoupled():
    check("""
    from tensorflow.keras import optimizers
    a = optimizers.AdamW(weight_decay=0.5)
    b = optimizers.Adam(learning_rate=1e-3, weight_decay=1.0)  # expect: NN404
    c = optimizers.SGD(learning_rate=0.01, decay=0.5)
    d = optimizers.SGD(learning_rate=0.01, weight_decay=0.1)
    """, "NN404")


def test_nn404_tf1_regularizers_and_decoupled_optimizers():
    check("""
    import tensorflow.compat.v1 as tf
    a = tf.contrib.layers.l2_regularizer(0.5)  # expect: NN404
    b = tf.contrib.layers.l1_l2_regularizer(scale_l1=0.0, scale_l2=0.3)  # expect: NN404
    c = tf.contrib.layers.l1_regularizer(scale=1e-4)
    d = tf.contrib.opt.AdamWOptimizer(1.0, learning_rate=1e-3)  # expect: NN404
    e = tf.contrib.opt.AdamWOptimizer(0.5, 1e-3)
    loss = loss + 0.5 * tf.nn.l2_loss(W)
    loss = loss + 10.0 * tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables()])
    """, "NN404")


def test_nn404_torch_weight_decay():
    check("""
    from torch import optim
    from torch.optim import AdamW
    a = optim.AdamW(model.parameters(), weight_decay=0.1)
    b = AdamW(model.parameters(), weight_decay=1.0)  # expect: NN404
    c = optim.SGD(model.parameters(), lr=0.1, weight_decay=0.1)  # expect: NN404
    d = optim.SGD([{"params": enc.parameters(), "weight_decay": 0.5}, {"params": head}], lr=0.01)  # expect: NN404
    e = optim.Adam(model.parameters(), weight_decay=5e-4)
    f = optim.Adagrad(model.parameters(), weight_decay=0.2)  # expect: NN404
    g = optim.AdamW([{"params": enc.parameters(), "weight_decay": 0.9}], lr=1e-3)
    h = optim.SGD(model.parameters(), lr=0.1, weight_decay=0.099)
    """, "NN404")


def test_nn404_values_through_argparse_and_its_message():
    result = lint("""
    import argparse
    import torch
    parser = argparse.ArgumentParser()
    parser.add_argument("--weight-decay", "--wd", type=float, default=0.5)
    args = parser.parse_args()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=args.weight_decay)
    """, "NN404")
    [diagnostic] = result.diagnostics
    assert diagnostic.line == 7
    assert diagnostic.message.startswith("Weight decay `args.weight_decay` (0.5) in SGD is at or above 0.1")
    assert "5e-4" in diagnostic.message


def test_nn404_thresholds_from_settings():
    source = """
    import torch
    from tensorflow.keras import regularizers
    a = regularizers.l2(0.05)
    b = torch.optim.AdamW(model.parameters(), weight_decay=0.1)
    c = torch.optim.Adam(model.parameters(), weight_decay=0.05)
    """
    assert with_settings(source, "NN404", {"coefficient-max": 0.01}) == [(4, "NN404"), (6, "NN404")]
    assert with_settings(source, "NN404", {"decoupled-weight-decay-max": 0.1}) == [(5, "NN404")]
    assert with_settings(source, "NN404", {}) == []


def test_nn401_parameter_groups_of_explicit_tensors_are_inputs():
    check("""
    import torch
    a = torch.optim.SGD([{"params": [image]}, {"params": [mask]}], lr=5.0)
    b = torch.optim.SGD([{"params": model.parameters()}], lr=5.0)  # expect: NN401
    """, "NN401")


def test_nn401_keras_sgd_with_clipnorm_is_silent_adam_is_not():
    check("""
    from tensorflow import keras
    a = keras.optimizers.SGD(learning_rate=2.0, clipnorm=1.0)
    b = keras.optimizers.Adam(learning_rate=0.5, clipnorm=1.0)  # expect: NN401
    """, "NN401")
