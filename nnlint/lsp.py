"""`nnlint lsp`: a Language Server over stdio, so editors show findings as you type.

It lints each open document's in-memory text with the same engine and the same
`[tool.nnlint]` settings as the command line, and offers the findings' fixes and a
`# noqa` comment as quick fixes. The protocol itself is pygls's: a maintained framework
keeps the JSON-RPC framing, document synchronisation and capability negotiation right,
which would otherwise be a second project to maintain. pygls is an optional extra
(`pip install "nnlint[lsp]"`), so the linter itself keeps its small set of dependencies.
"""

from __future__ import annotations

import json
import os
import posixpath
import sys
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple
from urllib.parse import urlparse

from nnlint import RULES_URL, __version__, selection
from nnlint.config import ConfigError, Settings, find_config, load
from nnlint.discovery import matches, relative_posix
from nnlint.engine import FileResult, lint_source
from nnlint.notebooks import read_notebook
from nnlint.rule import Applicability, Diagnostic
from nnlint.runner import RunOptions
from nnlint.source import split_lines
from nnlint.suppression import noqa_codes, noqa_comments

try:
    from lsprotocol import types
    from lsprotocol.converters import get_converter
    from pygls.lsp.server import LanguageServer
    from pygls.protocol import LanguageServerProtocol, lsp_method
    from pygls.uris import to_fs_path
except ImportError:  # without the extra only main() runs, to say what to install
    HAVE_PYGLS = False
else:
    HAVE_PYGLS = True

MISSING_EXTRA = 'nnlint lsp needs the lsp extra: pip install "nnlint[lsp]"'
CONFIG_NAMES = frozenset({"pyproject.toml", "nnlint.toml"})
SOURCE = "nnlint"
_SEVERITIES = {"error": "Error", "warning": "Warning", "info": "Information"}

# Column conversion from code points to the client's position encoding.
Units = Callable[[str], int]


def main() -> None:
    """Serve on stdin/stdout until the client says exit."""
    if not HAVE_PYGLS:
        print(MISSING_EXTRA, file=sys.stderr)
        sys.exit(2)
    NnlintServer().server.start_io()


def _protocol_class() -> type:
    """pygls's protocol, choosing utf-32 positions whenever the client offers them.

    pygls takes the client's first supported encoding; nnlint counts columns in code points,
    so with utf-32 its positions go out as they are, and nothing is lost converting."""

    class Protocol(LanguageServerProtocol):
        @lsp_method(types.INITIALIZE)
        def lsp_initialize(self, params: types.InitializeParams) -> Any:
            general = params.capabilities.general
            offered = general.position_encodings if general is not None else None
            if offered and types.PositionEncodingKind.Utf32 in offered:
                general.position_encodings = [types.PositionEncodingKind.Utf32]
            return (yield from super().lsp_initialize(params))

    return Protocol


@dataclass(frozen=True)
class DirectoryConfig:
    """What the config that applies to a directory decides for the files in it."""

    options: RunOptions
    exclude: Tuple[str, ...] = ()

    def excludes(self, path: str) -> bool:
        """As on the command line, where configured excludes apply even to files named
        explicitly: an editor opening an excluded file shows no findings for it."""
        relative = relative_posix(path, Path(self.options.root))
        return any(matches(pattern, relative) for pattern in self.exclude)


class NnlintServer:
    """The server and what it remembers between messages: the config of each directory
    (read once, read again when a config file is saved), the config errors already shown,
    and the cells of each notebook that were given diagnostics (to clear those of cells
    that go away)."""

    def __init__(self) -> None:
        self.server = LanguageServer(
            SOURCE,
            __version__,
            protocol_cls=_protocol_class(),
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[types.NotebookDocumentFilterWithNotebook(
                    notebook="*", cells=[types.NotebookCellLanguage(language="python")],
                )],
                save=True,
            ),
        )
        self._configs: Dict[Path, DirectoryConfig] = {}
        self._shown_errors: Set[str] = set()
        self._notebook_cells: Dict[str, List[str]] = {}
        self._on(types.INITIALIZED, self._initialized)
        self._on(types.TEXT_DOCUMENT_DID_OPEN, self._did_open)
        self._on(types.TEXT_DOCUMENT_DID_CHANGE, self._did_change)
        self._on(types.TEXT_DOCUMENT_DID_SAVE, self._did_save)
        self._on(types.TEXT_DOCUMENT_DID_CLOSE, self._did_close)
        self._on(types.NOTEBOOK_DOCUMENT_DID_OPEN, self._did_open_notebook)
        self._on(types.NOTEBOOK_DOCUMENT_DID_CHANGE, self._did_change_or_save_notebook)
        self._on(types.NOTEBOOK_DOCUMENT_DID_SAVE, self._did_change_or_save_notebook)
        self._on(types.NOTEBOOK_DOCUMENT_DID_CLOSE, self._did_close_notebook)
        self._on(types.WORKSPACE_DID_CHANGE_WATCHED_FILES, self._did_change_watched_files)
        self._on(
            types.TEXT_DOCUMENT_CODE_ACTION,
            self._code_action,
            types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
        )

    def _on(self, method: str, handler: Callable[[Any], Any], options: Any = None) -> None:
        # pygls marks each handler with attributes, which a bound method cannot carry.
        self.server.feature(method, options)(lambda params: handler(params))

    # Notifications and requests.

    def _initialized(self, params: types.InitializedParams) -> None:
        """Ask to hear of config files changed outside the editor too, where the client can."""
        watched = self.server.client_capabilities.workspace
        watched = watched.did_change_watched_files if watched is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        self.server.client_register_capability(types.RegistrationParams(registrations=[
            types.Registration(
                id="nnlint-config",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                    types.FileSystemWatcher(glob_pattern="**/{pyproject.toml,nnlint.toml}"),
                ]),
            ),
        ]))

    def _did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        self._lint_document(params.text_document.uri)

    def _did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        self._lint_document(params.text_document.uri)

    def _did_save(self, params: types.DidSaveTextDocumentParams) -> None:
        if posixpath.basename(urlparse(params.text_document.uri).path) in CONFIG_NAMES:
            self._reload_config()
        else:
            self._lint_document(params.text_document.uri)

    def _did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        self._publish(params.text_document.uri, [])

    def _did_change_watched_files(self, params: types.DidChangeWatchedFilesParams) -> None:
        if any(posixpath.basename(urlparse(change.uri).path) in CONFIG_NAMES for change in params.changes):
            self._reload_config()

    def _did_open_notebook(self, params: types.DidOpenNotebookDocumentParams) -> None:
        self._lint_notebook(params.notebook_document.uri)

    def _did_change_or_save_notebook(self, params: Any) -> None:
        self._lint_notebook(params.notebook_document.uri)

    def _did_close_notebook(self, params: types.DidCloseNotebookDocumentParams) -> None:
        self._notebook_cells.pop(params.notebook_document.uri, None)
        for cell in params.cell_text_documents:
            self._publish(cell.uri, [])

    def _code_action(self, params: types.CodeActionParams) -> List[types.CodeAction]:
        """A quick fix for each of the request's nnlint diagnostics that carries a fix, and a
        `# noqa` comment for each of them."""
        only = params.context.only
        quickfix = types.CodeActionKind.QuickFix
        if only and not any(kind in (quickfix, types.CodeActionKind.Empty) for kind in only):
            return []
        uri = params.text_document.uri
        ours = [d for d in params.context.diagnostics if d.source == SOURCE and isinstance(d.code, str)]
        actions = [action for action in (_fix_action(uri, d) for d in ours) if action is not None]
        lines = split_lines(self.server.workspace.get_text_document(uri).source)
        units = self.server.workspace.position_codec.client_num_units
        offered = set()
        for diagnostic in ours:
            key = (diagnostic.range.start.line, diagnostic.code)
            edit = None if key in offered else _noqa_edit(lines, *key, units)
            offered.add(key)
            if edit is not None:
                actions.append(types.CodeAction(
                    title=f"Disable {diagnostic.code} for this line",
                    kind=quickfix,
                    diagnostics=[diagnostic],
                    edit=types.WorkspaceEdit(changes={uri: [edit]}),
                ))
        return actions

    # Linting.

    def _lint_document(self, uri: str) -> None:
        document = self.server.workspace.get_text_document(uri)
        if document.language_id not in (None, "python") and not uri.endswith((".py", ".pyi")):
            return
        try:
            result = self._lint(document.source, self._path(uri))
            units = self.server.workspace.position_codec.client_num_units
            lines = split_lines(document.source)
            diagnostics = [_to_lsp(d, lines, units) for d in result.diagnostics]
        except Exception:  # noqa: BLE001 - a bug of ours must not take the editor's server down
            self._log_failure(uri)
            diagnostics = []
        self._publish(document.uri, diagnostics, document.version)

    def _lint_notebook(self, uri: str) -> None:
        """Lint the code cells as one module, as the command line does, and publish each
        finding to its cell with positions counted from the cell's first line."""
        workspace = self.server.workspace
        notebook = workspace.get_notebook_document(notebook_uri=uri)
        if notebook is None:
            return
        documents = [workspace.get_text_document(cell.document) for cell in notebook.cells
                     if cell.kind == types.NotebookCellKind.Code]
        documents = [d for d in documents if d.language_id in (None, "python")]
        per_cell: Dict[str, List[types.Diagnostic]] = {d.uri: [] for d in documents}
        try:
            self._notebook_diagnostics(documents, self._path(uri), per_cell)
        except Exception:  # noqa: BLE001 - a bug of ours must not take the editor's server down
            self._log_failure(uri)
            per_cell = {cell: [] for cell in per_cell}
        gone = set(self._notebook_cells.get(notebook.uri, ())) - set(per_cell)
        self._notebook_cells[notebook.uri] = list(per_cell)
        for cell in sorted(gone):
            self._publish(cell, [])
        for cell, diagnostics in per_cell.items():
            self._publish(cell, diagnostics)

    def _notebook_diagnostics(
        self, documents: Sequence[Any], path: str, per_cell: Dict[str, List[types.Diagnostic]]
    ) -> None:
        # read_notebook joins the cells exactly as for an .ipynb file, IPython syntax included.
        module = read_notebook(json.dumps({"cells": [{"cell_type": "code", "source": d.source} for d in documents]}))
        units = self.server.workspace.position_codec.client_num_units
        for d in self._lint(module.text, path).diagnostics:
            cell, line = module.locate(d.line)
            end_cell, end_line = module.locate(d.end_line)
            fix = d.fix
            if fix is not None:
                in_cell = {module.locate(n)[0] for e in fix.edits for n in (e.line, e.end_line)} == {cell}
                fix = replace(fix, edits=tuple(
                    replace(e, line=module.locate(e.line)[1], end_line=module.locate(e.end_line)[1])
                    for e in fix.edits
                )) if in_cell else None
            # A statement left open at the end of a cell runs into the next one; the range
            # then stops where it starts rather than pointing into the wrong cell.
            end_line, end_column = (end_line, d.end_column) if end_cell == cell else (line, d.column)
            document = documents[cell]
            located = replace(d, line=line, end_line=end_line, end_column=end_column, fix=fix)
            per_cell[document.uri].append(_to_lsp(located, split_lines(document.source), units))

    def _lint(self, text: str, path: str) -> FileResult:
        config = self._config_for(Path(path))
        if config.excludes(path):
            return FileResult(path, skipped=True)
        options = config.options
        codes = options.selected_for(path)
        result = lint_source(text, path, codes, options.settings_for(codes), ignore_noqa=False)
        for message in result.errors + result.internal_errors:
            self._log(types.MessageType.Warning, f"nnlint: {path}: {message}")
        return result

    # Settings.

    def _config_for(self, path: Path) -> DirectoryConfig:
        """The config of `path`'s directory, found and validated as by the command line. A
        broken config is shown once and the defaults apply until it is saved again."""
        directory = path.parent
        if directory not in self._configs:
            try:
                found = find_config(path)
                settings = load(found) if found is not None else Settings(root=directory)
            except ConfigError as error:
                if str(error) not in self._shown_errors:
                    self._shown_errors.add(str(error))
                    self.server.window_show_message(types.ShowMessageParams(
                        type=types.MessageType.Error,
                        message=f"nnlint: {error} (using the default settings until it is fixed)",
                    ))
                settings = Settings(root=directory)
            selected = selection.resolve(settings.select, settings.ignore)
            options = RunOptions.from_settings(settings, selected, False, None)
            self._configs[directory] = DirectoryConfig(options, tuple(settings.exclude))
        return self._configs[directory]

    def _reload_config(self) -> None:
        self._configs.clear()
        self._shown_errors.clear()
        workspace = self.server.workspace
        for document in list(workspace.text_documents.values()):
            if workspace.get_notebook_document(cell_uri=document.uri) is None:
                self._lint_document(document.uri)
        for notebook in list(workspace.notebook_documents.values()):
            self._lint_notebook(notebook.uri)

    def _path(self, uri: str) -> str:
        """The file's path; an unsaved buffer is configured as a file of that name at the
        workspace root."""
        path = to_fs_path(uri)
        if path is None:
            root = self.server.workspace.root_path or os.getcwd()
            path = os.path.join(root, posixpath.basename(urlparse(uri).path) or "untitled.py")
        return path

    # Messages to the client.

    def _publish(self, uri: str, diagnostics: List[types.Diagnostic], version: Optional[int] = None) -> None:
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def _log(self, kind: types.MessageType, message: str) -> None:
        self.server.window_log_message(types.LogMessageParams(type=kind, message=message))

    def _log_failure(self, uri: str) -> None:
        self._log(types.MessageType.Error, f"nnlint could not lint {uri}:\n{traceback.format_exc()}")


# From nnlint's findings to the protocol's types.


def _position(lines: Sequence[str], line: int, column: int, units: Units) -> types.Position:
    """nnlint's 1-based line and code-point column as a 0-based LSP position."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return types.Position(line=max(0, line - 1), character=units(text[:max(0, column - 1)]))


def _range(lines: Sequence[str], line: int, column: int, end_line: int, end_column: int, units: Units) -> types.Range:
    return types.Range(
        start=_position(lines, line, column, units), end=_position(lines, end_line, end_column, units)
    )


def _to_lsp(d: Diagnostic, lines: Sequence[str], units: Units) -> types.Diagnostic:
    """The diagnostic, its fix kept in `data` as a ready-made edit for the code action."""
    data = None
    if d.fix is not None:
        edits = [
            types.TextEdit(range=_range(lines, e.line, e.column, e.end_line, e.end_column, units), new_text=e.content)
            for e in d.fix.edits
        ]
        data = {"fix": {
            "applicability": d.fix.applicability.value,
            "description": d.fix.description,
            "edits": get_converter().unstructure(edits),
        }}
    return types.Diagnostic(
        range=_range(lines, d.line, d.column, d.end_line, d.end_column, units),
        severity=types.DiagnosticSeverity[_SEVERITIES[d.severity.value]],
        code=d.code,
        code_description=types.CodeDescription(href=RULES_URL.format(code=d.code)),
        source=SOURCE,
        message=d.message,
        data=data,
    )


def _fix_action(uri: str, diagnostic: types.Diagnostic) -> Optional[types.CodeAction]:
    """The quick fix kept in the diagnostic's `data`; None when it has none (or the client
    sent back something that is not one)."""
    fix = diagnostic.data.get("fix") if isinstance(diagnostic.data, dict) else None
    if not isinstance(fix, dict):
        return None
    try:
        edits = get_converter().structure(fix["edits"], List[types.TextEdit])
        safe = Applicability(fix["applicability"]) is Applicability.SAFE
        title = f"Fix {diagnostic.code}: {fix['description']}" + ("" if safe else " (unsafe)")
    except Exception:  # noqa: BLE001 - whatever the client sent back, it is not a fix of ours
        return None
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=types.WorkspaceEdit(changes={uri: edits}),
        is_preferred=safe,
    )


def _noqa_edit(lines: Sequence[str], line: int, code: str, units: Units) -> Optional[types.TextEdit]:
    """The edit that silences `code` on the 0-based `line`: the code added to the line's
    `# noqa: ...` list, or a new `  # noqa: CODE` at its end. None when the line is already
    silenced for it, has a bare `# noqa` (which a list would narrow), or has one the
    tokenizer cannot place."""
    if not 0 <= line < len(lines):
        return None
    text = lines[line]
    comment = next((c for c in noqa_comments(lines) if c.line == line + 1), None)
    if comment is None:
        if noqa_codes(text) is not None:
            return None
        start, end, new_text = len(text.rstrip()), len(text), f"  # noqa: {code}"
    elif not comment.codes or code in {c for c, _, _ in comment.codes}:
        return None
    else:
        start, end, new_text = comment.end, comment.end, f", {code}"
    return types.TextEdit(
        range=types.Range(
            start=types.Position(line=line, character=units(text[:start])),
            end=types.Position(line=line, character=units(text[:end])),
        ),
        new_text=new_text,
    )
