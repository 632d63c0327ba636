"""The engine's promises: a failing rule is contained, positions and noqa are right, and
files that cannot contain a finding are skipped without being parsed."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from helpers import lint
from nnlint.checks.log_of_softmax import LogOfSoftmax
from nnlint.cli import main

CODE = "import tensorflow as tf\np = tf.sigmoid(z)\na = tf.log(p)\nb = tf.log(tf.nn.softmax(z))\n"


def _explode(self, node):
    raise ValueError("boom")


def test_a_rule_that_raises_is_reported_and_the_other_rules_still_run(monkeypatch):
    monkeypatch.setattr(LogOfSoftmax, "visit_Call", _explode)
    result = lint(CODE)
    assert result.internal_errors == ["internal error in rule NN103: ValueError: boom"]
    assert [(d.line, d.code) for d in result.diagnostics] == [(3, "NN101")]


def test_cli_exits_2_on_an_internal_error_and_still_reports_every_file(monkeypatch, tmp_path):
    monkeypatch.setattr(LogOfSoftmax, "visit_Call", _explode)
    (tmp_path / "a.py").write_text(CODE)
    (tmp_path / "b.py").write_text(CODE)
    result = CliRunner().invoke(main, ["--format", "json", "-j", "1", str(tmp_path)])
    assert result.exit_code == 2
    document = json.loads(result.output)
    assert [d["code"] for d in document["diagnostics"]] == ["NN101", "NN101"]
    assert [e["message"] for e in document["errors"]] == [
        "internal error in rule NN103: ValueError: boom"
    ] * 2


def test_files_without_a_framework_are_skipped_but_counted(tmp_path):
    (tmp_path / "util.py").write_text("def log(x):\n    return x\n")
    (tmp_path / "broken.py").write_text("def main(:\n")
    result = CliRunner().invoke(main, ["--format", "json", str(tmp_path)])
    assert result.exit_code == 0
    assert json.loads(result.output)["summary"] == {"files": 2, "diagnostics": 0, "errors": 0}


def test_positions_are_one_based_with_exclusive_ends():
    (diagnostic,) = lint("import torch\nx = 1; y = torch.log(torch.sigmoid(z))\n").diagnostics
    assert (diagnostic.line, diagnostic.column, diagnostic.end_line, diagnostic.end_column) == (2, 12, 2, 39)


def test_noqa_applies_to_the_first_line_of_a_multiline_finding():
    code = "import torch\nx = torch.log(  # noqa: NN101\n    torch.sigmoid(z))\ny = torch.log(\n    torch.sigmoid(z))  # noqa: NN101\n"
    assert [(d.line, d.noqa_line) for d in lint(code, "NN1").diagnostics] == [(4, 4)]


def test_no_traceback_reaches_the_user_on_a_crash_outside_the_rules(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "nnlint", "--config", str(tmp_path / "missing.toml"), str(tmp_path)],
        capture_output=True, text=True,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert completed.stderr.strip().startswith("nnlint: error:")
