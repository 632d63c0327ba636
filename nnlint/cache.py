"""The result cache: a file's results are reused while its bytes, nnlint's version and the
configuration that applies to it stay the same, as ruff does.

The key is a hash of all three, never the file's path: a cached result cannot be reported for
another file's content, and two copies of a file share one entry (the path is put back when the
entry is read). Entries are written to a temporary file and renamed into place, so runs that
share the directory (pre-commit and an editor at once, or parallel workers) never read half an
entry. Any problem with the cache (read-only disk, corrupt entry) turns it into a miss: the
cache can make a run faster, never wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Optional

from nnlint import __version__
from nnlint.engine import FileResult
from nnlint.rule import Applicability, Diagnostic, Edit, Fix, Severity

DEFAULT_DIRECTORY = ".nnlint_cache"
# Entries no run has used for this long are removed (deleted files, old configurations).
_MAX_AGE = 30 * 24 * 3600
_PRUNE_EVERY = 24 * 3600
_FORMAT = 1


class Cache:
    def __init__(self, directory: Path) -> None:
        self.root = directory
        self.entries = directory / f"{__version__}-{_FORMAT}"

    def key(self, data: bytes, configuration: str) -> str:
        digest = hashlib.sha256()
        for part in (_code_fingerprint().encode(), configuration.encode(), data):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()

    def get(self, key: str) -> Optional[Dict[str, Any]]:
        entry = self._entry(key)
        try:
            with open(entry, encoding="utf-8") as handle:
                payload = json.load(handle)
            os.utime(entry)  # keeps the entry alive for pruning
        except (OSError, ValueError):
            return None
        return payload if isinstance(payload, dict) else None

    def put(self, key: str, payload: Dict[str, Any]) -> None:
        entry = self._entry(key)
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            self._mark_ignored()
            handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(payload, out, separators=(",", ":"))
            os.replace(temporary, entry)
        except OSError:
            return

    def prune(self) -> None:
        """Remove other versions' entries, and entries unused for a month (at most daily)."""
        stamp = self.root / "last-pruned"
        try:
            if stamp.exists() and time.time() - stamp.stat().st_mtime < _PRUNE_EVERY:
                return
            for child in self.root.iterdir():
                if child.is_dir() and child != self.entries:
                    shutil.rmtree(child, ignore_errors=True)
            cutoff = time.time() - _MAX_AGE
            if self.entries.is_dir():
                for shard in self.entries.iterdir():
                    for entry in shard.iterdir():
                        if entry.stat().st_mtime < cutoff:
                            entry.unlink()
            stamp.touch()
        except OSError:
            return

    def _entry(self, key: str) -> Path:
        return self.entries / key[:2] / key

    def _mark_ignored(self) -> None:
        """Git ignores the cache without the user editing .gitignore (as ruff's cache does)."""
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Automatically created by nnlint.\n*\n", encoding="utf-8")


_FINGERPRINT: Optional[str] = None


def _code_fingerprint() -> str:
    """nnlint's version and the size and time of each of its modules, so that an edited rule
    (in a development checkout, where the version stays the same) never reuses old results."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        package = Path(__file__).resolve().parent
        parts = [__version__]
        for module in sorted(package.rglob("*.py")):
            info = module.stat()
            parts.append(f"{module.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}")
        _FINGERPRINT = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return _FINGERPRINT


def result_to_payload(result: FileResult) -> Dict[str, Any]:
    return {
        "diagnostics": [diagnostic_to_payload(d) for d in result.diagnostics],
        "errors": result.errors,
        "skipped": result.skipped,
        "lines": result.lines,
        "cell_starts": None if result.cell_starts is None else [[c, s] for c, s in result.cell_starts.items()],
    }


def result_from_payload(path: str, payload: Dict[str, Any]) -> Optional[FileResult]:
    """The cached result, shown under `path`; None for an entry this version cannot read."""
    try:
        cell_starts = payload["cell_starts"]
        return FileResult(
            path,
            diagnostics=[diagnostic_from_payload(path, d) for d in payload["diagnostics"]],
            errors=list(payload["errors"]),
            skipped=bool(payload["skipped"]),
            lines=payload["lines"],
            cell_starts=None if cell_starts is None else {int(c): int(s) for c, s in cell_starts},
        )
    except (KeyError, TypeError, ValueError):
        return None


def diagnostic_to_payload(d: Diagnostic) -> Dict[str, Any]:
    fix = None
    if d.fix is not None:
        fix = {
            "applicability": d.fix.applicability.value,
            "description": d.fix.description,
            "edits": [[e.line, e.column, e.end_line, e.end_column, e.content] for e in d.fix.edits],
        }
    return {
        "line": d.line, "column": d.column, "end_line": d.end_line, "end_column": d.end_column,
        "code": d.code, "rule": d.rule, "severity": d.severity.value, "message": d.message,
        "noqa_line": d.noqa_line, "cell": d.cell, "fix": fix,
    }


def diagnostic_from_payload(path: str, data: Dict[str, Any]) -> Diagnostic:
    fix = data["fix"]
    return Diagnostic(
        path=path,
        line=data["line"],
        column=data["column"],
        end_line=data["end_line"],
        end_column=data["end_column"],
        code=data["code"],
        rule=data["rule"],
        severity=Severity(data["severity"]),
        message=data["message"],
        noqa_line=data["noqa_line"],
        cell=data["cell"],
        fix=None if fix is None else Fix(
            Applicability(fix["applicability"]), fix["description"], tuple(Edit(*e) for e in fix["edits"]),
        ),
    )
