"""Many files: read each, pick its rules, lint it (in worker processes for large runs), and
gather the results in a deterministic order whatever the number of workers."""

from __future__ import annotations

import difflib
import io
import json
import os
import posixpath
import sys
import tokenize
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from nnlint import selection
from nnlint.cache import DEFAULT_DIRECTORY, Cache, result_from_payload, result_to_payload
from nnlint.config import Settings
from nnlint.discovery import STDIN, matches, relative_posix
from nnlint.engine import FileResult, lint_bytes, lint_text, rule_settings_for
from nnlint.fixing import fix_text, write_atomically
from nnlint.notebooks import is_notebook
from nnlint.source import SourceError, decode
from nnlint.time_limit import FileTimeout, time_limit
from nnlint.rule import Diagnostic

FIX, DIFF = "fix", "diff"
# Below this many files, process start-up costs more than it saves.
_PARALLEL_MIN_FILES = 32


@dataclass(frozen=True)
class RunOptions:
    selected: FrozenSet[str]
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    rule_options: Tuple[Tuple[str, Tuple[Tuple[str, Any], ...]], ...] = ()
    root: str = "."
    ignore_noqa: bool = False
    stdin_filename: Optional[str] = None
    cache_dir: Optional[str] = None  # None: no result cache
    fix_mode: Optional[str] = None  # FIX writes fixed files, DIFF shows what FIX would change
    unsafe_fixes: bool = False
    timeout: Optional[float] = None  # seconds per file; None: no limit

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        selected: FrozenSet[str],
        ignore_noqa: bool,
        stdin_filename: Optional[str],
        cache: bool = False,
    ) -> "RunOptions":
        return cls(
            selected=selected,
            per_file_ignores=tuple((p, tuple(c)) for p, c in settings.per_file_ignores),
            rule_options=tuple(
                (code, tuple(sorted(options.items())))
                for code, options in sorted(settings.rule_options.items())
            ),
            root=str(settings.root),
            ignore_noqa=ignore_noqa,
            stdin_filename=stdin_filename,
            cache_dir=str(settings.root / (settings.cache_dir or DEFAULT_DIRECTORY)) if cache else None,
            timeout=settings.timeout,
        )

    def selected_for(self, path: str) -> FrozenSet[str]:
        if not self.per_file_ignores:
            return self.selected
        relative = relative_posix(path, Path(self.root))
        codes = self.selected
        for pattern, ignored in self.per_file_ignores:
            if matches(pattern, relative):
                codes = selection.without(codes, ignored)
        return codes

    def settings_for(self, codes: FrozenSet[str]) -> Dict[str, Dict[str, Any]]:
        return rule_settings_for(codes, {code: dict(options) for code, options in self.rule_options})

    def configuration(self, path: str, codes: FrozenSet[str]) -> str:
        """Everything besides the file's bytes that decides its results, for the cache key."""
        return json.dumps(
            [sorted(codes), self.settings_for(codes), self.ignore_noqa, is_notebook(path)],
            sort_keys=True, default=repr,
        )


@dataclass
class RunResult:
    files: int = 0
    diagnostics: List[Diagnostic] = field(default_factory=list)
    errors: List[Tuple[str, str]] = field(default_factory=list)
    internal_errors: List[Tuple[str, str]] = field(default_factory=list)
    fixed: int = 0  # findings removed by --fix (or that --diff would remove)
    diffs: List[str] = field(default_factory=list)
    fixed_text: Optional[str] = None  # standard input, fixed
    # path -> lines, for the files with diagnostics (the text report shows source lines).
    lines: Dict[str, List[str]] = field(default_factory=dict)
    # path -> {cell: line of `lines` where it starts}, for notebooks with diagnostics.
    cell_starts: Dict[str, Dict[int, int]] = field(default_factory=dict)

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.diagnostics.extend(result.diagnostics)
        self.errors.extend((result.path, message) for message in result.errors)
        self.internal_errors.extend((result.path, message) for message in result.internal_errors)
        if result.lines is not None:
            self.lines[result.path] = result.lines
        if result.cell_starts is not None:
            self.cell_starts[result.path] = result.cell_starts
        self.fixed += result.fixed
        if result.diff:
            self.diffs.append(result.diff)
        if result.fixed_text is not None:
            self.fixed_text = result.fixed_text

    def finish(self) -> "RunResult":
        self.diagnostics.sort(key=Diagnostic.sort_key)
        self.errors.sort()
        self.internal_errors.sort()
        return self


def display_path(path: str) -> str:
    """A file name that can always be printed (undecodable bytes become U+FFFD)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def lint_file(path: str, options: RunOptions) -> FileResult:
    """One file's result; a file that takes longer than `options.timeout` becomes a per-file
    error and the run goes on."""
    shown = display_path(options.stdin_filename or "-") if path == STDIN else display_path(path)
    try:
        with time_limit(options.timeout):
            return _lint_file(path, shown, options)
    except FileTimeout:
        return FileResult(shown, errors=[
            f"gave up after {options.timeout:g} s (raise `timeout` in [tool.nnlint] to allow more)"
        ])


def _lint_file(path: str, shown: str, options: RunOptions) -> FileResult:
    try:
        if path == STDIN:
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as handle:
                data = handle.read()
    except OSError as error:
        reason = error.strerror or str(error)
        return FileResult(shown, errors=[f"cannot read the file: {reason}"])
    config_path = options.stdin_filename if path == STDIN and options.stdin_filename else path
    codes = options.selected_for(config_path)
    if options.fix_mode is not None:
        return _fix_file(path, shown, data, codes, options)
    cache = _cache(options.cache_dir) if path != STDIN else None
    key = cache.key(data, options.configuration(path, codes)) if cache is not None else ""
    if cache is not None:
        payload = cache.get(key)
        cached = result_from_payload(shown, payload) if payload is not None else None
        if cached is not None:
            return cached
    try:
        result = lint_bytes(data, shown, codes, options.settings_for(codes), options.ignore_noqa)
    except Exception as error:  # noqa: BLE001 - a bug of ours must not stop the other files
        return FileResult(shown, internal_errors=[f"internal error: {type(error).__name__}: {error}"])
    if cache is not None and not result.internal_errors:
        cache.put(key, result_to_payload(result))
    return result


def _fix_file(path: str, shown: str, data: bytes, codes: FrozenSet[str], options: RunOptions) -> FileResult:
    """Lint, fix and lint again until no fix applies; write the file (FIX) or describe the
    change (DIFF). The fixed text is written in the file's own encoding and line endings."""
    try:
        text = decode(data)
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except (SourceError, SyntaxError) as error:
        return FileResult(shown, errors=[str(error)])
    settings = options.settings_for(codes)

    def lint(candidate: str) -> FileResult:
        return lint_text(candidate, shown, codes, settings, options.ignore_noqa)

    try:
        fixed = fix_text(text, shown, lint, options.unsafe_fixes)
    except Exception as error:  # noqa: BLE001 - a bug of ours must not stop the other files
        return FileResult(shown, internal_errors=[f"internal error: {type(error).__name__}: {error}"])
    result = fixed.result
    result.fixed = fixed.fixed
    result.errors.extend(fixed.refused)
    if options.fix_mode == DIFF:
        if fixed.text != text:
            result.diff = "".join(difflib.unified_diff(
                text.splitlines(keepends=True), fixed.text.splitlines(keepends=True),
                fromfile=f"a/{_diff_name(shown)}", tofile=f"b/{_diff_name(shown)}",
            ))
    elif path == STDIN:
        result.fixed_text = fixed.text
    elif fixed.text != text:
        try:
            write_atomically(path, fixed.text.encode(encoding))
        except (OSError, UnicodeEncodeError) as error:
            result.errors.append(f"cannot write the fixed file: {getattr(error, 'strerror', None) or error}")
            result.fixed = 0
    return result


def _diff_name(path: str) -> str:
    """`train.py` for `./train.py`, as `git diff` would name it."""
    return posixpath.normpath(path.replace(os.sep, "/")).lstrip("/")


_CACHES: Dict[str, Cache] = {}


def _cache(directory: Optional[str]) -> Optional[Cache]:
    """One cache object per directory and process (workers make their own)."""
    if directory is None:
        return None
    if directory not in _CACHES:
        _CACHES[directory] = Cache(Path(directory))
    return _CACHES[directory]


def _lint_chunk(args: Tuple[Sequence[str], RunOptions]) -> List[FileResult]:
    paths, options = args
    return [lint_file(path, options) for path in paths]


def run(paths: Sequence[str], options: RunOptions, jobs: int = 1) -> RunResult:
    cache = _cache(options.cache_dir)
    if cache is not None:
        cache.prune()
    result = RunResult()
    for file_result in _results(paths, options, jobs):
        result.add(file_result)
    return result.finish()


def _results(paths: Sequence[str], options: RunOptions, jobs: int) -> Iterable[FileResult]:
    if jobs <= 1 or len(paths) < _PARALLEL_MIN_FILES or STDIN in paths:
        for path in paths:
            yield lint_file(path, options)
        return
    chunk = max(4, min(64, len(paths) // (jobs * 8) or 1))
    chunks = [(paths[i:i + chunk], options) for i in range(0, len(paths), chunk)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for results in pool.map(_lint_chunk, chunks):
            yield from results


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
