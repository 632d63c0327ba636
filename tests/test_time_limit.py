"""A file that takes too long becomes a per-file error naming it; the other files still run."""

from __future__ import annotations

import pytest

from cli_helpers import SIGMOID_LOG, invoke, report, write
from nnlint.time_limit import FileTimeout, time_limit


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_time_limit_interrupts_python_work():
    with pytest.raises(FileTimeout):
        with time_limit(0.05):
            while True:
                pass


def test_no_limit_and_a_generous_limit_do_nothing():
    with time_limit(None):
        pass
    with time_limit(5):
        total = sum(range(1000))
    assert total == 499500


def test_slow_file_is_an_error_and_the_others_are_checked(tmp_path):
    big = "import torch\n" + "".join(
        f"def step_{i}(model, x):\n    p = torch.softmax(model(x), dim=1)\n    return torch.log(p + 1e-8)\n\n"
        for i in range(6000)
    )
    write(tmp_path / "huge.py", big)
    write(tmp_path / "small.py", SIGMOID_LOG)
    write(tmp_path / "pyproject.toml", "[tool.nnlint]\ntimeout = 0.5\n")
    document = report(["--no-cache", "--jobs", "1", "huge.py", "small.py"])
    assert [d["path"] for d in document["diagnostics"]] == ["small.py"]
    [error] = document["errors"]
    assert error["path"] == "huge.py" and error["message"].startswith("gave up after 0.5 s")


@pytest.mark.parametrize("value", ["0", "-1", "'fast'", "true"])
def test_timeout_must_be_a_positive_number(tmp_path, value):
    write(tmp_path / "pyproject.toml", f"[tool.nnlint]\ntimeout = {value}\n")
    write(tmp_path / "train.py", SIGMOID_LOG)
    result = invoke(["train.py"])
    assert result.exit_code == 2 and "timeout" in result.stderr
