"""Hostile inputs (issue 10), each its own test through the real command: a 10 MB file, 5,000
nested parentheses, a 2,000-cell notebook, NUL bytes, BOM + CRLF, mixed line endings, tabs,
Python 2, a symlink loop, unreadable files, an undecodable file name, an empty directory and
20,000 files. Each run must end with a clear result for every file (findings, NN000 or a
per-file entry in the JSON `errors`), exit 0 or 1 (never 2, never a traceback), print one valid
JSON document, and stay within a bound on wall time and on peak memory (RSS) of the nnlint
process and its workers. The bounds are generous, several times what a 2-core machine needs, so
that a hang or a blow-up fails the test and ordinary noise does not.

A last test checks that nnlint never executes the code it checks: not as a file, a notebook
cell, a directory entry, nor with `--fix`.

Run with `pytest -s` to see each run's time and memory, and a summary table at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

from cli_helpers import SIGMOID_LOG, SOFTMAX_CE, subprocess_env, write

MiB = 1024 * 1024
GiB = 1024 * MiB

# Bounds for a run over a few small files: starting Python and importing LibCST takes well under
# a second and ~50 MiB on a 2-core machine.
SMALL_SECONDS = 30
SMALL_RSS = 400 * MiB

TORCH_LOG_SOFTMAX = "torch.log(torch.softmax(x, dim=1))"  # NN103, and 34 characters long


# --------------------------------------------------------------------------------------------
# Running nnlint as a process, measuring its wall time and peak RSS


@dataclass
class Run:
    returncode: int
    stdout: bytes
    stderr: bytes
    seconds: float
    peak_rss: Optional[int]  # bytes; None where the platform cannot tell (Windows)
    timed_out: bool = False

    @property
    def document(self) -> dict:
        """The JSON report, which must be valid UTF-8 and valid JSON."""
        return json.loads(self.stdout.decode("utf-8"))


SUMMARY: List[Tuple[str, str, str, str, str, str]] = []


# nnlint runs under this small Python process, which reports how long it ran and its peak RSS.
# Measured from the test process itself (wait4), the peak would include the test process's own
# RSS: Linux counts the memory of the parent a child was forked from, up to its exec.
_WRAPPER = r"""
import json, subprocess, sys, time
report, cap, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
try:
    import resource
except ImportError:  # Windows
    resource = None
if cap and resource is not None and sys.platform.startswith("linux"):
    # A hard cap on the address space, so that a memory blow-up fails fast instead of taking
    # the machine down; inherited by nnlint and its workers.
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
start = time.monotonic()
code = subprocess.call(argv)
seconds = time.monotonic() - start
# The largest of nnlint and the workers it waited for (not their sum); KiB on Linux, bytes on macOS.
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if resource is not None else None
if rss is not None and sys.platform != "darwin":
    rss *= 1024
with open(report, "w") as handle:
    json.dump({"returncode": code, "seconds": seconds, "peak_rss": rss}, handle)
"""


def run_measured(args: Sequence, cwd: Path, timeout: float, cap: Optional[int] = 3 * GiB,
                 env: Optional[Dict[str, str]] = None) -> Run:
    """`python -m nnlint --no-cache --format json ARGS` in `cwd`, with its wall time and the peak
    RSS of the process and its workers (the address space capped at `cap` on Linux). `args` may
    hold bytes (undecodable file names)."""
    with tempfile.TemporaryDirectory() as scratch:
        measures = os.path.join(scratch, "measures.json")
        # Bytes names become str with surrogate escapes, which Popen turns back into the bytes.
        argv = [sys.executable, "-c", _WRAPPER, measures, str(cap or 0),
                sys.executable, "-m", "nnlint", "--no-cache", "--format", "json", *(os.fsdecode(a) for a in args)]
        start = time.monotonic()
        proc = subprocess.Popen(argv, cwd=cwd, env=env or subprocess_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=hasattr(os, "killpg"))
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGKILL)  # the wrapper, nnlint and its workers
            else:
                proc.kill()
            stdout, stderr = proc.communicate()
            return Run(-1, stdout, stderr, time.monotonic() - start, None, timed_out=True)
        try:
            with open(measures, encoding="utf-8") as handle:
                measured = json.load(handle)
        except (OSError, ValueError) as error:
            raise AssertionError(f"the measuring wrapper failed: {stderr.decode('utf-8', 'replace')}") from error
    return Run(measured["returncode"], stdout, stderr, measured["seconds"], measured["peak_rss"])


def result_kind(document: dict) -> str:
    """A short account of what the run reported, for the summary table."""
    codes: Dict[str, int] = {}
    for d in document["diagnostics"]:
        codes[d["code"]] = codes.get(d["code"], 0) + 1
    parts = [f"{code} x{n}" if n > 1 else code for code, n in sorted(codes.items())]
    for error in document["errors"][:2]:
        parts.append(f"error: {error['message'][:48]}")
    if len(document["errors"]) > 2:
        parts.append(f"(+{len(document['errors']) - 2} errors)")
    return ", ".join(parts) or "clean"


def record(name: str, run: Run) -> None:
    try:
        document = run.document
        files, kind = str(document["summary"]["files"]), result_kind(document)
    except (ValueError, KeyError, TypeError):
        files, kind = "?", "no valid JSON" + (" (timed out)" if run.timed_out else "")
    rss = f"{run.peak_rss / MiB:.0f}" if run.peak_rss is not None else "n/a"
    row = (name, files, str(run.returncode), kind, f"{run.seconds:.2f}", rss)
    SUMMARY.append(row)
    print(f"\n[hostile] {name}: files={files} exit={run.returncode} {kind} "
          f"wall={run.seconds:.2f}s peak_rss={rss}MiB")


def check_run(run: Run, seconds: float, rss: int, exit_code: Optional[int] = 1) -> dict:
    """The contract every hostile input must keep; returns the JSON document."""
    stderr = run.stderr.decode("utf-8", "replace")
    assert not run.timed_out, f"still running after {run.seconds:.0f} s; stderr: {stderr[-2000:]}"
    assert "Traceback" not in stderr, stderr[-4000:]
    assert "Traceback" not in run.stdout.decode("utf-8", "replace")
    assert run.returncode in (0, 1), f"exit {run.returncode}; stderr: {stderr[-2000:]}"
    if exit_code is not None:
        assert run.returncode == exit_code, stderr[-2000:]
    document = run.document
    assert document["summary"]["diagnostics"] == len(document["diagnostics"])
    assert document["summary"]["errors"] == len(document["errors"])
    for entry in document["diagnostics"] + document["errors"]:
        entry["path"].encode("utf-8")  # no lone surrogates
    assert run.seconds < seconds, f"took {run.seconds:.1f} s (bound {seconds} s)"
    if run.peak_rss is not None:
        assert run.peak_rss < rss, f"peak RSS {run.peak_rss / MiB:.0f} MiB (bound {rss / MiB:.0f} MiB)"
    return document


def by_path(document: dict) -> Dict[str, List[Tuple[int, int, str]]]:
    found: Dict[str, List[Tuple[int, int, str]]] = {}
    for d in document["diagnostics"]:
        found.setdefault(d["path"], []).append((d["line"], d["column"], d["code"]))
    return found


def errors_of(document: dict) -> Dict[str, str]:
    return {e["path"]: e["message"] for e in document["errors"]}


def has_symlinks(tmp_path: Path) -> bool:
    try:
        (tmp_path / ".probe").symlink_to("nowhere")
    except (OSError, NotImplementedError):
        return False
    (tmp_path / ".probe").unlink()
    return True


@pytest.fixture(scope="module", autouse=True)
def _summary_table():
    yield
    if not SUMMARY:
        return
    header = ("input", "files", "exit", "result", "wall (s)", "peak RSS (MiB)")
    widths = [max(len(str(row[i])) for row in [header, *SUMMARY]) for i in range(len(header))]
    lines = ["| " + " | ".join(str(cell).ljust(w) for cell, w in zip(row, widths)) + " |"
             for row in [header, tuple("-" * w for w in widths), *SUMMARY]]
    print("\n\nHostile inputs:\n" + "\n".join(lines))


# --------------------------------------------------------------------------------------------
# 1. A 10 MB Python file


_HEADER = '''"""Generated training library: many models, loops and helpers."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
'''

# Correct, idiomatic code: nnlint must stay silent on all of it.
_TEMPLATES = [
    '''

class Net{i}(nn.Module):
    """A small convolutional classifier, variant {i}."""

    def __init__(self, classes={c}):
        super().__init__()
        self.conv1 = nn.Conv2d(3, {w}, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d({w}, {w2}, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.drop = nn.Dropout(0.25)
        self.fc = nn.Linear({w2} * 8 * 8, classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.drop(torch.flatten(x, 1))
        return self.fc(x)
''',
    '''

def train_epoch_{i}(model, loader, optimizer, device="cpu"):
    model.train()
    running = 0.0
    for step, (images, labels) in enumerate(loader):
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        logits = model(images)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        running += loss.item()
        if step % {c} == 0:
            print("step", step, "loss", running / (step + 1))
    return running / max(1, len(loader))
''',
    '''

def evaluate_{i}(model, loader, device="cpu"):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            out = model(images.to(device))
            pred = out.argmax(dim=1)
            correct += (pred == labels.to(device)).sum().item()
            total += labels.size(0)
    model.train()
    return correct / max(1, total)
''',
    '''

def make_optimizer_{i}(model, lr=0.00{c}, weight_decay=1e-4):
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        (no_decay if name.endswith("bias") else decay).append(param)
    groups = [{{"params": decay, "weight_decay": weight_decay}}, {{"params": no_decay, "weight_decay": 0.0}}]
    return torch.optim.Adam(groups, lr=lr)
''',
    '''

def stable_loss_{i}(logits, target):
    log_probs = F.log_softmax(logits, dim=-1)
    nll = -(target * log_probs).sum(dim=-1)
    weights = torch.linspace(0.5, 1.5, steps={w}).to(logits.device)
    return (nll * weights[: nll.shape[0]]).mean()
''',
    '''

def schedule_{i}(epoch, base={w}, warmup={c}):
    """Cosine schedule with a linear warm-up (variant {i})."""
    if epoch < warmup:
        return (epoch + 1) / warmup
    progress = (epoch - warmup) / max(1, base - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
''',
]
_BUGGY = '''

def class_log_probs_{i}(x):
    return ''' + TORCH_LOG_SOFTMAX + '''
'''


def realistic_module(size: int, bugs_at: Sequence[float]) -> Tuple[str, List[int]]:
    """About `size` characters of varied training code with an NN103 finding at each fraction
    of `bugs_at`; also returns the lines of the findings."""
    parts, total, lines, i = [_HEADER], len(_HEADER), _HEADER.count("\n"), 0
    pending = sorted(bugs_at)
    expected: List[int] = []
    while total < size:
        if pending and total >= pending[0] * size:
            pending.pop(0)
            chunk = _BUGGY.format(i=i)
            expected.append(lines + chunk.count("\n"))  # `return ...` is the chunk's last line
        else:
            chunk = _TEMPLATES[i % len(_TEMPLATES)].format(i=i, c=2 + i % 97, w=16 + i % 48, w2=32 + i % 64)
        parts.append(chunk)
        total += len(chunk)
        lines += chunk.count("\n")
        i += 1
    return "".join(parts), expected


def test_realistic_module_is_silent_but_for_its_bugs(tmp_path):
    """The generator of the 10 MB file, on 60 KB: nnlint finds exactly the planted bugs."""
    text, expected = realistic_module(60_000, [0.0, 0.5, 0.99])
    write(tmp_path / "lib.py", text)
    run = run_measured(["lib.py"], tmp_path, timeout=SMALL_SECONDS)
    record("realistic module, 60 KB", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    assert by_path(document) == {"lib.py": [(line, 12, "NN103") for line in expected]}


def test_10_mb_file(tmp_path):
    """Too large for LibCST within a sane memory budget (about 600 bytes per character): a
    clear per-file error, found before parsing, and the other file is checked."""
    text, expected = realistic_module(10 * 1000 * 1000, [0.001, 0.5, 0.999])
    assert len(expected) == 3
    write(tmp_path / "library.py", text)
    write(tmp_path / "small.py", SIGMOID_LOG)
    run = run_measured(["library.py", "small.py"], tmp_path, timeout=90, cap=int(3 * GiB))
    record("10 MB file (+ 1 small)", run)
    document = check_run(run, 60, int(1.5 * GiB))
    assert document["summary"]["files"] == 2
    assert by_path(document) == {"small.py": [(3, 5, "NN101")]}
    assert list(errors_of(document)) == ["library.py"]
    assert "million characters of code" in errors_of(document)["library.py"]


def test_file_just_under_the_size_limit_is_analysed(tmp_path):
    text, expected = realistic_module(900_000, [0.5])
    write(tmp_path / "big.py", text)
    run = run_measured(["big.py"], tmp_path, timeout=60, cap=int(3 * GiB))
    record("0.9 MB file", run)
    document = check_run(run, 60, int(1.5 * GiB))
    assert by_path(document) == {"big.py": [(line, 12, "NN103") for line in expected]}


# --------------------------------------------------------------------------------------------
# 2. 5,000 nested parentheses


def test_5000_nested_parentheses(tmp_path):
    write(tmp_path / "deep.py", "import torch\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    write(tmp_path / "small.py", SIGMOID_LOG)
    run = run_measured(["deep.py", "small.py"], tmp_path, timeout=SMALL_SECONDS)
    record("5,000 nested parentheses", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    found = by_path(document)
    assert found.pop("small.py") == [(3, 5, "NN101")]
    errors = errors_of(document)
    if "deep.py" in errors:
        assert found == {} and list(errors) == ["deep.py"]
        assert "nested" in errors["deep.py"]
    else:
        assert [code for _, _, code in found["deep.py"]] == ["NN000"] and errors == {}
    assert document["summary"]["files"] == 2


# --------------------------------------------------------------------------------------------
# 3. A 2,000-cell notebook


def _cell(kind: str, source) -> dict:
    cell = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def big_notebook(cells: int, buggy: int) -> dict:
    """nbformat 4: code cells importing torch and using it correctly, markdown every 7th cell,
    line magics, shell escapes and cell magics; cell `buggy` has NN103 on its 3rd line, column 7."""
    out = []
    for i in range(cells):
        if i == buggy:
            out.append(_cell("code", ["%matplotlib inline\n", "x = torch.randn(4, 10)\n",
                                      f"out = {TORCH_LOG_SOFTMAX}\n"]))
        elif i == 0:
            out.append(_cell("code", "!pip install torch\nimport torch\nimport torch.nn.functional as F\n"))
        elif i % 7 == 3:
            out.append(_cell("markdown", [f"## Step {i}\n", "Log-probabilities: `torch.log(torch.softmax(x))`."]))
        elif i % 50 == 11:
            out.append(_cell("code", ["%%bash\n", f"echo {i} > /dev/null\n", "ls | head\n"]))
        elif i % 50 == 12:
            out.append(_cell("code", ["%%time\n", f"w{i} = torch.randn(8, 8)\n", f"h{i} = torch.relu(w{i})"]))
        elif i % 5 == 1:
            out.append(_cell("code", ["files = !ls\n", f"%time z{i} = torch.zeros({i % 9 + 1})\n",
                                      f"lp{i} = F.log_softmax(torch.randn(2, {i % 9 + 2}), dim=1)"]))
        else:
            out.append(_cell("code", [f"a{i} = torch.randn({i % 16 + 1}, 4)\n",
                                      f"b{i} = torch.sigmoid(a{i}).mean(dim=0)\n", f"print(b{i}.shape)"]))
    return {"cells": out, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                      "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def test_2000_cell_notebook(tmp_path):
    write(tmp_path / "experiment.ipynb", json.dumps(big_notebook(2000, 1500), indent=1))
    run = run_measured(["experiment.ipynb"], tmp_path, timeout=SMALL_SECONDS)
    record("2,000-cell notebook", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    assert document["errors"] == []
    [(path, cell, line, column, end, code)] = [
        (d["path"], d.get("cell"), d["line"], d["column"], (d["end_line"], d["end_column"]), d["code"])
        for d in document["diagnostics"]
    ]
    assert (path, cell, line, column, end, code) == ("experiment.ipynb", 1500, 3, 7, (3, 41), "NN103")


# --------------------------------------------------------------------------------------------
# 4. NUL bytes in the middle of valid code


def test_nul_bytes_in_valid_code(tmp_path):
    code = SOFTMAX_CE.encode()
    write(tmp_path / "nul.py", code + b"\nsteps = 10\x00\x00\nfor step in range(steps):\n    pass\n" + code)
    write(tmp_path / "small.py", SIGMOID_LOG)
    run = run_measured(["nul.py", "small.py"], tmp_path, timeout=SMALL_SECONDS)
    record("NUL bytes in valid code", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    found = by_path(document)
    assert found.pop("small.py") == [(3, 5, "NN101")]
    errors = errors_of(document)
    if found:  # a syntax error at the NUL (Python 3.12+ says so) would do as well
        assert [(line, code) for line, _, code in found["nul.py"]] == [(5, "NN000")] and errors == {}
    else:
        assert list(errors) == ["nul.py"] and "NUL" in errors["nul.py"]


# --------------------------------------------------------------------------------------------
# 5. BOM + CRLF, and mixed line endings


def test_bom_and_crlf(tmp_path):
    source = (
        f"import torch; y = {TORCH_LOG_SOFTMAX}\n"  # the BOM must not shift this column
        "\n"
        "def head(x):\n"
        "    # a comment\n"
        f"    return {TORCH_LOG_SOFTMAX}\n"
    )
    write(tmp_path / "win.py", b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode())
    run = run_measured(["win.py"], tmp_path, timeout=SMALL_SECONDS)
    record("UTF-8 BOM + CRLF", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    assert document["errors"] == []
    assert [(d["line"], d["column"], d["end_line"], d["end_column"], d["code"]) for d in document["diagnostics"]] == [
        (1, 19, 1, 53, "NN103"),
        (5, 12, 5, 46, "NN103"),
    ]


def test_mixed_line_endings(tmp_path):
    # Lines 1-7 end in \n, \r\n, \r, \n, \r\n, \r and \r\n; a docstring holds all three kinds
    # (lines 8-11); the finding is on line 12.
    data = (
        b"import torch\n"
        b"a = 1\r\n"
        b"b = 2\r"
        b"c = 3\n"
        b"\r\n"
        b"\r"
        b"def f(x):\r\n"
        b'    """Line one\n'
        b"    line two\r\n"
        b"    line three\r"
        b'    """\n'
        b"    return " + TORCH_LOG_SOFTMAX.encode() + b"\r"
        b"d = 4\n"
    )
    write(tmp_path / "mixed.py", data)
    run = run_measured(["mixed.py"], tmp_path, timeout=SMALL_SECONDS)
    record("mixed line endings", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    assert document["errors"] == []
    assert [(d["line"], d["column"], d["end_line"], d["end_column"], d["code"]) for d in document["diagnostics"]] == [
        (12, 12, 12, 46, "NN103"),
    ]


# --------------------------------------------------------------------------------------------
# 6. Tabs for indentation


def test_tab_indentation_columns(tmp_path):
    source = (
        "import torch\n"
        "import torch.nn as nn\n"
        "\n"
        "\n"
        "class Head(nn.Module):\n"
        "\tdef forward(self, x):\n"
        "\t\tif x.dim() > 1:\n"
        "\t\t\tfor _ in range(2):\n"
        f"\t\t\t\tx = {TORCH_LOG_SOFTMAX}\n"
        "\t\treturn x\n"
    )
    write(tmp_path / "tabs.py", source)
    run = run_measured(["tabs.py"], tmp_path, timeout=SMALL_SECONDS)
    record("tab indentation", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    # Columns count characters, a tab as one: four tabs and `x = ` put the call at column 9.
    assert [(d["line"], d["column"], d["end_line"], d["end_column"], d["code"]) for d in document["diagnostics"]] == [
        (9, 9, 9, 43, "NN103"),
    ]


def test_inconsistent_tabs_and_spaces_is_nn000(tmp_path):
    # Python 3 refuses this file (TabError), so it cannot run: NN000, not findings inside it.
    source = (
        "import torch\n"
        "\n"
        "def head(x):\n"
        "        y = x * 2\n"
        f"\treturn {TORCH_LOG_SOFTMAX}\n"
    )
    write(tmp_path / "tabs.py", source)
    run = run_measured(["tabs.py"], tmp_path, timeout=SMALL_SECONDS)
    record("tabs and spaces mixed", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    assert [(d["line"], d["code"]) for d in document["diagnostics"]] == [(5, "NN000")]


# --------------------------------------------------------------------------------------------
# 7. Python 2


PYTHON2_TF = b'''import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
x = tf.placeholder(tf.float32, [None, 784])
W = tf.Variable(tf.zeros([784, 10]))
y = tf.nn.softmax(tf.matmul(x, W))
y_ = tf.placeholder(tf.float32, [None, 10])
cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), reduction_indices=[1]))
train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)

sess = tf.Session()
sess.run(tf.initialize_all_variables())
try:
    for i in xrange(1000):
        batch_xs, batch_ys = mnist.train.next_batch(100)
        sess.run(train_step, feed_dict={x: batch_xs, y_: batch_ys})
        if i % 100 == 0:
            print "step %d" % i
except KeyboardInterrupt, e:
    print >>sys.stderr, "interrupted", e
'''


def test_python2_script_is_nn000(tmp_path):
    write(tmp_path / "mnist_py2.py", PYTHON2_TF)
    run = run_measured(["mnist_py2.py"], tmp_path, timeout=SMALL_SECONDS)
    record("Python 2 syntax", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    assert document["errors"] == []
    [d] = document["diagnostics"]
    assert (d["path"], d["line"], d["code"]) == ("mnist_py2.py", 19, "NN000")  # the first print


# --------------------------------------------------------------------------------------------
# 8. A symlink loop


def test_directory_with_symlink_loop(tmp_path):
    if not has_symlinks(tmp_path):
        pytest.skip("this platform or account cannot create symbolic links")
    write(tmp_path / "proj" / "a" / "train.py", SIGMOID_LOG)
    write(tmp_path / "proj" / "b" / "model.py", "import torch\nmodel = torch.nn.Linear(4, 2)\n")
    (tmp_path / "proj" / "a" / "loop").symlink_to("..", target_is_directory=True)
    # The project, and the same file again through the loop: each file is reported once.
    run = run_measured(["proj", "proj/a/loop", "proj/a/loop/a/loop/a"], tmp_path, timeout=SMALL_SECONDS)
    record("symlink loop a/loop -> ..", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    assert by_path(document) == {"proj/a/train.py": [(3, 5, "NN101")]}
    assert document["errors"] == []
    assert document["summary"]["files"] == 2


# --------------------------------------------------------------------------------------------
# 9. Files that cannot be read


def test_file_without_read_permission(tmp_path):
    if not hasattr(os, "geteuid") or os.geteuid() == 0:
        pytest.skip("root (or Windows) can read a mode-000 file, so it cannot be made unreadable")
    secret = write(tmp_path / "proj" / "secret.py", SIGMOID_LOG)
    write(tmp_path / "proj" / "train.py", SOFTMAX_CE)
    secret.chmod(0)
    try:
        run = run_measured(["proj"], tmp_path, timeout=SMALL_SECONDS)
    finally:
        secret.chmod(0o644)
    record("file without read permission", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    assert by_path(document) == {"proj/train.py": [(3, 27, "NN103")]}
    assert list(errors_of(document)) == ["proj/secret.py"]
    assert errors_of(document)["proj/secret.py"].startswith("cannot read the file")
    assert document["summary"]["files"] == 2


def test_dangling_symlink_next_to_a_buggy_file(tmp_path):
    # What root cannot be kept from reading: a directory entry whose target is gone.
    if not has_symlinks(tmp_path):
        pytest.skip("this platform or account cannot create symbolic links")
    write(tmp_path / "proj" / "train.py", SOFTMAX_CE)
    (tmp_path / "proj" / "gone.py").symlink_to("deleted_long_ago.py")
    run = run_measured(["proj"], tmp_path, timeout=SMALL_SECONDS)
    record("dangling symlink in a directory", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    assert by_path(document) == {"proj/train.py": [(3, 27, "NN103")]}
    assert list(errors_of(document)) == ["proj/gone.py"]
    assert errors_of(document)["proj/gone.py"] == "broken symbolic link"
    assert document["summary"]["files"] == 1


def test_dangling_symlink_named_twice_is_reported_once(tmp_path):
    if not has_symlinks(tmp_path):
        pytest.skip("this platform or account cannot create symbolic links")
    write(tmp_path / "proj" / "train.py", SOFTMAX_CE)
    (tmp_path / "proj" / "gone.py").symlink_to("deleted_long_ago.py")
    run = run_measured(["proj", "proj/gone.py"], tmp_path, timeout=SMALL_SECONDS)
    record("dangling symlink, named twice", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)
    assert by_path(document) == {"proj/train.py": [(3, 27, "NN103")]}
    assert [e["path"] for e in document["errors"]] == ["proj/gone.py"], document["errors"]


# --------------------------------------------------------------------------------------------
# 10. A file name that is not valid UTF-8


def test_file_name_not_utf8(tmp_path):
    if sys.platform in ("darwin", "win32"):
        pytest.skip("this platform's file systems only store Unicode file names")
    directory = tmp_path / "proj"
    directory.mkdir()
    name = os.path.join(os.fsencode(directory), b"train_\xff.py")
    try:
        with open(name, "wb") as handle:
            handle.write(SIGMOID_LOG.encode())
    except OSError as error:
        pytest.skip(f"the file system refuses a non-UTF-8 name: {error}")
    run = run_measured(["proj", b"proj/train_\xff.py"], tmp_path, timeout=SMALL_SECONDS)
    record("file name not UTF-8", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS)  # stdout is strict UTF-8 JSON
    assert by_path(document) == {"proj/train_\ufffd.py": [(3, 5, "NN101")]}
    assert document["errors"] == [] and document["summary"]["files"] == 1


# --------------------------------------------------------------------------------------------
# 11. An empty directory


def test_empty_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    run = run_measured(["empty"], tmp_path, timeout=SMALL_SECONDS)
    record("empty directory", run)
    document = check_run(run, SMALL_SECONDS, SMALL_RSS, exit_code=0)
    assert document["summary"] == {"files": 0, "diagnostics": 0, "errors": 0}
    assert document["diagnostics"] == [] and document["errors"] == []


# --------------------------------------------------------------------------------------------
# 12. 20,000 files


_PLAIN = "def helper_{i}(values):\n    total = 0\n    for v in values:\n        total += v * {k}\n    return total\n"
_TORCH = ("import torch\n\n\ndef predict_{i}(model, x):\n    with torch.no_grad():\n"
          "        return model(x).argmax(dim=1)\n")
_TORCH_BUGGY = "import torch\n\n\ndef log_probs_{i}(x):\n    return " + TORCH_LOG_SOFTMAX + "\n"


def many_files(root: Path, count: int) -> int:
    """`count` small files in directories of 500: one in 10 imports torch, and one torch file in
    10 has an NN103 finding (line 5, column 12). Returns the number of findings."""
    findings = 0
    for d in range(0, count, 500):
        directory = root / f"pkg_{d // 500:03d}"
        directory.mkdir(parents=True)
        for i in range(d, min(count, d + 500)):
            if i % 10 == 7:
                if i % 100 == 17:
                    text = _TORCH_BUGGY.format(i=i)
                    findings += 1
                else:
                    text = _TORCH.format(i=i)
            else:
                text = _PLAIN.format(i=i, k=i % 13)
            with open(directory / f"mod_{i:05d}.py", "w", encoding="utf-8") as handle:
                handle.write(text)
    return findings


def test_20000_files_stream(tmp_path):
    rss = {}
    for count, seconds in ((2_000, 60), (20_000, 120)):
        root = tmp_path / f"corpus_{count}"
        findings = many_files(root, count)
        assert findings == count // 100
        run = run_measured(["--jobs", "2", root.name], tmp_path, timeout=seconds + 30)
        record(f"{count:,} small files (--jobs 2)", run)
        document = check_run(run, seconds, 600 * MiB)
        assert document["summary"]["files"] == count
        assert document["errors"] == []
        assert len(document["diagnostics"]) == findings
        assert {(d["line"], d["column"], d["code"]) for d in document["diagnostics"]} == {(5, 12, "NN103")}
        rss[count] = run.peak_rss
    if rss[2_000] is not None:
        # Ten times the files, about the same memory: trees are dropped, results streamed.
        assert rss[20_000] < 2 * rss[2_000], f"{rss[20_000] / MiB:.0f} MiB vs {rss[2_000] / MiB:.0f} MiB"


# --------------------------------------------------------------------------------------------
# nnlint never executes the code it checks


def _payload(tmp_path: Path, tag: str) -> str:
    """Top-level code that leaves a file behind if anything imports or runs it."""
    return (
        "import torch\n"
        f"open('PWNED_{tag}', 'w').write('x')\n"
        f"open({str(tmp_path / ('PWNED_ABS_' + tag))!r}, 'w').write('x')\n"
        f"__import__('os').system('touch PWNED2_{tag}')\n"
        "x = torch.randn(2, 3)\n"
        f"y = {TORCH_LOG_SOFTMAX}\n"  # NN103, which --fix rewrites
    )


def _pwned(tmp_path: Path) -> List[str]:
    """What the payloads left behind: anywhere under tmp_path (where nnlint ran), or in the
    test's own working directory."""
    return sorted(str(p) for p in [*tmp_path.rglob("*PWNED*"), *Path.cwd().glob("*PWNED*")])


def test_checked_code_is_never_executed(tmp_path):
    proj = tmp_path / "proj"
    write(proj / "train.py", _payload(tmp_path, "file"))
    # Modules named like the frameworks: importing one (nnlint never should) would run it.
    for name in ("torch", "tensorflow", "keras"):
        write(proj / f"{name}.py", _payload(tmp_path, name))
    write(proj / "setup.py", _payload(tmp_path, "setup"))
    write(proj / "conftest.py", _payload(tmp_path, "conftest"))
    write(proj / "__main__.py", _payload(tmp_path, "main"))
    cell = _payload(tmp_path, "cell").splitlines(keepends=True)
    notebook = {
        "cells": [
            _cell("code", cell),
            _cell("code", ["!touch PWNED_shell\n", "%system touch PWNED_magic\n", "files = !touch PWNED_assigned\n"]),
            _cell("code", ["%%bash\n", "touch PWNED_bash\n"]),
            _cell("code", ["%%time\n", "open('PWNED_timed', 'w').write('x')\n"]),
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    write(proj / "explore.ipynb", json.dumps(notebook))
    write(tmp_path / "single.py", _payload(tmp_path, "single"))
    # Run from the project directory, with it on sys.path as `python -m` puts it (Python < 3.11
    # always does): `import torch` anywhere in nnlint or its dependencies would run proj/torch.py.
    env = subprocess_env()
    env.pop("PYTHONSAFEPATH", None)
    runs = [
        (["train.py"], "file"),
        (["explore.ipynb"], "notebook"),
        (["."], "directory"),
        (["../single.py"], "file outside cwd"),
        (["--fix", "--unsafe-fixes", "explore.ipynb", "train.py"], "--fix --unsafe-fixes"),
        (["--fix", "."], "directory, --fix"),
    ]
    for args, label in runs:
        run = run_measured(args, proj, timeout=SMALL_SECONDS, env=env)
        record(f"never executed: {label}", run)
        document = check_run(run, SMALL_SECONDS, SMALL_RSS, exit_code=None)
        assert document["diagnostics"] or document["errors"] or "--fix" in args
        assert _pwned(tmp_path) == [], f"{label}: checked code ran"
    # --fix did rewrite the files (so they were really processed), and nothing ran.
    assert "torch.log_softmax(x, dim=1)" in (proj / "train.py").read_text()
    assert "torch.log_softmax(x, dim=1)" in (proj / "explore.ipynb").read_text()
    assert _pwned(tmp_path) == []
