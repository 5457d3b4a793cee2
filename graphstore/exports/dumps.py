"""Downloads of the store: the whole of it as gzipped N-Quads, each named graph as gzipped
N-Triples or N-Quads, written as they are read (never the whole graph in memory).

Oxigraph writes the dump (one read transaction, so one consistent state of the store) in a
thread of its own into a bounded queue, :data:`PIPE_DEPTH` pieces of :data:`PIECE` bytes
deep; the caller's iterator compresses the pieces with one zlib stream as it takes them, so
a slow client slows the dump instead of filling memory, and a client that goes away
(the iterator closed) stops it. The gzip header holds no time or name, so the same content
always gives the same bytes: a graph's *fingerprint* (a hash of its N-Triples, in the store's
own order) names its content, and serves as its ETag.

>>> from mofkg.graphstore.store.embedded import Store
>>> import gzip
>>> store = Store()
>>> store.update('INSERT DATA { GRAPH <https://e.org/g> { <https://e.org/a> a <https://e.org/T> }}')
>>> gzip.decompress(b"".join(gzip_chunks(store, graph="https://e.org/g", quads=False)))
b'<https://e.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://e.org/T> .\\n'
"""

from __future__ import annotations

import hashlib
import io
import queue
import threading
import zlib
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import IO, Any, cast

import pyoxigraph as ox

from ..errors import MofkgError, NotFoundError
from ..store.embedded import Store

#: Bytes handed from the dumping thread at a time, and how many may wait.
PIECE = 256 * 1024
PIPE_DEPTH = 8
#: The gzip container (zlib's wbits for a gzip header and trailer, no name, no time).
_GZIP_WBITS = 31


@dataclass(frozen=True)
class DumpKind:
    """One kind of download: a file suffix, its statements' format, with graph names or not."""

    suffix: str
    media_type: str
    quads: bool


#: The downloads a graph (or the whole store) is offered as.
NQUADS_GZ = DumpKind("nq.gz", "application/n-quads", True)
NTRIPLES_GZ = DumpKind("nt.gz", "application/n-triples", False)
KINDS: dict[str, DumpKind] = {k.suffix: k for k in (NQUADS_GZ, NTRIPLES_GZ)}


class _Stopped(Exception):
    """The reader went away: the dump stops."""


class _Pipe(io.RawIOBase):
    """Where Oxigraph writes a dump: pieces of :data:`PIECE` bytes into a bounded queue."""

    def __init__(self, pieces: queue.Queue[bytes | None], stopped: threading.Event) -> None:
        self.pieces = pieces
        self.stopped = stopped
        self.buffer = bytearray()

    def writable(self) -> bool:  # noqa: D102
        return True

    def write(self, data: Any) -> int:  # noqa: D102
        self.buffer += data
        if len(self.buffer) >= PIECE:
            self.send(bytes(self.buffer))
            self.buffer.clear()
        return len(data)

    def send(self, piece: bytes | None) -> None:
        """Queue a piece (None: the end), waiting while the reader is behind."""
        while True:
            if self.stopped.is_set():
                raise _Stopped
            try:
                self.pieces.put(piece, timeout=0.5)
                return
            except queue.Full:
                continue


def _dump(store: Store, graph: str | None, fmt: ox.RdfFormat) -> Iterator[bytes]:
    """The graph (or the whole store) in ``fmt``, piece by piece, as Oxigraph writes it."""
    if graph is not None:
        check_graph(store, graph)
    pieces: queue.Queue[bytes | None] = queue.Queue(PIPE_DEPTH)
    stopped = threading.Event()
    failed: list[BaseException] = []
    pipe = _Pipe(pieces, stopped)
    output = cast(IO[bytes], pipe)  # a binary file as far as Oxigraph goes: it calls write()

    def run() -> None:
        try:
            if graph is None:
                store.oxigraph.dump(output, format=fmt)
            elif fmt == ox.RdfFormat.N_QUADS:  # dump(from_graph=) drops the graph's name
                quads = store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph))
                ox.serialize(quads, output, format=fmt)
            else:
                store.oxigraph.dump(output, format=fmt, from_graph=ox.NamedNode(graph))
            pipe.send(bytes(pipe.buffer))
            pipe.send(None)
        except _Stopped:
            pass
        except BaseException as exc:  # noqa: BLE001 - raised again in the reader
            failed.append(exc)
            with suppress(_Stopped):
                pipe.send(None)

    writer = threading.Thread(target=run, name="mofkg-dump", daemon=True)
    writer.start()
    try:
        while (piece := pieces.get()) is not None:
            yield piece
        if failed:
            raise MofkgError(f"the dump stopped: {failed[0]}") from failed[0]
    finally:
        stopped.set()
        writer.join()


def gzip_chunks(store: Store, *, graph: str | None, quads: bool) -> Iterator[bytes]:
    """One graph (or, with ``graph=None``, the whole store) gzip-compressed, chunk by chunk.

    An unknown graph raises :class:`NotFoundError` at the first ``next()``, before any byte
    (call :func:`check_graph` to raise it before a response begins).
    """
    fmt = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
    packer = zlib.compressobj(6, zlib.DEFLATED, _GZIP_WBITS)
    for piece in _dump(store, graph, fmt):
        chunk = packer.compress(piece)
        if chunk:
            yield chunk
    yield packer.flush()


def check_graph(store: Store, graph: str) -> None:
    """Raise :class:`NotFoundError` unless the store holds the named graph."""
    if not store.has_graph(graph):
        raise NotFoundError(f"no graph <{graph}> in the store")


class _Digest(io.RawIOBase):
    def __init__(self) -> None:
        self.hash = hashlib.blake2b(digest_size=16)

    def writable(self) -> bool:  # noqa: D102
        return True

    def write(self, data: Any) -> int:  # noqa: D102
        self.hash.update(data)
        return len(data)


def fingerprint(store: Store, graph: str) -> str:
    """A hash of one graph's N-Triples, read as its dump is (one pass, nothing kept)."""
    check_graph(store, graph)
    digest = _Digest()
    output = cast(IO[bytes], digest)
    store.oxigraph.dump(output, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
    return digest.hash.hexdigest()
