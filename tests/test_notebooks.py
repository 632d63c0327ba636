"""Jupyter notebooks: cells joined into one module, IPython syntax neutralised without moving a
line, findings reported by cell and line within the cell, and clear errors for broken files."""

from __future__ import annotations

import json

import pytest

from cli_helpers import invoke, report, write
from nnlint import selection
from nnlint.engine import lint_bytes
from nnlint.notebooks import read_notebook
from nnlint.source import SourceError


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def notebook(*cells, nbformat: int = 4) -> str:
    """A notebook whose cells are ("code" | "markdown", source) pairs; sources as line lists."""
    made = [
        {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True),
         **({"execution_count": None, "outputs": []} if kind == "code" else {})}
        for kind, source in cells
    ]
    return json.dumps({"cells": made, "metadata": {}, "nbformat": nbformat, "nbformat_minor": 5})


TRAINING = notebook(
    ("markdown", "# Notes\nimport torch is written here but is not code"),
    ("code", "%matplotlib inline\n!pip install torch\nimport torch"),
    ("code", "%%time\np = torch.sigmoid(z)\nloss = torch.log(p)"),
    ("code", "files = !ls\nprint(files)\ntorch.log(torch.softmax(x, dim=1))"),
)


def lint_notebook(text: str, select: str = "ALL"):
    return lint_bytes(text.encode(), "nb.ipynb", selection.resolve([select], []))


def test_findings_carry_the_cell_and_the_line_within_it():
    found = [(d.cell, d.line, d.column, d.code) for d in lint_notebook(TRAINING).diagnostics]
    assert found == [(2, 3, 8, "NN101"), (3, 3, 1, "NN103")]


def test_names_flow_between_cells():
    text = notebook(("code", "import torch\np = torch.softmax(x, dim=1)"), ("code", "y = torch.log(p)"))
    assert [(d.cell, d.line, d.code) for d in lint_notebook(text).diagnostics] == [(1, 1, "NN103")]


def test_text_and_concise_name_the_cell_counted_from_one(tmp_path):
    write(tmp_path / "nb.ipynb", TRAINING)
    concise = invoke(["--format", "concise", "nb.ipynb"]).stdout.splitlines()
    assert [line.split(" [")[0] for line in concise] == [
        "nb.ipynb:cell 3:3:8: NN101", "nb.ipynb:cell 4:3:1: NN103",
    ]
    text = invoke(["nb.ipynb"]).stdout
    assert "nb.ipynb:cell 3:3:8: NN101" in text
    assert "3 | loss = torch.log(p)" in text  # the excerpt is the cell's own line


def test_json_has_the_cell_index_and_cell_relative_lines(tmp_path):
    write(tmp_path / "nb.ipynb", TRAINING)
    diagnostics = report(["nb.ipynb"])["diagnostics"]
    assert [(d["cell"], d["line"], d["end_line"], d["noqa_line"]) for d in diagnostics] == [(2, 3, 3, 3), (3, 3, 3, 3)]
    assert diagnostics[1]["fix"]["edits"][0]["line"] == 3


def test_scripts_have_no_cell_in_json(tmp_path):
    write(tmp_path / "train.py", "import torch\np = torch.sigmoid(z)\nloss = torch.log(p)\n")
    assert "cell" not in report(["train.py"])["diagnostics"][0]


def test_magics_are_neutralised_line_for_line():
    module = read_notebook(notebook(
        ("code", "%load_ext autoreload\nimport torch\n  !echo indented\nfiles = !ls\nx = 5 % 3\n?torch.log\ntorch.log??"),
        ("code", "%%bash\nls -la\nrm -rf /tmp/x"),
        ("code", "%%timeit\ntorch.zeros(3)"),
    )).text
    assert module.splitlines() == [
        "pass", "import torch", "  pass", "files = None", "x = 5 % 3", "pass", "pass",
        "", "", "",
        "", "torch.zeros(3)",
    ]


def test_noqa_and_nn001_work_in_cells():
    text = notebook(("code", "import torch\np = torch.sigmoid(z)\nloss = torch.log(p)  # noqa: NN101\nx = 1  # noqa: NN205"))
    assert [(d.cell, d.line, d.code) for d in lint_notebook(text).diagnostics] == [(0, 4, "NN001")]


def test_prefilter_reads_only_code_cells():
    text = notebook(("markdown", "We use torch later."), ("code", "x = undefined_name("))
    result = lint_notebook(text)
    assert result.skipped and not result.diagnostics


def test_syntax_error_is_reported_in_its_cell():
    text = notebook(("code", "import torch"), ("code", "x = 1\nfor i in range(3)\n    pass"))
    [d] = lint_notebook(text).diagnostics
    assert (d.code, d.cell, d.line) == ("NN000", 1, 2)


def test_old_worksheets_format():
    text = json.dumps({"nbformat": 3, "worksheets": [{"cells": [
        {"cell_type": "code", "input": ["import torch\n", "p = torch.softmax(x, 1)\n", "torch.log(p)\n"]},
    ]}]})
    assert [(d.cell, d.line, d.code) for d in lint_notebook(text).diagnostics] == [(0, 3, "NN103")]


def test_empty_notebook_and_markdown_only():
    assert lint_notebook(notebook()).diagnostics == []
    assert lint_notebook(notebook(("markdown", "# torch"))).diagnostics == []


@pytest.mark.parametrize("text, message", [
    ("{not json", "not a valid notebook: the file is not JSON"),
    ("[1, 2]", "not a valid notebook: the top level is not a JSON object"),
    ('{"nbformat": 4}', "not a valid notebook: it has no list of cells"),
    ('{"cells": [3]}', "not a valid notebook: cell 1 is not an object"),
    ('{"cells": [{"cell_type": "code", "source": 7}]}', "not a valid notebook: the source of cell 1 is not text"),
])
def test_malformed_notebooks_are_a_clear_per_file_error(text, message):
    with pytest.raises(SourceError, match=message.split(":")[0]):
        read_notebook(text)
    result = lint_bytes(text.encode(), "bad.ipynb", selection.resolve(["ALL"], []))
    assert result.errors and result.errors[0].startswith(message)


def test_a_broken_notebook_does_not_stop_the_others(tmp_path):
    write(tmp_path / "bad.ipynb", "{not json")
    write(tmp_path / "good.ipynb", TRAINING)
    result = invoke(["--format", "concise", "."])
    assert result.exit_code == 1
    assert "good.ipynb:cell 3:3:8: NN101" in result.stdout
    assert "bad.ipynb: not a valid notebook" in result.stderr


def test_directory_discovery_includes_notebooks_but_not_checkpoints(tmp_path):
    write(tmp_path / "nbs" / "train.ipynb", TRAINING)
    write(tmp_path / "nbs" / ".ipynb_checkpoints" / "train-checkpoint.ipynb", TRAINING)
    assert {d["path"] for d in report(["nbs"])["diagnostics"]} == {"nbs/train.ipynb"}


def test_stdin_notebook_named_by_stdin_filename():
    result = invoke(["--format", "concise", "--stdin-filename", "nb.ipynb", "-"], input=TRAINING)
    assert result.stdout.startswith("nb.ipynb:cell 3:3:8: NN101")


def test_github_and_sarif_do_not_point_into_the_json_lines(tmp_path):
    write(tmp_path / "nb.ipynb", TRAINING)
    github = invoke(["--format", "github", "nb.ipynb"]).stdout.splitlines()
    assert github[0].startswith("::error file=nb.ipynb,title=NN101::cell 3, line 3: ")
    sarif = json.loads(invoke(["--format", "sarif", "nb.ipynb"]).stdout)
    result = sarif["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert result["properties"] == {"cell": 2, "line": 3, "column": 8}
