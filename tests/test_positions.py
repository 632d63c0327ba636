"""Finding positions from the statement search equal LibCST's exact positions."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from helpers import FIXTURES
from nnlint import selection
from nnlint.analysis.scopes import build_scopes
from nnlint.engine import lint_source
from nnlint.positions import Locator, exact_positions

FIXTURE_FILES = sorted(FIXTURES.rglob("*.py"))


def _exact_span(module, node):
    code_range = exact_positions(module)[node]
    return (code_range.start.line, code_range.start.column + 1), (code_range.end.line, code_range.end.column + 1)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_findings_sit_where_libcst_puts_them(path, monkeypatch):
    text = path.read_text(encoding="utf-8")
    searched = []
    original = Locator.span

    def checked(self, node, statement):
        found = self._search(node, statement)
        exact = _exact_span(self._module, node)
        if found is not None:
            searched.append((found, exact))
        return original(self, node, statement)

    monkeypatch.setattr(Locator, "span", checked)
    lint_source(text, str(path), selection.resolve(None, []))
    assert all(found == exact for found, exact in searched)


def _locate(code, pick):
    """Locate the node `pick(module)` of `code`, with the statement order of its statement."""
    text = textwrap.dedent(code)
    module = cst.parse_module(text)
    index = build_scopes(module)
    node, statement_node = pick(module)
    locator = Locator(module, text, index.statements)
    return locator, node, index.order_of[id(statement_node)], module


def test_the_second_of_two_identical_calls_is_found_second():
    def pick(module):
        statement = module.body[0].body[0]
        right = statement.value.right
        return right, statement

    locator, node, order, module = _locate("y = tf.log(p) + tf.log(p)\n", pick)
    assert locator.span(node, order) == ((1, 17), (1, 26)) == _exact_span(module, node)


def test_text_repeated_in_a_string_falls_back_to_exact_positions():
    def pick(module):
        statement = module.body[0].body[0]
        return statement.value.args[1].value, statement

    locator, node, order, module = _locate('f("gate", gate)\n', pick)
    assert locator._search(node, order) is None
    assert locator.span(node, order) == _exact_span(module, node)


def test_non_ascii_text_before_the_node_counts_in_characters():
    def pick(module):
        statement = module.body[0].body[0]
        return statement.value.args[1].value, statement

    locator, node, order, module = _locate('f("é", tf.log(p))\n', pick)
    assert locator.span(node, order) == _exact_span(module, node)
