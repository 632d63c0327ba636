"""Rule pages are generated from the rule classes and must be committed up to date; each rule's
documented example must trigger it and its "use instead" must not."""

from __future__ import annotations

import pytest

from helpers import REPO, lint
from nnlint.checks import ALL_RULES
from nnlint.docs import expected_pages


def test_rule_pages_are_up_to_date():
    rules_dir = REPO / "rules"
    for name, content in expected_pages().items():
        page = rules_dir / name
        assert page.is_file(), f"rules/{name} is missing: run `python -m nnlint.docs`"
        assert page.read_text(encoding="utf-8") == content, f"rules/{name} is stale: run `python -m nnlint.docs`"
    generated = set(expected_pages())
    committed = {p.name for p in rules_dir.glob("*.md")}
    assert committed == generated, "rules/ has pages for rules that no longer exist"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_documents_every_section(rule):
    for attribute in ("summary", "what_it_does", "why_bad", "stays_silent", "example", "use_instead"):
        assert getattr(rule, attribute).strip(), f"{rule.code} has no {attribute}"
    assert rule.summary.endswith("."), "summaries are one sentence"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_example_triggers_and_use_instead_does_not(rule):
    # NN001 judges noqa comments against the findings of every rule, so it runs with all.
    select = "ALL" if rule.code == "NN001" else rule.code
    example = lint(rule.example, select).diagnostics
    assert [d.code for d in example] and all(d.code == rule.code for d in example)
    assert not lint(rule.use_instead, select).diagnostics
