"""Bad input never produces a traceback: binary files, wrong encodings, BOMs, CRLF, empty files,
Python 2, unreadable and missing paths, symlink loops and other things found under a directory.
Each is either linted normally (with the right positions) or reported as a one-line error for
that file while the other files are still reported."""

from __future__ import annotations

import json
import os
import sys
from typing import Dict, List, Sequence

import pytest

from cli_helpers import SIGMOID_LOG, SOFTMAX_CE, invoke, report, run_nnlint, write


# name -> bytes; all in one directory for the end-to-end "no traceback" run.
BAD_FILES: Dict[str, bytes] = {
    "binary_nul.py": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR import torch",
    "latin1_no_cookie.py": "import torch\n# donn\xe9es d'entra\xeenement\n".encode("latin-1"),
    "latin1_cookie.py": ("# -*- coding: latin-1 -*-\nimport tensorflow as tf\np = tf.sigmoid(z)\n"
                         's = "\xe9\xe8"; l = tf.log(p)\n').encode("latin-1"),
    "bom.py": b"\xef\xbb\xbf" + SIGMOID_LOG.encode(),
    "crlf.py": SOFTMAX_CE.replace("\n", "\r\n").encode(),
    "empty.py": b"",
    "py2.py": b'import tensorflow as tf\n\ntry:\n    sess = tf.Session()\nexcept Exception, e:\n    print e\n',
    "unknown_cookie.py": b"# -*- coding: klingon -*-\nimport torch\n",
    "bom_and_latin1_cookie.py": b"\xef\xbb\xbf# coding: latin-1\nimport torch\n",
    "utf16.py": "import torch\n".encode("utf-16"),
    "only_comments.py": b"# torch tensorflow keras\n# nothing else\n",
    "whitespace.py": b"\n\n   \n\t\n",
}


def found(args: Sequence[str]) -> List[tuple]:
    return [(d["path"], d["line"], d["column"], d["end_line"], d["end_column"], d["code"])
            for d in report(args)["diagnostics"]]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNLINT_DEBUG", raising=False)


# --------------------------------------------------------------------------------------------
# End to end: one real process over every kind of bad file


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_no_traceback_on_any_bad_input(tmp_path, fmt):
    for name, data in BAD_FILES.items():
        write(tmp_path / "data" / name, data)
    write(tmp_path / "data" / "good.py", SIGMOID_LOG)
    proc = run_nnlint(["--format", fmt, "data", "data/missing.py"], tmp_path)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr and "Traceback" not in proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 1
    if fmt == "json":
        doc = json.loads(proc.stdout)
        paths = {d["path"] for d in doc["diagnostics"]}
        assert paths == {"data/bom.py", "data/crlf.py", "data/good.py", "data/latin1_cookie.py", "data/py2.py"}
        errors = {e["path"] for e in doc["errors"]}
        assert errors == {"data/binary_nul.py", "data/latin1_no_cookie.py", "data/unknown_cookie.py",
                          "data/bom_and_latin1_cookie.py", "data/utf16.py", "data/missing.py"}
        assert doc["summary"]["files"] == len(BAD_FILES) + 1
    else:
        for name in ("binary_nul.py", "latin1_no_cookie.py", "unknown_cookie.py", "missing.py"):
            assert f"nnlint: data/{name}: " in stderr
        assert "data/good.py:3:5: NN101" in proc.stdout.decode()


# --------------------------------------------------------------------------------------------
# One kind at a time


def test_binary_file_is_an_error(tmp_path):
    write(tmp_path / "weights.py", BAD_FILES["binary_nul.py"])
    result = invoke(["--format", "concise", "weights.py"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "nnlint: weights.py: binary file (contains NUL bytes), not Python source\n"


def test_latin1_without_cookie_is_an_error_naming_the_byte(tmp_path):
    data = BAD_FILES["latin1_no_cookie.py"]
    write(tmp_path / "prep.py", data)
    doc = report(["prep.py"])
    assert doc["diagnostics"] == []
    [error] = doc["errors"]
    assert error["path"] == "prep.py"
    offset = data.index(b"\xe9")
    assert error["message"].startswith(f"not valid UTF-8 at byte {offset}")
    assert "coding" in error["message"]  # says how to fix it


def test_latin1_with_cookie_is_linted_normally(tmp_path):
    write(tmp_path / "legacy.py", BAD_FILES["latin1_cookie.py"])
    # Columns count characters: `s = "éè"; ` is 11 characters, so `tf.log(p)` starts at 15.
    assert found(["legacy.py"]) == [("legacy.py", 4, 15, 4, 24, "NN101")]


def test_latin1_with_cookie_text_format_shows_decoded_source(tmp_path):
    write(tmp_path / "legacy.py", BAD_FILES["latin1_cookie.py"])
    result = invoke(["legacy.py"])
    assert result.exit_code == 1
    assert '4 | s = "\xe9\xe8"; l = tf.log(p)' in result.stdout
    assert "  |" + " " * 15 + "^" * 9 in result.stdout


def test_utf8_bom_does_not_shift_columns(tmp_path):
    write(tmp_path / "bom.py", BAD_FILES["bom.py"])
    write(tmp_path / "bom_line1.py", b"\xef\xbb\xbfimport tensorflow as tf; l = tf.log(tf.sigmoid(z))\n")
    assert found(["bom.py", "bom_line1.py"]) == [
        ("bom.py", 3, 5, 3, 14, "NN101"),
        ("bom_line1.py", 1, 30, 1, 51, "NN101"),
    ]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_crlf_positions(tmp_path, newline):
    source = "import tensorflow as tf\n\ny = tf.nn.softmax(logits)\nloss = -tf.reduce_sum(t * tf.log(y))\n"
    write(tmp_path / "win.py", source.replace("\n", newline))
    assert found(["win.py"]) == [("win.py", 4, 27, 4, 36, "NN103")]
    text = invoke(["win.py"]).stdout
    assert "4 | loss = -tf.reduce_sum(t * tf.log(y))\n" in text
    assert "\r" not in text


def test_crlf_noqa(tmp_path):
    write(tmp_path / "win.py", (SIGMOID_LOG.rstrip("\n") + "  # noqa: NN101\n").replace("\n", "\r\n"))
    assert found(["win.py"]) == []


def test_crlf_syntax_error_position(tmp_path):
    write(tmp_path / "win.py", 'import tensorflow as tf\r\nprint "hello"\r\n')
    assert [(line, code) for _, line, _, _, _, code in found(["win.py"])] == [(2, "NN000")]


def test_mixed_tabs_positions(tmp_path):
    write(tmp_path / "tabs.py", "import tensorflow as tf\n\ndef loss(z):\n\tp = tf.sigmoid(z)\n\treturn tf.log(p)\n")
    assert found(["tabs.py"]) == [("tabs.py", 5, 9, 5, 18, "NN101")]


@pytest.mark.parametrize("name", ["empty.py", "whitespace.py", "only_comments.py"])
def test_empty_and_trivial_files(tmp_path, name):
    write(tmp_path / name, BAD_FILES[name])
    result = invoke(["--format", "json", name])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["summary"] == {"files": 1, "diagnostics": 0, "errors": 0}


@pytest.mark.parametrize("source, line", [
    (BAD_FILES["py2.py"], 5),
    (b'import tensorflow as tf\nprint "step", 1\n', 2),
    (b"import torch\nx = 0777\n", 2),
    (b"import torch\nexec 'x = 1'\n", 2),
    (b"import torch\nif x <> 1:\n    pass\n", 2),
    (b"import torch\nraise ValueError, 'bad'\n", 2),
], ids=["except-comma", "print-statement", "octal", "exec-statement", "diamond", "raise-comma"])
def test_python2_file_is_nn000(tmp_path, source, line):
    write(tmp_path / "legacy.py", source)
    result = invoke(["--format", "json", "legacy.py"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [(d["code"], d["line"]) for d in doc["diagnostics"]] == [("NN000", line)]
    assert doc["errors"] == []


@pytest.mark.parametrize("name, words", [
    ("unknown_cookie.py", ["klingon"]),
    ("bom_and_latin1_cookie.py", ["encoding"]),
    ("utf16.py", ["binary"]),  # UTF-16 without a cookie is full of NUL bytes
])
def test_undecodable_files_are_one_line_errors(tmp_path, name, words):
    write(tmp_path / name, BAD_FILES[name])
    result = invoke(["--format", "concise", name])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"nnlint: {name}: ") and result.stderr.count("\n") == 1
    for word in words:
        assert word in result.stderr


# --------------------------------------------------------------------------------------------
# Paths that cannot be read


def test_missing_path_is_reported_and_others_still_linted(tmp_path):
    write(tmp_path / "b.py", SIGMOID_LOG)
    result = invoke(["--format", "json", "nope/train.py", "b.py", "also_missing_dir"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [(d["path"], d["code"]) for d in doc["diagnostics"]] == [("b.py", "NN101")]
    assert doc["errors"] == [
        {"path": "also_missing_dir", "message": "no such file or directory"},
        {"path": "nope/train.py", "message": "no such file or directory"},
    ]
    text = invoke(["nope/train.py", "b.py"])
    assert "nnlint: nope/train.py: no such file or directory" in text.stderr
    assert "b.py:3:5: NN101" in text.stdout


def test_missing_path_alone_exits_1_with_exit_zero_0(tmp_path):
    assert invoke(["nope.py"]).exit_code == 1
    assert invoke(["--exit-zero", "nope.py"]).exit_code == 0


def test_unreadable_file(tmp_path):
    secret = write(tmp_path / "proj" / "secret.py", SIGMOID_LOG)
    write(tmp_path / "proj" / "b.py", SOFTMAX_CE)
    secret.chmod(0)
    try:
        if os.access(secret, os.R_OK):
            pytest.skip("running with privileges that can read a mode-000 file (root)")
        doc = report(["proj"])
        assert [(d["path"], d["code"]) for d in doc["diagnostics"]] == [("proj/b.py", "NN103")]
        [error] = doc["errors"]
        assert error["path"] == "proj/secret.py"
        assert error["message"].startswith("cannot read the file")
    finally:
        secret.chmod(0o644)


def test_unreadable_directory(tmp_path):
    locked = tmp_path / "proj" / "locked"
    write(locked / "x.py", SIGMOID_LOG)
    write(tmp_path / "proj" / "b.py", SOFTMAX_CE)
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running with privileges that can read a mode-000 directory (root)")
        doc = report(["proj"])
        assert [(d["path"], d["code"]) for d in doc["diagnostics"]] == [("proj/b.py", "NN103")]
        assert [e["path"] for e in doc["errors"]] == ["proj/locked"]
    finally:
        locked.chmod(0o755)


def test_directory_symlink_loop_does_not_hang(tmp_path):
    write(tmp_path / "proj" / "models" / "train.py", SIGMOID_LOG)
    (tmp_path / "proj" / "models" / "again").symlink_to(tmp_path / "proj", target_is_directory=True)
    (tmp_path / "proj" / "self").symlink_to(".", target_is_directory=True)
    proc = run_nnlint(["--format", "json", "proj"], tmp_path, timeout=20)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert [(d["path"], d["code"]) for d in doc["diagnostics"]] == [("proj/models/train.py", "NN101")]
    assert doc["summary"]["files"] == 1


def test_file_symlink_loop_and_broken_symlink_in_a_directory(tmp_path):
    write(tmp_path / "proj" / "b.py", SIGMOID_LOG)
    (tmp_path / "proj" / "loop_a.py").symlink_to("loop_b.py")
    (tmp_path / "proj" / "loop_b.py").symlink_to("loop_a.py")
    (tmp_path / "proj" / "dangling.py").symlink_to("does_not_exist.py")
    doc = report(["proj"])
    assert [(d["path"], d["code"]) for d in doc["diagnostics"]] == [("proj/b.py", "NN101")]
    errors = {e["path"]: e["message"] for e in doc["errors"]}
    assert set(errors) == {"proj/dangling.py", "proj/loop_a.py", "proj/loop_b.py"}
    assert all(message == "broken symbolic link" for message in errors.values())
    assert doc["summary"]["files"] == 1


def test_explicit_broken_symlink(tmp_path):
    (tmp_path / "dangling.py").symlink_to("nowhere.py")
    doc = report(["dangling.py"])
    assert doc["errors"] == [{"path": "dangling.py", "message": "broken symbolic link"}]


def test_symlinked_file_in_a_directory_is_linted(tmp_path):
    write(tmp_path / "shared" / "loss.py", SIGMOID_LOG)
    write(tmp_path / "proj" / "a.py", SOFTMAX_CE)
    (tmp_path / "proj" / "loss.py").symlink_to(tmp_path / "shared" / "loss.py")
    assert [(p, c) for p, *_, c in found(["proj"])] == [("proj/a.py", "NN103"), ("proj/loss.py", "NN101")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_explicit_fifo_is_an_error(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    proc = run_nnlint(["--format", "json", "pipe.py"], tmp_path, timeout=10)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["errors"] == [{"path": "pipe.py", "message": "not a regular file or directory"}]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_very_deep_nesting_does_not_crash(tmp_path):
    write(tmp_path / "b.py", SIGMOID_LOG)
    write(tmp_path / "deep.py", "import torch\nx = " + "[" * 3000 + "]" * 3000 + "\n")
    proc = run_nnlint(["--format", "json", "b.py", "deep.py"], tmp_path, timeout=20)
    assert proc.returncode == 1, proc.returncode
    doc = json.loads(proc.stdout)
    assert ("b.py", "NN101") in [(d["path"], d["code"]) for d in doc["diagnostics"]]
    deep = [d["code"] for d in doc["diagnostics"] if d["path"] == "deep.py"]
    assert deep == ["NN000"] or [e["path"] for e in doc["errors"]] == ["deep.py"]


def test_non_utf8_file_name_in_a_directory(tmp_path):
    if sys.platform == "darwin":
        pytest.skip("macOS file systems reject non-UTF-8 names")
    directory = tmp_path / "proj"
    directory.mkdir()
    with open(os.path.join(os.fsencode(directory), b"caf\xe9.py"), "wb") as handle:
        handle.write(SIGMOID_LOG.encode())
    result = invoke(["--format", "json", "proj"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    [diag] = doc["diagnostics"]
    assert diag["code"] == "NN101"
    diag["path"].encode("utf-8")  # printable: undecodable bytes shown as U+FFFD
    assert diag["path"] == "proj/caf\ufffd.py"


def test_non_utf8_missing_path_gives_valid_unicode_json(tmp_path):
    result = invoke(["--format", "json", os.fsdecode(b"\xff.py")])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    [error] = doc["errors"]
    error["path"].encode("utf-8")  # raises UnicodeEncodeError for a lone surrogate
