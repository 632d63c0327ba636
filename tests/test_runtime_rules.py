"""NN207 and NN504-NN506 on the cases their fixtures do not isolate: import spellings, the
many ways of initializing a TF1 graph or setting a model's mode, what counts as a module, and
near-misses that must stay silent.

Sources mark each expected finding with `# expect: CODE`; every unmarked line must stay silent.
"""

from __future__ import annotations

import textwrap

import pytest

from helpers import codes, expected_markers, lint
from nnlint.fixing import apply_fixes


def check(source: str, select: str) -> None:
    """The findings of `select` on `source` are exactly its `# expect:` markers."""
    text = textwrap.dedent(source)
    expected = sorted(m for m in expected_markers(text) if m[1].startswith(select))
    assert sorted(codes(text, select)) == expected


# ============================================================================================
# NN207 variables-never-initialized

_TF1_MODEL = """
import tensorflow{suffix} as tf
x = tf.placeholder(tf.float32, [None, 4])
w = tf.get_variable("w", [4, 1])
y = tf.matmul(x, w)
"""


@pytest.mark.parametrize("suffix", ["", ".compat.v1"])
def test_nn207_fires_for_every_import_spelling(suffix):
    check(_TF1_MODEL.format(suffix=suffix) + """
with tf.Session() as sess:  # expect: NN207
    print(sess.run(y, feed_dict={x: data}))
""", "NN207")


def test_nn207_from_import_session():
    check("""
    from tensorflow.compat.v1 import Session, Variable, placeholder, zeros, matmul
    x = placeholder("float", [None, 3])
    w = Variable(zeros([3, 2]))
    with Session() as s:  # expect: NN207
        s.run(matmul(x, w), {x: batch})
    """, "NN207")


def test_nn207_layers_create_variables():
    check("""
    import tensorflow as tf
    x = tf.placeholder(tf.float32, [None, 8])
    logits = tf.layers.dense(x, 2)
    sess = tf.Session()  # expect: NN207
    sess.run(logits, feed_dict={x: batch})
    sess.close()
    """, "NN207")


def test_nn207_layers_without_variables_do_not_count():
    check("""
    import tensorflow as tf
    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    pooled = tf.layers.max_pooling2d(tf.layers.flatten(x), 2, 2)
    with tf.Session() as sess:
        sess.run(pooled, feed_dict={x: batch})
    """, "NN207")


@pytest.mark.parametrize("initializer", [
    "sess.run(tf.global_variables_initializer())",
    "sess.run(tf.initialize_all_variables())",
    "tf.global_variables_initializer().run()",
    "sess.run(tf.variables_initializer([w]))",
    "sess.run(tf.initializers.global_variables())",
    "sess.run(w.initializer)",
    "tf.train.Saver().restore(sess, 'ckpt')",
    "ckpt.restore(path).initialize_or_restore(sess)",
    "w.load(np.zeros([4, 1]), sess)",
    "tf.train.init_from_checkpoint('ckpt', {'w': w})",
])
def test_nn207_any_initializer_in_the_module_silences(initializer):
    check(_TF1_MODEL.format(suffix="") + f"""
with tf.Session() as sess:
    {initializer}
    print(sess.run(y, feed_dict={{x: data}}))
""", "NN207")


def test_nn207_initializer_in_another_function_silences():
    check(_TF1_MODEL.format(suffix="") + """
def init(sess):
    sess.run(tf.global_variables_initializer())

def main():
    with tf.Session() as sess:
        init(sess)
        sess.run(y, feed_dict={x: data})
""", "NN207")


def test_nn207_iterator_initializer_is_not_a_variable_initializer():
    check(_TF1_MODEL.format(suffix="") + """
dataset = tf.data.Dataset.from_tensor_slices(data).batch(32)
it = dataset.make_initializable_iterator()
with tf.Session() as sess:  # expect: NN207
    sess.run(it.initializer)
    sess.run(y, feed_dict={x: data})
""", "NN207")


def test_nn207_pickle_load_is_not_a_variable_load():
    check(_TF1_MODEL.format(suffix="") + """
import pickle
data = pickle.load(handle, encoding="bytes")
with tf.Session() as sess:  # expect: NN207
    sess.run(y, feed_dict={x: data})
""", "NN207")


@pytest.mark.parametrize("session", [
    "tf.train.MonitoredTrainingSession(checkpoint_dir='ckpt')",
    "tf.train.Supervisor(logdir='logs').managed_session()",
])
def test_nn207_self_initializing_sessions(session):
    check(_TF1_MODEL.format(suffix="") + f"""
with {session} as sess:
    sess.run(y, feed_dict={{x: data}})
""", "NN207")


def test_nn207_estimator_in_the_module_silences():
    check(_TF1_MODEL.format(suffix="") + """
estimator = tf.estimator.Estimator(model_fn=model_fn)
with tf.Session() as sess:
    sess.run(y, feed_dict={x: data})
""", "NN207")


def test_nn207_session_from_a_parameter_or_keras():
    check(_TF1_MODEL.format(suffix="") + """
from keras import backend as K

def predict(sess, batch):
    return sess.run(y, feed_dict={x: batch})

sess = K.get_session()
sess.run(y, feed_dict={x: data})
""", "NN207")


def test_nn207_session_handed_to_an_imported_helper_silences():
    check(_TF1_MODEL.format(suffix="") + """
from checkpoints import restore_latest
with tf.Session() as sess:
    restore_latest(sess, "ckpt/")
    sess.run(y, feed_dict={x: data})
""", "NN207")


def test_nn207_session_handed_to_tensorflow_or_a_saver_still_fires():
    check(_TF1_MODEL.format(suffix="") + """
saver = tf.train.Saver()
with tf.Session() as sess:  # expect: NN207
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess=sess, coord=coord)
    sess.run(y, feed_dict={x: data})
    saver.save(sess, "model.ckpt")
""", "NN207")


def test_nn207_only_sessions_that_run_are_reported():
    check(_TF1_MODEL.format(suffix="") + """
with tf.Session() as graph_sess:
    tf.summary.FileWriter("logs", graph_sess.graph).close()
sess = tf.InteractiveSession()  # expect: NN207
y.eval(feed_dict={x: data})
""", "NN207")


def test_nn207_with_session_running_ops_by_default():
    check(_TF1_MODEL.format(suffix="") + """
with tf.Session():  # expect: NN207
    print(y.eval(feed_dict={x: data}))
""", "NN207")


def test_nn207_eager_code_is_never_reported():
    check("""
    import tensorflow as tf
    w = tf.Variable(tf.zeros([3]))
    print(w.numpy())
    """, "NN207")


# ============================================================================================
# NN504 inference-in-train-mode


def test_nn504_load_state_dict_then_predict():
    check("""
    import torch
    from model import Net
    model = Net()
    model.load_state_dict(torch.load("net.pt", map_location="cpu"))
    with torch.no_grad():
        probs = model(images).softmax(1)  # expect: NN504
        again = model(images)
    """, "NN504")


def test_nn504_whole_model_in_a_function():
    check("""
    import torch as T

    def predict(path, batch):
        net = T.load(path)["model"].to("cuda")
        return net(batch)  # expect: NN504
    """, "NN504")


@pytest.mark.parametrize("mode", [
    "model.eval()", "model.train(False)", "model.train()", "model.to(device).eval()",
])
def test_nn504_any_mode_switch_in_the_scope_silences(mode):
    check(f"""
    import torch
    model = Net()
    {mode}
    model.load_state_dict(torch.load("net.pt"))
    output = model(batch)
    """, "NN504")


def test_nn504_mode_set_when_building_the_model():
    check("""
    import torch
    g, d = Generator().eval(), Discriminator().eval()
    g.load_state_dict(torch.load("g.pt"))
    d.load_state_dict(torch.load("d.pt"))
    scores = d(g(noise))
    """, "NN504")


def test_nn504_chained_eval_on_torch_load():
    check("""
    import torch
    model = torch.load("model.pt", map_location="cpu").eval()
    output = model(batch)
    """, "NN504")


def test_nn504_from_pretrained_starts_in_eval_mode():
    check("""
    import torch
    from transformers import AutoModelForSequenceClassification
    model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
    model.load_state_dict(torch.load("finetuned.pt"))
    logits = model(**inputs).logits
    """, "NN504")


def test_nn504_training_after_loading_is_a_resume():
    check("""
    import torch
    model = Net()
    model.load_state_dict(torch.load("last.pt"))
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    """, "NN504")


def test_nn504_model_passed_to_a_helper():
    check("""
    import torch
    model = Net()
    model.load_state_dict(torch.load("best.pt"))
    accuracy = evaluate(model, test_loader)
    sample = model(images[:8])
    """, "NN504")


def test_nn504_model_passed_to_a_torch_wrapper_still_fires():
    check("""
    import torch
    model = Net()
    model.load_state_dict(torch.load("best.pt"))
    traced = torch.jit.trace(model, example)
    sample = model(images[:8])  # expect: NN504
    """, "NN504")


def test_nn504_model_as_parameter_may_be_in_eval_mode_already():
    check("""
    import torch

    def restore_and_predict(model, path, batch):
        model.load_state_dict(torch.load(path))
        return model(batch)
    """, "NN504")


def test_nn504_load_and_call_in_different_methods():
    check("""
    import torch

    class Predictor:
        def __init__(self, path):
            self.model = Net()
            self.model.load_state_dict(torch.load(path))

        def __call__(self, batch):
            return self.model(batch)
    """, "NN504")


def test_nn504_self_attribute_set_to_eval_elsewhere_in_the_class():
    check("""
    import torch

    class Predictor:
        def __init__(self):
            self.model = Net().cuda()
            self.model.eval()

        def reload(self, path, batch):
            self.model.load_state_dict(torch.load(path))
            return self.model(batch)
    """, "NN504")


def test_nn504_objects_that_are_not_models():
    check("""
    import torch
    stopper = EarlyStopping(patience=3)
    stopper.load_state_dict(torch.load("stopper.pt"))
    stopper(engine)
    optimizer.load_state_dict(torch.load("opt.pt"))
    """, "NN504")


def test_nn504_call_before_the_load_is_not_a_prediction_of_loaded_weights():
    check("""
    import torch
    model = Net()
    model(torch.zeros(1, 3, 32, 32))
    model.load_state_dict(torch.load("best.pt"))
    """, "NN504")


# ============================================================================================
# NN505 forward-called-directly


@pytest.mark.parametrize("header", [
    "import torch.nn as nn",
    "from torch import nn",
    "import torch\nnn = torch.nn",
])
def test_nn505_torch_nn_instances(header):
    check(header + """
layer = nn.Linear(4, 2)
out = layer.forward(x)  # expect: NN505
""", "NN505")


def test_nn505_local_subclass_through_another_local_class():
    check("""
    from torch import nn

    class Base(nn.Module):
        pass

    class Net(Base):
        def forward(self, x):
            return x

    net = Net().to("cuda")
    y = net.forward(batch)  # expect: NN505
    """, "NN505")


def test_nn505_attributes_of_a_module():
    check("""
    import torch.nn as nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(8, 8), nn.ReLU())
            self.head = nn.Linear(8, 1)

        def forward(self, x):
            return self.head.forward(self.encoder(x))  # expect: NN505
    """, "NN505")


def test_nn505_torchvision_models():
    check("""
    import torchvision
    resnet = torchvision.models.resnet18(weights=None)
    features = resnet.forward(images)  # expect: NN505
    """, "NN505")


def test_nn505_silent_forms():
    check("""
    import torch.nn as nn

    class Block(nn.Linear):
        def forward(self, x):
            return super().forward(x) + nn.Linear.forward(self, x)

        def predict(self, x):
            return self.forward(x)

    class Scorer:
        def forward(self, x):
            return x

    def run(model, x):
        return model.forward(x)

    scorer = Scorer()
    scorer.forward(1)
    built = build_model()
    built.forward(2)
    weight = nn.Parameter(torch.zeros(3))
    """, "NN505")


def test_nn505_fix_calls_the_module():
    text = "import torch.nn as nn\nlayer = nn.Linear(4, 2)\nout = layer.forward(x)\n"
    [finding] = lint(text, "NN505").diagnostics
    assert finding.fix.applicability.value == "unsafe"
    assert apply_fixes(text, [finding]) == "import torch.nn as nn\nlayer = nn.Linear(4, 2)\nout = layer(x)\n"


# ============================================================================================
# NN506 requires-grad-typo


@pytest.mark.parametrize("typo", ["require_grad", "requires_grads", "require_grads"])
def test_nn506_each_misspelling(typo):
    check(f"""
    import torch
    for p in model.backbone.parameters():
        p.{typo} = False  # expect: NN506
    """, "NN506")


def test_nn506_annotated_and_nested_targets():
    check("""
    import torch
    model.fc.weight.require_grad: bool = False  # expect: NN506
    layers[0].bias.requires_grads = False  # expect: NN506
    """, "NN506")


def test_nn506_silent_forms():
    check("""
    import torch

    class Adapter(torch.nn.Module):
        def __init__(self, require_grad=True):
            super().__init__()
            self.require_grad = require_grad

    for p in model.parameters():
        p.requires_grad = False
    model.requires_grad_(False)
    opts.require_grads = True
    if opts.require_grads:
        pass
    """, "NN506")


def test_nn506_fix_renames_the_attribute():
    text = "import torch\nfor p in net.parameters():\n    p.require_grads = False\n"
    [finding] = lint(text, "NN506").diagnostics
    assert finding.fix.applicability.value == "safe"
    fixed = apply_fixes(text, [finding])
    assert fixed == "import torch\nfor p in net.parameters():\n    p.requires_grad = False\n"
    assert not lint(fixed, "NN506").diagnostics


# ============================================================================================
# Cases found on real repositories


def test_nn207_variables_of_another_graph_do_not_count():
    check("""
    import tensorflow as tf

    def test_ops():
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [None])
            with tf.Session() as sess:
                sess.run(x * 2, feed_dict={x: [1.0]})

    def test_variables():
        with tf.Graph().as_default():
            w = tf.Variable(tf.zeros([3]))
            with tf.Session() as sess:  # expect: NN207
                sess.run(w)
    """, "NN207")


def test_nn207_assigning_a_variable_sets_it():
    check(_TF1_MODEL.format(suffix="") + """
with tf.Session() as sess:
    sess.run(w.assign(pretrained))
    sess.run(y, feed_dict={x: data})
""", "NN207")


def test_nn504_class_name_says_model_where_the_variable_does_not():
    check("""
    from torch import load
    from models import Generator
    gen = Generator()
    gen.load_state_dict(load("g.pt"))
    images = gen(noise)  # expect: NN504
    """, "NN504")


def test_nn505_model_wrapped_in_data_parallel_under_a_condition():
    check("""
    import torch.nn as nn
    from model import LanguageModel

    class Trainer:
        def __init__(self, multi_gpu):
            self.model = LanguageModel()
            if multi_gpu:
                self.model = nn.DataParallel(self.model)

        def step(self, batch):
            return self.model.forward(batch)  # expect: NN505
    """, "NN505")


# ============================================================================================
# Cases found by review


@pytest.mark.parametrize("setting", [
    "for var in tf.global_variables():\n    sess.run(var.assign(weights[var.op.name]))",
    "sess.run(tf.assign(w, pretrained))",
    "sess.run(model.init_op)",
    "setup(sess)",
])
def test_nn207_other_ways_of_setting_variables(setting):
    body = textwrap.indent(setting, "    ")
    check(_TF1_MODEL.format(suffix="") + f"""
from pretrained import load_into, model

def setup(session):
    load_into(session, "ckpt/")

with tf.Session() as sess:
{body}
    sess.run(y, feed_dict={{x: data}})
""", "NN207")


def test_nn207_session_given_the_graph_that_holds_the_variables():
    check("""
    import tensorflow as tf
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(tf.zeros([3]))
    with tf.Session(graph=graph) as sess:  # expect: NN207
        sess.run(w)
    """, "NN207")


@pytest.mark.parametrize("training", [
    "grads = torch.autograd.grad(loss_fn(model(x), y), model.parameters())",
    "optimizer.step(closure)",
])
def test_nn504_training_without_backward_in_the_scope(training):
    check(f"""
    import torch
    model = Net()
    model.load_state_dict(torch.load("init.pt"))
    optimizer = torch.optim.LBFGS(model.parameters())
    {training}
    prediction = model(x)
    """, "NN504")


def test_nn504_lightning_freeze_sets_eval_mode():
    check("""
    import torch
    model = LitClassifier()
    model.load_state_dict(torch.load("lit.pt"))
    model.freeze()
    logits = model(images)
    """, "NN504")


def test_nn504_printing_the_model_is_not_handing_it_over():
    check("""
    import torch
    model = Net()
    model.load_state_dict(torch.load("m.pt"))
    print(model)
    out = model(batch)  # expect: NN504
    """, "NN504")


def test_nn504_visible_model_without_mode_dependent_layers():
    check("""
    import torch
    import torch.nn as nn

    class Regressor(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(1, 10)
            self.out = nn.Linear(10, 1)

        def forward(self, x):
            return self.out(torch.relu(self.hidden(x)))

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 2)
            self.drop = nn.Dropout(0.2)

        def forward(self, x):
            return self.fc(self.drop(x))

    mlp = nn.Sequential(nn.Linear(1, 10), nn.ReLU(), nn.Linear(10, 1))
    mlp.load_state_dict(torch.load("mlp.pt"))
    mlp(x)
    regressor = Regressor()
    regressor.load_state_dict(torch.load("reg.pt"))
    regressor(x)
    tagger = Tagger()
    tagger.load_state_dict(torch.load("tagger.pt"))
    tagger(x)  # expect: NN504
    """, "NN504")


def test_nn505_a_name_that_may_hold_something_else_is_not_known():
    check("""
    import torch.nn as nn
    from backends import OnnxModel

    class Net(nn.Module):
        def forward(self, x):
            return x

    def predict(args, x):
        if args.onnx:
            model = OnnxModel(args.weights)
        else:
            model = Net()
        return model.forward(x)

    y = Net().forward(1)  # expect: NN505
    z = nn.Linear(2, 2).forward(x)  # expect: NN505
    """, "NN505")


def test_nn506_tuple_targets_are_assignments():
    text = (
        "import torch\n"
        "model.weight.require_grad, model.bias.require_grad = False, False\n"
        "for p in model.parameters():\n"
        "    p.require_grad = False\n"
    )
    assert codes(text, "NN506") == [(2, "NN506"), (2, "NN506"), (4, "NN506")]


def test_nn506_a_field_the_code_declares_is_its_own():
    check("""
    import torch
    from dataclasses import dataclass

    @dataclass
    class FreezeConfig:
        require_grad: bool = True

    cfg = FreezeConfig()
    cfg.require_grad = False
    """, "NN506")
