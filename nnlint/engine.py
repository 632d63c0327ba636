"""One file from text to findings: the pure core that the CLI, stdin mode and tests all call.

Read once, parse once, index the bindings once, run every selected rule in one traversal, and
compute source positions only when there is something to report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple, Type

import libcst as cst

from nnlint.analysis.context import FileContext
from nnlint.analysis.names import NameResolver
from nnlint.analysis.scopes import build_scopes
from nnlint.checks import ALL_RULES, PLANNED_CODES, RULES_BY_CODE
from nnlint.checks.unused_noqa import CODE as UNUSED_NOQA, unused_noqa
from nnlint.frameworks import torch
from nnlint.notebooks import Notebook, is_notebook, read_notebook
from nnlint.positions import Locator
from nnlint.rule import Diagnostic, Edit, Finding, Fix, Rule
from nnlint.source import SourceError, decode, python_parse, split_lines
from nnlint.suppression import Suppressions, is_silenced, skips_file
from nnlint.traversal import rule_types_with_visitors, traverse

# A file that mentions none of these cannot contain a finding: every rule is about one of them,
# and names are only ever resolved through the file's own imports.
_FRAMEWORK_MENTION = re.compile(r"tensorflow|keras|torch")
KNOWN_CODES = frozenset(RULES_BY_CODE) | PLANNED_CODES
FRAMEWORK_ROOTS = frozenset({"tensorflow", "keras", "tf_keras"}) | torch.ECOSYSTEM_ROOTS

SYNTAX_ERROR = "NN000"

# LibCST's tree takes about 600 bytes of memory per character of source: a 10 MB generated file
# would need 6 GB. No hand-written training script comes near this limit.
MAX_SOURCE_CHARS = 1_000_000

# LibCST's native parser crashes the process (not just the file) on very deep nesting; Python
# itself refuses more than 200 nested parentheses, so no real program is lost by this limit.
MAX_NESTING = 200
_BRACKETS = re.compile(r"[^()\[\]{}]+")


def _bracket_depth(text: str) -> int:
    """The deepest bracket nesting, counting brackets in strings and comments too (an upper
    bound, which is all the guard needs)."""
    if text.count("(") + text.count("[") + text.count("{") <= MAX_NESTING:
        return 0
    depth = deepest = 0
    for char in _BRACKETS.sub("", text):
        if char in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif depth:
            depth -= 1
    return deepest


@dataclass
class FileResult:
    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)
    skipped: bool = False
    # The file's lines, kept only when there are diagnostics (the text report shows them).
    lines: Optional[List[str]] = None
    # For a notebook: the line of `lines` where each cell with a diagnostic starts.
    cell_starts: Optional[Dict[int, int]] = None
    # With --fix or --diff: how many findings the fixes removed, the unified diff (--diff), and
    # the fixed text of standard input (printed instead of being written).
    fixed: int = 0
    diff: Optional[str] = None
    fixed_text: Optional[str] = None


def lint_bytes(
    data: bytes,
    path: str,
    selected: FrozenSet[str],
    rule_settings: Optional[Mapping[str, Mapping[str, Any]]] = None,
    ignore_noqa: bool = False,
) -> FileResult:
    try:
        text = decode(data)
    except SourceError as error:
        return FileResult(path, errors=[str(error)])
    return lint_text(text, path, selected, rule_settings, ignore_noqa)


def lint_text(
    text: str,
    path: str,
    selected: FrozenSet[str],
    rule_settings: Optional[Mapping[str, Mapping[str, Any]]] = None,
    ignore_noqa: bool = False,
) -> FileResult:
    """Check a script's text, or a notebook's JSON text when `path` names a notebook."""
    if not is_notebook(path):
        return lint_source(text, path, selected, rule_settings, ignore_noqa)
    try:
        notebook = read_notebook(text)
    except SourceError as error:
        return FileResult(path, errors=[str(error)])
    return _in_cells(lint_source(notebook.text, path, selected, rule_settings, ignore_noqa), notebook)


def _in_cells(result: FileResult, notebook: Notebook) -> FileResult:
    """The result with positions given as cell and line within the cell."""
    def cell_line(line: int) -> int:
        return notebook.locate(line)[1]

    relocated = []
    for d in result.diagnostics:
        cell, line = notebook.locate(d.line)
        fix = d.fix
        if fix is not None:
            edits = tuple(
                replace(e, line=cell_line(e.line), end_line=cell_line(e.end_line)) for e in fix.edits
            )
            fix = replace(fix, edits=edits)
        relocated.append(replace(
            d, cell=cell, line=line, end_line=cell_line(d.end_line), noqa_line=cell_line(d.noqa_line), fix=fix,
        ))
    result.diagnostics = sorted(relocated, key=Diagnostic.sort_key)
    if result.lines is not None:
        result.cell_starts = {cell: notebook.cell_start(cell) for cell in {d.cell for d in relocated}}
    return result


def lint_source(
    text: str,
    path: str,
    selected: FrozenSet[str],
    rule_settings: Optional[Mapping[str, Mapping[str, Any]]] = None,
    ignore_noqa: bool = False,
) -> FileResult:
    """Check one file's text with the rules whose codes are in `selected`."""
    result = FileResult(path)
    if skips_file(text):
        result.skipped = True
        return result
    if not _FRAMEWORK_MENTION.search(text):
        result.skipped = True
        if UNUSED_NOQA in selected and not ignore_noqa and "noqa" in text:
            _report_unused_noqa(result, split_lines(text), {}, selected, judge_bare=False)
        return result
    if len(text) > MAX_SOURCE_CHARS:
        result.errors.append(
            f"{len(text) / 1e6:.1f} million characters of code (more than {MAX_SOURCE_CHARS / 1e6:g} "
            "million); not analysed, as parsing it would take several GB of memory"
        )
        return result
    depth = _bracket_depth(text)
    if depth > MAX_NESTING:
        result.errors.append(
            f"brackets nested {depth} deep (more than {MAX_NESTING}); not analysed, as the parser "
            "cannot handle such nesting safely"
        )
        return result
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        if SYNTAX_ERROR in selected:
            _report_syntax_error(result, text, error, ignore_noqa)
        return result
    except (RecursionError, MemoryError) as error:
        result.errors.append(f"too deeply nested to parse ({type(error).__name__})")
        return result
    except Exception as error:  # noqa: BLE001 - the parser's own failure, reported per file
        result.errors.append(f"the parser failed: {type(error).__name__}: {error}")
        return result

    index = build_scopes(module)
    ctx = FileContext(path, module, index, NameResolver(index.module_scope), selected)
    settings = rule_settings or {}
    rules: List[Rule] = [
        rule_type(ctx, _with_defaults(rule_type, settings.get(rule_type.code, {})))
        for rule_type in rule_types_with_visitors(ALL_RULES)
        if rule_type.code in selected
    ]
    try:
        failures = traverse(module, ctx, rules)
    except RecursionError:
        result.errors.append("too deeply nested to analyse")
        return result
    result.internal_errors.extend(f.describe() for f in failures)
    findings = [finding for rule in rules for finding in rule.findings]
    silenced: Dict[int, Set[str]] = {}
    if findings:
        _add_diagnostics(result, module, ctx.index.statements, text, findings, ignore_noqa, silenced)
    if UNUSED_NOQA in selected and not ignore_noqa and "noqa" in text:
        # A file that only names a framework in text (a data table with "torch" in it) is not
        # framework code: its bare noqa comments belong to other tools.
        judge_bare = bool(ctx.imported_roots & FRAMEWORK_ROOTS) and frozenset(RULES_BY_CODE) <= selected
        _report_unused_noqa(result, result.lines or split_lines(text), silenced, selected, judge_bare)
    return result


def _report_unused_noqa(
    result: FileResult, lines: List[str], silenced: Dict[int, Set[str]], selected: FrozenSet[str], judge_bare: bool
) -> None:
    found = unused_noqa(result.path, lines, silenced, selected, KNOWN_CODES, judge_bare)
    if found:
        result.diagnostics.extend(found)
        result.diagnostics.sort(key=Diagnostic.sort_key)
        result.lines = lines


def _add_diagnostics(
    result: FileResult,
    module: cst.Module,
    statements: List[cst.CSTNode],
    text: str,
    findings: Sequence[Finding],
    ignore_noqa: bool,
    silenced: Dict[int, Set[str]],
) -> None:
    """Turn findings into diagnostics, leaving out those a `# noqa` silences (recorded in
    `silenced` by line, for NN001)."""
    locator = Locator(module, text, statements)
    lines = split_lines(text)
    suppressions = Suppressions(lines)
    for finding in findings:
        rule = RULES_BY_CODE[finding.code]
        try:
            start, end = locator.span(finding.node, finding.statement)
        except RecursionError:
            result.errors.append("too deeply nested to locate findings")
            return
        line = start[0]
        if not ignore_noqa and suppressions.silences(line, finding.code):
            silenced.setdefault(line, set()).add(finding.code)
            continue
        fix = None
        if finding.fix is not None:
            edits = tuple(
                Edit(*locator.span(node, finding.statement)[0], *locator.span(node, finding.statement)[1], content)
                for node, content in finding.fix.replacements
            )
            fix = Fix(finding.fix.applicability, finding.fix.description, edits)
        result.diagnostics.append(Diagnostic(
            path=result.path,
            line=line,
            column=start[1],
            end_line=end[0],
            end_column=end[1],
            code=rule.code,
            rule=rule.name,
            severity=rule.severity,
            message=finding.message,
            noqa_line=line,
            fix=fix,
        ))
    result.diagnostics.sort(key=Diagnostic.sort_key)
    if result.diagnostics:
        result.lines = lines


def _report_syntax_error(
    result: FileResult, text: str, error: cst.ParserSyntaxError, ignore_noqa: bool
) -> None:
    lines = split_lines(text)
    line, column, message = _python_syntax_error(text) or (
        error.raw_line, error.raw_column + 1, " ".join(error.message.split())
    )
    line = max(1, min(line, len(lines)))
    column = max(1, column)
    if not ignore_noqa and is_silenced(lines[line - 1], SYNTAX_ERROR):
        return
    rule = RULES_BY_CODE[SYNTAX_ERROR]
    result.diagnostics.append(Diagnostic(
        path=result.path,
        line=line,
        column=column,
        end_line=line,
        end_column=column,
        code=rule.code,
        rule=rule.name,
        severity=rule.severity,
        message=f"Cannot parse the file: {message}" + ("" if message.endswith((".", "?", "!")) else "."),
        noqa_line=line,
    ))
    result.lines = lines


def _python_syntax_error(text: str) -> Optional[Tuple[int, int, str]]:
    """Python's own account of a syntax error, which reads better than the CST parser's
    ("Missing parentheses in call to 'print'"); None when Python accepts the text."""
    try:
        python_parse(text)
    except SyntaxError as error:
        return (error.lineno or 1, error.offset or 1, error.msg)
    except (RecursionError, MemoryError, ValueError):
        return None
    return None


def rule_settings_for(codes: FrozenSet[str], options: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """Each selected rule's options: its declared defaults overridden by the configured values."""
    settings: Dict[str, Dict[str, Any]] = {}
    for code in codes:
        rule = RULES_BY_CODE.get(code)
        if rule is None:
            continue
        settings[code] = _with_defaults(rule, options.get(code, {}))
    return settings


def _with_defaults(rule: Type[Rule], options: Mapping[str, Any]) -> Dict[str, Any]:
    merged = {name: option.default for name, option in rule.options.items()}
    merged.update(options)
    return merged
