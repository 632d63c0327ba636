"""The command-line contract of DESIGN.md: exit codes, the output formats (text, concise, json),
rule selection, suppression comments, stdin, --statistics/--explain/--list-rules/--version,
discovery of files under directories, and parallel runs.

Most tests run the click command in-process (fast); the few that need a real process (stdin
piping, a terminal, worker processes, "no traceback ever") run `python -m nnlint`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence

import pytest

import nnlint
from cli_helpers import SIGMOID_LOG, SOFTMAX_CE, found, invoke, report, run_nnlint, subprocess_env, write

# --------------------------------------------------------------------------------------------
# Sources. Line/column numbers in the comments are 1-based, ends exclusive (DESIGN.md).

# NN103 on line 2 with a safe fix: the whole call 2:5-2:29 becomes `tf.nn.log_softmax(x)`.
DIRECT_LOG_SOFTMAX = (
    "import tensorflow as tf\n"
    "z = tf.log(tf.nn.softmax(x))\n"
)
CLEAN = (
    "import tensorflow as tf\n"
    "\n"
    "model = tf.keras.Sequential([tf.keras.layers.Dense(10)])\n"
    "loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)\n"
    "p = tf.sigmoid(z)\n"
    "l = tf.math.log(p + 1e-7)\n"
)
# A realistic TF1 training script: NN103 on line 9 (`tf.log(y)` at 9:45-9:54).
TF1_SCRIPT = (
    "import tensorflow as tf\n"
    "\n"
    "x = tf.placeholder(tf.float32, [None, 784])\n"
    "y_ = tf.placeholder(tf.float32, [None, 10])\n"
    "W = tf.Variable(tf.zeros([784, 10]))\n"
    "b = tf.Variable(tf.zeros([10]))\n"
    "y = tf.nn.softmax(tf.matmul(x, W) + b)\n"
    "\n"
    "cross_entropy = -tf.reduce_sum(y_ * tf.log(y))\n"
    "train_step = tf.train.GradientDescentOptimizer(0.01).minimize(cross_entropy)\n"
)

CONCISE_LINE = re.compile(
    r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<code>NN\d{3}) \[(?P<sev>error|warning|info)\] (?P<msg>.+)$"
)
FORMATS = ("text", "concise", "json")


# --------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Every test runs in its own empty directory, so relative paths are what is reported."""
    monkeypatch.chdir(tmp_path)
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NNLINT_DEBUG"):
        monkeypatch.delenv(name, raising=False)


# --------------------------------------------------------------------------------------------
# Exit codes


@pytest.mark.parametrize("fmt", FORMATS)
def test_exit_0_when_clean(tmp_path, fmt):
    write(tmp_path / "train_clean.py", CLEAN)
    result = invoke(["--format", fmt, "train_clean.py"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_exit_1_with_findings(tmp_path, fmt):
    write(tmp_path / "train_tf1.py", TF1_SCRIPT)
    result = invoke(["--format", fmt, "train_tf1.py"])
    assert result.exit_code == 1
    assert "NN103" in result.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_exit_zero_flag(tmp_path, fmt):
    write(tmp_path / "train_tf1.py", TF1_SCRIPT)
    result = invoke(["--format", fmt, "--exit-zero", "train_tf1.py"])
    assert result.exit_code == 0
    assert "NN103" in result.stdout  # still reported, only the exit code changes


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("args", [
    ["--bogus-option"],
    ["--select", "NN999"],
    ["--ignore", "XX1"],
    ["--select", "NN101,NN9"],
    ["--jobs", "0"],
    ["--format", "yaml"],
], ids=["unknown-option", "select-unknown-code", "ignore-unknown-prefix", "select-list-with-bad-prefix",
        "jobs-0", "unknown-format"])
def test_usage_error_exits_2(tmp_path, fmt, args):
    write(tmp_path / "train_tf1.py", TF1_SCRIPT)
    result = invoke(["--format", fmt, *args, "train_tf1.py"])
    assert result.exit_code == 2
    assert "Usage:" in result.stderr or "Error" in result.stderr
    assert "NN103" not in result.stdout  # nothing was linted


def test_bad_select_error_names_the_code(tmp_path):
    write(tmp_path / "train.py", SIGMOID_LOG)
    result = invoke(["--select", "NN999", "train.py"])
    assert result.exit_code == 2
    assert "NN999" in result.stderr and "--select" in result.stderr


def test_exit_codes_end_to_end(tmp_path):
    write(tmp_path / "train_clean.py", CLEAN)
    write(tmp_path / "train_bug.py", SIGMOID_LOG)
    assert run_nnlint(["train_clean.py"], tmp_path).returncode == 0
    assert run_nnlint(["train_bug.py"], tmp_path).returncode == 1
    bad = run_nnlint(["--select", "NN999", "train_bug.py"], tmp_path)
    assert bad.returncode == 2
    assert b"Traceback" not in bad.stderr


# --------------------------------------------------------------------------------------------
# Syntax errors: NN000


def test_python2_print_is_nn000_with_position(tmp_path):
    write(tmp_path / "legacy.py", 'import tensorflow as tf\nprint "hello"\n')
    result = invoke(["--format", "concise", "legacy.py"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    match = CONCISE_LINE.match(lines[0])
    assert match, lines[0]
    assert (match["path"], match["line"], match["col"], match["code"], match["sev"]) == (
        "legacy.py", "2", "1", "NN000", "error")
    assert match["msg"].startswith("Cannot parse the file: Missing parentheses in call to 'print'")


def test_syntax_error_in_json(tmp_path):
    write(tmp_path / "loop.py", "import tensorflow as tf\nfor step in range(100)\n    sess.run(train_op)\n")
    doc = report(["loop.py"])
    assert [d["code"] for d in doc["diagnostics"]] == ["NN000"]
    diag = doc["diagnostics"][0]
    assert diag["rule"] == "syntax-error" and diag["severity"] == "error"
    assert (diag["line"], diag["column"], diag["noqa_line"]) == (2, 23, 2)
    assert diag["message"].startswith("Cannot parse the file:") and "':'" in diag["message"]
    assert diag["fix"] is None
    assert doc["errors"] == []


def test_syntax_error_is_silenced_by_ignore(tmp_path):
    write(tmp_path / "legacy.py", 'import tensorflow as tf\nprint "hello"\n')
    result = invoke(["--ignore", "NN000", "legacy.py"])
    assert result.exit_code == 0


@pytest.mark.parametrize("source, line, column", [
    ("import torch\n\n\nx = $\n", 4, 5),                       # bad character (tokenizer)
    ("import torch\ns = \"abc\n", 2, 5),                          # unterminated string
    ("import torch\nx = foo(1, 2))\n", 2, 14),                   # unmatched bracket
    ("import torch\nloss = 1 +* 2\n", 2, 11),                    # parser error mid-line
    ("import tensorflow as tf\nfor step in range(100)\n    sess.run(op)\n", 2, 23),  # missing colon
], ids=["bad-char", "unterminated-string", "unmatched-bracket", "mid-line", "missing-colon"])
def test_syntax_error_position(tmp_path, source, line, column):
    write(tmp_path / "broken.py", source)
    doc = report(["broken.py"])
    assert [(d["code"], d["line"], d["column"]) for d in doc["diagnostics"]] == [("NN000", line, column)]


def test_syntax_error_in_a_file_without_a_framework_is_skipped_as_documented(tmp_path):
    # The prefilter skips files that never mention tensorflow/keras/torch before parsing them
    # (rules/NN000.md, "Stays silent when"); adding the import makes the error visible.
    write(tmp_path / "util.py", 'def main():\n    print "hello"\n')
    assert invoke(["--format", "concise", "util.py"]).exit_code == 0
    write(tmp_path / "util.py", 'import torch\ndef main():\n    print "hello"\n')
    result = invoke(["--format", "concise", "util.py"])
    assert result.exit_code == 1
    assert ": NN000 [error]" in result.stdout


# --------------------------------------------------------------------------------------------
# JSON report


def test_json_document_has_exactly_the_version_1_keys(tmp_path):
    write(tmp_path / "train_a.py", SOFTMAX_CE)
    write(tmp_path / "train_b.py", SIGMOID_LOG)
    result = invoke(["--format", "json", "train_a.py", "train_b.py", "missing.py"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert set(doc) == {"version", "tool", "summary", "diagnostics", "errors"}
    assert doc["version"] == 1
    assert doc["tool"] == {"name": "nnlint", "version": nnlint.__version__}
    assert set(doc["summary"]) == {"files", "diagnostics", "errors"}
    assert doc["summary"] == {"files": 2, "diagnostics": 2, "errors": 1}
    for diag in doc["diagnostics"]:
        assert set(diag) == {"path", "line", "column", "end_line", "end_column", "code", "rule",
                             "severity", "message", "url", "noqa_line", "fix"}
        assert diag["url"].endswith(f"{diag['code']}.md")
        assert diag["severity"] in ("error", "warning", "info")
    for error in doc["errors"]:
        assert set(error) == {"path", "message"}
    assert doc["errors"] == [{"path": "missing.py", "message": "no such file or directory"}]


def test_json_positions_are_1_based_with_exclusive_end(tmp_path):
    write(tmp_path / "train_a.py", SOFTMAX_CE)
    write(tmp_path / "train_b.py", SIGMOID_LOG)
    doc = report(["train_a.py", "train_b.py"])
    a, b = doc["diagnostics"]
    assert (a["path"], a["line"], a["column"], a["end_line"], a["end_column"], a["code"]) == (
        "train_a.py", 3, 27, 3, 36, "NN103")
    assert (a["rule"], a["severity"], a["noqa_line"]) == ("log-of-softmax", "warning", 3)
    # The span is exactly the source text of the call.
    assert SOFTMAX_CE.splitlines()[2][a["column"] - 1:a["end_column"] - 1] == "tf.log(y)"
    assert (b["path"], b["line"], b["column"], b["end_line"], b["end_column"], b["code"]) == (
        "train_b.py", 3, 5, 3, 14, "NN101")
    assert (b["rule"], b["severity"], b["noqa_line"]) == ("log-without-epsilon", "error", 3)
    assert SIGMOID_LOG.splitlines()[2][b["column"] - 1:b["end_column"] - 1] == "tf.log(p)"


def test_json_position_in_realistic_script(tmp_path):
    write(tmp_path / "mnist_tf1.py", TF1_SCRIPT)
    [diag] = report(["mnist_tf1.py"])["diagnostics"]
    assert (diag["line"], diag["column"], diag["end_line"], diag["end_column"]) == (9, 37, 9, 46)
    assert TF1_SCRIPT.splitlines()[8][36:45] == "tf.log(y)"
    assert "log_softmax" in diag["message"]


def test_json_noqa_line_is_first_line_of_a_multiline_finding(tmp_path):
    write(tmp_path / "train.py", "import tensorflow as tf\np = tf.sigmoid(z)\nl = tf.log(\n    p\n)\n")
    [diag] = report(["train.py"])["diagnostics"]
    assert (diag["line"], diag["column"], diag["end_line"], diag["end_column"]) == (3, 5, 5, 2)
    assert diag["noqa_line"] == 3


def test_json_unsafe_fix_for_nn101(tmp_path):
    write(tmp_path / "train.py", SIGMOID_LOG)
    [diag] = report(["train.py"])["diagnostics"]
    assert diag["code"] == "NN101"
    fix = diag["fix"]
    assert set(fix) == {"applicability", "description", "edits"}
    assert fix["applicability"] == "unsafe"
    assert isinstance(fix["description"], str) and fix["description"]
    assert fix["edits"] == [{"line": 3, "column": 12, "end_line": 3, "end_column": 13, "content": "p + 1e-8"}]


def test_json_safe_fix_for_direct_log_of_softmax(tmp_path):
    write(tmp_path / "train.py", DIRECT_LOG_SOFTMAX)
    [diag] = report(["train.py"])["diagnostics"]
    assert (diag["code"], diag["line"], diag["column"], diag["end_line"], diag["end_column"]) == (
        "NN103", 2, 5, 2, 29)
    fix = diag["fix"]
    assert set(fix) == {"applicability", "description", "edits"}
    assert fix["applicability"] == "safe"
    assert fix["edits"] == [{"line": 2, "column": 5, "end_line": 2, "end_column": 29,
                             "content": "tf.nn.log_softmax(x)"}]
    # Applying the edit gives the stable form.
    line = DIRECT_LOG_SOFTMAX.splitlines()[1]
    assert line[:4] + fix["edits"][0]["content"] + line[28:] == "z = tf.nn.log_softmax(x)"


def test_json_fix_is_null_without_a_fix(tmp_path):
    write(tmp_path / "train.py", SOFTMAX_CE)
    [diag] = report(["train.py"])["diagnostics"]
    assert diag["code"] == "NN103" and diag["fix"] is None


def test_json_is_valid_when_files_fail(tmp_path):
    write(tmp_path / "train_b.py", SIGMOID_LOG)
    write(tmp_path / "weights.py", b"\x89HDF\r\n\x1a\n\x00\x00\x00\x01import torch")
    write(tmp_path / "legacy_latin1.py", "import torch\n# entra\xeene le mod\xe8le\n", encoding="latin-1")
    result = invoke(["--format", "json", "train_b.py", "weights.py", "legacy_latin1.py", "nope.py"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)  # one document, nothing else on stdout
    assert [(d["path"], d["code"]) for d in doc["diagnostics"]] == [("train_b.py", "NN101")]
    errors = {e["path"]: e["message"] for e in doc["errors"]}
    assert set(errors) == {"weights.py", "legacy_latin1.py", "nope.py"}
    assert "binary" in errors["weights.py"]
    assert errors["legacy_latin1.py"].startswith("not valid UTF-8 at byte 20")
    assert errors["nope.py"] == "no such file or directory"
    assert doc["summary"] == {"files": 3, "diagnostics": 1, "errors": 3}


def test_json_with_no_files(tmp_path):
    (tmp_path / "empty_dir").mkdir()
    result = invoke(["--format", "json", "empty_dir"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["summary"] == {"files": 0, "diagnostics": 0, "errors": 0}
    assert doc["diagnostics"] == [] and doc["errors"] == []


# --------------------------------------------------------------------------------------------
# concise and text formats


def test_concise_line_shape(tmp_path):
    write(tmp_path / "train_a.py", SOFTMAX_CE)
    write(tmp_path / "train_b.py", SIGMOID_LOG)
    write(tmp_path / "train_clean.py", CLEAN)
    result = invoke(["--format", "concise", "train_a.py", "train_b.py", "train_clean.py", "gone.py"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    parsed = [CONCISE_LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["path"], m["line"], m["col"], m["code"], m["sev"]) for m in parsed] == [
        ("train_a.py", "3", "27", "NN103", "warning"),
        ("train_b.py", "3", "5", "NN101", "error"),
    ]
    assert "softmax" in parsed[0]["msg"] and "sigmoid" in parsed[1]["msg"]
    # Errors go to stderr, never into the grep-able stdout.
    assert "gone.py" not in result.stdout
    assert "gone.py" in result.stderr and "no such file or directory" in result.stderr


def test_text_shows_source_caret_and_summary(tmp_path):
    write(tmp_path / "train.py", SIGMOID_LOG)
    result = invoke(["train.py"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("train.py:3:5: NN101 [error] `tf.log` of a sigmoid output")
    assert "3 | l = tf.log(p)" in lines
    caret = next(line for line in lines if "^" in line)
    assert caret == "  |     " + "^" * 9  # under `tf.log(p)`: columns 5..13
    assert any(line.startswith("   = fix (unsafe):") for line in lines)
    assert lines[-1] == "Found 1 problem (1 error) in 1 file checked."
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_text_summary_when_clean_and_when_mixed(tmp_path):
    write(tmp_path / "train_clean.py", CLEAN)
    write(tmp_path / "train_a.py", SOFTMAX_CE)
    write(tmp_path / "train_b.py", SIGMOID_LOG)
    clean = invoke(["train_clean.py"])
    assert clean.stdout.strip() == "All checks passed (1 file checked)."
    mixed = invoke(["train_a.py", "train_b.py", "train_clean.py"])
    assert mixed.stdout.splitlines()[-1] == "Found 2 problems (1 error, 1 warning) in 3 files checked."
    with_error = invoke(["train_clean.py", "missing.py"])
    assert with_error.exit_code == 1
    assert with_error.stdout.splitlines()[-1] == "Found no problems; 1 file error in 1 file checked."
    assert "missing.py: no such file or directory" in with_error.stderr


def test_text_caret_spans_multiline_finding_to_end_of_line(tmp_path):
    write(tmp_path / "train.py", "import tensorflow as tf\np = tf.sigmoid(z)\nl = tf.log(\n    p\n)\n")
    lines = invoke(["train.py"]).stdout.splitlines()
    assert "3 | l = tf.log(" in lines
    assert "  |     " + "^" * 7 in lines


def test_text_does_not_interpret_rich_markup(tmp_path):
    source = "import tensorflow as tf\np = tf.sigmoid(z)\nl = tf.log(p)  # [bold]x[/bold] [red]y[/red] :smile:\n"
    write(tmp_path / "[bold]exp" / "[red]train.py", source)
    result = invoke(["[bold]exp"])
    assert result.exit_code == 1
    assert "[bold]exp/[red]train.py:3:5: NN101 [error]" in result.stdout
    assert "3 | l = tf.log(p)  # [bold]x[/bold] [red]y[/red] :smile:" in result.stdout


def _pty_run(args: Sequence[str], cwd: Path, env: Dict[str, str]) -> bytes:
    pty = pytest.importorskip("pty")
    import select

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "nnlint", *args], cwd=cwd, stdout=slave,
                                stderr=subprocess.DEVNULL, env=env)
    finally:
        os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 20)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=20) == 1
    return out


_SGR = re.compile(rb"\x1b\[([0-9;]*)m")


def _colour_params(out: bytes) -> List[int]:
    params = [int(p) for m in _SGR.finditer(out) for p in m.group(1).split(b";") if p]
    return [p for p in params if 30 <= p <= 38 or 90 <= p <= 97]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_only_on_a_terminal_and_no_color_respected(tmp_path):
    write(tmp_path / "train.py", SIGMOID_LOG)
    coloured = _pty_run(["train.py"], tmp_path, subprocess_env(TERM="xterm-256color"))
    assert b"NN101" in coloured
    assert _colour_params(coloured), coloured[:200]
    plain = _pty_run(["train.py"], tmp_path, subprocess_env(TERM="xterm-256color", NO_COLOR="1"))
    assert b"NN101" in plain
    assert _colour_params(plain) == []


# --------------------------------------------------------------------------------------------
# --select / --ignore


@pytest.mark.parametrize("args, expected", [
    ([], [("a.py", 3, 27, "NN103"), ("b.py", 3, 5, "NN101")]),
    (["--select", "NN1"], [("a.py", 3, 27, "NN103"), ("b.py", 3, 5, "NN101")]),
    (["--select", "NN10"], [("a.py", 3, 27, "NN103"), ("b.py", 3, 5, "NN101")]),
    (["--select", "NN103"], [("a.py", 3, 27, "NN103")]),
    (["--select", "nn103"], [("a.py", 3, 27, "NN103")]),
    # Without NN103, NN101 reports the log of a softmax itself.
    (["--select", "NN101"], [("a.py", 3, 27, "NN101"), ("b.py", 3, 5, "NN101")]),
    (["--ignore", "NN103"], [("a.py", 3, 27, "NN101"), ("b.py", 3, 5, "NN101")]),
    (["--ignore", "NN1"], []),
    (["--ignore", "NN10"], []),
    (["--select", "NN1", "--ignore", "NN103"], [("a.py", 3, 27, "NN101"), ("b.py", 3, 5, "NN101")]),
    (["--select", "NN101,NN103"], [("a.py", 3, 27, "NN103"), ("b.py", 3, 5, "NN101")]),
    (["--select", "NN103", "--ignore", "NN1"], [("a.py", 3, 27, "NN103")]),  # more specific wins
    (["--select", "NN1", "--ignore", "NN101"], [("a.py", 3, 27, "NN103")]),
    (["--select", "NN000"], []),
])
def test_select_and_ignore_prefixes(tmp_path, args, expected):
    write(tmp_path / "a.py", SOFTMAX_CE)
    write(tmp_path / "b.py", SIGMOID_LOG)
    assert found([*args, "a.py", "b.py"]) == expected


def test_cli_select_more_specific_than_config_ignore(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.nnlint]\nignore = ["NN1"]\n')
    write(tmp_path / "a.py", SOFTMAX_CE)
    write(tmp_path / "b.py", SIGMOID_LOG)
    assert found(["a.py", "b.py"]) == []
    assert found(["--select", "NN103", "a.py", "b.py"]) == [("a.py", 3, 27, "NN103")]
    assert found(["--select", "NN101", "a.py", "b.py"]) == [("a.py", 3, 27, "NN101"), ("b.py", 3, 5, "NN101")]


# --------------------------------------------------------------------------------------------
# Suppression


@pytest.mark.parametrize("comment, silenced", [
    ("# noqa", True),
    ("# NOQA", True),
    ("# noqa: NN101", True),
    ("# noqa:NN101", True),
    ("# noqa: nn101", True),
    ("# noqa: NN103,NN101", True),
    ("# noqa: NN103, NN101", True),
    ("# noqa: NN101 -- clipped upstream", True),
    ("# noqa: NN103", False),
    ("# noqa: NN000", False),
    ("# type: ignore", False),
])
def test_noqa_comments(tmp_path, comment, silenced):
    write(tmp_path / "train.py", SIGMOID_LOG.rstrip("\n") + "  " + comment + "\n")
    result = invoke(["--format", "concise", "--ignore", "NN001", "train.py"])
    if silenced:
        assert result.exit_code == 0 and result.stdout == ""
    else:
        assert result.exit_code == 1
        assert result.stdout.startswith("train.py:3:5: NN101 [error]")


def test_noqa_only_silences_its_own_line(tmp_path):
    write(tmp_path / "train.py", "import tensorflow as tf\np = tf.sigmoid(z)  # noqa\nl = tf.log(p)\n")
    assert found(["train.py"]) == [("train.py", 2, 20, "NN001"), ("train.py", 3, 5, "NN101")]


def test_noqa_on_first_line_of_multiline_finding(tmp_path):
    write(tmp_path / "first.py", "import tensorflow as tf\np = tf.sigmoid(z)\nl = tf.log(  # noqa: NN101\n    p\n)\n")
    write(tmp_path / "last.py", "import tensorflow as tf\np = tf.sigmoid(z)\nl = tf.log(\n    p\n)  # noqa: NN101\n")
    # The `# noqa` on the last line silences nothing, and NN001 says so.
    assert found(["first.py", "last.py"]) == [("last.py", 3, 5, "NN101"), ("last.py", 5, 4, "NN001")]


def test_noqa_silences_one_code_of_two_on_a_line(tmp_path):
    source = ("import tensorflow as tf\np = tf.sigmoid(z)\n"
              "loss = tf.log(p) + tf.log(tf.nn.softmax(x))  # noqa: NN103\n")
    write(tmp_path / "train.py", source)
    assert found(["train.py"]) == [("train.py", 3, 8, "NN101")]


def test_ignore_noqa_reports_everything(tmp_path):
    write(tmp_path / "train.py", (
        "import tensorflow as tf\n"
        "p = tf.sigmoid(z)\n"
        "a = tf.log(p)  # noqa\n"
        "b = tf.log(p)  # noqa: NN101\n"
        "c = tf.log(tf.nn.softmax(x))  # noqa: NN103,NN101\n"
    ))
    assert found(["train.py"]) == [("train.py", 5, 31, "NN001")]  # NN101 is stale there
    assert found(["--ignore-noqa", "train.py"]) == [
        ("train.py", 3, 5, "NN101"), ("train.py", 4, 5, "NN101"), ("train.py", 5, 5, "NN103"),
    ]
    assert invoke(["--ignore-noqa", "train.py"]).exit_code == 1


@pytest.mark.parametrize("marker", ["# nnlint: skip-file", "#nnlint:skip-file", "# nnlint:  skip-file"])
def test_skip_file(tmp_path, marker):
    write(tmp_path / "train.py", SOFTMAX_CE + marker + "\n" + SIGMOID_LOG)
    result = invoke(["--format", "json", "train.py"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["diagnostics"] == [] and doc["summary"]["files"] == 1


def test_skip_file_skips_even_a_syntax_error(tmp_path):
    write(tmp_path / "legacy.py", '# nnlint: skip-file\nimport tensorflow as tf\nprint "hello"\n')
    assert invoke(["legacy.py"]).exit_code == 0


def test_skip_file_must_be_at_top_level(tmp_path):
    write(tmp_path / "train.py", "import tensorflow as tf\n\ndef loss(z):\n    # nnlint: skip-file\n"
                                 "    return tf.log(tf.sigmoid(z))\n")
    assert found(["train.py"]) == [("train.py", 5, 12, "NN101")]


def test_skip_file_is_not_overridden_by_ignore_noqa(tmp_path):
    write(tmp_path / "train.py", "# nnlint: skip-file\n" + SIGMOID_LOG)
    assert found(["--ignore-noqa", "train.py"]) == []


# --------------------------------------------------------------------------------------------
# stdin


def test_stdin_with_stdin_filename_subprocess(tmp_path):
    proc = run_nnlint(["--format", "concise", "-", "--stdin-filename", "train.py"], tmp_path,
                      input=SIGMOID_LOG.encode())
    assert proc.returncode == 1
    assert proc.stdout.decode().splitlines()[0].startswith("train.py:3:5: NN101 [error]")
    assert proc.stderr == b""


def test_stdin_json_subprocess(tmp_path):
    proc = run_nnlint(["--format", "json", "--stdin-filename", "src/model/train.py", "-"], tmp_path,
                      input=SOFTMAX_CE.encode())
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert [(d["path"], d["line"], d["column"], d["code"]) for d in doc["diagnostics"]] == [
        ("src/model/train.py", 3, 27, "NN103")]
    assert doc["summary"]["files"] == 1


def test_stdin_clean_exits_0(tmp_path):
    proc = run_nnlint(["-", "--stdin-filename", "train.py"], tmp_path, input=CLEAN.encode())
    assert proc.returncode == 0
    assert "All checks passed (1 file checked)." in proc.stdout.decode()


def test_stdin_without_filename_is_reported_as_dash(tmp_path):
    assert found(["-"], input=SIGMOID_LOG.encode()) == [("-", 3, 5, "NN101")]


def test_stdin_together_with_a_file(tmp_path):
    write(tmp_path / "b.py", SIGMOID_LOG)
    assert found(["b.py", "-", "--stdin-filename", "a.py"], input=SOFTMAX_CE.encode()) == [
        ("a.py", 3, 27, "NN103"), ("b.py", 3, 5, "NN101")]


def test_stdin_filename_matches_per_file_ignores(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.nnlint]\nper-file-ignores = {"tests/*" = ["NN101"]}\n')
    data = SIGMOID_LOG.encode()
    assert found(["-", "--stdin-filename", "tests/test_loss.py"], input=data) == []
    assert found(["-", "--stdin-filename", "src/train.py"], input=data) == [("src/train.py", 3, 5, "NN101")]


def test_stdin_binary_input_is_an_error_not_a_crash(tmp_path):
    doc = report(["-", "--stdin-filename", "blob.py"], input=b"\x00\x01\x02import torch")
    assert doc["diagnostics"] == []
    assert len(doc["errors"]) == 1 and doc["errors"][0]["path"] == "blob.py"
    assert "binary" in doc["errors"][0]["message"]


# --------------------------------------------------------------------------------------------
# --statistics, --explain, --list-rules, --version


def _three_files(tmp_path):
    write(tmp_path / "a.py", SOFTMAX_CE)
    write(tmp_path / "b.py", SIGMOID_LOG)
    write(tmp_path / "c.py", DIRECT_LOG_SOFTMAX)


def test_statistics_text(tmp_path):
    _three_files(tmp_path)
    result = invoke(["--statistics", "a.py", "b.py", "c.py"])
    assert result.exit_code == 1
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows == [["2", "NN103", "log-of-softmax"], ["1", "NN101", "log-without-epsilon"]]


def test_statistics_json(tmp_path):
    _three_files(tmp_path)
    result = invoke(["--statistics", "--format", "json", "a.py", "b.py", "c.py"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {"code": "NN103", "name": "log-of-softmax", "count": 2},
        {"code": "NN101", "name": "log-without-epsilon", "count": 1},
    ]


def test_statistics_clean(tmp_path):
    write(tmp_path / "clean.py", CLEAN)
    result = invoke(["--statistics", "--format", "json", "clean.py"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_statistics_still_reports_file_errors(tmp_path):
    # Was a bug (fixed in 448c805): exit 1 with no output at all.
    write(tmp_path / "b.py", SIGMOID_LOG)
    result = invoke(["--statistics", "b.py", "missing.py"])
    assert result.exit_code == 1
    assert result.stdout.split() == ["1", "NN101", "log-without-epsilon"]
    assert result.stderr == "nnlint: missing.py: no such file or directory\n"
    as_json = invoke(["--statistics", "--format", "json", "missing.py"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == []
    assert "missing.py: no such file or directory" in as_json.stderr


def test_explain_prints_the_rule_page(tmp_path):
    result = invoke(["--explain", "NN101"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# NN101 log-without-epsilon\n")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Severity"):
        assert heading in result.stdout
    assert "tf.log" in result.stdout


def test_explain_is_case_insensitive(tmp_path):
    result = invoke(["--explain", "nn103"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# NN103 log-of-softmax\n")


@pytest.mark.parametrize("code", ["NN999", "NN1", "E501"])
def test_explain_unknown_code_exits_2(tmp_path, code):
    result = invoke(["--explain", code])
    assert result.exit_code == 2
    assert code in result.stderr
    assert result.stdout == ""


def test_list_rules(tmp_path):
    result = invoke(["--list-rules"])
    assert result.exit_code == 0
    rows = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^(NN\d{3})\s+(\S+)\s+(error|warning|info)\s+(\S.*)$", line)
        assert match, line
        rows[match[1]] = (match[2], match[3])
    assert rows["NN000"] == ("syntax-error", "error")
    assert rows["NN101"] == ("log-without-epsilon", "error")
    assert rows["NN103"] == ("log-of-softmax", "warning")


def test_version(tmp_path):
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"nnlint, version {nnlint.__version__}"


# --------------------------------------------------------------------------------------------
# Internal error in a rule: exit 2, reported for that file, the rest still runs.


def test_internal_error_in_a_rule(tmp_path, monkeypatch):
    from nnlint.checks.log_without_epsilon import LogWithoutEpsilon

    def boom(self, node):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(LogWithoutEpsilon, "visit_Call", boom)
    write(tmp_path / "a.py", SOFTMAX_CE)
    write(tmp_path / "b.py", SIGMOID_LOG)
    result = invoke(["--format", "json", "a.py", "b.py"])
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    # NN103 (another rule) still reports a.py.
    assert [(d["path"], d["code"]) for d in doc["diagnostics"]] == [("a.py", "NN103")]
    messages = {e["path"]: e["message"] for e in doc["errors"]}
    assert set(messages) == {"a.py", "b.py"}
    assert all("NN101" in m and "kaboom" in m for m in messages.values())
    assert invoke(["--exit-zero", "a.py", "b.py"]).exit_code == 2
    text = invoke(["a.py", "b.py"])
    assert "internal error in rule NN101" in text.stderr


# --------------------------------------------------------------------------------------------
# Discovery


def test_directory_recursion_and_paths_as_given(tmp_path):
    write(tmp_path / "proj" / "train.py", SIGMOID_LOG)
    write(tmp_path / "proj" / "models" / "deep" / "head.py", DIRECT_LOG_SOFTMAX)
    write(tmp_path / "proj" / "models" / "__init__.py", "")
    doc = report(["proj"])
    assert [(d["path"], d["code"]) for d in doc["diagnostics"]] == [
        ("proj/models/deep/head.py", "NN103"), ("proj/train.py", "NN101")]
    assert doc["summary"]["files"] == 3


def test_default_path_is_current_directory(tmp_path):
    write(tmp_path / "train.py", SIGMOID_LOG)
    doc = report([])
    assert [(os.path.normpath(d["path"]), d["code"]) for d in doc["diagnostics"]] == [("train.py", "NN101")]


@pytest.mark.parametrize("folder", [".venv", "venv", "__pycache__", "build", "dist", ".git", ".tox",
                                    "node_modules", "site-packages", "pkg.egg-info"])
def test_default_excludes(tmp_path, folder):
    write(tmp_path / "proj" / folder / "lib" / "train.py", SIGMOID_LOG)
    write(tmp_path / "proj" / "ok.py", CLEAN)
    doc = report(["proj"])
    assert doc["diagnostics"] == [] and doc["summary"]["files"] == 1


def test_explicitly_named_file_in_default_excluded_folder_is_linted(tmp_path):
    write(tmp_path / "build" / "train.py", SIGMOID_LOG)
    assert found(["build/train.py"]) == [("build/train.py", 3, 5, "NN101")]


def test_non_python_files_in_directories_are_ignored(tmp_path):
    for name in ("notes.txt", "train.py.bak", "train.pyc", "run.sh", "README.md", "train.pyi"):
        write(tmp_path / "proj" / name, SIGMOID_LOG)
    write(tmp_path / "proj" / "train.py", CLEAN)
    doc = report(["proj"])
    assert doc["diagnostics"] == [] and doc["summary"]["files"] == 1


def test_explicitly_named_non_py_file_is_linted(tmp_path):
    write(tmp_path / "train_script", SIGMOID_LOG)
    write(tmp_path / "loss.txt", SOFTMAX_CE)
    assert found(["train_script", "loss.txt"]) == [("loss.txt", 3, 27, "NN103"), ("train_script", 3, 5, "NN101")]


def test_empty_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    result = invoke(["empty"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "All checks passed (0 files checked)."


def test_same_file_named_twice_is_linted_once(tmp_path):
    write(tmp_path / "proj" / "train.py", SIGMOID_LOG)
    assert found(["proj", "proj/train.py", "proj"]) == [("proj/train.py", 3, 5, "NN101")]


def test_same_file_spelled_differently_is_linted_once(tmp_path):
    # Was a bug (fixed in 448c805): linted twice, every finding counted twice.
    write(tmp_path / "proj" / "train.py", SIGMOID_LOG)
    doc = report(["./proj", "proj/train.py", str(tmp_path / "proj" / "train.py")])
    assert doc["summary"] == {"files": 1, "diagnostics": 1, "errors": 0}
    assert [(d["path"], d["code"]) for d in doc["diagnostics"]] == [("./proj/train.py", "NN101")]


# --------------------------------------------------------------------------------------------
# Parallel runs


def _generate_project(root: Path, count: int) -> None:
    sources = [SOFTMAX_CE, SIGMOID_LOG, DIRECT_LOG_SOFTMAX, CLEAN, TF1_SCRIPT,
               SIGMOID_LOG + SOFTMAX_CE, 'import torch\nprint "x"\n']
    for i in range(count):
        sub = root / f"pkg{i % 3}"
        write(sub / f"train_{i:02d}.py", sources[i % len(sources)])
    write(root / "pkg0" / "blob.py", b"\x00\x00import torch")


def test_parallel_run_matches_serial_run(tmp_path):
    _generate_project(tmp_path / "proj", 40)
    serial = run_nnlint(["--format", "json", "--jobs", "1", "proj"], tmp_path)
    parallel = run_nnlint(["--format", "json", "--jobs", "2", "proj"], tmp_path)
    assert serial.returncode == parallel.returncode == 1
    assert serial.stderr == parallel.stderr == b""
    one, two = json.loads(serial.stdout), json.loads(parallel.stdout)
    assert one == two
    diagnostics = two["diagnostics"]
    assert two["summary"]["files"] == 41
    assert len(diagnostics) == 39  # 40 files cycling through 7 sources with 1,1,1,0,1,2,1 findings
    keys = [(d["path"], d["line"], d["column"]) for d in diagnostics]
    assert keys == sorted(keys)
    assert {d["code"] for d in diagnostics} == {"NN000", "NN101", "NN103"}
    assert [e["path"] for e in two["errors"]] == ["proj/pkg0/blob.py"]
