"""`[tool.nnlint]` settings: found by walking up from the first path, validated strictly.

An unknown key or rule code is an error that names the key and the file, so a typo in a CI
configuration never silently turns a rule off.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from nnlint import selection
from nnlint.checks import RULES_BY_CODE

CONFIG_KEYS = ("select", "ignore", "exclude", "per-file-ignores", "rules", "cache-dir", "timeout")


DEFAULT_TIMEOUT = 30.0


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


@dataclass
class Settings:
    select: Optional[List[str]] = None
    ignore: List[str] = field(default_factory=list)
    exclude: List[str] = field(default_factory=list)
    per_file_ignores: List[Tuple[str, List[str]]] = field(default_factory=list)
    rule_options: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    root: Path = field(default_factory=Path.cwd)
    path: Optional[Path] = None
    cache_dir: Optional[str] = None  # relative to `root`; None: the default
    timeout: float = DEFAULT_TIMEOUT  # seconds one file may take before it is given up


def find_config(start: Path) -> Optional[Path]:
    """The nearest nnlint.toml, or pyproject.toml with a [tool.nnlint] table, at or above `start`."""
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for candidate_dir in (directory, *directory.parents):
        own = candidate_dir / "nnlint.toml"
        if own.is_file():
            return own
        pyproject = candidate_dir / "pyproject.toml"
        if pyproject.is_file() and _has_nnlint_table(pyproject):
            return pyproject
    return None


def _read_toml(path: Path) -> Dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the file: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def _has_nnlint_table(path: Path) -> bool:
    try:
        head = path.read_bytes()
    except OSError:
        return False
    if b"nnlint" not in head:
        return False
    data = _read_toml(path)
    return isinstance(data.get("tool"), dict) and "nnlint" in data["tool"]


def load(path: Path) -> Settings:
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("nnlint", {}) if isinstance(data.get("tool"), dict) else {}
        prefix = "tool.nnlint"
    else:
        table, prefix = data, ""
    return parse(table, path, prefix)


def parse(table: Mapping[str, Any], path: Path, prefix: str = "tool.nnlint") -> Settings:
    def where(key: str) -> str:
        return f"{path}: `{prefix + '.' if prefix else ''}{key}`"

    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: `{prefix}` must be a table")
    for key in table:
        if key not in CONFIG_KEYS:
            known = ", ".join(CONFIG_KEYS)
            raise ConfigError(f"{where(key)} is not a known setting (known: {known})")
    settings = Settings(root=path.parent.resolve(), path=path)
    if "select" in table:
        settings.select = _codes(table["select"], where("select"))
    settings.ignore = _codes(table.get("ignore", []), where("ignore"))
    settings.exclude = _strings(table.get("exclude", []), where("exclude"))
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, Mapping):
        raise ConfigError(f"{where('per-file-ignores')} must be a table of pattern = [codes]")
    for pattern, codes in per_file.items():
        settings.per_file_ignores.append(
            (pattern, _codes(codes, where(f'per-file-ignores."{pattern}"')))
        )
    if "cache-dir" in table:
        cache_dir = table["cache-dir"]
        if not isinstance(cache_dir, str) or not cache_dir.strip():
            raise ConfigError(f"{where('cache-dir')} must be a directory path (a string)")
        settings.cache_dir = cache_dir
    if "timeout" in table:
        timeout = table["timeout"]
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ConfigError(f"{where('timeout')} must be a positive number of seconds")
        settings.timeout = float(timeout)
    rules = table.get("rules", {})
    if not isinstance(rules, Mapping):
        raise ConfigError(f"{where('rules')} must be a table of rule codes")
    for code, options in rules.items():
        settings.rule_options[code.upper()] = _rule_options(code, options, where(f"rules.{code}"))
    return settings


def _strings(value: Any, where: str) -> List[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return list(value)


def _codes(value: Any, where: str) -> List[str]:
    codes = _strings(value, where)
    for code in codes:
        if not selection.is_valid(code):
            raise ConfigError(f"{where}: {code!r} is not a rule code or prefix of one")
    return codes


def _rule_options(code: str, options: Any, where: str) -> Dict[str, Any]:
    rule = RULES_BY_CODE.get(code.upper())
    if rule is None:
        raise ConfigError(f"{where}: {code!r} is not a rule code")
    if not isinstance(options, Mapping):
        raise ConfigError(f"{where} must be a table of options")
    checked: Dict[str, Any] = {}
    for name, value in options.items():
        option = rule.options.get(name)
        if option is None:
            known = ", ".join(rule.options) or "none"
            raise ConfigError(f"{where}.{name} is not an option of {rule.code} (options: {known})")
        if option.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, option.type) or (option.type is not bool and isinstance(value, bool)):
            raise ConfigError(f"{where}.{name} must be a {option.type.__name__}, not {value!r}")
        checked[name] = value
    return checked
