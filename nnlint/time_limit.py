"""A time limit for the analysis of one file, so that one pathological file cannot stall a run.

The limit is a real-time timer whose signal interrupts the work with an exception that no
`except Exception` inside nnlint catches (rules' failures are caught per rule, and a timeout
must end the whole file). Signals only reach the main thread of a process, which is where the
runner and its worker processes lint; elsewhere (an editor's server thread) and on platforms
without SIGALRM the limit does nothing. Native code (LibCST's parser) is interrupted when it
returns to Python.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator, Optional


class FileTimeout(BaseException):
    """The file's analysis took longer than its limit."""


def _raise(signum: int, frame: object) -> None:
    raise FileTimeout()


@contextmanager
def time_limit(seconds: Optional[float]) -> Iterator[None]:
    usable = (
        seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
