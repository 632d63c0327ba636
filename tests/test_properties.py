"""Whatever bytes a file holds, linting it ends as findings, NN000 or a per-file error: never an
exception, never a rule failure, and the JSON report stays one valid document."""

from __future__ import annotations

import json

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import FIXTURES
from nnlint import selection
from nnlint.engine import lint_bytes, lint_text
from nnlint.fixing import apply_fixes, fix_text
from nnlint.report.json_report import document
from nnlint.runner import RunResult
from nnlint.source import python_parse

FIXTURE_BYTES = [path.read_bytes() for path in sorted(FIXTURES.rglob("*.py"))]
NOTEBOOKS = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(FIXTURES.rglob("*.ipynb"))]
ALL = selection.resolve(None, [])


@st.composite
def mutated_fixture(draw):
    lines = draw(st.sampled_from(FIXTURE_BYTES)).split(b"\n")
    for _ in range(draw(st.integers(0, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "garbage", "truncate"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "garbage":
            cut = draw(st.integers(0, len(lines[i])))
            junk = draw(st.binary(min_size=1, max_size=8))
            lines[i] = lines[i][:cut] + junk + lines[i][cut:]
        else:
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
    return b"\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixture())
def test_mutated_fixtures_never_crash(data):
    result = lint_bytes(data, "mutated.py", ALL)
    assert not result.internal_errors, result.internal_errors
    for d in result.diagnostics:
        assert 1 <= d.line <= d.end_line and d.column >= 1
    run = RunResult()
    run.add(result)
    json.loads(json.dumps(document(run.finish())))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("import torch tf.log()[]=\n\t:#'\"\\x+-*"))))
def test_arbitrary_text_never_crashes(text):
    result = lint_bytes(("import torch\n" + text).encode("utf-8"), "t.py", ALL)
    assert not result.internal_errors


@st.composite
def mutated_notebook(draw):
    """A fixture notebook whose code cells lost, repeated or gained lines (IPython ones too)."""
    document = json.loads(json.dumps(draw(st.sampled_from(NOTEBOOKS))))
    for cell in document["cells"]:
        lines = list(cell["source"])
        for _ in range(draw(st.integers(0, 2))):
            action = draw(st.sampled_from(["delete", "duplicate", "magic", "none"]))
            if action == "delete" and lines:
                del lines[draw(st.integers(0, len(lines) - 1))]
            elif action == "duplicate" and lines:
                lines.insert(0, lines[draw(st.integers(0, len(lines) - 1))])
            elif action == "magic":
                lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["%time\n", "!ls\n", "%%bash\n", "x = !pwd\n"])))
        cell["source"] = lines
    return document


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_notebook())
def test_mutated_notebooks_report_lines_inside_their_code_cells(document):
    result = lint_bytes(json.dumps(document).encode(), "mutated.ipynb", ALL)
    assert not result.internal_errors and not result.errors
    for d in result.diagnostics:
        cell = document["cells"][d.cell]
        assert cell["cell_type"] == "code"
        assert 1 <= d.line <= d.end_line <= max(1, len("".join(cell["source"]).splitlines()))


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_programs_from_the_grammar_never_crash(source):
    """Any valid Python program, with a framework import so that every rule runs on it."""
    result = lint_bytes(("import torch\nimport tensorflow as tf\n" + source).encode("utf-8"), "g.py", ALL)
    assert not result.internal_errors, result.internal_errors
    run = RunResult()
    run.add(result)
    json.loads(json.dumps(document(run.finish())))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixture())
def test_fixing_mutated_fixtures_keeps_them_parseable_and_changes_only_fixed_lines(data):
    try:
        text = data.decode("utf-8")
        python_parse(text)
    except (UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
        return  # fixes are only applied to files that parse
    findings = lint_text(text, "m.py", ALL).diagnostics
    fixable = [d for d in findings if d.fix is not None]
    fixed = fix_text(text, "m.py", lambda t: lint_text(t, "m.py", ALL), unsafe=True)
    python_parse(fixed.text)
    one_round = apply_fixes(text, fixable)
    before, after = text.splitlines(), one_round.splitlines()
    if len(before) == len(after):  # every fix of the catalog edits within its line
        touched = {line for d in fixable for e in d.fix.edits for line in range(e.line, e.end_line + 1)}
        assert all(before[i] == after[i] for i in range(len(before)) if i + 1 not in touched)
