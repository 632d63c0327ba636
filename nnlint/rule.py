"""The Rule base class and the data a rule produces.

A rule is a small class: its catalog identity (code, name, severity), its documentation (from which
`rules/NNxxx.md` is generated, so the page can never drift from the code), and `visit_<Node>`
methods that the engine calls during its single traversal. Rules ask `analysis/` questions and
report nodes; the engine turns nodes into positions only for files that have findings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Dict, List, Optional, Tuple

import libcst as cst

if TYPE_CHECKING:
    from nnlint.analysis.context import FileContext


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Applicability(str, enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """A text replacement; 1-based lines and columns, end exclusive (like ruff)."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    description: str
    edits: Tuple[Edit, ...]


@dataclass(frozen=True)
class NodeFix:
    """A fix as a rule states it: replace each node's source with new code."""

    applicability: Applicability
    description: str
    replacements: Tuple[Tuple[cst.CSTNode, str], ...]


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    rule: str
    severity: Severity
    message: str
    noqa_line: int
    fix: Optional[Fix] = None
    # For a notebook: the 0-based index of the cell; `line`, `end_line` and the fix's lines
    # then count from the cell's first line.
    cell: Optional[int] = None

    def position(self) -> str:
        """`line:col`, or `cell N:line:col` in a notebook (cells counted from 1, as people do)."""
        where = f"{self.line}:{self.column}"
        return where if self.cell is None else f"cell {self.cell + 1}:{where}"

    def sort_key(self) -> Tuple[str, int, int, int, str]:
        return (self.path, -1 if self.cell is None else self.cell, self.line, self.column, self.code)


@dataclass(frozen=True)
class Option:
    """A per-rule setting read from `[tool.nnlint.rules.NNxxx]`."""

    type: type
    default: Any
    description: str


@dataclass(frozen=True)
class Finding:
    """What a rule reports before positions are known."""

    code: str
    node: cst.CSTNode
    message: str
    fix: Optional[NodeFix] = None
    # The order number of the statement the node is in (see analysis/scopes.py), which lets
    # the engine find its position without generating the whole module's code.
    statement: int = 0


class Rule:
    """Base class of every rule.

    Subclasses set the class attributes below and define `visit_<NodeType>(self, node)` methods
    (and optionally `leave_<NodeType>`) for the LibCST node types they inspect.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    # Documentation sections, rendered into rules/NNxxx.md (see nnlint/docs.py).
    what_it_does: ClassVar[str]
    why_bad: ClassVar[str]
    stays_silent: ClassVar[str]
    example: ClassVar[str]
    use_instead: ClassVar[str]
    known_problems: ClassVar[str] = ""
    fix_safety: ClassVar[str] = ""
    story: ClassVar[str] = ""
    options: ClassVar[Dict[str, Option]] = {}
    # A rule with no visitor methods (NN000) is reported by the engine itself.
    engine_reported: ClassVar[bool] = False

    def __init__(self, ctx: "FileContext", settings: Dict[str, Any]) -> None:
        self.ctx = ctx
        self.settings = settings
        self.findings: List[Finding] = []

    def report(
        self, node: cst.CSTNode, message: str, fix: Optional[NodeFix] = None, statement: Optional[int] = None
    ) -> None:
        """Report `node`. A rule that reports after the traversal has moved on (from
        `leave_Module`) passes the order number of the statement the node is in."""
        order = self.ctx.order if statement is None else statement
        self.findings.append(Finding(self.code, node, message, fix, order))


@dataclass
class RuleFailure:
    """An exception raised inside a rule; reported as an internal error for that file."""

    code: str
    error: BaseException = field(repr=False)

    def describe(self) -> str:
        return f"internal error in rule {self.code}: {type(self.error).__name__}: {self.error}"
