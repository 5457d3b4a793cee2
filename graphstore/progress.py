"""A progress display for work that takes more than a moment.

Nothing is shown for work that ends within ``delay`` seconds; after that a line on
standard error says what is being done and for how long, rewritten in place on a terminal.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO


class Progress:
    """``with Progress("loading dump.nt (120 MB)"): ...`` shows elapsed time after a moment."""

    def __init__(
        self, label: str, *, delay: float = 1.0, interval: float = 0.5, stream: TextIO | None = None
    ) -> None:
        self.label = label
        self.delay = delay
        self.interval = interval
        self.stream = stream if stream is not None else sys.stderr
        self._done = threading.Event()
        self._shown = False
        self._start = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _line(self, suffix: str) -> None:
        elapsed = time.monotonic() - self._start
        text = f"{self.label} ... {elapsed:.1f} s{suffix}"
        if self.stream.isatty():
            self.stream.write("\r" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self._shown = True

    def _run(self) -> None:
        if self._done.wait(self.delay):
            return
        tty = self.stream.isatty()
        while True:
            self._line("")
            # Off a terminal, one line every ten intervals is enough for a log.
            if self._done.wait(self.interval if tty else self.interval * 10):
                return

    def __enter__(self) -> Progress:
        self._start = time.monotonic()
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()
        if self._shown:
            self._line(", done" if exc_type is None else ", failed")
            if self.stream.isatty():
                self.stream.write("\n")


def human_size(size: int) -> str:
    """
    >>> human_size(1536)
    '1.5 KB'
    >>> human_size(12)
    '12 B'
    """
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
