"""SIGTERM in a writing command: the write ends cleanly instead of the process dying mid-way.

Python's default for SIGTERM is to die at once, like ``kill -9``. A command that opens a
store for writing calls :func:`raise_on_sigterm`, so SIGTERM raises :class:`Terminated`
instead: a write not yet committed is abandoned (its transaction is never committed, see
:mod:`mofkg.graphstore.store.commit`), one committed is kept, and the store is closed cleanly. The
``mofkg`` command then exits with status 143 (128 + SIGTERM) and says so.

>>> import os, signal
>>> raise_on_sigterm()
>>> try:
...     os.kill(os.getpid(), signal.SIGTERM)
... except Terminated:
...     print("terminated")
... finally:
...     restore_sigterm()
terminated
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: The exit status of a command ended by SIGTERM.
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(BaseException):  # noqa: N818 - named like KeyboardInterrupt, its sibling
    """SIGTERM arrived: unwind like KeyboardInterrupt, past ``except Exception``."""


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def raise_on_sigterm() -> None:
    """Turn SIGTERM into :class:`Terminated` (only the main thread can; elsewhere a no-op)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise)


def restore_sigterm() -> None:
    """SIGTERM kills the process again, as by default."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def sigterm_kept() -> Iterator[None]:
    """Put SIGTERM's handler back as it was on leaving (a command run in-process, by a test
    or a program embedding the CLI, leaves it as it found it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
