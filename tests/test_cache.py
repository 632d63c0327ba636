"""The result cache: hits give the same report, anything that can change a result misses, the
key never lets one file's results be reported for another, and a broken cache is only a miss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from cli_helpers import SIGMOID_LOG, invoke, report, subprocess_env, write
from nnlint.cache import Cache


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def entries(root):
    return sorted(p for p in (root / ".nnlint_cache").rglob("*") if p.is_file() and len(p.name) == 64)


def poison(root, message="from the cache"):
    """Rewrite every cached diagnostic's message, to tell a cache hit from a fresh run."""
    for entry in entries(root):
        payload = json.loads(entry.read_text())
        for d in payload["diagnostics"]:
            d["message"] = message
        entry.write_text(json.dumps(payload))


def messages(args=("train.py",)):
    return [d["message"] for d in report(list(args))["diagnostics"]]


def test_second_run_reads_the_cache_and_reports_the_same(tmp_path):
    write(tmp_path / "train.py", SIGMOID_LOG)
    first = invoke(["train.py"]).stdout
    assert len(entries(tmp_path)) == 1
    assert invoke(["train.py"]).stdout == first
    poison(tmp_path)
    assert messages() == ["from the cache"]


def test_cache_directory_is_ignored_by_git(tmp_path):
    write(tmp_path / "train.py", SIGMOID_LOG)
    invoke(["train.py"])
    assert (tmp_path / ".nnlint_cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_no_cache_neither_reads_nor_writes(tmp_path):
    write(tmp_path / "train.py", SIGMOID_LOG)
    invoke(["--no-cache", "train.py"])
    assert not (tmp_path / ".nnlint_cache").exists()
    invoke(["train.py"])
    poison(tmp_path)
    assert messages(["--no-cache", "train.py"]) != ["from the cache"]


@pytest.mark.parametrize("change", [
    lambda root: write(root / "train.py", SIGMOID_LOG + "# edited\n"),
    lambda root: write(root / "pyproject.toml", "[tool.nnlint]\nignore = ['NN103']\n"),
    lambda root: write(root / "pyproject.toml", "[tool.nnlint.rules.NN401]\nadaptive-max = 0.5\n"),
])
def test_anything_that_can_change_the_result_misses(tmp_path, change):
    write(tmp_path / "train.py", SIGMOID_LOG)
    invoke(["train.py"])
    poison(tmp_path)
    change(tmp_path)
    assert "from the cache" not in messages()


@pytest.mark.parametrize("flags", [["--ignore-noqa"], ["--select", "NN1"], ["--ignore", "NN001"]])
def test_options_that_change_the_result_miss(tmp_path, flags):
    write(tmp_path / "train.py", SIGMOID_LOG)
    invoke(["train.py"])
    poison(tmp_path)
    assert "from the cache" not in messages([*flags, "train.py"])


def test_identical_files_share_an_entry_but_keep_their_paths(tmp_path):
    write(tmp_path / "a.py", SIGMOID_LOG)
    write(tmp_path / "b.py", SIGMOID_LOG)
    invoke(["a.py"])
    assert [d["path"] for d in report(["a.py", "b.py"])["diagnostics"]] == ["a.py", "b.py"]
    assert len(entries(tmp_path)) == 1


def test_notebook_and_script_with_the_same_bytes_do_not_share(tmp_path):
    write(tmp_path / "train.py", SIGMOID_LOG)
    write(tmp_path / "train.ipynb", SIGMOID_LOG)
    result = report(["train.py", "train.ipynb"])
    assert result["errors"] == [{"path": "train.ipynb", "message": result["errors"][0]["message"]}]
    assert "not a valid notebook" in result["errors"][0]["message"]


def test_corrupt_entries_are_misses(tmp_path):
    write(tmp_path / "train.py", SIGMOID_LOG)
    invoke(["train.py"])
    for entry in entries(tmp_path):
        entry.write_text("{not json")
    assert invoke(["train.py"]).exit_code == 1
    for entry in entries(tmp_path):
        entry.write_text(json.dumps({"diagnostics": "nonsense"}))
    assert [d["code"] for d in report(["train.py"])["diagnostics"]] == ["NN101"]


def test_unwritable_cache_directory_is_ignored(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    write(tmp_path / "train.py", SIGMOID_LOG)
    (tmp_path / ".nnlint_cache").mkdir()
    (tmp_path / ".nnlint_cache").chmod(0o500)
    try:
        assert [d["code"] for d in report(["train.py"])["diagnostics"]] == ["NN101"]
    finally:
        (tmp_path / ".nnlint_cache").chmod(0o700)


def test_cache_dir_setting_is_relative_to_the_config(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.nnlint]\ncache-dir = 'build/lint-cache'\n")
    write(tmp_path / "src" / "train.py", SIGMOID_LOG)
    invoke(["src/train.py"])
    assert (tmp_path / "build" / "lint-cache" / ".gitignore").exists()
    assert not (tmp_path / ".nnlint_cache").exists()


def test_cache_dir_must_be_a_string(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.nnlint]\ncache-dir = 3\n")
    write(tmp_path / "train.py", SIGMOID_LOG)
    result = invoke(["train.py"])
    assert result.exit_code == 2 and "cache-dir" in result.stderr


def test_prune_removes_other_versions_and_stale_entries(tmp_path):
    cache = Cache(tmp_path / "c")
    old_key, fresh_key = cache.key(b"old", ""), cache.key(b"fresh", "")
    cache.put(old_key, {"x": 1})
    cache.put(fresh_key, {"x": 2})
    (tmp_path / "c" / "0.0.1-1" / "ab").mkdir(parents=True)
    month_ago = time.time() - 40 * 24 * 3600
    os.utime(cache.entries / old_key[:2] / old_key, (month_ago, month_ago))
    cache.prune()
    assert cache.get(old_key) is None and cache.get(fresh_key) == {"x": 2}
    assert not (tmp_path / "c" / "0.0.1-1").exists()


def test_parallel_runs_sharing_the_cache_agree(tmp_path):
    for i in range(40):
        write(tmp_path / f"m{i}.py", SIGMOID_LOG + f"x{i} = {i}\n")
    command = [sys.executable, "-m", "nnlint", "--format", "json", "--jobs", "2", "."]
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, env=subprocess_env()) for _ in range(2)]
    documents = [json.loads(run.communicate(timeout=120)[0]) for run in runs]
    assert documents[0]["diagnostics"] == documents[1]["diagnostics"]
    assert len(documents[0]["diagnostics"]) == 40
    assert len(entries(tmp_path)) == 40
