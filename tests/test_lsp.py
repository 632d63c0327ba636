"""`nnlint lsp`: the real server in a subprocess, spoken to in JSON-RPC over its stdin and
stdout as an editor would, from initialize to exit. Every wait has a deadline, so a server
that hangs fails the test instead of hanging CI."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

from nnlint import RULES_URL

pytest.importorskip("pygls", reason='the language server needs the lsp extra: pip install "nnlint[lsp]"')

TIMEOUT = 20.0
SERVER = [sys.executable, "-m", "nnlint", "lsp"]  # the command editors run

# NN103 on line 3, `tf.log(y)` at 1-based columns 27-36.
SOFTMAX_CE = (
    "import tensorflow as tf\n"
    "y = tf.nn.softmax(logits)\n"
    "loss = -tf.reduce_sum(t * tf.log(y))\n"
)
FIXED_CE = (
    "import tensorflow as tf\n"
    "loss = tf.nn.softmax_cross_entropy_with_logits(labels=t, logits=logits)\n"
)
# NN103 at code-point columns 31-40; the emoji before it is two UTF-16 code units.
EMOJI_CE = (
    "import tensorflow as tf\n"
    "y = tf.nn.softmax(logits)\n"
    'print("\U0001F642", -tf.reduce_sum(t * tf.log(y)))\n'
)
# NN205 on line 5, with a safe fix that turns `loss` (columns 14-18) into `loss.item()`.
LOSS_SUM = (
    "import torch\n"
    "for x, y in loader:\n"
    "    loss = criterion(model(x), y)\n"
    "    loss.backward()\n"
    "    total += loss\n"
)


class Client:
    """Just enough of an editor: Content-Length framing, requests matched to responses, and
    the server's notifications kept in arrival order."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            SERVER, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self._messages: "queue.Queue[Optional[Dict[str, Any]]]" = queue.Queue()
        self._unclaimed: List[Dict[str, Any]] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stdout = self.process.stdout
        while True:
            length = None
            while True:
                header = stdout.readline()
                if not header:
                    self._messages.put(None)
                    return
                if header in (b"\r\n", b"\n"):
                    break
                name, _, value = header.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            self._messages.put(json.loads(stdout.read(length)))

    def send(self, message: Dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self._next_id += 1
        self.send({"id": self._next_id, "method": method, "params": params})
        response = self.wait(lambda m: m.get("id") == self._next_id and "method" not in m, f"the {method} response")
        assert "error" not in response, response["error"]
        return response["result"]

    def wait(self, matches: Callable[[Dict[str, Any]], bool], what: str) -> Dict[str, Any]:
        """The first message, received earlier or within the deadline, that matches."""
        for message in self._unclaimed:
            if matches(message):
                self._unclaimed.remove(message)
                return message
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                message = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no {what} within {TIMEOUT:.0f} s")
            if message is None:
                pytest.fail(f"the server stopped before {what}: {self.process.stderr.read().decode()}")
            if matches(message):
                return message
            self._unclaimed.append(message)

    def notification(self, method: str, uri: Optional[str] = None) -> Dict[str, Any]:
        """The params of the next `method` notification (for `uri`, when given)."""
        return self.wait(
            lambda m: m.get("method") == method and (uri is None or m["params"].get("uri") == uri),
            f"{method} for {uri}" if uri else method,
        )["params"]

    def diagnostics(self, uri: str) -> List[Dict[str, Any]]:
        return self.notification("textDocument/publishDiagnostics", uri)["diagnostics"]

    def initialize(self, root: Path, encodings: Optional[List[str]] = None) -> Dict[str, Any]:
        capabilities: Dict[str, Any] = {
            "textDocument": {"publishDiagnostics": {"dataSupport": True}, "codeAction": {}},
            "notebookDocument": {"synchronization": {}},
        }
        if encodings is not None:
            capabilities["general"] = {"positionEncodings": encodings}
        result = self.request("initialize", {
            "processId": None, "rootUri": root.as_uri(), "capabilities": capabilities,
        })
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str, version: int = 1) -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text},
        })
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}],
        })

    def code_actions(self, uri: str, diagnostics: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        return self.request("textDocument/codeAction", {
            "textDocument": {"uri": uri},
            "range": diagnostics[0]["range"],
            "context": {"diagnostics": diagnostics},
        })

    def stop(self) -> int:
        assert self.request("shutdown", None) is None
        self.notify("exit", None)
        return self.process.wait(timeout=TIMEOUT)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            stream.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    started = Client(tmp_path)
    yield started
    started.close()


def span(range_: Dict[str, Any]) -> tuple:
    return (range_["start"]["line"], range_["start"]["character"], range_["end"]["line"], range_["end"]["character"])


def by_title(actions: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    return {action["title"]: action for action in actions}


def test_findings_quick_fixes_and_a_clean_edit_from_initialize_to_exit(client, tmp_path):
    result = client.initialize(tmp_path)
    capabilities = result["capabilities"]
    assert capabilities["positionEncoding"] == "utf-16"
    assert capabilities["codeActionProvider"]["codeActionKinds"] == ["quickfix"]
    assert capabilities["notebookDocumentSync"]["notebookSelector"][0]["cells"] == [{"language": "python"}]

    uri = client.open(tmp_path / "train.py", SOFTMAX_CE)
    (found,) = client.diagnostics(uri)
    assert span(found["range"]) == (2, 26, 2, 35)
    assert found["code"] == "NN103"
    assert found["severity"] == 2
    assert found["source"] == "nnlint"
    assert found["codeDescription"]["href"] == RULES_URL.format(code="NN103")
    assert "log_softmax" in found["message"]
    assert "data" not in found or found["data"] is None  # no fix for tf.log(y) here

    actions = by_title(client.code_actions(uri, [found]))
    assert list(actions) == ["Disable NN103 for this line"]
    noqa = actions["Disable NN103 for this line"]
    assert noqa["kind"] == "quickfix"
    assert noqa["edit"]["changes"][uri] == [
        {"range": {"start": {"line": 2, "character": 36}, "end": {"line": 2, "character": 36}},
         "newText": "  # noqa: NN103"},
    ]

    client.change(uri, FIXED_CE, 2)
    assert client.diagnostics(uri) == []
    client.change(uri, SOFTMAX_CE, 3)
    assert [d["code"] for d in client.diagnostics(uri)] == ["NN103"]
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert [d["code"] for d in client.diagnostics(uri)] == ["NN103"]
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri) == []
    assert client.stop() == 0


def test_a_safe_fix_is_the_preferred_quick_fix(client, tmp_path):
    client.initialize(tmp_path)
    uri = client.open(tmp_path / "loop.py", LOSS_SUM)
    (found,) = client.diagnostics(uri)
    assert (found["code"], found["severity"], span(found["range"])) == ("NN205", 1, (4, 4, 4, 17))
    assert found["data"]["fix"]["applicability"] == "safe"

    actions = by_title(client.code_actions(uri, [found]))
    fix = actions["Fix NN205: Add `.item()` to the accumulated loss"]
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    assert fix["diagnostics"][0]["code"] == "NN205"
    assert fix["edit"]["changes"][uri] == [
        {"range": {"start": {"line": 4, "character": 13}, "end": {"line": 4, "character": 17}},
         "newText": "loss.item()"},
    ]
    noqa = actions["Disable NN205 for this line"]
    assert noqa.get("isPreferred") in (None, False)
    assert noqa["edit"]["changes"][uri][0]["newText"] == "  # noqa: NN205"

    # The saved, fixed file is clean.
    client.change(uri, LOSS_SUM.replace("total += loss", "total += loss.item()"), 2)
    assert client.diagnostics(uri) == []
    assert client.stop() == 0


def test_unsafe_fixes_are_marked_and_noqa_lists_are_extended(client, tmp_path):
    client.initialize(tmp_path)
    text = SOFTMAX_CE.replace("tf.log(y))\n", "tf.log(y))  # noqa: NN101\n") + "p = tf.sigmoid(z)\nl = tf.log(p)\n"
    uri = client.open(tmp_path / "train.py", text)
    found = {d["code"]: d for d in client.diagnostics(uri)}
    assert sorted(found) == ["NN001", "NN101", "NN103"]

    actions = by_title(client.code_actions(uri, [found["NN103"]]))
    assert actions["Disable NN103 for this line"]["edit"]["changes"][uri] == [
        {"range": {"start": {"line": 2, "character": 51}, "end": {"line": 2, "character": 51}},
         "newText": ", NN103"},
    ]
    unsafe = [a for title, a in by_title(client.code_actions(uri, [found["NN101"]])).items() if title.startswith("Fix")]
    assert len(unsafe) == 1 and unsafe[0]["title"].endswith("(unsafe)")
    assert unsafe[0].get("isPreferred") in (None, False)
    assert client.stop() == 0


def test_columns_are_utf16_code_units_unless_the_client_offers_utf32(tmp_path):
    for encodings, expected in ((None, "utf-16"), (["utf-8", "utf-16"], "utf-8"), (["utf-16", "utf-32"], "utf-32")):
        started = Client(tmp_path)
        try:
            assert started.initialize(tmp_path, encodings)["capabilities"]["positionEncoding"] == expected
            uri = started.open(tmp_path / "emoji.py", EMOJI_CE)
            (found,) = started.diagnostics(uri)
            # Before the finding: 8 ASCII characters and the emoji, which is 2 UTF-16 code
            # units, 4 UTF-8 bytes and 1 code point.
            emoji = {"utf-16": 2, "utf-8": 4, "utf-32": 1}[expected]
            assert span(found["range"]) == (2, 29 + emoji, 2, 38 + emoji)
            assert started.stop() == 0
        finally:
            started.close()


def test_the_workspace_config_is_honoured_and_reloaded_when_saved(client, tmp_path):
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    config = project / "pyproject.toml"
    config.write_text('[tool.nnlint]\nignore = ["NN103"]\nexclude = ["generated/"]\n')
    client.initialize(project)
    uri = client.open(project / "src" / "train.py", SOFTMAX_CE)
    # With NN103 off, the same `log` is reported as the missing epsilon (NN101) instead.
    assert [d["code"] for d in client.diagnostics(uri)] == ["NN101"]
    assert client.diagnostics(client.open(project / "generated" / "train.py", SOFTMAX_CE)) == []

    config.write_text('[tool.nnlint]\nignore = ["NN205"]\n')
    client.notify("textDocument/didSave", {"textDocument": {"uri": config.as_uri()}})
    assert [d["code"] for d in client.diagnostics(uri)] == ["NN103"]

    config.write_text('[tool.nnlint]\nignore = ["NN999"]\n')
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": config.as_uri(), "type": 2}]})
    error = client.notification("window/showMessage")
    assert error["type"] == 1 and "NN999" in error["message"] and "default settings" in error["message"]
    assert [d["code"] for d in client.diagnostics(uri)] == ["NN103"]  # the defaults
    assert client.stop() == 0


def test_notebook_findings_go_to_their_cells(client, tmp_path):
    result = client.initialize(tmp_path)
    assert "notebookDocumentSync" in result["capabilities"]
    notebook = (tmp_path / "train.ipynb").as_uri()
    cells = [f"vscode-notebook-cell:{tmp_path / 'train.ipynb'}#cell{i}" for i in range(3)]
    sources = [
        "%matplotlib inline\nimport tensorflow as tf",
        "# Model",
        "y = tf.nn.softmax(logits)\nloss = -tf.reduce_sum(t * tf.log(y))",
    ]
    client.notify("notebookDocument/didOpen", {
        "notebookDocument": {
            "uri": notebook, "notebookType": "jupyter-notebook", "version": 1,
            "cells": [{"kind": 2, "document": cells[0]}, {"kind": 1, "document": cells[1]},
                      {"kind": 2, "document": cells[2]}],
        },
        "cellTextDocuments": [
            {"uri": uri, "languageId": "markdown" if i == 1 else "python", "version": 1, "text": text}
            for i, (uri, text) in enumerate(zip(cells, sources))
        ],
    })
    diagnostics = {uri: client.diagnostics(uri) for uri in (cells[0], cells[2])}
    assert diagnostics[cells[0]] == []
    (found,) = diagnostics[cells[2]]
    assert (found["code"], span(found["range"])) == ("NN103", (1, 26, 1, 35))

    client.notify("notebookDocument/didChange", {
        "notebookDocument": {"uri": notebook, "version": 2},
        "change": {"cells": {"textContent": [{
            "document": {"uri": cells[2], "version": 2},
            "changes": [{"text": "loss = tf.nn.softmax_cross_entropy_with_logits(labels=t, logits=logits)"}],
        }]}},
    })
    assert client.diagnostics(cells[2]) == []
    client.notify("notebookDocument/didClose", {
        "notebookDocument": {"uri": notebook}, "cellTextDocuments": [{"uri": uri} for uri in cells],
    })
    assert client.diagnostics(cells[2]) == []
    assert client.stop() == 0


def test_bad_input_is_logged_and_the_server_keeps_serving(client, tmp_path):
    client.initialize(tmp_path)
    nested = client.open(tmp_path / "nested.py", "import torch\nx = " + "(" * 300 + ")" * 300 + "\n")
    assert client.diagnostics(nested) == []
    assert "nested 300 deep" in client.notification("window/logMessage")["message"]

    uri = client.open(tmp_path / "loop.py", LOSS_SUM)
    (found,) = client.diagnostics(uri)
    found["data"] = {"fix": {"edits": "not edits"}}
    assert [a["title"] for a in client.code_actions(uri, [found])] == ["Disable NN205 for this line"]
    assert client.stop() == 0


def test_without_pygls_main_says_what_to_install():
    hidden = "import sys; sys.modules['pygls'] = None; from nnlint.lsp import main; main()"
    result = subprocess.run([sys.executable, "-c", hidden], capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 2
    assert result.stderr == 'nnlint lsp needs the lsp extra: pip install "nnlint[lsp]"\n'
