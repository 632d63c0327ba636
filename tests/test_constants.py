"""The value of a hyper-parameter expression (analysis/constants.py), which NN401-NN404 compare
with their thresholds.

Most tests evaluate the argument of a `probe(...)` call with `Constants.value` at the point where
the call is, in a context built the way the engine builds it; the rest go through NN401, where a
value that is known and large gives a finding and an unknown one gives none.
"""

from __future__ import annotations

import math
import textwrap
from typing import List

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import codes, lint
from nnlint.analysis.constants import constants
from nnlint.analysis.context import FileContext
from nnlint.analysis.names import NameResolver
from nnlint.analysis.scopes import build_scopes
from nnlint.rule import Rule, Severity
from nnlint.traversal import traverse


class _Probe(Rule):
    """Records `Constants.value` and `Constants.number` of the argument of every `probe(...)`."""

    code = "NN999"
    name = "probe"
    severity = Severity.INFO
    summary = "test probe"

    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        self.values: List[object] = []
        self.numbers: List[object] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "probe":
            expr = node.args[0].value
            self.values.append(constants(self.ctx).value(expr, self.ctx.here()))
            self.numbers.append(constants(self.ctx).number(expr, self.ctx.here()))


def _run(code: str) -> _Probe:
    module = cst.parse_module(textwrap.dedent(code))
    index = build_scopes(module)
    ctx = FileContext("t.py", module, index, NameResolver(index.module_scope), frozenset())
    probe = _Probe(ctx, {})
    failures = traverse(module, ctx, [probe])
    assert failures == [], [failure.describe() for failure in failures]
    assert probe.values, "the source has no probe(...) call"
    return probe


def values(code: str) -> List[object]:
    """`Constants.value` of each `probe(...)` argument, in source order."""
    return _run(code).values


def numbers(code: str) -> List[object]:
    """`Constants.number` of each `probe(...)` argument, in source order."""
    return _run(code).numbers


def value(code: str) -> object:
    [found] = values(code)
    return found


def same(found: object, expected: object) -> bool:
    """Equal in value and in type (0.1 is not "0.1", 1 is not True)."""
    return type(found) is type(expected) and found == expected


# --------------------------------------------------------------------------------------------
# Literals and arithmetic


@pytest.mark.parametrize("expr, expected", [
    ("0.1", 0.1),
    ("3", 3),
    ("1e-3", 0.001),
    ("1_000", 1000),
    ("0x10", 16),
    ("'adam'", "adam"),
    ("True", True),
    ("False", False),
    ("-0.5", -0.5),
    ("+2", 2),
    ("--2", 2),
    ("0.1 * 2", 0.2),
    ("1 / 4", 0.25),
    ("2 ** -1", 0.5),
    ("10 ** 3", 1000),
    ("1e-3 * (2 + 3)", 0.005),
    ("0.3 - 0.1", 0.3 - 0.1),
])
def test_literals_and_arithmetic(expr, expected):
    assert same(value(f"probe({expr})"), expected)


@pytest.mark.parametrize("expr", [
    "None",
    "x",  # never assigned
    "1j",
    "b'0.1'",
    "f'{lr}'",
    "'a' 'b'",
    "'a' + 'b'",  # only numbers are added
    "True + 1",  # a bool is not a number here
    "'0.1' * 2",
    "7 % 2",  # an operator the module does not evaluate
    "7 // 2",
    "[0.1][0]",
    "lambda: 0.1",
    "0.1 if a else 0.2",
    "max(0.1, 0.2)",
])
def test_expressions_that_have_no_known_value(expr):
    assert value(f"probe({expr})") is None


@pytest.mark.parametrize("expr", [
    "1 / 0",
    "1.0 / 0.0",
    "0 / 0",
    "1e300 ** 2",  # OverflowError
    "10 ** 1000",  # exponent above the limit: not computed at all
    "2.0 ** 10000",
    "1 / (0.5 - 0.5)",
    "(2 ** 64) ** 65",
])
def test_division_by_zero_and_huge_powers_are_unknown(expr):
    assert value(f"probe({expr})") is None


def test_a_complex_result_is_not_a_number():
    # A negative number to a fractional power is complex in Python: no number a rule can compare.
    assert numbers("probe((-8) ** 0.5)") == [None]


def test_number_accepts_only_int_and_float():
    code = """
    probe(0.1)
    probe(3)
    probe('0.1')
    probe(True)
    probe(None)
    """
    assert numbers(code) == [0.1, 3, None, None, None]


# --------------------------------------------------------------------------------------------
# Module constants and other names


def test_module_constant_and_constant_arithmetic():
    code = """
    BASE_LR = 0.1
    LR = BASE_LR / 10
    probe(BASE_LR)
    probe(LR)

    def train():
        probe(LR * 2)
    """
    assert values(code) == [0.1, 0.01, 0.02]


def test_the_last_assignment_before_a_module_level_use_counts():
    code = """
    probe(LR)
    LR = 0.1
    probe(LR)
    LR = LR / 100
    probe(LR)
    """
    assert values(code) == [None, 0.1, 0.001]


def test_module_name_assigned_twice_differently_is_unknown_inside_a_function():
    code = """
    LR = 0.1
    if FINE_TUNE:
        LR = 0.001

    def train():
        probe(LR)
    """
    assert values(code) == [None]


def test_module_name_assigned_twice_the_same_is_known_inside_a_function():
    code = """
    LR = 0.1
    if FINE_TUNE:
        LR = 0.1

    def train():
        probe(LR)
    """
    assert values(code) == [0.1]


def test_a_constant_used_in_a_function_defined_before_it():
    code = """
    def train():
        probe(LR)

    LR = 0.3
    """
    assert values(code) == [0.3]


def test_a_local_assignment_shadows_the_module_constant():
    code = """
    LR = 0.1

    def train():
        LR = 0.002
        probe(LR)
    """
    assert values(code) == [0.002]


@pytest.mark.parametrize("code", [
    # a function parameter, even with a default
    "def train(lr=0.1):\n    probe(lr)\n",
    "def train(*, lr=0.1):\n    probe(lr)\n",
    "f = lambda lr=0.1: probe(lr)\n",
    # augmented assignment, loop variable, with target, import, tuple from a call
    "LR = 0.1\nLR *= 0.1\nprobe(LR)\n",
    "for lr in (0.1, 0.01):\n    probe(lr)\n",
    "with open('lr.txt') as lr:\n    probe(lr)\n",
    "from settings import LR\nprobe(LR)\n",
    "lr, wd = read_hparams()\nprobe(lr)\n",
    # a value read at run time
    "LR = float(open('lr.txt').read())\nprobe(LR)\n",
    "import os\nLR = float(os.environ['LR'])\nprobe(LR)\n",
    "LR = get_lr()\nprobe(LR)\n",
    "lrs = [0.1]\nprobe(lrs[0])\n",
])
def test_names_without_a_known_value(code):
    assert values(code) == [None]


def test_a_name_that_refers_to_itself_does_not_loop():
    code = """
    def train():
        a = b
        b = a
        probe(a)
        probe(b)
    """
    assert values(code) == [None, None]


# --------------------------------------------------------------------------------------------
# argparse


ARGPARSE = """
import argparse

parser = argparse.ArgumentParser()
"""


@pytest.mark.parametrize("declaration, read, expected", [
    ("parser.add_argument('--lr', type=float, default=0.1)", "args.lr", 0.1),
    ("parser.add_argument('--lr', default=0.1)", "args.lr", 0.1),
    ("parser.add_argument('--learning-rate', type=float, default=0.1)", "args.learning_rate", 0.1),
    ("parser.add_argument('-l', '--learning-rate', default=0.1)", "args.learning_rate", 0.1),
    ("parser.add_argument('--learning_rate', '--lr', default=0.1)", "args.learning_rate", 0.1),
    ("parser.add_argument('-lr', default=0.1)", "args.lr", 0.1),
    ("parser.add_argument('-lr', '--lr-max', default=0.1)", "args.lr_max", 0.1),
    ("parser.add_argument('--lr', dest='learning_rate', default=0.1)", "args.learning_rate", 0.1),
    ("parser.add_argument('lr', nargs='?', type=float, default=0.1)", "args.lr", 0.1),
    ("parser.add_argument('--lr', type=float, default='0.1')", "args.lr", 0.1),
    ("parser.add_argument('--lr', type=float, default='1e-1')", "args.lr", 0.1),
    ("parser.add_argument('--epochs', type=int, default='30')", "args.epochs", 30),
    ("parser.add_argument('--epochs', type=float, default=30)", "args.epochs", 30),  # argparse converts strings only
    ("parser.add_argument('--lr', default='0.1')", "args.lr", "0.1"),  # no type: stays a string
    ("parser.add_argument('--lr', type=str, default='0.1')", "args.lr", "0.1"),
    ("parser.add_argument('--amp', action='store_true')", "args.amp", False),
    ("parser.add_argument('--no-amp', action='store_false')", "args.no_amp", True),
    ("parser.add_argument('--amp', action='store_true', default=True)", "args.amp", True),
    ("LR = 0.05\nparser.add_argument('--lr', type=float, default=LR * 2)", "args.lr", 0.1),
    ("parser.set_defaults(lr=0.1)", "args.lr", 0.1),
])
def test_argparse_defaults(declaration, read, expected):
    code = ARGPARSE + declaration + "\nargs = parser.parse_args()\nprobe(" + read + ")\n"
    assert same(value(code), expected)


@pytest.mark.parametrize("declaration, read", [
    ("parser.add_argument('--lr', type=float)", "args.lr"),  # no default
    ("parser.add_argument('--lr', type=float, required=True)", "args.lr"),
    ("parser.add_argument('--learning-rate', default=0.1)", "args.lr"),  # another destination
    ("parser.add_argument('--lr', dest='learning_rate', default=0.1)", "args.lr"),
    ("parser.add_argument('--learning_rate', '--lr', default=0.1)", "args.lr"),  # the first long option names it
    ("parser.add_argument('--lr', type=float, default='fast')", "args.lr"),  # not convertible
    ("parser.add_argument('--lr', type=float, default=get_default())", "args.lr"),
    ("parser.add_argument('--lr', type=float, default=0.1)\nparser.add_argument('--lr', type=float, default=0.01)",
     "args.lr"),
    ("parser.add_argument('--lr', default=0.1)\nparser.set_defaults(lr=0.001)", "args.lr"),
])
def test_argparse_options_without_one_known_default(declaration, read):
    code = ARGPARSE + declaration + "\nargs = parser.parse_args()\nprobe(" + read + ")\n"
    assert value(code) is None


def test_argparse_the_same_default_declared_twice_is_kept():
    code = ARGPARSE + """
train = argparse.ArgumentParser()
train.add_argument('--lr', type=float, default=0.1)
evaluate = argparse.ArgumentParser()
evaluate.add_argument('--lr', type=float, default=0.1)
args = train.parse_args()
probe(args.lr)
"""
    assert values(code) == [0.1]


@pytest.mark.parametrize("reader", [
    "args = parser.parse_args()\nprobe(args.lr)",
    "opt = parser.parse_args()\nprobe(opt.lr)",
    "parsed = parser.parse_args()\nprobe(parsed.lr)",
    "args = parser.parse_known_args()[0]\nprobe(args.lr)",
    "args, unknown = parser.parse_known_args()\nprobe(args.lr)",
    "FLAGS, unparsed = parser.parse_known_args()\nprobe(FLAGS.lr)",  # the TF tutorials' spelling
    "def get_args():\n    return parser.parse_args()\nhp = get_args()\nprobe(hp.lr)",
    "def main(args):\n    probe(args.lr)",
    "def main(opt):\n    probe(opt.lr)",
    "def main(cfg):\n    probe(cfg.lr)",
])
def test_argparse_values_read_through_the_parsed_options(reader):
    code = ARGPARSE + "parser.add_argument('--lr', type=float, default=0.1)\n" + reader + "\n"
    assert values(code) == [0.1]


def test_an_option_reassigned_after_parsing_is_not_its_default():
    code = ARGPARSE + """
parser.add_argument('--lr', type=float, default=0.1)
parser.add_argument('--batch-size', type=int, default=32)
args = parser.parse_args()
args.lr = args.lr * args.batch_size / 256
probe(args.lr)
"""
    assert values(code)[0] in (None, 0.1 * 32 / 256)


@pytest.mark.parametrize("reader", [
    # an optimizer object is not the parsed options, even when called `opt`
    "import torch\nopt = torch.optim.SGD(params, lr=0.5)\nprobe(opt.lr)",
    "model = build_model()\nprobe(model.lr)",
    "layer = object()\nprobe(layer.lr)",
    "def train(model):\n    probe(model.lr)",
])
def test_attributes_of_other_objects_are_not_options(reader):
    code = ARGPARSE + "parser.add_argument('--lr', type=float, default=0.1)\n" + reader + "\n"
    assert values(code) == [None]


# --------------------------------------------------------------------------------------------
# absl and TensorFlow flags


@pytest.mark.parametrize("code, expected", [
    ("from absl import flags\nflags.DEFINE_float('lr', 0.1, 'learning rate')\nFLAGS = flags.FLAGS\nprobe(FLAGS.lr)",
     0.1),
    ("from absl import flags\nflags.DEFINE_integer(name='steps', default=100, help='steps')\nFLAGS = flags.FLAGS\n"
     "probe(FLAGS.steps)", 100),
    ("from absl import flags\nflags.DEFINE_string('optimizer', 'adam', 'which')\nFLAGS = flags.FLAGS\n"
     "probe(FLAGS.optimizer)", "adam"),
    ("from absl import flags\nflags.DEFINE_boolean('amp', False, 'mixed precision')\nFLAGS = flags.FLAGS\n"
     "probe(FLAGS.amp)", False),
    ("import tensorflow as tf\ntf.app.flags.DEFINE_float('learning_rate', 0.2, 'lr')\nFLAGS = tf.app.flags.FLAGS\n"
     "probe(FLAGS.learning_rate)", 0.2),
    ("import tensorflow as tf\ntf.flags.DEFINE_float('learning_rate', 0.2, 'lr')\nFLAGS = tf.flags.FLAGS\n"
     "probe(FLAGS.learning_rate)", 0.2),
    ("import tensorflow.compat.v1 as tf\nflags = tf.app.flags\nflags.DEFINE_float('learning_rate', 0.2, 'lr')\n"
     "FLAGS = flags.FLAGS\ndef main(_):\n    probe(FLAGS.learning_rate)", 0.2),
])
def test_flags(code, expected):
    assert same(value(code), expected)


def test_flag_defined_twice_with_different_defaults_is_unknown():
    code = """
    from absl import flags
    flags.DEFINE_float('lr', 0.1, 'learning rate')
    flags.DEFINE_float('lr', 0.001, 'learning rate')
    FLAGS = flags.FLAGS
    probe(FLAGS.lr)
    probe(FLAGS.undefined)
    """
    assert values(code) == [None, None]


def test_an_attribute_of_an_imported_module_is_not_a_flag():
    code = """
    from absl import flags
    import hparams
    flags.DEFINE_float('lr', 0.1, 'learning rate')
    probe(hparams.lr)
    """
    assert values(code) == [None]


def test_flags_read_through_the_module_attribute():
    code = """
    from absl import flags
    import tensorflow as tf
    flags.DEFINE_float('lr', 0.1, 'learning rate')
    probe(flags.FLAGS.lr)
    probe(tf.app.flags.FLAGS.lr)
    """
    assert values(code) == [0.1, 0.1]


# --------------------------------------------------------------------------------------------
# Configuration dictionaries


def test_config_dictionary_entries():
    code = """
    config = {"lr": 0.1, "opt": "adam", "wd": 1e-4 * 5, **defaults}
    probe(config["lr"])
    probe(config['opt'])
    probe(config["wd"])
    probe(config["missing"])
    """
    assert values(code) == [0.1, "adam", 1e-4 * 5, None]


def test_config_get_with_and_without_default():
    code = """
    config = {"lr": 0.1}
    probe(config.get("lr"))
    probe(config.get("lr", 9.0))
    probe(config.get("momentum", 0.9))
    probe(config.get("momentum"))
    """
    assert values(code) == [0.1, 0.1, 0.9, None]


def test_dict_call_entries():
    code = """
    KEY = "lr"
    hp = dict(lr=0.1, batch_size=32)
    probe(hp["lr"])
    probe(hp[KEY])
    probe(hp.get("batch_size", 64))
    probe(hp.get("epochs", 10))
    """
    assert values(code) == [0.1, 0.1, 32, 10]


def test_config_dictionary_read_in_a_function():
    code = """
    CONFIG = {"lr": 0.1}

    def train(model):
        probe(CONFIG["lr"])
    """
    assert values(code) == [0.1]


@pytest.mark.parametrize("code", [
    "def train(config):\n    probe(config['lr'])\n",
    "def train(config):\n    probe(config.get('lr', 0.1))\n",
    "config = {'lr': 0.1}\nconfig = load()\nprobe(config['lr'])\n",
    "config = {'lr': 0.1}\nprobe(config[0])\n",
    "config = {'lr': 0.1}\nprobe(config[key])\n",
    "config = {'lr': 0.1}\nprobe(config['lr':])\n",
    "config = {'lr': 0.1}\nprobe(config.lr)\n",
    "nested = {'opt': {'lr': 0.1}}\nprobe(nested['opt']['lr'])\n",
])
def test_dictionary_reads_without_a_known_value(code):
    assert values(code) == [None]


def test_a_dictionary_entry_overwritten_before_use_is_not_the_literal():
    code = """
    config = {"lr": 0.1}
    config["lr"] = 1e-3
    probe(config["lr"])
    """
    assert values(code)[0] in (None, 1e-3)


def test_get_on_a_dictionary_read_from_a_file_is_unknown():
    code = """
    import json
    cfg = json.load(open("config.json"))
    probe(cfg.get("lr", 0.1))
    """
    assert values(code) == [None]


# --------------------------------------------------------------------------------------------
# self attributes and class attributes


def test_self_attributes():
    code = """
    class Trainer:
        def __init__(self, lr):
            self.base_lr = 0.1
            self.wd = None
            self.wd = 5e-4
            self.lr = lr
            self.twice = 0.1
            self.twice = 0.01

        def fit(self):
            probe(self.base_lr)
            probe(self.wd)
            probe(self.lr)
            probe(self.twice)
            probe(self.never_assigned)
    """
    assert values(code) == [0.1, 5e-4, None, None, None]


def test_self_attribute_assigned_in_another_method():
    code = """
    class Trainer:
        def setup(self):
            self.lr = 0.1

        def fit(self):
            probe(self.lr)
    """
    assert values(code) == [0.1]


def test_self_attributes_of_another_class_are_not_mixed_in():
    code = """
    class A:
        def __init__(self):
            self.lr = 0.1

    class B:
        def fit(self):
            probe(self.lr)
    """
    assert values(code) == [None]


def test_class_attributes():
    code = """
    class Config:
        base = 0.1
        lr = base * 2
        batch_size = 64
        twice = 1
        twice = 2

    probe(Config.lr)
    probe(Config.batch_size)
    probe(Config.twice)
    probe(Config.missing)

    def train():
        probe(Config.base)
    """
    assert values(code) == [0.2, 64, None, None, 0.1]


def test_class_defined_twice():
    code = """
    class Config:
        lr = 0.1

    class Config:
        lr = 0.001

    probe(Config.lr)

    def train():
        probe(Config.lr)
    """
    # At module level the later class is the one in use; a function may run with either.
    assert values(code) == [0.001, None]


def test_instance_of_a_config_class_is_not_the_command_line():
    code = ARGPARSE + """
parser.add_argument('--lr', type=float, default=0.5)
args = parser.parse_args()

class Config:
    lr = 1e-3

cfg = Config()
probe(cfg.lr)
"""
    assert values(code)[0] in (None, 1e-3)


# --------------------------------------------------------------------------------------------
# float(...) and int(...)


@pytest.mark.parametrize("expr, expected", [
    ("float('0.1')", 0.1),
    ("float('1e-3')", 0.001),
    ("float(1)", 1.0),
    ("int('3')", 3),
    ("int(2.7)", 2),
    ("float(LR)", 0.5),
    ("float(LR_TEXT)", 0.25),
])
def test_float_and_int_conversions(expr, expected):
    assert same(value(f"LR = 0.5\nLR_TEXT = '0.25'\nprobe({expr})"), expected)


@pytest.mark.parametrize("code", [
    "probe(float('fast'))",
    "probe(float(True))",
    "probe(float((10 ** 64) ** 7))",  # too large for a float
    "probe(float('0.1', 2))",
    "probe(str(0.1))",  # only float and int convert
    "def float(x):\n    return 2.0\nprobe(float('0.1'))",  # not the builtin
    "from numpy import float32 as float\nprobe(float('0.1'))",
])
def test_conversions_without_a_known_value(code):
    assert values(code)[-1] is None


# --------------------------------------------------------------------------------------------
# The same sources through NN401: the value reaches the rule and its message


TORCH = "import torch\nmodel = torch.nn.Linear(3, 1)\n"


@pytest.mark.parametrize("setup, lr", [
    ("LR = 0.1", "LR"),
    ("import argparse\np = argparse.ArgumentParser()\np.add_argument('--learning-rate', type=float, default='0.1')\n"
     "args = p.parse_args()", "args.learning_rate"),
    ("from absl import flags\nflags.DEFINE_float('lr', 0.1, 'lr')\nFLAGS = flags.FLAGS", "FLAGS.lr"),
    ("config = {'lr': 0.1}", "config['lr']"),
    ("config = {}", "config.get('lr', 0.1)"),
    ("hp = dict(lr=0.1)", "hp['lr']"),
    ("class Config:\n    lr = 0.1", "Config.lr"),
    ("", "float('0.1')"),
    ("", "1e-1 * 2"),
])
def test_nn401_sees_each_kind_of_source(setup, lr):
    code = TORCH + setup + f"\nopt = torch.optim.Adam(model.parameters(), lr={lr})\n"
    result = lint(code, "NN401")
    assert [d.code for d in result.diagnostics] == ["NN401"]
    [diagnostic] = result.diagnostics
    assert diagnostic.line == code.count("\n")
    assert f"`{lr}`" in diagnostic.message
    assert result.internal_errors == []


def test_nn401_sees_a_self_attribute():
    code = TORCH + """
class Trainer:
    def __init__(self, model):
        self.lr = 0.1
        self.opt = torch.optim.Adam(model.parameters(), lr=self.lr)
"""
    result = lint(code, "NN401")
    assert [(d.line, d.code) for d in result.diagnostics] == [(7, "NN401")]
    assert "`self.lr` (0.1)" in result.diagnostics[0].message


@pytest.mark.parametrize("setup, lr", [
    ("def make(lr):\n    return torch.optim.Adam(model.parameters(), lr=lr)", None),
    ("LR = 0.1\nif FINE_TUNE:\n    LR = 1e-4\n"
     "def make():\n    return torch.optim.Adam(model.parameters(), lr=LR)", None),
    ("class Trainer:\n    def __init__(self):\n        self.lr = 0.1\n        self.lr = 1e-4\n"
     "        self.opt = torch.optim.Adam(model.parameters(), lr=self.lr)", None),
    ("import argparse\np = argparse.ArgumentParser()\np.add_argument('--lr', default=0.1)\n"
     "p.add_argument('--lr', default=1e-4)\nargs = p.parse_args()", "args.lr"),
    ("import argparse\np = argparse.ArgumentParser()\np.add_argument('--lr', type=float, default=0.1)\n"
     "args = p.parse_args()\nsgd = torch.optim.SGD(model.parameters(), lr=args.lr)", "sgd.lr"),
    ("", "1 / 0"),
    ("", "10 ** 1000"),
    ("", "1e300 ** 2"),
])
def test_nn401_is_silent_when_the_value_is_unknown(setup, lr):
    code = TORCH + setup + "\n"
    if lr is not None:
        code += f"opt = torch.optim.Adam(model.parameters(), lr={lr})\n"
    result = lint(code, "NN401")
    assert result.diagnostics == []
    assert result.internal_errors == []


@pytest.mark.parametrize("code", [
    TORCH + "opt = torch.optim.Adam(model.parameters(), lr=(10 ** 64) ** 7)\n",
    TORCH + "opt = torch.optim.SGD(model.parameters(), lr=0.01, weight_decay=(10 ** 64) ** 7)\n",
    TORCH + "torch.nn.init.normal_(model.weight, std=(10 ** 64) ** 7)\n",
], ids=["NN401", "NN404", "NN403"])
def test_huge_integer_power_does_not_crash_the_rules(code):
    result = lint(code, "NN4")
    assert result.internal_errors == []


def test_one_constant_read_by_two_optimizers():
    code = TORCH + (
        "LR = 0.1\n"
        "a = torch.optim.Adam(model.parameters(), lr=LR)\n"
        "b = torch.optim.Adam(model.parameters(), lr=LR)\n"
    )
    assert codes(code, "NN401") == [(4, "NN401"), (5, "NN401")]


# --------------------------------------------------------------------------------------------
# Property: arithmetic over literals evaluates like Python


_INT_LITERALS = st.integers(min_value=0, max_value=10 ** 6).map(str)
_FLOAT_LITERALS = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False).map(repr)
_LITERALS = st.one_of(_INT_LITERALS, _FLOAT_LITERALS)


def _arithmetic(height: int) -> st.SearchStrategy:
    """Source text of an expression over number literals, at most `height` operators deep."""
    if height == 0:
        return _LITERALS
    inner = _arithmetic(height - 1)
    return st.one_of(
        _LITERALS,
        inner.map(lambda e: f"-({e})"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
    )


@settings(max_examples=300, deadline=None)
@given(_arithmetic(3))
def test_arithmetic_over_literals_matches_python(text):
    try:
        expected = eval(text, {"__builtins__": {}})  # noqa: S307 - text is built from number literals only
    except (ZeroDivisionError, OverflowError):
        expected = None
    found = value(f"probe({text})")
    if expected is None:
        assert found is None
    elif math.isnan(expected):
        assert isinstance(found, float) and math.isnan(found)
    else:
        assert isinstance(found, (int, float)) and not isinstance(found, bool)
        assert isinstance(found, float) == isinstance(expected, float)
        assert math.isclose(found, expected, rel_tol=1e-12, abs_tol=0.0)
