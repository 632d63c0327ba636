"""How an API's parameter is found in a call: by keyword or by position."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Param:
    keyword: str
    position: Optional[int] = None  # None: keyword-only
