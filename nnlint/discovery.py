"""Command-line paths to the files to check.

Directories are walked recursively without following symlinked directories (so a symlink loop
cannot hang the walk), skipping version-control, virtual-environment, cache and build folders and
the configured `exclude` patterns. Files named explicitly are checked whatever their extension,
unless a configured `exclude` pattern matches them (so pre-commit, which passes file names,
honours the project's excludes).
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import List, Sequence, Tuple

DEFAULT_EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".nnlint_cache", ".ipynb_checkpoints",
    "__pypackages__", "node_modules", "site-packages", ".eggs", "build", "dist", "_build",
    "buck-out",
})
SOURCE_SUFFIXES = (".py", ".ipynb")
STDIN = "-"


@dataclass
class Discovered:
    files: List[str] = field(default_factory=list)
    errors: List[Tuple[str, str]] = field(default_factory=list)


def relative_posix(path: str, root: Path) -> str:
    """`path` relative to `root` in forward-slash form (absolute when outside the root)."""
    absolute = Path(os.path.abspath(path))
    for candidate in (absolute, Path(os.path.realpath(path))):
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            continue
    return absolute.as_posix()


def matches(pattern: str, relative: str) -> bool:
    """gitignore-like matching: `build/` or `*.egg-info` match any path component; a pattern
    with a slash matches from the project root (`src/generated`, `tests/*`)."""
    pattern = pattern.strip()
    if not pattern:
        return False
    stripped = pattern.rstrip("/")
    parts = PurePosixPath(relative).parts
    if "/" not in stripped:
        return any(fnmatch.fnmatchcase(part, stripped) for part in parts)
    stripped = stripped.lstrip("/")
    if fnmatch.fnmatchcase(relative, stripped):
        return True
    return any(
        fnmatch.fnmatchcase("/".join(parts[:i]), stripped) for i in range(1, len(parts))
    )


def discover(paths: Sequence[str], exclude: Sequence[str], root: Path) -> Discovered:
    found = Discovered()
    seen = set()

    def excluded(path: str) -> bool:
        return any(matches(p, relative_posix(path, root)) for p in exclude)

    def add(path: str) -> None:
        key = path if path == STDIN else os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            found.files.append(path)

    for path in paths:
        if path == STDIN:
            add(path)
            continue
        if not os.path.lexists(path):
            found.errors.append((path, "no such file or directory"))
        elif os.path.isdir(path):
            if not excluded(path):
                for file in _walk(path, exclude, root, found):
                    add(file)
        elif os.path.isfile(path):
            if not excluded(path):
                add(path)
        elif os.path.islink(path):
            found.errors.append((path, "broken symbolic link"))
        else:
            found.errors.append((path, "not a regular file or directory"))
    found.errors = _once_each(found.errors)
    return found


def _once_each(errors: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """A path reached twice (named and inside a named directory) is reported once."""
    seen = set()
    unique = []
    for path, message in errors:
        key = os.path.normpath(path)
        if key not in seen:
            seen.add(key)
            unique.append((path, message))
    return unique


def _walk(top: str, exclude: Sequence[str], root: Path, found: Discovered) -> List[str]:
    files: List[str] = []

    def on_error(error: OSError) -> None:
        found.errors.append((error.filename or top, f"cannot read directory: {error.strerror}"))

    for directory, dirnames, filenames in os.walk(top, onerror=on_error):
        kept = []
        for name in dirnames:
            if name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info"):
                continue
            full = os.path.join(directory, name)
            if exclude and any(matches(p, relative_posix(full, root)) for p in exclude):
                continue
            kept.append(name)
        dirnames[:] = sorted(kept)
        for name in sorted(filenames):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            full = os.path.join(directory, name)
            if exclude and any(matches(p, relative_posix(full, root)) for p in exclude):
                continue
            if not os.path.exists(full):
                found.errors.append((full, "broken symbolic link"))
                continue
            if not os.path.isfile(full):
                continue  # a FIFO or socket would block the read forever
            files.append(full)
    return files
