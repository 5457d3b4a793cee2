"""Downloads of the store: the whole of it as gzipped N-Quads, each named graph as gzipped
N-Triples or N-Quads, written as they are read (never the whole graph in memory).

The quads are read from the store in batches of :data:`BATCH`, each batch serialised by
Oxigraph (N-Triples and N-Quads are one statement a line, so batches join into one document)
and compressed by one zlib stream. The gzip header holds no time or name, so the same
content always gives the same bytes: a graph's *fingerprint* (a hash of its N-Triples, in
the store's own order) names its content, and serves as its ETag.

>>> from mofkg.graphstore.store import Store
>>> import gzip
>>> store = Store()
>>> store.update('INSERT DATA { GRAPH <https://e.org/g> { <https://e.org/a> a <https://e.org/T> }}')
>>> gzip.decompress(b"".join(gzip_chunks(store, graph="https://e.org/g", quads=False)))
b'<https://e.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://e.org/T> .\\n'
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox

from ..errors import NotFoundError
from ..store import Store

#: Quads serialised and compressed at a time.
BATCH = 5_000
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


def _quads(store: Store, graph: str | None) -> Iterator[ox.Quad]:
    if graph is None:
        return store.oxigraph.quads_for_pattern(None, None, None, None)
    if not store.has_graph(graph):
        raise NotFoundError(f"no graph <{graph}> in the store")
    return store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph))


def _documents(quads: Iterator[ox.Quad], *, as_quads: bool) -> Iterator[bytes]:
    """The statements serialised a batch at a time."""
    fmt = ox.RdfFormat.N_QUADS if as_quads else ox.RdfFormat.N_TRIPLES
    while True:
        batch = list(islice(quads, BATCH))
        if not batch:
            return
        if as_quads:
            yield ox.serialize(batch, format=fmt) or b""
        else:
            yield ox.serialize([q.triple for q in batch], format=fmt) or b""


def gzip_chunks(store: Store, *, graph: str | None, quads: bool) -> Iterator[bytes]:
    """One graph (or, with ``graph=None``, the whole store) gzip-compressed, chunk by chunk.

    The graph is checked first: :class:`NotFoundError` is raised by the first ``next()``,
    before any byte (call :func:`check_graph` to raise it before a response begins).
    """
    source = _quads(store, graph)
    packer = zlib.compressobj(6, zlib.DEFLATED, _GZIP_WBITS)
    for document in _documents(source, as_quads=quads):
        chunk = packer.compress(document)
        if chunk:
            yield chunk
    yield packer.flush()


def check_graph(store: Store, graph: str) -> None:
    """Raise :class:`NotFoundError` unless the store holds the named graph."""
    if not store.has_graph(graph):
        raise NotFoundError(f"no graph <{graph}> in the store")


def fingerprint(store: Store, graph: str) -> str:
    """A hash of one graph's content, read as its dump is (one pass, nothing kept)."""
    digest = hashlib.blake2b(digest_size=16)
    for document in _documents(_quads(store, graph), as_quads=False):
        digest.update(document)
    return digest.hexdigest()
