"""`--format github`: GitHub Actions workflow commands, one `::error`/`::warning`/`::notice` line
per finding, escaped the way GitHub's toolkit (@actions/core) escapes them, and nothing but
commands on stdout."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import SIGMOID_LOG, SOFTMAX_CE, invoke, report, write
from nnlint.report import github
from nnlint.rule import Diagnostic, Severity


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def diagnostic(**changes) -> Diagnostic:
    fields = dict(path="train.py", line=3, column=27, end_line=3, end_column=36, code="NN103",
                  rule="log-of-softmax", severity=Severity.WARNING, message="log of softmax", noqa_line=3)
    fields.update(changes)
    return Diagnostic(**fields)


def test_exact_lines_for_a_small_project(tmp_path: Path):
    write(tmp_path / "a.py", SIGMOID_LOG)
    write(tmp_path / "b.py", SOFTMAX_CE)
    messages = {d["path"]: d["message"] for d in report(["."])["diagnostics"]}
    result = invoke(["--format", "github", "."])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"::error file=a.py,line=3,col=5,endLine=3,endColumn=14,title=NN101::{messages['./a.py']}",
        f"::warning file=b.py,line=3,col=27,endLine=3,endColumn=36,title=NN103::{messages['./b.py']}",
    ]
    assert "Found 2 problems" in result.stderr


def test_severities_map_to_commands():
    assert [github.annotation(diagnostic(severity=s)).split(" ", 1)[0] for s in Severity] == [
        "::error", "::warning", "::notice",
    ]


def test_message_escapes_percent_and_line_breaks_only():
    line = github.annotation(diagnostic(message="100% NaN:\r\nsee a,b"))
    assert line.endswith("::100%25 NaN:%0D%0Asee a,b")


def test_properties_also_escape_colon_and_comma():
    line = github.annotation(diagnostic(path="C:\\runs,50%\nv2.py"))
    assert line.startswith("::warning file=C%3A\\runs%2C50%25%0Av2.py,line=3,")


def test_escaping_matches_the_toolkit():
    assert github.escape_data("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad:e,f"
    assert github.escape_property("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad%3Ae%2Cf"


def test_columns_are_left_out_of_a_span_over_several_lines():
    line = github.annotation(diagnostic(line=4, end_line=6, end_column=2))
    assert line == "::warning file=train.py,line=4,endLine=6,title=NN103::log of softmax"


def test_file_errors_are_error_lines(tmp_path: Path):
    write(tmp_path / "latin.py", b"import tensorflow as tf\nname = '\xe9'\n")
    result = invoke(["--format", "github", "latin.py"])
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("::error file=latin.py::not valid UTF-8")


def test_config_error_is_one_error_line(tmp_path: Path):
    write(tmp_path / "pyproject.toml", "[tool.nnlint]\nbogus = 1\n")
    write(tmp_path / "train.py", SOFTMAX_CE)
    result = invoke(["--format", "github", "train.py"])
    assert result.exit_code == 2
    (line,) = result.stdout.splitlines()
    assert line.startswith("::error::")
    assert "bogus" in line and "%3A" not in line


def test_clean_run_prints_no_command(tmp_path: Path):
    write(tmp_path / "train.py", "import torch\nmodel = torch.nn.Linear(2, 2)\n")
    result = invoke(["--format", "github", "train.py"])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "All checks passed" in result.stderr
