"""One finding per line, `path:line:col: CODE [severity] message`: what editors and grep expect."""

from __future__ import annotations

from typing import TextIO

from nnlint.runner import RunResult


def write(result: RunResult, out: TextIO, err: TextIO) -> None:
    for d in result.diagnostics:
        out.write(f"{d.path}:{d.position()}: {d.code} [{d.severity.value}] {d.message}\n")
    write_errors(result, err)


def write_errors(result: RunResult, err: TextIO) -> None:
    for path, message in result.errors:
        err.write(f"nnlint: {path}: {message}\n")
    for path, message in result.internal_errors:
        err.write(f"nnlint: {path}: {message}\n")
