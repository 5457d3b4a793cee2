"""The SPARQL 1.1 Protocol at /sparql: every way to ask, every format, negotiation, errors."""

from __future__ import annotations

import csv
import gzip
import http.client
import io
import json
import urllib.parse
from collections.abc import Iterator
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from mofkg.api.protocol.service_description import MAX_KEPT
from mofkg.api.server.state import EXTENSION
from mofkg.api.server.wsgi import only_query
from mofkg.graphstore.rdfio.formats import format_for_media_type
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from tests.server import Server, fetch, get, post, running_server

EX = "http://example.org/"
TOKEN = "protocol-token"
SELECT = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s"


@pytest.fixture(scope="module", params=["process", "engine"])
def query_workers(request: pytest.FixtureRequest) -> str:
    """Every test of the protocol runs with both kinds of query worker (setting
    query_workers): worker processes and a read-only `oxigraph serve`."""
    kind: str = request.param
    return kind


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, query_workers: str) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("protocol")
    store = Store(path)
    store.load(
        f'<{EX}a> <{EX}p> "x, \\"y\\""@en .\n<{EX}b> <{EX}p> 2 .'.encode(),
        graph=EX + "g1",
        format="turtle",
    )
    store.load(f"<{EX}c> <{EX}p> <{EX}d> .".encode(), graph=EX + "g2", format="turtle")
    settings = Settings(store=path, update_token=TOKEN, query_workers=query_workers)
    with running_server(settings, store=store) as srv:
        yield srv


def test_get_post_form_and_post_direct_give_the_same_answer(server: Server) -> None:
    by_get = get(server.sparql, params={"query": SELECT})
    by_form = post(server.sparql, data={"query": SELECT})
    by_body = post(server.sparql, data=SELECT, headers={"Content-Type": "application/sparql-query"})
    assert by_get.status_code == by_form.status_code == by_body.status_code == 200
    assert by_get.json() == by_form.json() == by_body.json()
    rows = by_get.json()["results"]["bindings"]
    assert [r["s"]["value"] for r in rows] == [EX + "a", EX + "b", EX + "c"]
    assert rows[0]["o"] == {"type": "literal", "value": 'x, "y"', "xml:lang": "en"}
    assert by_get.headers["Access-Control-Allow-Origin"] == "*"
    assert by_get.headers["Vary"] == "Accept"


def test_queries_see_the_union_of_named_graphs(server: Server) -> None:
    reply = get(server.sparql, params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert reply.json()["results"]["bindings"][0]["n"]["value"] == "3"


def test_default_and_named_graph_parameters(server: Server) -> None:
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    reply = get(server.sparql, params={"query": count, "default-graph-uri": EX + "g2"})
    assert reply.json()["results"]["bindings"][0]["n"]["value"] == "1"
    graphs = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"
    reply = get(server.sparql, params={"query": graphs, "named-graph-uri": EX + "g1"})
    assert [b["g"]["value"] for b in reply.json()["results"]["bindings"]] == [EX + "g1"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_result_formats(server: Server, accept: str, media_type: str) -> None:
    reply = get(server.sparql, params={"query": SELECT}, headers={"Accept": accept})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == media_type


def test_select_bodies_parse(server: Server) -> None:
    def ask(accept: str) -> str:
        return get(server.sparql, params={"query": SELECT}, headers={"Accept": accept}).text

    rows = list(csv.reader(io.StringIO(ask("text/csv"))))
    assert rows[0] == ["s", "o"] and rows[1] == [EX + "a", 'x, "y"'] and rows[2][1] == "2"
    tsv = ask("text/tab-separated-values").splitlines()
    assert tsv[0] == "?s\t?o" and tsv[3] == f"<{EX}c>\t<{EX}d>"
    root = ElementTree.fromstring(ask("application/sparql-results+xml"))
    ns = "{http://www.w3.org/2005/sparql-results#}"
    literal = root.find(f"{ns}results/{ns}result/{ns}binding/{ns}literal")
    assert literal is not None and literal.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
)
def test_construct_and_describe_formats(server: Server, accept: str) -> None:
    for query in ("CONSTRUCT WHERE { ?s ?p ?o }", f"DESCRIBE <{EX}a>"):
        reply = get(server.sparql, params={"query": query}, headers={"Accept": accept})
        assert reply.status_code == 200
        assert reply.headers["Content-Type"].split(";")[0] == accept
        parsed = ox.parse(reply.content, format=format_for_media_type(accept).oxigraph)
        assert (ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p")) in {
            (q.subject, q.predicate) for q in parsed
        }


def test_ask_answers_a_boolean(server: Server) -> None:
    reply = get(server.sparql, params={"query": f"ASK {{ <{EX}c> ?p ?o }}"})
    assert reply.json() == {"head": {}, "boolean": True}


def test_nothing_acceptable_is_406(server: Server) -> None:
    reply = get(server.sparql, params={"query": SELECT}, headers={"Accept": "image/png"})
    assert reply.status_code == 406
    assert "matches none of: application/sparql-results+json" in reply.text
    construct = get(
        server.sparql,
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json, text/turtle;q=0"},
    )
    assert construct.status_code == 406
    assert "accepts no RDF format" in construct.text


def test_service_description(server: Server) -> None:
    reply = get(server.sparql, headers={"Accept": "text/turtle"})
    assert reply.status_code == 200
    g = Graph().parse(data=reply.content, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in g
    assert (None, URIRef(sd + "endpoint"), URIRef(server.sparql)) in g
    names = set(g.objects(None, URIRef(sd + "name")))
    assert names == {URIRef(EX + "g1"), URIRef(EX + "g2")}
    as_jsonld = get(server.sparql, headers={"Accept": "application/ld+json"})
    assert json.loads(as_jsonld.content)
    assert as_jsonld.headers["Content-Type"] == "application/ld+json"


def _described_sizes(server: Server) -> dict[str, int]:
    reply = get(server.sparql, headers={"Accept": "text/turtle"})
    assert reply.status_code == 200
    g = Graph().parse(data=reply.content, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    sizes = {}
    for named in g.subjects(URIRef(sd + "name"), None):
        graph = g.value(named, URIRef(sd + "graph"))
        size = g.value(graph, URIRef("http://rdfs.org/ns/void#triples"))
        sizes[str(g.value(named, URIRef(sd + "name")))] = int(size)  # type: ignore[arg-type]
    return sizes


def test_service_description_follows_writes(server: Server) -> None:
    """The description is kept between requests, and a write makes it anew."""
    assert _described_sizes(server)[EX + "g2"] == 1
    assert EX + "g3" not in _described_sizes(server)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    update = f"INSERT DATA {{ GRAPH <{EX}g3> {{ <{EX}e> <{EX}p> 1, 2 }} }}"
    assert post(server.sparql, data={"update": update}, headers=auth).status_code == 204
    try:
        assert _described_sizes(server)[EX + "g3"] == 2
    finally:
        drop = post(server.sparql, data={"update": f"DROP GRAPH <{EX}g3>"}, headers=auth)
        assert drop.status_code == 204
    assert EX + "g3" not in _described_sizes(server)


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"params": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400, "updates must be POSTed"),
        ({"params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "has 2 'query' parameters"),
        ({"data": "ASK {}", "headers": {"Content-Type": "text/plain"}}, 415, "not text/plain"),
        ({"data": "ASK {}"}, 415, "not a body without Content-Type"),
        (
            {
                "data": "ASK {}",
                "headers": {"Content-Type": "application/sparql-query; charset=latin-1"},
            },
            415,
            "must be UTF-8, not latin-1",
        ),
        (
            {
                "data": {"query": "ASK {}", "update": "CLEAR ALL"},
                "headers": {"Authorization": f"Bearer {TOKEN}"},
            },
            400,
            "not both",
        ),
        ({"data": {"other": "1"}}, 400, "neither a 'query' nor an 'update'"),
        # A dataset IRI that is not one: 400 at once (a worker's thread died on it, and the
        # request waited out the timeout).
        (
            {"params": [("query", "ASK {}"), ("default-graph-uri", "a")]},
            400,
            "default-graph-uri='a' must be an absolute IRI",
        ),
        (
            {"data": {"query": "ASK {}", "named-graph-uri": "http://e/a>b"}},
            400,
            "named-graph-uri='http://e/a>b' must be an absolute IRI",
        ),
        (
            {
                "data": {"update": "CLEAR SILENT ALL", "using-graph-uri": "x> } ; DROP ALL ; <y"},
                "headers": {"Authorization": f"Bearer {TOKEN}"},
            },
            400,
            "using-graph-uri='x> } ; DROP ALL ; <y' must be an absolute IRI",
        ),
    ],
)
def test_protocol_errors(
    server: Server, kwargs: dict[str, object], status: int, message: str
) -> None:
    kwargs = dict(kwargs)  # the parameters' own dict serves each kind of query worker
    method = "POST" if "data" in kwargs else "GET"
    if isinstance(kwargs.get("params"), list):
        import urllib.parse

        url = server.sparql + "?" + urllib.parse.urlencode(kwargs.pop("params"))  # type: ignore[arg-type]
        reply = fetch(method, url, **kwargs)  # type: ignore[arg-type]
    else:
        reply = fetch(method, server.sparql, **kwargs)  # type: ignore[arg-type]
    assert reply.status_code == status
    assert message in reply.text


def test_other_methods_are_405(server: Server) -> None:
    reply = fetch("PUT", server.sparql, data="ASK {}")
    assert reply.status_code == 405
    assert reply.headers["Allow"] == "GET, HEAD, OPTIONS, POST"  # in order, in every process


def test_cors_preflight(server: Server) -> None:
    reply = fetch(
        "OPTIONS",
        server.sparql,
        headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST"},
    )
    assert reply.status_code == 200
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in reply.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in reply.headers


def test_update_needs_the_token(server: Server) -> None:
    update = f"INSERT DATA {{ GRAPH <{EX}u> {{ <{EX}u> <{EX}p> 1 }} }}"
    headers = {"Content-Type": "application/sparql-update"}
    missing = post(server.sparql, data=update, headers=headers)
    assert missing.status_code == 401
    assert "Authorization: Bearer" in missing.text
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = post(server.sparql, data=update, headers={**headers, "Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    ok = post(server.sparql, data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 204
    ask = get(server.sparql, params={"query": f"ASK {{ GRAPH <{EX}u> {{ ?s ?p 1 }} }}"})
    assert ask.json()["boolean"] is True
    post(
        server.sparql,
        data=f"DROP GRAPH <{EX}u>",
        headers={**headers, "Authorization": f"Bearer {TOKEN}"},
    )


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Content-Encoding": "gzip"}, b"not gzip"),
        ({"Content-Type": "application/sparql-update; charset=latin-1"}, b"CLEAR ALL"),
        ({}, b"CLEAR \xff ALL"),
    ],
)
def test_an_update_without_the_token_is_401_whatever_its_body(
    server: Server, headers: dict[str, str], body: bytes
) -> None:
    """The token is checked before the body is read (it was 400 or 415 for a bad body)."""
    reply = post(
        server.sparql,
        data=body,
        headers={"Content-Type": "application/sparql-update", **headers},
    )
    assert reply.status_code == 401


@pytest.mark.parametrize(
    ("failing", "message"),
    [
        ("CLEAR XYZ", "malformed update: error at 1:"),
        (f"DROP GRAPH <{EX}none>", "update failed: The graph"),
        (f"CLEAR GRAPH <{EX}none>", "update failed: The graph"),
        (f"CREATE GRAPH <{EX}g1>", "update failed: The graph"),
    ],
)
def test_a_malformed_or_failed_update_is_400_and_changes_nothing(
    server: Server, failing: str, message: str
) -> None:
    update = f"INSERT DATA {{ GRAPH <{EX}v> {{ <{EX}v> <{EX}p> 1 }} }} ; {failing}"
    reply = post(
        server.sparql,
        data=update,
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert reply.status_code == 400
    assert reply.text.startswith(message)
    ask = get(server.sparql, params={"query": f"ASK {{ GRAPH <{EX}v> {{ ?s ?p ?o }} }}"})
    assert ask.json()["boolean"] is False


def test_updates_are_off_without_a_token(tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("readonly")
    with running_server(Settings(store=path)) as srv:
        reply = post(
            srv.sparql,
            data="CLEAR ALL",
            headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer x"},
        )
        assert reply.status_code == 403
        assert "writes are disabled on this endpoint" in reply.text
        assert get(srv.sparql, params={"query": "ASK {}"}).status_code == 200


def test_format_parameter_stands_in_for_accept(server: Server) -> None:
    reply = get(server.sparql, params={"query": SELECT, "format": "csv"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/csv")
    graph = get(server.sparql, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
    assert graph.headers["Content-Type"].startswith("application/n-triples")
    bad = get(server.sparql, params={"query": SELECT, "format": "png"})
    assert bad.status_code == 400
    assert "format='png': unknown format" in bad.text


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SELECT, "application/sparql-results+json"),
        (SELECT, "text/csv"),
        (f"CONSTRUCT WHERE {{ ?s <{EX}p> ?o }}", "application/n-triples"),
        ("ASK { ?s ?p ?o }", "application/sparql-results+xml"),
        ("SELECT * WHERE { ?s ?p }", "application/sparql-results+json"),
        ("SELECT * WHERE { SERVICE <http://elsewhere.example/> { ?s ?p ?o } }", "*/*"),
        (SELECT, "image/png"),
    ],
)
def test_plain_get_answers_exactly_as_the_full_view(
    server: Server, query: str, accept: str
) -> None:
    """A GET with only ``query=`` and a form POST answer alike."""
    fast = get(server.sparql, params={"query": query}, headers={"Accept": accept})
    full = post(server.sparql, data={"query": query}, headers={"Accept": accept})
    assert fast.status_code == full.status_code
    assert fast.text == full.text
    ignored = {"date", "server", "connection", "content-length"}
    assert {k.lower(): v for k, v in fast.headers.items() if k.lower() not in ignored} == {
        k.lower(): v for k, v in full.headers.items() if k.lower() not in ignored
    }


@pytest.mark.parametrize(
    ("query_string", "taken"),
    [
        ("query=ASK%7B%7D", True),
        ("query=ASK+%7B%7D", True),
        ("query=ASK%7B%7D&format=csv", False),
        ("query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fg", False),
        ("query=a&query=b", False),
        ("", False),
    ],
)
def test_only_plain_lookups_take_the_event_loop_path(query_string: str, taken: bool) -> None:
    """The RSGI front answers on its event loop a GET whose query string is one ``query=``."""
    assert (only_query(query_string) is not None) is taken


@pytest.mark.parametrize(
    "query_string",
    ["query=ASK+%7B%7D", "query=%C3%A9+%2B+%26", "query=a%FFb", "query=a;b=c", "query=", "query=%"],
)
def test_a_plain_lookup_is_decoded_as_parse_qsl_does(query_string: str) -> None:
    text = query_string.encode("latin-1").decode()
    pairs = parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
    assert only_query(text) == pairs[0][1]


def test_the_kept_descriptions_stay_bounded_whatever_the_host(server: Server) -> None:
    assert server.app is not None
    for i in range(MAX_KEPT + 5):
        reply = get(server.sparql, headers={"Accept": "text/turtle", "Host": f"h{i}.example"})
        assert reply.status_code == 200
        assert f"http://h{i}.example/sparql" in reply.text
    assert len(server.app.extensions[EXTENSION].descriptions) <= MAX_KEPT


def test_head_answers_as_get_without_a_body(server: Server) -> None:
    """HEAD is GET without the body (RFC 9110), for a query and for the service description."""
    cases: list[tuple[dict[str, str], str]] = [
        ({"query": SELECT}, "application/sparql-results+json"),
        ({"query": SELECT, "format": "csv"}, "*/*"),
        ({}, "text/turtle"),  # the service description
    ]
    for params, accept in cases:
        got = get(server.sparql, params=params, headers={"Accept": accept})
        head = fetch("HEAD", server.sparql, params=params, headers={"Accept": accept})
        assert head.status_code == got.status_code == 200, head.content
        assert head.content == b""
        assert head.headers["Content-Type"] == got.headers["Content-Type"]
        assert head.headers["Content-Length"] == str(len(got.content))
    bad = fetch("HEAD", server.sparql, params={"query": "SELECT"})
    assert bad.status_code == 400


def test_gzip_sparql_bodies(server: Server) -> None:
    """A query or update POSTed with Content-Encoding: gzip is inflated; other codings are 415."""
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Encoding": "gzip"}
    update = f"INSERT DATA {{ GRAPH <{EX}z> {{ <{EX}z> <{EX}p> 1 }} }}".encode()
    sparql_update = {"Content-Type": "application/sparql-update"}
    reply = post(server.sparql, data=gzip.compress(update), headers=sparql_update | auth)
    assert reply.status_code == 204, reply.content
    ask = f"ASK {{ GRAPH <{EX}z> {{ ?s ?p 1 }} }}".encode()
    query = {"Content-Type": "application/sparql-query", "Content-Encoding": "gzip"}
    reply = post(server.sparql, data=gzip.compress(ask), headers=query)
    assert reply.status_code == 200 and reply.json()["boolean"] is True
    cut = post(server.sparql, data=gzip.compress(ask)[:-8], headers=query)
    assert cut.status_code == 400 and "broken gzip data" in cut.text
    coded = post(server.sparql, data=ask, headers=query | {"Content-Encoding": "compress"})
    assert coded.status_code == 415 and "Content-Encoding 'compress'" in coded.text
    post(
        server.sparql,
        data=f"DROP GRAPH <{EX}z>",
        headers=sparql_update | {"Authorization": f"Bearer {TOKEN}"},
    )


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Authorization": "Bearer wrong", "Content-Encoding": "gzip"}, b"update=not+gzip"),
        ({"Authorization": "Bearer wrong"}, b"update=CLEAR+%FF+ALL"),
        ({"Content-Type": f"{FORM}; charset=latin-1"}, b"update=CLEAR+ALL"),
        ({}, b"update=CLEAR+%FF+ALL&using-graph-uri=x"),
    ],
)
def test_a_form_update_without_the_token_is_401_whatever_its_body(
    server: Server, headers: dict[str, str], body: bytes
) -> None:
    reply = post(server.sparql, data=body, headers={"Content-Type": FORM, **headers})
    assert reply.status_code == 401, reply.text
    assert "Authorization: Bearer" in reply.text


def test_a_form_post_with_a_wrong_token_is_401_before_its_body_is_read(server: Server) -> None:
    """The body promised is never sent: an answer that waits to read it never comes."""
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(server.url).netloc, timeout=5)
    try:
        conn.putrequest("POST", "/sparql")
        conn.putheader("Content-Type", FORM)
        conn.putheader("Authorization", "Bearer wrong")
        conn.putheader("Content-Length", "100000")
        conn.endheaders()
        conn.send(b"update=CLEAR")
        reply = conn.getresponse()
        assert reply.status == 401
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("query_string", "form", "message"),
    [
        (
            "format=csv&format=json",
            None,
            "format='csv' and format='json' ask for different formats; give one",
        ),
        ("output=xml&format=turtle", None, "output='xml' and format='turtle' ask for different"),
        ("timeout=5&timeout=10", None, "the request has 2 'timeout' parameters; give one"),
        ("timeout=5", None, "the 'timeout' parameter is not supported"),
        ("", {"query": "ASK {}", "format": "json", "x": "1", "y": "2"}, None),
        ("query=ASK+%7B%7D", {"query": "ASK {}"}, "the request has 2 'query' parameters"),
        ("", "query=ASK+%7B%7D&query=ASK+%7B%7D", "the request has 2 'query' parameters"),
        ("", "query=ASK+%7B%7D&format=csv&format=tsv", "format='csv' and format='tsv' ask"),
    ],
)
def test_repeated_parameters_are_400_naming_them(
    server: Server, query_string: str, form: dict[str, str] | str | None, message: str | None
) -> None:
    """They took the first value without a word."""
    url = server.sparql + "?" + query_string
    if form is None:
        reply = get(url + "&query=ASK+%7B%7D")
    else:
        reply = post(url, data=form, headers={"Content-Type": FORM})
    if message is None:
        assert reply.status_code == 200, reply.text
        return
    assert reply.status_code == 400
    assert message in reply.text


def test_repeated_dataset_parameters_are_allowed(server: Server) -> None:
    count = urllib.parse.quote("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    graphs = f"default-graph-uri={EX}g1&default-graph-uri={EX}g2"
    reply = get(f"{server.sparql}?query={count}&{graphs}")
    assert reply.json()["results"]["bindings"][0]["n"]["value"] == "3"


def test_a_repeated_update_is_400(server: Server) -> None:
    insert = f"INSERT DATA {{ GRAPH <{EX}r> {{ <{EX}r> <{EX}p> 1 }} }}"
    reply = post(
        server.sparql,
        data=urllib.parse.urlencode([("update", insert), ("update", "CLEAR SILENT ALL")]),
        headers={"Content-Type": FORM, "Authorization": f"Bearer {TOKEN}"},
    )
    assert reply.status_code == 400
    assert "the request has 2 'update' parameters" in reply.text
    ask = get(server.sparql, params={"query": f"ASK {{ GRAPH <{EX}r> {{ ?s ?p ?o }} }}"})
    assert ask.json()["boolean"] is False


ASK_FF = b"query=SELECT+%28%22%FF%22+AS+%3Fx%29+%7B%7D"


@pytest.mark.parametrize(
    ("content_type", "body", "status", "message"),
    [
        (f"{FORM}; charset=latin-1", b"query=ASK+%7B%7D", 415, "must be UTF-8, not latin-1"),
        ("application/sparql-query; charset=latin-1", b"ASK {}", 415, "must be UTF-8, not latin-1"),
        (f"{FORM}; charset=windows-1252", b"query=ASK+%7B%7D", 415, "not windows-1252"),
        (f"{FORM}; charset=UTF-8", b"query=ASK+%7B%7D", 200, None),
        ("application/sparql-query; charset=UTF-8", b"ASK {}", 200, None),
        (f"{FORM}; charset=us-ascii", b"query=ASK+%7B%7D", 200, None),
        ("application/sparql-query; charset=us-ascii", b"ASK {}", 200, None),
        (FORM, ASK_FF, 400, "not valid UTF-8"),
        ("application/sparql-query", b'SELECT ("\xff" AS ?x) {}', 400, "not valid UTF-8"),
    ],
)
def test_form_and_direct_bodies_take_the_same_charsets(
    server: Server, content_type: str, body: bytes, status: int, message: str | None
) -> None:
    """A form's charset was ignored (latin-1 read as UTF-8, bytes that are not UTF-8
    replaced), and a direct body refused US-ASCII, which is UTF-8."""
    reply = post(server.sparql, data=body, headers={"Content-Type": content_type})
    assert reply.status_code == status, reply.text
    if message is not None:
        assert message in reply.text


@pytest.mark.parametrize(
    ("method", "query_string", "body", "content_type", "message"),
    [
        (
            "GET",
            f"query=ASK+%7B%7D&using-graph-uri={EX}g1",
            None,
            None,
            "'using-graph-uri' applies to an update, and this request carries a query",
        ),
        ("GET", f"default-graph-uri={EX}g1", None, None, "carries neither a query nor an update"),
        (
            "POST",
            f"default-graph-uri={EX}g1",
            "CLEAR SILENT ALL",
            "application/sparql-update",
            "'default-graph-uri' applies to a query, and this request carries an update",
        ),
        (
            "POST",
            "query=ASK+%7B%7D",
            "ASK {}",
            "application/sparql-query",
            "the body is the query: the URL may not also carry 'query='",
        ),
        (
            "POST",
            "update=CLEAR+ALL",
            "ASK {}",
            "application/sparql-query",
            "the body is the query: the URL may not also carry 'update='",
        ),
    ],
)
def test_a_parameter_that_means_nothing_for_the_operation_is_400(
    server: Server,
    method: str,
    query_string: str,
    body: str | None,
    content_type: str | None,
    message: str,
) -> None:
    """They were ignored without a word (a query POSTed as its body ran, not the URL's)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if content_type:
        headers["Content-Type"] = content_type
    reply = fetch(method, f"{server.sparql}?{query_string}", data=body, headers=headers)
    assert reply.status_code == 400, reply.text
    assert message in reply.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("format=json&format=csv", "format='json' and format='csv' ask for different formats"),
        ("format=nonsense", "format='nonsense': unknown format"),
    ],
)
def test_an_update_with_format_parameters_that_disagree_is_400(
    server: Server, params: str, message: str
) -> None:
    """An update's format parameters were passed over: two that disagree, or one that names
    no format, ran the update (204) without a word. Nothing is written."""
    insert = f"INSERT DATA {{ GRAPH <{EX}fmt> {{ <{EX}r> <{EX}p> 1 }} }}"
    reply = post(
        server.sparql,
        data=urllib.parse.urlencode([("update", insert)]) + "&" + params,
        headers={"Content-Type": FORM, "Authorization": f"Bearer {TOKEN}"},
    )
    assert reply.status_code == 400, reply.text
    assert message in reply.text
    ask = urllib.parse.quote(f"ASK {{ GRAPH <{EX}fmt> {{ ?s ?p ?o }} }}")
    assert get(f"{server.sparql}?query={ask}").json()["boolean"] is False


def test_a_direct_update_without_the_token_is_401_whatever_its_url(server: Server) -> None:
    """A direct update whose URL also carried update= was 400 before its token was checked:
    a client without the token learnt how the request was read (found by
    tests/test_hostile_inputs.py)."""
    reply = post(
        server.sparql + "?update=CLEAR%20ALL",
        data=b"CLEAR SILENT ALL",
        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer nope"},
    )
    assert reply.status_code == 401, reply.text
