"""``/dumps/``: the store for harvesters, as gzipped files that are fetched again only when
they changed.

- ``/dumps/mofkg.nq.gz``: every graph, as N-Quads;
- ``/dumps/graph.nt.gz?graph=IRI`` and ``/dumps/graph.nq.gz?graph=IRI``: one named graph;
- ``/dumps/``: a page listing them, with each graph's size.

Each answer is written as the store is read (:mod:`mofkg.graphstore.exports.dumps`) and carries
``Last-Modified`` (when the store's generation last moved,
:class:`mofkg.graphstore.store.generation.StoreGeneration`) and an ``ETag``: the generation for the
whole store, the hash of its content for one graph (computed once per write), so a graph that
a write left alone keeps its ETag. ``If-None-Match`` and ``If-Modified-Since`` answer 304;
HEAD answers the headers alone.
"""

from __future__ import annotations

import datetime
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.http import is_resource_modified

from mofkg.graphstore.exports.dumps import KINDS, NQUADS_GZ, check_graph, fingerprint, gzip_chunks
from mofkg.graphstore.store.remote_http import BackendUnsupported

from ..errors import BadRequestError
from ..protocol.graph_store import absolute_iri
from ..server.state import endpoint

blueprint = Blueprint("dumps", __name__, template_folder="templates")

_CLOCK = "mofkg-dumps-clock"


@dataclass
class _Clock:
    """For an app that owns its store (no shared generation): when its writes were seen."""

    version: int = -1
    since: float = 0.0
    boot: str = field(default_factory=lambda: secrets.token_hex(4))
    lock: threading.Lock = field(default_factory=threading.Lock)


def freshness() -> tuple[str, datetime.datetime]:
    """The store's generation as an ETag token, and when it last moved."""
    state = endpoint()
    if state.shared is not None:
        changed = state.shared.changed_at()
        token = f"g{state.seen}"
    else:
        clock: _Clock = current_app.extensions.setdefault(_CLOCK, _Clock())
        with clock.lock:
            if clock.version != state.version:
                clock.version, clock.since = state.version, time.time()
        changed, token = clock.since, f"v{state.version}-{clock.boot}"
    when = datetime.datetime.fromtimestamp(int(changed), datetime.UTC)
    return token, when


def _download(
    chunks: Iterator[bytes], *, name: str, etag: str, modified: datetime.datetime
) -> Response:
    if not is_resource_modified(request.environ, etag=etag, last_modified=modified):
        response = Response(status=304)
    else:
        response = Response(chunks, mimetype="application/gzip")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["ETag"] = etag
    response.last_modified = modified
    response.headers["Cache-Control"] = "no-cache"  # keep it, but ask whether it changed
    return response


def _refuse_remote(remote: bool) -> None:
    """A download streams from the embedded engine: refused (501) before any byte on a
    remote store."""
    if remote:
        raise BackendUnsupported(
            "the downloads under /dumps/ are not available on a remote backend yet; read a "
            "graph with GET /store?graph=IRI (docs/backends.md)"
        )


@blueprint.route("/dumps/")
def index() -> str:
    """The downloads: the whole store, and each named graph with its size."""
    state = endpoint()
    sizes = state.remember("graph-sizes", state.store.graph_sizes)
    token, modified = freshness()
    graphs = [
        {
            "iri": iri,
            "triples": size,
            "links": {
                kind.suffix: url_for("dumps.graph", suffix=kind.suffix, graph=iri)
                for kind in KINDS.values()
            },
        }
        for iri, size in sizes.items()
    ]
    return render_template(
        "dumps.html",
        whole=url_for("dumps.whole"),
        graphs=graphs,
        modified=modified,
        total=len(state.store),
    )


@blueprint.route("/dumps/mofkg.nq.gz")
def whole() -> Response:
    """Every graph of the store, as gzipped N-Quads."""
    state = endpoint()
    _refuse_remote(state.remote)
    token, modified = freshness()
    store = state.store
    chunks = gzip_chunks(store, graph=None, quads=True)
    return _download(chunks, name="mofkg.nq.gz", etag=f'"{token}-nq"', modified=modified)


@blueprint.route("/dumps/graph.<suffix>")
def graph(suffix: str) -> Response:
    """One named graph (``?graph=IRI``) as gzipped N-Triples or N-Quads."""
    kind = KINDS.get(suffix)
    if kind is None:
        offered = ", ".join(f"graph.{k}" for k in KINDS)
        raise BadRequestError(f"no download graph.{suffix}; there are: {offered}")
    name = request.args.get("graph")
    if not name:
        raise BadRequestError("a graph download needs ?graph=IRI (the graph's name)")
    name = absolute_iri(name, "'graph'")
    state = endpoint()
    _refuse_remote(state.remote)
    store = state.store
    check_graph(store, name)  # 404 before any byte is sent
    _, modified = freshness()
    content = state.remember(f"dump-fingerprint:{name}", lambda: fingerprint(store, name))
    short = "nq" if kind is NQUADS_GZ else "nt"
    chunks = gzip_chunks(store, graph=name, quads=kind.quads)
    return _download(
        chunks, name=f"graph.{kind.suffix}", etag=f'"{content}-{short}"', modified=modified
    )
