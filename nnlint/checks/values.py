"""How the hyper-parameter rules name a value in their messages.

A user reading "learning rate 0.1" next to `lr=args.lr` needs to see where 0.1 came from, so a
value that was not written at the call is shown with the expression that carried it.
"""

from __future__ import annotations

from typing import Union

import libcst as cst

from nnlint.analysis.context import FileContext


def number_text(value: Union[int, float]) -> str:
    return f"{value:g}"


def shown(ctx: FileContext, expr: cst.BaseExpression, value: Union[int, float]) -> str:
    """`0.1` for a literal, `args.lr` (0.1) for a value that came from elsewhere."""
    if isinstance(expr, (cst.Integer, cst.Float)):
        return number_text(value)
    return f"`{ctx.code_for(expr)}` ({number_text(value)})"

