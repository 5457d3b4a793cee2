"""Warnings that libraries log while a dump is validated, kept for the report instead.

rdflib logs some problems of the data it is handed (``"Apache 2.0 does not look like a valid
URI"``) through :mod:`logging`: on a terminal that is a stray line beside the report, in the
server a line of its log that the person who sent the dump never sees. While
:func:`captured_warnings` is active, such records logged by the current thread are kept as
notes (for the report to show) and not passed on; other threads' records go on as before.

>>> import logging
>>> with captured_warnings() as notes:
...     logging.getLogger("rdflib.term").warning("x does not look like a valid URI")
>>> notes
['x does not look like a valid URI']
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The loggers whose warnings about the data are kept.
LOGGERS = ("rdflib.term",)


class _Keep(logging.Filter):
    def __init__(self, thread: int, notes: list[str]) -> None:
        super().__init__()
        self.thread = thread
        self.notes = notes

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread != self.thread or record.levelno < logging.WARNING:
            return True
        message = record.getMessage()
        if message not in self.notes:
            self.notes.append(message)
        return False


@contextmanager
def captured_warnings(loggers: tuple[str, ...] = LOGGERS) -> Iterator[list[str]]:
    """The warnings (distinct messages, in order) these loggers log in this thread meanwhile."""
    notes: list[str] = []
    keep = _Keep(threading.get_ident(), notes)
    for name in loggers:
        logging.getLogger(name).addFilter(keep)
    try:
        yield notes
    finally:
        for name in loggers:
            logging.getLogger(name).removeFilter(keep)


__all__ = ["LOGGERS", "captured_warnings"]
