"""--fix, --unsafe-fixes and --diff: every safe fix applied and nothing else changed, idempotent,
atomic writes that keep permissions, line endings and encodings, and no write that breaks a file."""

from __future__ import annotations

import os
import shutil
import stat

import pytest

from cli_helpers import invoke, report, write
from helpers import FIXTURES
from nnlint.engine import FileResult
from nnlint.fixing import fix_text
from nnlint.rule import Applicability, Diagnostic, Edit, Fix, Severity

FIXABLE = (
    "import torch\n"
    "for x, y in loader:\n"
    "    loss = criterion(model(x), y)\n"
    "    loss.backward()\n"
    "    total += loss  # the running loss\n"
    "log_probs = torch.log(torch.softmax(logits, dim=1))\n"
    "p = torch.sigmoid(z)\n"
    "nll = -torch.log(p)\n"
)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fixture_copy(tmp_path):
    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def snapshot(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_fix_on_the_fixtures_fixes_every_safe_fix_and_is_idempotent(fixture_copy):
    before = report(["--no-cache", "fixtures"])["diagnostics"]
    safe = [d for d in before if d["fix"] and d["fix"]["applicability"] == "safe"]
    assert len(safe) > 20
    result = invoke(["--fix", "--format", "json", "fixtures"])
    after = report(["--no-cache", "fixtures"])["diagnostics"]
    assert not [d for d in after if d["fix"] and d["fix"]["applicability"] == "safe"]
    fixed_codes = sorted(d["code"] for d in safe)
    kept = sorted(d["code"] for d in before if d not in safe)
    assert sorted(d["code"] for d in after) == kept
    assert {"NN001", "NN103", "NN205", "NN506"} <= set(fixed_codes)
    assert result.exit_code == 1  # unfixable findings remain
    fixed_state = snapshot(fixture_copy)
    assert invoke(["--fix", "fixtures"]).stdout.splitlines()[-1].startswith("Found")
    assert snapshot(fixture_copy) == fixed_state
    assert invoke(["--diff", "fixtures"]).exit_code == 0


def test_diff_shows_the_fix_without_writing(fixture_copy):
    original = snapshot(fixture_copy)
    result = invoke(["--diff", "fixtures"])
    assert result.exit_code == 1
    assert snapshot(fixture_copy) == original
    assert "+        total_loss += loss.item()  # expect: NN205" in result.stdout
    assert "--- a/fixtures/torch/nn205_mnist_faq_total_loss.py" in result.stdout
    assert result.stderr.strip().startswith("Would fix")


def test_fix_reports_what_it_fixed_and_what_remains(tmp_path):
    write(tmp_path / "train.py", FIXABLE)
    result = invoke(["--fix", "train.py"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "Fixed 2 problems. Found 1 problem (1 error) in 1 file checked."
    text = (tmp_path / "train.py").read_text()
    assert "total += loss.item()  # the running loss" in text
    assert "torch.log_softmax(logits, dim=1)" in text
    assert "-torch.log(p)" in text  # NN101's fix is unsafe


def test_unsafe_fixes_are_applied_only_when_asked(tmp_path):
    write(tmp_path / "train.py", FIXABLE)
    invoke(["--fix", "--unsafe-fixes", "train.py"])
    assert "-torch.log(p + 1e-8)" in (tmp_path / "train.py").read_text()
    assert invoke(["train.py"]).exit_code == 0


def test_stdin_with_fix_prints_the_fixed_source():
    result = invoke(["--fix", "--stdin-filename", "train.py", "-"], input=FIXABLE)
    assert result.stdout == FIXABLE.replace("total += loss ", "total += loss.item() ").replace(
        "torch.log(torch.softmax(logits, dim=1))", "torch.log_softmax(logits, dim=1)")
    assert "NN101" in result.stderr
    assert result.exit_code == 1


def test_write_keeps_permissions_line_endings_and_encoding(tmp_path):
    crlf = write(tmp_path / "crlf.py", FIXABLE.replace("\n", "\r\n"))
    crlf.chmod(0o640)
    latin = write(tmp_path / "latin.py", "# -*- coding: latin-1 -*-\n# é\n" + FIXABLE, encoding="latin-1")
    bom = write(tmp_path / "bom.py", "\ufeff" + FIXABLE)
    invoke(["--fix", "crlf.py", "latin.py", "bom.py"])
    assert b"total += loss.item()  # the running loss\r\n" in crlf.read_bytes()
    assert b"\n" not in crlf.read_bytes().replace(b"\r\n", b"")
    assert stat.S_IMODE(os.stat(crlf).st_mode) == 0o640
    assert "# é" in latin.read_text(encoding="latin-1") and "loss.item()" in latin.read_text(encoding="latin-1")
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf") and b"loss.item()" in bom.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".nnlint-fix-")]


def test_a_fix_that_breaks_the_syntax_is_never_applied():
    text = "import torch\nx = 1\n"
    broken = Diagnostic("t.py", 2, 1, 2, 2, "NN999", "test", Severity.ERROR, "m", 2,
                        Fix(Applicability.SAFE, "break it", (Edit(2, 1, 2, 2, "x = ("),)))

    def lint(candidate: str) -> FileResult:
        return FileResult("t.py", diagnostics=[broken] if candidate == text else [])

    fixed = fix_text(text, "t.py", lint, unsafe=False)
    assert fixed.text == text and fixed.fixed == 0
    assert fixed.refused == ["a fix would have made the file invalid Python, so it was not applied"]


def test_overlapping_fixes_are_applied_over_several_rounds(tmp_path):
    write(tmp_path / "train.py", "import torch\nx = 1  # noqa: NN101, NN103\ny = 2  # noqa: NN999\n")
    invoke(["--fix", "train.py"])
    assert (tmp_path / "train.py").read_text() == "import torch\nx = 1\ny = 2\n"


def test_unwritable_file_is_a_per_file_error(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    target = write(tmp_path / "train.py", FIXABLE)
    tmp_path.chmod(0o500)
    try:
        result = invoke(["--fix", "train.py"])
    finally:
        tmp_path.chmod(0o700)
    assert "cannot write the fixed file" in result.stderr
    assert target.read_text() == FIXABLE
