"""Which TensorFlow session an expression holds, and whether a call runs one.

The graph and session rules need to tell `sess.run(train_op)` from `runner.run()`, and a plain
`tf.Session` (which the user must close, and whose graph nothing finalizes) from a
`MonitoredTrainingSession` (which does both itself). The answer follows local dataflow:
assignments, `with ... as sess` items (through `closing(...)` and `.as_default()`), `self.sess`
attributes and supervisors' `managed_session()`. A parameter named `sess` has no visible origin;
its name is the only evidence left, and it counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from nnlint.analysis.dataflow import Value, assigned_value
from nnlint.analysis.names import NameResolver, Where
from nnlint.analysis.scopes import dotted_name
from nnlint.frameworks import keras, tensorflow

SESSION = "session"  # a session the user created or fetched (`tf.Session()`, `get_default_session()`)
MONITORED = "monitored"  # finalizes its graph and closes itself
NOT_SESSION = "not-session"  # the value comes from somewhere that is not a session
UNKNOWN = "unknown"  # no visible origin (a parameter, a global set elsewhere)

_MAX_STEPS = 12
_SESSION_NAME = re.compile(r"sess", re.IGNORECASE)
CLOSING = frozenset({"contextlib.closing"})
# Keyword arguments only `Session.run`, `Tensor.eval` and `Operation.run` take.
_RUN_KEYWORDS = frozenset({"feed_dict", "session", "options", "run_metadata"})


@dataclass(frozen=True)
class SessionOrigin:
    kind: str
    # The call that made the session, where this module shows it.
    made: Optional[Value] = None


def session_origin(expr: cst.BaseExpression, where: Where, resolver: NameResolver) -> SessionOrigin:
    """What kind of session `expr` holds when evaluated at `where`."""
    for _ in range(_MAX_STEPS):
        if isinstance(expr, cst.Call):
            names = resolver.qualified_names(expr.func, where)
            if names & tensorflow.SESSION_CLASSES:
                return SessionOrigin(SESSION, Value(expr, where))
            if names & tensorflow.MONITORED_SESSIONS:
                return SessionOrigin(MONITORED, Value(expr, where))
            if names & (tensorflow.GET_DEFAULT_SESSION | keras.GET_SESSION):
                return SessionOrigin(SESSION)
            func = expr.func
            if names & CLOSING and expr.args:
                expr = expr.args[0].value
                continue
            if isinstance(func, cst.Attribute):
                if func.attr.value in tensorflow.SUPERVISOR_SESSION_METHODS:
                    return SessionOrigin(MONITORED, Value(expr, where))
                if func.attr.value == "as_default":
                    expr = func.value
                    continue
            return SessionOrigin(NOT_SESSION)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            previous = assigned_value(expr, where, through_with=True)
            if previous is None:
                return SessionOrigin(UNKNOWN)
            expr, where = previous.node, previous.where
            continue
        return SessionOrigin(NOT_SESSION)
    return SessionOrigin(UNKNOWN)


def named_like_session(expr: cst.BaseExpression) -> bool:
    """`sess`, `session`, `self._sess`, `mon_sess`: the last name says "session"."""
    name = dotted_name(expr)
    return name is not None and bool(_SESSION_NAME.search(name.rsplit(".", 1)[-1]))


def run_receiver(call: cst.Call, where: Where, resolver: NameResolver) -> Optional[SessionOrigin]:
    """The session a call runs, if it runs one: `sess.run(...)`, `tensor.eval(feed_dict=...)`,
    `op.run(session=...)`. None when the call runs no session."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    if method not in ("run", "eval"):
        return None
    feeds = any(arg.keyword is not None and arg.keyword.value in _RUN_KEYWORDS for arg in call.args)
    session = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "session"), None)
    if session is not None:
        # `loss.eval(session=sess)`, `train_op.run(session=sess)`.
        origin = session_origin(session, where, resolver)
        return origin if origin.kind in (SESSION, MONITORED) else SessionOrigin(UNKNOWN)
    if method == "eval":
        # `model.eval()` in PyTorch; a tensor's `eval` takes a feed dict (often positionally)
        # or a session.
        return SessionOrigin(UNKNOWN) if feeds or _first_argument_is_dict(call) else None
    if resolver.qualified_names(func.value, where):
        return None  # a module's `run` (`subprocess.run`, `tf.app.run`)
    origin = session_origin(func.value, where, resolver)
    if origin.kind in (SESSION, MONITORED):
        return origin
    if feeds:
        return SessionOrigin(UNKNOWN)
    if origin.kind == UNKNOWN and named_like_session(func.value):
        return origin
    return None


def _first_argument_is_dict(call: cst.Call) -> bool:
    return bool(call.args) and call.args[0].keyword is None and isinstance(call.args[0].value, cst.Dict)
