"""The benchmark's synthetic corpus is what it claims to be: valid Python of each kind, correct
training code on which nnlint stays silent (a cheap check of precision on idiomatic code)."""

from __future__ import annotations

import ast
import sys

from helpers import REPO
from nnlint import selection
from nnlint.engine import lint_source

sys.path.insert(0, str(REPO / "benchmarks"))

from synthetic import generate  # noqa: E402


def test_synthetic_corpus_is_valid_silent_and_reproducible(tmp_path):
    first = generate(tmp_path / "a", 25, seed=3)
    second = generate(tmp_path / "b", 25, seed=3)
    files = sorted(first.rglob("*.py"))
    assert len(files) == 25
    assert {f.name.split("_")[0] for f in files} == {"tf1", "keras", "torch", "plain"}
    for path in files:
        text = path.read_text()
        ast.parse(text)
        assert lint_source(text, str(path), selection.resolve(None, [])).diagnostics == []
        assert (second / path.relative_to(first)).read_text() == text
