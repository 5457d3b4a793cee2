"""The Graph Store Protocol at /store: reads, writes behind the token, all-or-nothing loads."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator

import pytest

from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from tests.server import Server, delete, fetch, get, post, put, running_server

EX = "http://example.org/"
TOKEN = "gsp-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GRAPH = EX + "kept"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("gsp")
    store = Store(path)
    store.load(f"<{EX}a> <{EX}p> <{EX}b> .".encode(), graph=GRAPH, format="nt")
    with running_server(Settings(store=path, update_token=TOKEN), store=store) as srv:
        yield srv


def _size(server: Server, graph: str) -> int:
    assert server.store is not None
    return server.store.graph_size(graph) if server.store.has_graph(graph) else -1


def test_get_and_head_a_graph(server: Server) -> None:
    reply = get(
        server.graph_store, params={"graph": GRAPH}, headers={"Accept": "application/n-triples"}
    )
    assert reply.status_code == 200
    assert reply.text == f"<{EX}a> <{EX}p> <{EX}b> .\n"
    head = fetch("HEAD", server.graph_store + "?graph=" + GRAPH)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"] == "text/turtle; charset=utf-8"


def test_absent_graph_is_404(server: Server) -> None:
    reply = get(server.graph_store, params={"graph": EX + "absent"})
    assert reply.status_code == 404
    assert f"the store holds no graph <{EX}absent>" in reply.text


def test_target_errors(server: Server) -> None:
    both = get(server.graph_store + "?default&graph=" + GRAPH)
    assert both.status_code == 400 and "not both" in both.text
    neither = get(server.graph_store)
    assert neither.status_code == 400 and "name a graph with ?graph=IRI" in neither.text
    relative = get(server.graph_store, params={"graph": "not an iri"})
    assert relative.status_code == 400 and "'graph' must be an absolute IRI" in relative.text
    for escaped in ("%3C", "%22", "%7B", "%5C"):  # characters no IRI may hold
        for method in ("GET", "HEAD", "PUT", "DELETE"):
            direct = fetch(method, server.graph_store + "/x" + escaped, data=b"")
            assert direct.status_code == 400, (method, escaped, direct.text)
            if method != "HEAD":
                assert "the graph's URL must be an absolute IRI" in direct.text


def test_writes_need_the_token(server: Server) -> None:
    body = f"<{EX}x> <{EX}p> 1 ."
    headers = {"Content-Type": "text/turtle"}
    for method in ("PUT", "POST", "DELETE"):
        reply = fetch(method, server.graph_store + "?graph=" + GRAPH, data=body, headers=headers)
        assert reply.status_code == 401, method
        assert "Authorization: Bearer <token>" in reply.text
    assert _size(server, GRAPH) == 1


def test_put_post_delete(server: Server) -> None:
    graph = EX + "cycle"
    created = put(
        server.graph_store,
        params={"graph": graph},
        data=f"<{EX}s> <{EX}p> 1 .",
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert created.status_code == 201
    replaced = put(
        server.graph_store,
        params={"graph": graph},
        data=f'<{EX}s> <{EX}p> "2" .',
        headers={"Content-Type": "application/n-triples", **AUTH},
    )
    assert replaced.status_code == 204 and _size(server, graph) == 1
    appended = post(
        server.graph_store,
        params={"graph": graph},
        data=f'<{EX}s> <{EX}q> "3" .',
        headers={"Content-Type": "application/n-triples", **AUTH},
    )
    assert appended.status_code == 204 and _size(server, graph) == 2
    assert delete(server.graph_store, params={"graph": graph}, headers=AUTH).status_code == 204
    assert _size(server, graph) == -1
    again = delete(server.graph_store, params={"graph": graph}, headers=AUTH)
    assert again.status_code == 404


def test_post_creates_a_graph_and_says_where(server: Server) -> None:
    reply = post(
        server.graph_store,
        data=f"<{EX}n> <{EX}p> 1 .",
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert reply.status_code == 201
    location = reply.headers["Location"]
    assert location.startswith(server.url + "/store/")
    direct = get(location, headers={"Accept": "application/n-triples"})
    assert direct.status_code == 200 and f"<{EX}n>" in direct.text


def test_bad_rdf_is_400_with_position_and_changes_nothing(server: Server) -> None:
    reply = put(
        server.graph_store,
        params={"graph": GRAPH},
        data=f"<{EX}a> <{EX}p> <{EX}c> .\n<{EX}a> <{EX}p> .",
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert reply.status_code == 400
    assert reply.text.startswith("request body:2:")
    assert _size(server, GRAPH) == 1
    assert server.store is not None
    assert not any(g.startswith("urn:mofkg:staging:") for g in server.store.graph_sizes())


def test_multipart_is_all_or_nothing(server: Server) -> None:
    boundary = "b0undary"
    parts = [
        ("good.ttl", f"<{EX}m> <{EX}p> 1 ."),
        ("bad.ttl", f"<{EX}m> <{EX}p> ."),
    ]
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"; filename="{n}"\r\n'
            f"Content-Type: text/turtle\r\n\r\n{text}\r\n"
            for n, text in parts
        )
        + f"--{boundary}--\r\n"
    )
    reply = post(
        server.graph_store,
        params={"graph": GRAPH},
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **AUTH},
    )
    assert reply.status_code == 400
    assert reply.text.startswith("bad.ttl:1:")
    assert _size(server, GRAPH) == 1


def test_unsafe_and_unsupported_uploads(server: Server) -> None:
    doctype = '<?xml version="1.0"?>\n<!DOCTYPE rdf [<!ENTITY a "b">]>\n<rdf:RDF/>'
    reply = put(
        server.graph_store,
        params={"graph": GRAPH},
        data=doctype,
        headers={"Content-Type": "application/rdf+xml", **AUTH},
    )
    assert reply.status_code == 400 and "request body:2:1: RDF/XML with a DOCTYPE" in reply.text
    remote = put(
        server.graph_store,
        params={"graph": GRAPH},
        data='{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "http://x"}',
        headers={"Content-Type": "application/ld+json", **AUTH},
    )
    assert remote.status_code == 400 and "remote @context is refused" in remote.text
    trig = put(
        server.graph_store,
        params={"graph": GRAPH},
        data="{}",
        headers={"Content-Type": "application/trig", **AUTH},
    )
    assert trig.status_code == 415 and "TriG holds datasets" in trig.text
    unknown = put(
        server.graph_store,
        params={"graph": GRAPH},
        data="x",
        headers={"Content-Type": "image/png", **AUTH},
    )
    assert unknown.status_code == 415 and "unsupported RDF media type 'image/png'" in unknown.text
    assert _size(server, GRAPH) == 1


def test_default_graph(server: Server) -> None:
    reply = put(
        server.graph_store + "?default",
        data=f"<{EX}d> <{EX}p> 1 .",
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert reply.status_code == 204
    read = get(server.graph_store + "?default", headers={"Accept": "application/n-triples"})
    assert f"<{EX}d>" in read.text and f"<{EX}a>" not in read.text
    assert delete(server.graph_store + "?default", headers=AUTH).status_code == 204
    assert get(server.graph_store + "?default").content.strip() == b""


def test_writes_off_without_a_token(tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("gsp-readonly")
    with running_server(Settings(store=path)) as srv:
        reply = put(
            srv.graph_store + "?default",
            data="<http://a> <http://b> <http://c> .",
            headers={"Content-Type": "text/turtle", **AUTH},
        )
        assert reply.status_code == 403
        assert "writes are disabled" in reply.text


def _gzip_cut_after(first: bytes, rest: bytes) -> bytes:
    """A gzip stream of ``first + rest`` cut right after ``first``: what is left inflates to
    exactly ``first`` (whole lines), but the stream has no end, no checksum."""
    packer = zlib.compressobj(wbits=31)
    head = packer.compress(first) + packer.flush(zlib.Z_FULL_FLUSH)
    whole = head + packer.compress(rest) + packer.flush()
    assert zlib.decompress(whole, wbits=31) == first + rest
    return head


def test_gzip_bodies_are_inflated_and_a_cut_one_changes_nothing(server: Server) -> None:
    target = EX + "zipped"
    lines = [f'<{EX}s{i}> <{EX}p> "{i}" .\n'.encode() for i in range(200)]
    nt = {"Content-Type": "application/n-triples", **AUTH}
    whole = gzip.compress(b"".join(lines))
    for coding in ({"Content-Encoding": "gzip"}, {}):  # by the header, or by the magic bytes
        reply = put(server.graph_store, params={"graph": target}, data=whole, headers=nt | coding)
        assert reply.status_code in (201, 204), reply.content
        assert _size(server, target) == 200
    cut = _gzip_cut_after(b"".join(lines[:100]), b"".join(lines[100:]))
    reply = put(
        server.graph_store,
        params={"graph": target},
        data=cut,
        headers=nt | {"Content-Encoding": "gzip"},
    )
    assert reply.status_code == 400, reply.content
    assert "request body: broken gzip data (the stream is truncated)" in reply.text
    assert _size(server, target) == 200  # not the first hundred lines alone


def test_an_unsupported_content_coding_is_415(server: Server) -> None:
    reply = post(
        server.graph_store,
        params={"graph": EX + "coded"},
        data=f'<{EX}a> <{EX}p> "1" .'.encode(),
        headers={"Content-Type": "application/n-triples", "Content-Encoding": "br", **AUTH},
    )
    assert reply.status_code == 415, reply.content
    assert "Content-Encoding 'br'" in reply.text
    assert _size(server, EX + "coded") == -1


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
def test_a_repeated_graph_parameter_is_400_and_changes_nothing(server: Server, method: str) -> None:
    """Two graph= took the first without a word: a PUT replaced one of the graphs named."""
    other = EX + "other"
    url = f"{server.graph_store}?graph={other}&graph={GRAPH}"
    before = _size(server, GRAPH), _size(server, other)
    body = f"<{EX}x> <{EX}p> <{EX}y> ." if method in ("PUT", "POST") else None
    headers = {**AUTH, "Content-Type": "application/n-triples"}
    reply = fetch(method, url, data=body, headers=headers)
    assert reply.status_code == 400
    assert "the request has 2 'graph' parameters; give one" in reply.text
    assert (_size(server, GRAPH), _size(server, other)) == before
    twice = get(server.graph_store + "?default&default")
    assert twice.status_code == 400 and "2 'default' parameters" in twice.text


@pytest.mark.parametrize("host", ["x>y", "a b", "ex.org:8o", "a@b", "a/b", ""])
def test_a_host_that_makes_no_iri_authority_creates_no_graph(server: Server, host: str) -> None:
    """POST /store names the new graph from the Host header: x>y made http:///store/..."""
    assert server.store is not None
    graphs = set(server.store.graph_sizes())
    reply = post(
        server.graph_store,
        data=f"<{EX}x> <{EX}p> <{EX}y> .",
        headers={**AUTH, "Content-Type": "application/n-triples", "Host": host},
    )
    assert reply.status_code == 400, reply.text
    assert f"the Host header {host!r} is not a valid host name" in reply.text
    assert set(server.store.graph_sizes()) == graphs


def test_a_graph_holding_a_blank_node_in_a_triple_term_can_be_put_again(server: Server) -> None:
    """The replacement by difference named such a triple in DELETE DATA, which Oxigraph
    refuses: the second PUT was 500 and the graph could not be replaced any more (found by a
    review probing the server)."""
    graph = f"{EX}star"
    body = f"<{EX}s> <{EX}p> <<( _:b <{EX}p> <{EX}o> )>> ."
    headers = {**AUTH, "Content-Type": "text/turtle"}
    first = put(server.graph_store, params={"graph": graph}, data=body, headers=headers)
    assert first.status_code == 201, first.text
    again = put(
        server.graph_store, params={"graph": graph}, data=f"<{EX}s> <{EX}p> 1 .", headers=headers
    )
    assert again.status_code == 204, again.text
    assert _size(server, graph) == 1


@pytest.mark.parametrize("method", [put, post])
def test_json_ld_naming_other_graphs_writes_nothing(server: Server, method: object) -> None:
    """A JSON-LD body whose @graph has an @id wrote into that graph, whatever the target
    (a PUT to one graph appended to another, a blank node's graph broke the service
    description); a Graph Store write goes into its target only."""
    assert server.store is not None and callable(method)
    before = server.store.graph_sizes()
    for named in (f"{EX}elsewhere", "_:g"):
        body = f'{{"@id": "{named}", "@graph": [{{"@id": "{EX}s", "{EX}p": "x"}}]}}'
        reply = method(
            server.graph_store,
            params={"graph": f"{EX}target"},
            data=body,
            headers={**AUTH, "Content-Type": "application/ld+json"},
        )
        assert reply.status_code == 400, reply.text
        assert "a Graph Store write goes into its target graph only" in reply.text
    assert server.store.graph_sizes() == before
    assert get(server.sparql, headers={"Accept": "text/turtle"}).status_code == 200


@pytest.mark.parametrize("charset", ["iso-8859-1", "utf-16"])
def test_a_body_in_another_charset_is_415_naming_it(server: Server, charset: str) -> None:
    """The Graph Store read every body as UTF-8 whatever its charset said (Latin-1 bytes were
    a 400 'Invalid UTF-8', UTF-8 bytes labelled Latin-1 were stored), where /sparql refused
    such a charset with 415 (found by a review)."""
    assert server.store is not None
    before = server.store.graph_sizes()
    reply = put(
        server.graph_store,
        params={"graph": f"{EX}latin"},
        data=f'<{EX}s> <{EX}p> "café" .'.encode(),
        headers={**AUTH, "Content-Type": f"text/turtle; charset={charset}"},
    )
    assert reply.status_code == 415, reply.text
    assert f"the request body's charset must be UTF-8, not {charset}" in reply.text
    assert server.store.graph_sizes() == before
    ascii_ok = put(
        server.graph_store,
        params={"graph": f"{EX}ascii-{charset}"},
        data=f"<{EX}s> <{EX}p> 1 .".encode(),
        headers={**AUTH, "Content-Type": "text/turtle; charset=us-ascii"},
    )
    assert ascii_ok.status_code == 201, ascii_ok.text
