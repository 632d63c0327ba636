"""The configuration contract of DESIGN.md: `[tool.nnlint]` in the nearest pyproject.toml (walking
up from the first path), nnlint.toml, `--config FILE`, the keys select/ignore/exclude/
per-file-ignores/rules, and strict validation (exit 2, one line naming the key and the file, no
traceback)."""

from __future__ import annotations

import json

import pytest

from cli_helpers import SIGMOID_LOG, SOFTMAX_CE, found, invoke, run_nnlint, write


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project directory with a buggy script of each kind; the tests run from inside it."""
    root = tmp_path / "proj"
    write(root / "a.py", SOFTMAX_CE)
    write(root / "b.py", SIGMOID_LOG)
    monkeypatch.chdir(root)
    monkeypatch.delenv("NNLINT_DEBUG", raising=False)
    return root


# --------------------------------------------------------------------------------------------
# Finding the configuration


def test_no_config_means_every_rule(project):
    assert found(["a.py", "b.py"]) == [("a.py", 3, 27, "NN103"), ("b.py", 3, 5, "NN101")]


def test_pyproject_found_by_walking_up_from_the_first_path(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    write(root / "pyproject.toml", '[project]\nname = "x"\n\n[tool.nnlint]\nignore = ["NN101"]\n')
    deep = write(root / "src" / "models" / "vision" / "train.py", SIGMOID_LOG + SOFTMAX_CE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the config is found from the path, not from the working directory
    assert [(line, code) for _, line, _, code in found([str(deep)])] == [(6, "NN103")]
    assert [(line, code) for _, line, _, code in found([str(deep.parent)])] == [(6, "NN103")]


def test_config_comes_from_the_first_path_only(tmp_path, monkeypatch):
    write(tmp_path / "one" / "pyproject.toml", '[tool.nnlint]\nignore = ["NN101"]\n')
    write(tmp_path / "one" / "b.py", SIGMOID_LOG)
    write(tmp_path / "two" / "b.py", SIGMOID_LOG)
    monkeypatch.chdir(tmp_path)
    assert found(["one/b.py", "two/b.py"]) == []
    assert found(["two/b.py", "one/b.py"]) == [("one/b.py", 3, 5, "NN101"), ("two/b.py", 3, 5, "NN101")]


def test_nearer_pyproject_without_nnlint_table_is_skipped(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", '[tool.nnlint]\nselect = ["NN103"]\n')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "sub"\ndependencies = ["nnlint"]\n')
    write(tmp_path / "sub" / "a.py", SOFTMAX_CE)
    write(tmp_path / "sub" / "b.py", SIGMOID_LOG)
    monkeypatch.chdir(tmp_path / "sub")
    assert found(["a.py", "b.py"]) == [("a.py", 3, 27, "NN103")]


def test_nearest_config_wins(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", '[tool.nnlint]\nselect = ["NN103"]\n')
    write(tmp_path / "sub" / "pyproject.toml", '[tool.nnlint]\nselect = ["NN101"]\n')
    write(tmp_path / "sub" / "b.py", SIGMOID_LOG)
    monkeypatch.chdir(tmp_path)
    assert found(["sub/b.py"]) == [("sub/b.py", 3, 5, "NN101")]


def test_nnlint_toml(project):
    write(project / "nnlint.toml", 'select = ["NN101"]\n')
    assert found(["a.py", "b.py"]) == [("a.py", 3, 27, "NN101"), ("b.py", 3, 5, "NN101")]


def test_nnlint_toml_found_by_walking_up(project):
    write(project / "nnlint.toml", 'ignore = ["NN103"]\n')
    write(project / "pkg" / "a.py", SOFTMAX_CE)
    assert found(["pkg/a.py"]) == [("pkg/a.py", 3, 27, "NN101")]


def test_config_option_pyproject(project, tmp_path):
    cfg = write(tmp_path / "ci" / "pyproject.toml", '[tool.nnlint]\nselect = ["NN103"]\n')
    write(project / "pyproject.toml", '[tool.nnlint]\nselect = ["NN101"]\n')  # overridden by --config
    assert found(["--config", str(cfg), "a.py", "b.py"]) == [("a.py", 3, 27, "NN103")]


def test_config_option_nnlint_toml(project, tmp_path):
    cfg = write(tmp_path / "ci" / "nnlint.toml", 'ignore = ["NN1"]\n')
    assert found(["--config", str(cfg), "a.py", "b.py"]) == []


def test_config_option_missing_file(project):
    result = invoke(["--config", "does-not-exist.toml", "a.py"])
    assert result.exit_code == 2
    assert "does-not-exist.toml" in result.stderr
    assert result.stderr.count("\n") == 1


# --------------------------------------------------------------------------------------------
# Keys honoured


@pytest.mark.parametrize("table, expected", [
    ('select = ["NN"]', [("a.py", 3, 27, "NN103"), ("b.py", 3, 5, "NN101")]),
    ('select = ["NN1"]', [("a.py", 3, 27, "NN103"), ("b.py", 3, 5, "NN101")]),
    ('select = ["NN103"]', [("a.py", 3, 27, "NN103")]),
    ('select = ["nn101"]', [("a.py", 3, 27, "NN101"), ("b.py", 3, 5, "NN101")]),
    ('select = []', []),
    ('ignore = ["NN101"]', [("a.py", 3, 27, "NN103")]),
    ('ignore = ["NN10"]', []),
    ('select = ["NN103"]\nignore = ["NN1"]', [("a.py", 3, 27, "NN103")]),  # more specific wins
    ('select = ["NN1"]\nignore = ["NN103"]', [("a.py", 3, 27, "NN101"), ("b.py", 3, 5, "NN101")]),
])
def test_select_and_ignore_from_config(project, table, expected):
    write(project / "pyproject.toml", f"[tool.nnlint]\n{table}\n")
    assert found(["a.py", "b.py"]) == expected


def test_cli_select_replaces_config_select(project):
    write(project / "pyproject.toml", '[tool.nnlint]\nselect = ["NN103"]\n')
    assert found(["--select", "NN101", "a.py", "b.py"]) == [("a.py", 3, 27, "NN101"), ("b.py", 3, 5, "NN101")]


def test_cli_ignore_adds_to_config_ignore(project):
    write(project / "pyproject.toml", '[tool.nnlint]\nignore = ["NN103"]\n')
    assert found(["--ignore", "NN101", "a.py", "b.py"]) == []


def test_exclude(project):
    write(project / "pyproject.toml", '[tool.nnlint]\nexclude = ["third_party/", "gen_*.py", "src/legacy"]\n')
    write(project / "third_party" / "lib" / "train.py", SIGMOID_LOG)
    write(project / "src" / "gen_model.py", SIGMOID_LOG)
    write(project / "src" / "legacy" / "train.py", SIGMOID_LOG)
    write(project / "src" / "new" / "legacy" / "train.py", SIGMOID_LOG)  # `src/legacy` is rooted
    write(project / "src" / "train.py", SOFTMAX_CE)
    assert found(["."]) == [
        ("./a.py", 3, 27, "NN103"),
        ("./b.py", 3, 5, "NN101"),
        ("./src/new/legacy/train.py", 3, 5, "NN101"),
        ("./src/train.py", 3, 27, "NN103"),
    ]


def test_exclude_applies_to_explicitly_named_files(project):
    write(project / "pyproject.toml", '[tool.nnlint]\nexclude = ["third_party/", "b.py"]\n')
    write(project / "third_party" / "train.py", SIGMOID_LOG)
    result = invoke(["--format", "json", "third_party/train.py", "b.py", "a.py"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [(d["path"], d["code"]) for d in doc["diagnostics"]] == [("a.py", "NN103")]
    assert doc["errors"] == []
    assert doc["summary"]["files"] == 1


def test_exclude_is_relative_to_the_config_file_not_the_cwd(project, monkeypatch):
    write(project / "pyproject.toml", '[tool.nnlint]\nexclude = ["src/gen"]\n')
    write(project / "src" / "gen" / "model.py", SIGMOID_LOG)
    monkeypatch.chdir(project / "src")
    assert found(["gen"]) == []
    assert found([str(project / "src")]) == []


def test_per_file_ignores(project):
    write(project / "pyproject.toml",
          '[tool.nnlint]\n[tool.nnlint.per-file-ignores]\n"tests/*" = ["NN101"]\n"notebooks/" = ["NN1"]\n')
    write(project / "tests" / "test_loss.py", SIGMOID_LOG + SOFTMAX_CE)
    write(project / "notebooks" / "explore.py", SIGMOID_LOG + SOFTMAX_CE)
    assert found(["tests", "notebooks", "b.py"]) == [
        ("b.py", 3, 5, "NN101"),
        ("tests/test_loss.py", 6, 27, "NN103"),
    ]


def test_per_file_ignores_inline_table(project):
    write(project / "pyproject.toml", '[tool.nnlint]\nper-file-ignores = {"b.py" = ["NN101"]}\n')
    assert found(["a.py", "b.py"]) == [("a.py", 3, 27, "NN103")]


def test_rooted_patterns_through_a_symlinked_directory(tmp_path, monkeypatch):
    # Was a bug (fixed in 448c805): the config root is resolve()d, file paths were only
    # abspath()ed, so `tests/*` and `src/gen` never matched through a symlinked directory.
    real = tmp_path / "real"
    write(real / "proj" / "pyproject.toml",
          '[tool.nnlint]\nexclude = ["src/gen"]\nper-file-ignores = {"tests/*" = ["NN101"]}\n')
    target = write(real / "proj" / "tests" / "test_loss.py", SIGMOID_LOG)
    write(real / "proj" / "src" / "gen" / "model.py", SIGMOID_LOG)
    write(real / "proj" / "src" / "train.py", SIGMOID_LOG)
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    assert found([str(target)]) == []  # the real path
    assert found(["link/proj/tests/test_loss.py"]) == []
    assert found(["link/proj/src"]) == [("link/proj/src/train.py", 3, 5, "NN101")]
    assert found(["link/proj/src/gen/model.py"]) == []


# --------------------------------------------------------------------------------------------
# Validation: exit 2, one line naming the key and the file, no traceback


BAD_CONFIGS = {
    "unknown-key": ('[tool.nnlint]\nselct = ["NN1"]\n', "selct"),
    "unknown-code-in-select": ('[tool.nnlint]\nselect = ["NN999"]\n', "select"),
    "unknown-prefix-in-ignore": ('[tool.nnlint]\nignore = ["E5"]\n', "ignore"),
    "unknown-code-in-per-file-ignores": ('[tool.nnlint]\nper-file-ignores = {"tests/*" = ["NN99"]}\n',
                                         "per-file-ignores"),
    "unknown-rule-table": ('[tool.nnlint.rules.NN999]\nthreshold = 1\n', "rules.NN999"),
    "unknown-option-of-rule": ('[tool.nnlint.rules.NN101]\nepsilon = 1e-7\n', "epsilon"),
    "select-not-a-list": ('[tool.nnlint]\nselect = "NN101"\n', "select"),
    "exclude-not-strings": ('[tool.nnlint]\nexclude = [1, 2]\n', "exclude"),
    "per-file-ignores-not-a-table": ('[tool.nnlint]\nper-file-ignores = ["tests/*"]\n', "per-file-ignores"),
    "rules-not-a-table": ('[tool.nnlint]\nrules = 3\n', "rules"),
    "broken-toml": ('[tool.nnlint\nselect = ["NN1"]\n', "TOML"),
    "broken-toml-value": ('[tool.nnlint]\nselect = [NN1]\n', "TOML"),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_pyproject_exits_2_naming_key_and_file(project, name):
    content, key = BAD_CONFIGS[name]
    config = write(project / "pyproject.toml", content)
    result = invoke(["a.py", "b.py"])
    assert result.exit_code == 2
    assert result.stdout == ""  # nothing was linted
    err = result.stderr
    assert err.count("\n") == 1 and err.endswith("\n"), err  # exactly one line
    assert err.startswith("nnlint: error: ")
    assert key in err
    assert str(config) in err or "pyproject.toml" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("content, key", [
    ('selct = ["NN1"]\n', "selct"),
    ('select = ["NN999"]\n', "select"),
    ('[rules.NN101]\nfoo = 1\n', "foo"),
    ('[tool.nnlint]\nselect = ["NN1"]\n', "tool"),  # nnlint.toml has the keys at top level
    ('select = \n', "TOML"),
])
def test_bad_nnlint_toml_exits_2(project, content, key):
    write(project / "nnlint.toml", content)
    result = invoke(["a.py"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert key in result.stderr and "nnlint.toml" in result.stderr


def test_bad_config_given_with_config_option(project, tmp_path):
    cfg = write(tmp_path / "ci.toml", 'select = ["NN101"]\nignor = ["NN103"]\n')
    result = invoke(["--config", str(cfg), "a.py"])
    assert result.exit_code == 2
    assert "ignor" in result.stderr and "ci.toml" in result.stderr


def test_config_error_in_json_format_is_still_one_json_document(project):
    config = write(project / "pyproject.toml", '[tool.nnlint]\nselect = ["NN999"]\n')
    result = invoke(["--format", "json", "a.py"])
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["version"] == 1 and doc["diagnostics"] == []
    assert doc["summary"]["errors"] == 1
    [error] = doc["errors"]
    assert set(error) == {"path", "message"}
    assert error["path"] == str(config)
    assert "NN999" in error["message"] and "select" in error["message"]


def test_config_errors_end_to_end_have_no_traceback(project):
    write(project / "pyproject.toml", '[tool.nnlint]\nselect = ["NN1"\n')
    broken = run_nnlint(["a.py"], project)
    assert broken.returncode == 2
    assert broken.stdout == b""
    lines = broken.stderr.decode().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0]
    assert "pyproject.toml" in lines[0] and "TOML" in lines[0]

    write(project / "pyproject.toml", '[tool.nnlint.rules.NN101]\nmax-depth = 3\n')
    unknown = run_nnlint(["a.py"], project)
    assert unknown.returncode == 2
    lines = unknown.stderr.decode().splitlines()
    assert len(lines) == 1 and "max-depth" in lines[0] and "NN101" in lines[0]


def test_pyproject_without_nnlint_table_is_not_validated(project):
    write(project / "pyproject.toml", '[tool.ruff]\nselect = ["E"]\nwhatever = 1\n')
    assert found(["a.py", "b.py"]) == [("a.py", 3, 27, "NN103"), ("b.py", 3, 5, "NN101")]


def test_broken_pyproject_that_does_not_mention_nnlint_is_ignored(project):
    write(project / "pyproject.toml", '[project\nname = "x"\n')
    assert found(["b.py"]) == [("b.py", 3, 5, "NN101")]


def test_empty_nnlint_table_means_defaults(project):
    write(project / "pyproject.toml", '[tool.nnlint]\n')
    assert found(["a.py", "b.py"]) == [("a.py", 3, 27, "NN103"), ("b.py", 3, 5, "NN101")]


def test_rule_table_for_a_rule_without_options_is_accepted_when_empty(project):
    write(project / "pyproject.toml", '[tool.nnlint.rules.NN101]\n')
    assert found(["b.py"]) == [("b.py", 3, 5, "NN101")]
