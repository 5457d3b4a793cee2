"""The one reader of input: gzip of any number of members, inflated once, within one cap.

Every input mofkg reads (HTTP bodies, the files of a multipart request, the files of a
command) comes through :func:`read_bounded`:

- gzip (named by the caller, e.g. ``Content-Encoding: gzip``, or recognised by its magic bytes)
  is inflated member after member, as ``gzip -d`` does with what ``pigz``, ``bgzip`` or
  ``cat a.gz b.gz`` write; a stream cut before a member's end, or with bytes after the last
  member, is refused;
- gzip whose content is gzip again is refused: there is one layer of inflation, never two;
- the bytes read (after inflation) are charged to a :class:`Budget`, shared by every input
  of one request or one command; inflation stops one piece past the cap, so a small body never
  grows past it in memory;
- each piece, as it is inflated, is fed to a check (see :mod:`mofkg.graphstore.rdfio.nesting`),
which
  may refuse the input before the rest is inflated.

>>> import gzip
>>> line = b"<http://a> <http://b> 1 .\\n"
>>> two = gzip.compress(line) + gzip.compress(line)
>>> read_bounded(two, source="two.nt.gz", budget=Budget(100)).data.count(b"\\n")
2
>>> read_bounded(gzip.compress(two), source="inner.nt.gz", budget=Budget(None))
Traceback (most recent call last):
...
mofkg.graphstore.errors.UnsupportedFormatError: inner.nt.gz: gzip inside gzip is refused; \
inflate it once and send it gzipped once
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import MofkgError, RdfSyntaxError, TooLargeError, UnsupportedFormatError

GZIP_MAGIC = b"\x1f\x8b"
#: Bytes read from a file or stream, or given to the inflater, at a time.
IN_PIECE = 256 * 1024
#: Most bytes one call of the inflater may produce.
OUT_PIECE = 1024 * 1024

Raw = Path | bytes | IO[bytes]


class BrokenGzipError(RdfSyntaxError):
    """Gzip data that does not inflate: cut short, corrupt, or followed by other bytes."""


class Budget:
    """The bytes (after inflation) one request or one command may still read.

    >>> budget = Budget(10)
    >>> budget.take(6, "a.nt"); budget.remaining
    4
    >>> budget.start(); budget.take(6, "b.nt")
    Traceback (most recent call last):
    ...
    mofkg.graphstore.errors.TooLargeError: b.nt: with the input before it, more than 10 bytes \
(after decompression) in all
    """

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0
        self._before = 0  # bytes of the inputs read before the current one

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else self.limit - self.used

    def start(self) -> None:
        """Say that the next input begins (an input over the cap on its own is named so)."""
        self._before = self.used

    def take(self, size: int, source: str, *, inflated: bool = False) -> None:
        """Charge ``size`` bytes of ``source``; :class:`TooLargeError` past the limit."""
        self.used += size
        if self.limit is None or self.used <= self.limit:
            return
        if self._before == 0:
            verb = "inflates to" if inflated else "is"
            raise TooLargeError(f"{source}: {verb} more than {self.limit} bytes")
        raise TooLargeError(
            f"{source}: with the input before it, more than {self.limit} bytes "
            "(after decompression) in all"
        )


def command_budget(max_input: int) -> Budget:
    """The budget of one command from the setting ``max_input`` (0: no limit)."""
    return Budget(max_input or None)


@dataclass(frozen=True)
class Decoded:
    """Input as its sender meant it: inflated if it was gzip."""

    data: bytes
    compressed: bool


def read_bounded(
    raw: Raw,
    *,
    source: str,
    budget: Budget,
    gzip: bool = False,
    check: Callable[[bytes], None] | None = None,
) -> Decoded:
    """``raw`` (a file, bytes or a binary stream), inflated if it is gzip (or ``gzip``),
    charged to ``budget``, each piece given to ``check`` as it comes.

    A file or stream is read piece by piece and inflated as it is read: what is held is the
    input as its sender meant it (within the cap) and one piece of what was sent, never the
    whole of both. Its bytes as sent may pass the cap by one piece before it is refused
    (gzip of incompressible data is a little longer than that data).

    >>> import io, gzip
    >>> read_bounded(io.BytesIO(gzip.compress(b"x" * 10)), source="s", budget=Budget(10)).data
    b'xxxxxxxxxx'
    >>> read_bounded(io.BytesIO(b"x" * 11), source="s", budget=Budget(10))
    Traceback (most recent call last):
    ...
    mofkg.graphstore.errors.TooLargeError: s: is more than 10 bytes
    """
    budget.start()
    if isinstance(raw, bytes) and not (gzip or raw[:2] == GZIP_MAGIC):
        budget.take(len(raw), source)  # in memory already: taken as it is, not copied
        if check is not None:
            view = memoryview(raw)
            for start in range(0, len(raw), OUT_PIECE):
                check(bytes(view[start : start + OUT_PIECE]))
        return Decoded(raw, False)
    pieces = _pieces(raw, source, budget)
    first = b""
    for piece in pieces:
        first += piece
        if len(first) >= 2:
            break
    sent = itertools.chain([first] if first else [], pieces)
    out: list[bytes] = []
    if not (gzip or first[:2] == GZIP_MAGIC):
        for piece in sent:
            budget.take(len(piece), source)
            if check is not None:
                check(piece)
            out.append(piece)
        return Decoded(b"".join(out), False)
    for piece in _inflated(sent, source, budget):
        if check is not None:
            check(piece)
        out.append(piece)
    return Decoded(b"".join(out), True)


def _pieces(raw: Raw, source: str, budget: Budget) -> Iterator[bytes]:
    """The bytes as sent, piece by piece; a file or stream is refused (:class:`TooLargeError`)
    once it has passed the cap by more than one piece, before more of it is read."""
    if isinstance(raw, bytes):
        view = memoryview(raw)
        for start in range(0, len(raw), IN_PIECE):
            yield bytes(view[start : start + IN_PIECE])
        return
    if isinstance(raw, Path):
        try:
            if budget.limit is None:
                yield raw.read_bytes()  # no cap: in one piece
                return
            with raw.open("rb") as stream:
                yield from _stream_pieces(stream, source, budget)
        except OSError as exc:
            raise MofkgError(f"{raw}: cannot read: {exc.strerror or exc}") from exc
        return
    yield from _stream_pieces(raw, source, budget)


def _stream_pieces(stream: IO[bytes], source: str, budget: Budget) -> Iterator[bytes]:
    size = 0
    remaining = budget.remaining
    while piece := stream.read(IN_PIECE):
        size += len(piece)
        if remaining is not None and size > remaining + IN_PIECE:
            raise TooLargeError(f"{source}: is more than {budget.limit} bytes")
        yield piece


def _inflated(sent: Iterator[bytes], source: str, budget: Budget) -> Iterator[bytes]:
    """The content of every gzip member of the bytes ``sent``, piece by piece, charged to
    ``budget``."""
    head = b""  # the first bytes of the content, whichever member they come from
    pending: bytes = b""  # bytes sent that no inflater has taken yet
    while True:
        inflater = zlib.decompressobj(wbits=31)
        full = False
        while not inflater.eof:
            if not pending and not full:
                pending = next(sent, b"")
                if not pending:
                    break
            room = budget.remaining
            limit = OUT_PIECE if room is None else min(OUT_PIECE, room + 1)
            try:
                out = inflater.decompress(pending, limit)
            except zlib.error as exc:
                raise BrokenGzipError(source, f"broken gzip data ({exc})") from exc
            full = len(out) == limit
            pending = inflater.unconsumed_tail
            if not out:
                continue
            if len(head) < 2:
                head += out[: 2 - len(head)]
                if head == GZIP_MAGIC:
                    raise UnsupportedFormatError(
                        f"{source}: gzip inside gzip is refused; inflate it once and send it "
                        "gzipped once"
                    )
            budget.take(len(out), source, inflated=True)
            yield out
        if not inflater.eof:
            raise BrokenGzipError(source, "broken gzip data (the stream is truncated)")
        pending = inflater.unused_data
        while len(pending) < 2 and (more := next(sent, b"")):
            pending += more
        if pending[:2] == GZIP_MAGIC:
            continue  # the next member
        if not pending.strip(b"\0") and not any(more.strip(b"\0") for more in sent):
            return  # the end, or the zero padding some tools write after the last member
        raise BrokenGzipError(source, "broken gzip data (bytes after the last member are not gzip)")
