"""Helpers for the tests that drive the `nnlint` command (in-process, or as a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from click.testing import CliRunner

from nnlint.cli import main


def _runner() -> CliRunner:
    """A runner that keeps stderr apart from stdout: click 8.2+ always does, click 8.1 (the
    newest for Python 3.9) only when asked."""
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()

# NN103 on line 3: `tf.log(y)` spans 3:27-3:36.
SOFTMAX_CE = (
    "import tensorflow as tf\n"
    "y = tf.nn.softmax(logits)\n"
    "loss = -tf.reduce_sum(t * tf.log(y))\n"
)
# NN101 on line 3: `tf.log(p)` spans 3:5-3:14; its unsafe fix rewrites `p` (3:12-3:13).
SIGMOID_LOG = (
    "import tensorflow as tf\n"
    "p = tf.sigmoid(z)\n"
    "l = tf.log(p)\n"
)


def write(path: Path, content, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def invoke(args: Sequence[str], input=None, env: Optional[Dict[str, str]] = None):
    result = _runner().invoke(main, list(args), input=input, env=env, catch_exceptions=True)
    # Only a clean exit is allowed: any other exception would be a traceback for the user.
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"nnlint raised {result.exception!r}") from result.exception
    return result


def report(args: Sequence[str], input=None) -> dict:
    """The JSON document of a run that completed (exit 0 or 1)."""
    result = invoke(["--format", "json", *args], input=input)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def found(args: Sequence[str], input=None) -> List[tuple]:
    """(path, line, column, code) of every diagnostic of a json run."""
    return [(d["path"], d["line"], d["column"], d["code"]) for d in report(args, input)["diagnostics"]]


def subprocess_env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NNLINT_DEBUG")}
    env["PYTHONSAFEPATH"] = "1"  # `python -m` must not import the test's files as modules
    env.update(extra)
    return env


def run_nnlint(args: Sequence[str], cwd: Path, input: Optional[bytes] = None, timeout: float = 30,
               env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnlint", *args], cwd=cwd, input=input, capture_output=True,
        timeout=timeout, env=env or subprocess_env(),
    )
