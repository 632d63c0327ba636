"""The pre-commit hook (`.pre-commit-hooks.yaml`) as a user gets it: the real `pre-commit try-repo`
installs this checkout into a fresh hook environment and runs it on a staged training script in a
throwaway git repository. It fails on the bug and passes once the line carries a `# noqa`.

Installing the hook environment takes a while (pre-commit builds a virtualenv and pip-installs
nnlint and its dependencies), so everything shares one PRE_COMMIT_HOME. try-repo installs what
git knows of this checkout: committed files plus staged and modified tracked ones, so a new
module must be `git add`ed before this test can see it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
BUGGY_LINE = "loss = -tf.reduce_sum(labels * tf.log(y))"
TRAIN = (
    "import tensorflow as tf\n"
    "\n"
    "y = tf.nn.softmax(logits)\n"
    f"{BUGGY_LINE}\n"
)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git, which is not installed")


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Dict[str, str]:
    # Variables set by an outer git hook (GIT_DIR, GIT_INDEX_FILE) would point git at our repo.
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PRE_COMMIT"}
    clean["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    clean["NO_COLOR"] = "1"
    return clean


def git(args: List[str], cwd: Path, env: Dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path, env: Dict[str, str]) -> Path:
    git(["init", "-q"], tmp_path, env)
    git(["config", "user.email", "test@example.com"], tmp_path, env)
    git(["config", "user.name", "nnlint tests"], tmp_path, env)
    (tmp_path / "train.py").write_text(TRAIN, encoding="utf-8")
    git(["add", "train.py"], tmp_path, env)
    return tmp_path


def try_repo(project: Path, env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO_ROOT), "nnlint",
         "--files", "train.py", "--color", "never"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )


def test_hook_fails_on_the_bug_and_passes_with_noqa(project: Path, env: Dict[str, str]):
    failed = try_repo(project, env)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0, output
    assert "NN103" in output, output
    assert "train.py:4:" in output, output

    train = project / "train.py"
    train.write_text(TRAIN.replace(BUGGY_LINE, f"{BUGGY_LINE}  # noqa: NN103"), encoding="utf-8")
    git(["add", "train.py"], project, env)
    passed = try_repo(project, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "NN103" not in passed.stdout
