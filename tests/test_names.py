"""Name resolution through the module's own imports (analysis/names.py)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from nnlint.analysis.names import NameResolver, Where
from nnlint.analysis.scopes import build_scopes


def resolve_last(code: str) -> frozenset:
    """Qualified names of the last module-level expression statement."""
    module = cst.parse_module(textwrap.dedent(code))
    index = build_scopes(module)
    statement = module.body[-1].body[0]
    order = index.order_of[id(statement)]
    return NameResolver(index.module_scope).qualified_names(
        statement.value, Where(index.module_scope, order)
    )


@pytest.mark.parametrize(
    "code, expected",
    [
        ("import tensorflow as tf\ntf.log", {"tensorflow.log"}),
        ("import tensorflow.compat.v1 as tf\ntf.log", {"tensorflow.log"}),
        ("import tensorflow as tf\ntf.compat.v1.log", {"tensorflow.log"}),
        ("import tensorflow\ntensorflow.math.log", {"tensorflow.math.log"}),
        ("import tensorflow.compat.v1\ntensorflow.compat.v1.log", {"tensorflow.log"}),
        ("from tensorflow.keras import backend as K\nK.log", {"keras.backend.log"}),
        ("from keras import backend as K\nK.log", {"keras.backend.log"}),
        ("import tensorflow as tf\ntf.keras.backend.log", {"keras.backend.log"}),
        ("from tensorflow.python.keras import backend as K\nK.log", {"keras.backend.log"}),
        ("import keras\nkeras.ops.log", {"keras.ops.log"}),
        ("from torch.nn import functional as F\nF.softmax", {"torch.nn.functional.softmax"}),
        ("import torch.nn.functional as F\nF.softmax", {"torch.nn.functional.softmax"}),
        ("from torch import nn\nnn.Softmax", {"torch.nn.Softmax"}),
        ("import torch as T\nT.log", {"torch.log"}),
        ("from torch import log\nlog", {"torch.log"}),
        ("from keras.layers.core import Dense\nDense", {"keras.layers.Dense"}),
        ("import torch\nF = torch.nn.functional\nF.softmax", {"torch.nn.functional.softmax"}),
        ("from tensorflow.keras.layers import *\nDense", {"keras.layers.Dense"}),
    ],
)
def test_import_styles(code, expected):
    assert resolve_last(code) == expected


def test_try_except_import_gives_both_meanings():
    code = """
    try:
        import tensorflow.compat.v1 as tf
    except ImportError:
        import torch as tf
    tf.log
    """
    assert resolve_last(code) == {"tensorflow.log", "torch.log"}


@pytest.mark.parametrize(
    "code",
    [
        "import tensorflow as tf\ndef log(x):\n    return x\nlog",
        "from tensorflow import log\ndef log(x):\n    return x\nlog",
        "import tensorflow as tf\ntf = None\ntf.log",
        "from . import tf\ntf.log",
        "tf.log",
        "import numpy as np\nnp.log",
    ],
)
def test_names_that_are_not_the_framework(code):
    assert not (resolve_last(code) & {"tensorflow.log", "torch.log"})


def test_function_level_import_and_shadowing_in_function():
    code = """
    import torch

    def f(x):
        import tensorflow as torch
        return torch.log(x)

    def g(torch):
        return torch.log(x)

    torch.log
    """
    module = cst.parse_module(textwrap.dedent(code))
    index = build_scopes(module)
    resolver = NameResolver(index.module_scope)
    f, g = module.body[1], module.body[2]
    for function, expected in ((f, {"tensorflow.log"}), (g, set())):
        scope = index.scope_of(function)
        ret = function.body.body[-1].body[0]
        where = Where(scope, index.order_of[id(ret)])
        assert resolver.qualified_names(ret.value.func, where) == expected
