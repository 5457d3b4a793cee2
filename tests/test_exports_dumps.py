"""/dumps/: gzipped N-Quads of the store and N-Triples / N-Quads of each graph, over real HTTP,
with ETag and Last-Modified from the store's generation and 304s for conditional requests."""

from __future__ import annotations

import gzip
import html
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import Dataset, Graph, URIRef

from mofkg.graphstore.cli.main import main
from mofkg.graphstore.exports import dumps
from mofkg.graphstore.namespaces import DEMO_GRAPH, LICENCE_GRAPH
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

from .server import Server, fetch, get, running_production_server, running_server

pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]
TOKEN = "dumps-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
OLMO = URIRef("https://w3id.org/mofkg/id/model/OLMo-7B")
SCRATCH = "https://w3id.org/mofkg/graph/scratch"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("store")
    store = Store(folder)
    initialise(store, Settings(), demo=True)
    with running_server(Settings(store=folder, update_token=TOKEN), store=store) as running:
        yield running


def graph_url(server: Server, graph: str, suffix: str = "nt.gz") -> str:
    return f"{server.url}/dumps/graph.{suffix}?graph={quote(graph, safe='')}"


def test_the_whole_store_as_gzipped_nquads(server: Server) -> None:
    reply = get(server.url + "/dumps/mofkg.nq.gz")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/gzip"
    assert 'filename="mofkg.nq.gz"' in reply.headers["Content-Disposition"]
    data = Dataset()
    data.parse(data=gzip.decompress(reply.content), format="nquads")
    assert server.store is not None
    assert len(data) == len(server.store)
    demo = data.graph(URIRef(str(DEMO_GRAPH)))
    assert (OLMO, None, None) in demo
    assert reply.headers["ETag"] and reply.headers["Last-Modified"]


def test_one_graph_as_ntriples_and_nquads(server: Server) -> None:
    assert server.store is not None
    reply = get(graph_url(server, str(DEMO_GRAPH)))
    assert reply.status_code == 200
    g = Graph().parse(data=gzip.decompress(reply.content), format="nt")
    assert len(g) == server.store.graph_size(str(DEMO_GRAPH))
    assert (OLMO, None, None) in g
    quads = get(graph_url(server, str(DEMO_GRAPH), "nq.gz"))
    data = Dataset()
    data.parse(data=gzip.decompress(quads.content), format="nquads")
    assert {str(c.identifier) for c in data.graphs() if len(c)} == {str(DEMO_GRAPH)}
    assert quads.headers["ETag"] != reply.headers["ETag"]


def test_conditional_requests_answer_304(server: Server) -> None:
    first = get(graph_url(server, str(DEMO_GRAPH)))
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = get(graph_url(server, str(DEMO_GRAPH)), headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", etag)
    since = get(graph_url(server, str(DEMO_GRAPH)), headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    other = get(graph_url(server, str(DEMO_GRAPH)), headers={"If-None-Match": '"other"'})
    assert other.status_code == 200 and other.content == first.content
    whole = get(server.url + "/dumps/mofkg.nq.gz")
    assert (
        get(
            server.url + "/dumps/mofkg.nq.gz", headers={"If-None-Match": whole.headers["ETag"]}
        ).status_code
        == 304
    )


def test_head_gives_the_headers_alone(server: Server) -> None:
    got = get(graph_url(server, str(LICENCE_GRAPH)))
    head = fetch("HEAD", graph_url(server, str(LICENCE_GRAPH)))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == got.headers["ETag"]
    assert head.headers["Last-Modified"] == got.headers["Last-Modified"]


def test_a_write_changes_what_it_wrote_and_keeps_the_rest(server: Server) -> None:
    demo = get(graph_url(server, str(DEMO_GRAPH)))
    whole = get(server.url + "/dumps/mofkg.nq.gz")
    reply = fetch(
        "PUT",
        server.graph_store + "?graph=" + quote(SCRATCH, safe=""),
        data=b"<https://example.org/a> <https://example.org/p> <https://example.org/b> .",
        headers={"Content-Type": "application/n-triples", **AUTH},
    )
    assert reply.status_code in (201, 204), reply.text
    # The whole store changed: its ETag moved, and a harvester holding the old one gets it all.
    moved = get(server.url + "/dumps/mofkg.nq.gz", headers={"If-None-Match": whole.headers["ETag"]})
    assert moved.status_code == 200 and moved.headers["ETag"] != whole.headers["ETag"]
    # The demo graph did not: its ETag is its content's, and it is still not sent again.
    kept = get(graph_url(server, str(DEMO_GRAPH)), headers={"If-None-Match": demo.headers["ETag"]})
    assert kept.status_code == 304
    scratch = get(graph_url(server, SCRATCH))
    assert gzip.decompress(scratch.content) == (
        b"<https://example.org/a> <https://example.org/p> <https://example.org/b> .\n"
    )


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/dumps/graph.nt.gz", 400, "needs ?graph=IRI"),
        ("/dumps/graph.ttl?graph=x", 400, "no download graph.ttl"),
        ("/dumps/graph.nt.gz?graph=https%3A%2F%2Fexample.org%2Fnone", 404, "no graph"),
        # not IRIs at all: a 400 naming the parameter (they were 500s)
        ("/dumps/graph.nt.gz?graph=not%20an%20iri", 400, "'graph' must be an absolute IRI"),
        ("/dumps/graph.nq.gz?graph=relative", 400, "'graph' must be an absolute IRI"),
    ],
)
def test_bad_downloads_say_why(server: Server, path: str, status: int, words: str) -> None:
    reply = get(server.url + path)
    assert reply.status_code == status
    assert words in html.unescape(reply.text)


def test_the_index_lists_every_graph(server: Server) -> None:
    reply = get(server.url + "/dumps/")
    assert reply.status_code == 200
    page = html.unescape(reply.text)
    assert 'href="/dumps/mofkg.nq.gz"' in page
    assert f'href="/dumps/graph.nt.gz?graph={DEMO_GRAPH}"' in page
    assert f'href="/dumps/graph.nq.gz?graph={LICENCE_GRAPH}"' in page


def test_a_dump_is_written_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamed: a graph of many batches comes as many compressed chunks, the same graph."""
    store = Store()
    store.update(
        "INSERT { GRAPH <https://e.org/g> { ?s <https://e.org/p> ?o } } WHERE { "
        "VALUES ?a { 0 1 2 3 4 5 6 7 8 9 } VALUES ?b { 0 1 2 3 4 5 6 7 8 9 } "
        "VALUES ?c { 0 1 2 3 4 5 6 7 8 9 } VALUES ?d { 0 1 2 3 4 5 6 7 8 9 } "
        'BIND(IRI(CONCAT("https://e.org/s", STR(?a), STR(?b), STR(?c), STR(?d))) AS ?s) '
        "BIND(STRUUID() AS ?o) }"
    )
    monkeypatch.setattr(dumps, "PIECE", 4096)
    monkeypatch.setattr(dumps, "PIPE_DEPTH", 1)
    chunks = list(dumps.gzip_chunks(store, graph="https://e.org/g", quads=False))
    assert len(chunks) > 5
    g = Graph().parse(data=gzip.decompress(b"".join(chunks)), format="nt")
    assert len(g) == 10_000
    # A reader that goes away stops the dump: its thread ends.
    reader = dumps.gzip_chunks(store, graph=None, quads=True)
    next(reader)
    assert any(t.name == "mofkg-dump" for t in threading.enumerate())
    reader.close()
    assert not any(t.name == "mofkg-dump" for t in threading.enumerate())


def test_dumps_through_the_production_front(tmp_path: Path) -> None:
    """Under `mofkg serve` (Granian, the RSGI front, processes sharing the store) the paths
    reach Flask, the dump streams, and a `mofkg load` meanwhile moves the generation."""
    folder = tmp_path / "store"
    store = Store(folder)
    initialise(store, Settings(), demo=True)
    store.close()
    with running_production_server(folder) as server:
        reply = get(server.url + "/dumps/mofkg.nq.gz")
        assert reply.status_code == 200
        data = Dataset()
        data.parse(data=gzip.decompress(reply.content), format="nquads")
        assert (OLMO, None, None, URIRef(str(DEMO_GRAPH))) in data
        etag = reply.headers["ETag"]
        assert etag.startswith('"g')  # the shared store's generation
        again = get(server.url + "/dumps/mofkg.nq.gz", headers={"If-None-Match": etag})
        assert again.status_code == 304
        head = fetch("HEAD", server.url + "/dumps/mofkg.nq.gz")
        assert head.status_code == 200 and head.content == b""
        for path in ("/catalog.ttl", "/.well-known/void", "/dumps/"):
            assert get(server.url + path).status_code == 200, path
        page = get(server.url + "/doc/model/OLMo-7B.html", headers={"Accept": "text/html"})
        assert '<script type="application/ld+json">' in page.text
        extra = tmp_path / "extra.nt"
        extra.write_text(
            "<https://example.org/a> <https://example.org/p> <https://example.org/b> .\n"
        )
        assert main(["--store", str(folder), "load", str(extra)]) == 0
        moved = get(server.url + "/dumps/mofkg.nq.gz", headers={"If-None-Match": etag})
        assert moved.status_code == 200 and moved.headers["ETag"] != etag
        assert b"https://example.org/a" in gzip.decompress(moved.content)
