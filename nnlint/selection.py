"""Which rules run: code prefixes in select/ignore, the more specific one winning (like ruff)."""

from __future__ import annotations

from typing import FrozenSet, Iterable, Optional, Sequence, Tuple

from nnlint.checks import ALL_RULES

ALL_CODES: Tuple[str, ...] = tuple(rule.code for rule in ALL_RULES)


def normalize(selector: str) -> str:
    return selector.strip().upper()


def is_valid(selector: str) -> bool:
    selector = normalize(selector)
    return selector == "ALL" or any(code.startswith(selector) for code in ALL_CODES)


def _specificity(code: str, selectors: Iterable[str]) -> int:
    """Length of the longest selector matching `code` (ALL counts as 0), -1 if none."""
    best = -1
    for selector in selectors:
        if selector == "ALL":
            best = max(best, 0)
        elif code.startswith(selector):
            best = max(best, len(selector))
    return best


def resolve(select: Optional[Sequence[str]], ignore: Sequence[str]) -> FrozenSet[str]:
    """The codes enabled by `select` (default: all) minus `ignore`, specific beating general:
    `select = ["NN101"]` with `ignore = ["NN1"]` keeps NN101."""
    chosen = [normalize(s) for s in (select if select is not None else ["ALL"])]
    dropped = [normalize(s) for s in ignore]
    enabled = []
    for code in ALL_CODES:
        selected = _specificity(code, chosen)
        if selected >= 0 and selected > _specificity(code, dropped):
            enabled.append(code)
    return frozenset(enabled)


def without(codes: FrozenSet[str], ignore: Sequence[str]) -> FrozenSet[str]:
    prefixes = [normalize(s) for s in ignore]
    if "ALL" in prefixes:
        return frozenset()
    return frozenset(code for code in codes if not any(code.startswith(p) for p in prefixes))
