"""NN001: which `# noqa` comments count as used, what the fix leaves behind, and the fix
round-trip of NN001 and NN506 on every fixture."""

from __future__ import annotations

import textwrap

import pytest

from helpers import FIXTURES, codes, expected_markers, lint
from nnlint import engine, selection
from nnlint.fixing import apply_fixes
from nnlint.engine import lint_source

SIGMOID_LOG = "import torch\np = torch.sigmoid(z)\nloss = torch.log(p)"


def unused(text: str, select: str = "ALL") -> list:
    return [(d.line, d.message) for d in lint(text, select).diagnostics if d.code == "NN001"]


def test_used_codes_are_silent():
    assert codes(SIGMOID_LOG + "  # noqa: NN101\n") == []
    assert codes(SIGMOID_LOG + "  # noqa\n") == []


def test_stale_code_is_reported_on_the_comment():
    [finding] = lint("import torch\nx = torch.zeros(3)  # noqa: NN101\n").diagnostics
    assert (finding.code, finding.line, finding.column, finding.end_column) == ("NN001", 2, 21, 34)
    assert finding.message == "`# noqa: NN101` suppresses nothing on this line; remove it."


def test_one_stale_code_among_used_ones():
    text = SIGMOID_LOG + "  # noqa: NN103, NN101\n"
    assert unused(text) == [(3, "`# noqa: NN103` suppresses nothing on this line; remove it.")]


def test_bare_noqa_without_a_finding():
    assert [line for line, _ in unused("import torch\nx = 1  # noqa\n")] == [2]


def test_codes_of_other_tools_are_never_reported():
    assert codes("import torch\nimport os  # noqa: F401\nx = 1  # noqa: E501,W291\n") == []


def test_unknown_nn_code():
    assert unused("import torch\nx = 1  # noqa: NN999\n") == [
        (2, "`NN999` is not an nnlint rule; remove it from the `# noqa`.")
    ]


def test_codes_of_rules_not_selected_are_not_judged():
    text = "import torch\nx = torch.zeros(3)  # noqa: NN101\n"
    assert codes(text, "NN001") == []
    result = lint_source(text, "t.py", selection.resolve(["ALL"], ["NN101"]))
    assert result.diagnostics == []


def test_nn001_in_the_comment_silences_nn001():
    assert codes("import torch\nx = torch.zeros(3)  # noqa: NN001, NN101\n") == []


def test_noqa_in_strings_is_not_a_comment():
    text = textwrap.dedent('''
        """Usage: add `# noqa: NN101` to silence."""
        import torch
        help_text = "# noqa"
        multi = """
        x = 1  # noqa: NN205
        """
    ''')
    assert codes(text) == []


def test_ignore_noqa_and_skip_file_disable_it():
    text = "import torch\nx = 1  # noqa: NN101\n"
    assert lint_source(text, "t.py", selection.resolve(["ALL"], []), ignore_noqa=True).diagnostics == []
    assert codes("# nnlint: skip-file\n" + text) == []


def test_unparsable_files_are_not_judged():
    assert codes("import torch\nx = (  # noqa: NN101\n") == [(2, "NN000")]


def test_files_without_a_framework_only_have_explicit_codes_judged():
    assert codes("import os\nx = 1  # noqa\ny = 2  # noqa: NN101\n") == [(3, "NN001")]


@pytest.mark.parametrize("line, fixed", [
    ("x = 1  # noqa: NN101", "x = 1"),
    ("x = 1  # noqa", "x = 1"),
    ("x = 1  # noqa: NN101, E501", "x = 1  # noqa: E501"),
    ("x = 1  # noqa: E501,NN101", "x = 1  # noqa: E501"),
    ("x = 1  # noqa: NN101  # kept for the logs", "x = 1  # kept for the logs"),
    ("x = 1  # type: ignore  # noqa: NN101", "x = 1  # type: ignore"),
    ("# noqa: NN999", ""),
])
def test_fix_removes_only_the_stale_part(line, fixed):
    text = f"import torch\n{line}\n"
    findings = [d for d in lint(text).diagnostics if d.code == "NN001"]
    assert len(findings) == 1 and findings[0].fix.applicability.value == "safe"
    assert apply_fixes(text, findings) == f"import torch\n{fixed}\n"


FIXABLE = [
    (path, code)
    for path in sorted(FIXTURES.rglob("*.py"))
    for code in ("NN001", "NN506")
    if any(c == code for _, c in expected_markers(path.read_text(encoding="utf-8")))
]


@pytest.mark.parametrize("path, code", FIXABLE, ids=lambda v: v if isinstance(v, str) else v.name)
def test_safe_fix_round_trip_on_fixtures(path, code):
    """Fixing removes every finding of the rule, leaves the others, and a second fix changes nothing."""
    text = path.read_text(encoding="utf-8")
    select = selection.resolve(["ALL"], [])
    before = lint_source(text, str(path), select).diagnostics
    fixable = [d for d in before if d.code == code]
    assert fixable and all(d.fix is not None for d in fixable)
    fixed = apply_fixes(text, fixable)
    after = lint_source(fixed, str(path), select).diagnostics
    assert [d for d in after if d.code == code] == []
    others = sorted((d.line, d.code) for d in before if d.code != code)
    assert sorted((d.line, d.code) for d in after) == others


def test_a_file_that_only_names_a_framework_in_text_keeps_its_bare_noqa():
    assert codes('CATEGORIES = ["torch", "lamp"]  # noqa\n') == []


@pytest.mark.parametrize("line, fixed", [
    ("x = 1  # noqa: NN101 - clipped upstream", "x = 1  # - clipped upstream"),
    ("x = 1  # noqa: NN101 because reasons", "x = 1  # because reasons"),
])
def test_fix_keeps_the_explanation_a_comment(line, fixed):
    text = f"import torch\n{line}\n"
    findings = [d for d in lint(text).diagnostics if d.code == "NN001"]
    assert apply_fixes(text, findings) == f"import torch\n{fixed}\n"


def test_bare_noqa_is_not_judged_when_some_rules_were_not_selected():
    text = "import torch.nn as nn\nm = nn.Linear(2, 2)\ny = m.forward(x)  # noqa\n"
    assert codes(text, "NN001") == []
    assert codes(text) == []  # with every rule, it silences NN505


def test_codes_of_planned_rules_are_known(monkeypatch):
    monkeypatch.setattr(engine, "KNOWN_CODES", engine.KNOWN_CODES | {"NN999"})
    assert codes("import torch\nloss = criterion(probs, y)  # noqa: NN999\n") == []


def test_noqa_in_a_string_does_not_silence():
    text = 'import torch.nn as nn\nm = nn.Linear(2, 2)\ny = m.forward("# noqa")\n'
    assert codes(text) == [(3, "NN505")]
