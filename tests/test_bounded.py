"""Bounded queries (one triple pattern) run in the server process: which, and that the
answers are the worker's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from mofkg.api.server.bounded import (
    INLINE_ROWS,
    bounded_shape,
    fewer_rows,
    is_bounded,
    run_direct,
    run_inline,
)
from mofkg.api.server.queries import QueryJob, run_job
from mofkg.api.server.state import EXTENSION, Endpoint
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from tests.server import Server, get, running_server

EX = "http://example.org/"
MODEL = "https://w3id.org/mofkg/id/model/synthetic-005000"
BIG = 1500  # triples of one subject, more than INLINE_ROWS
XSD = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"

ACCEPTED = [
    f"SELECT ?p ?o WHERE {{ <{MODEL}> ?p ?o }}",
    f"SELECT ?s {{ ?s a <{EX}C> }}",
    f'SELECT * {{ ?s <{EX}label> "x"@en-GB . }}',
    f'SELECT ?s {{ ?s <{EX}label> "x"@de-CH-1901 }}',
    f'{XSD}SELECT ?s WHERE {{ ?s <{EX}label> "x"^^xsd:string }}',
    f"ASK {{ <{EX}s> ?p ?o }}",
    "SELECT * WHERE {?s ?p ?o} LIMIT 5",
    "select * where { ?s ?p ?o } limit 10",
    f"BASE <{EX}> PREFIX e: <{EX}> SELECT $s ?o {{ $s e:p ?o }}",
    f"PREFIX e: <{EX}> SELECT * {{ ?s ?p e:o.}}",
    "SELECT * { ?s ?p ?o } # a comment with } FILTER and OFFSET 5\n",
    "SELECT * { ?s ?p ?o }\r\nLIMIT 3\r\n",
    f"SELECT * {{ ?s <{EX}label> '''x\"y''' }}",
    "SELECT * { ?s ?p ?o # a comment that a lone CR ends\r}",
    f"PREFIX e: <{EX}> SELECT * {{ ?s e:a\\# ?o }}",
]

REJECTED = [
    "SELECT DISTINCT ?s { ?s ?p ?o }",
    "SELECT REDUCED ?s { ?s ?p ?o }",
    "SELECT * { ?s ?p ?o } ORDER BY ?s",
    "SELECT * { ?s ?p ?o } LIMIT 5 OFFSET 5",
    "SELECT * { ?s ?p ?o } OFFSET 5",
    "SELECT * { ?s ?p ?o . ?o ?q ?r }",
    "SELECT * { ?s ?p ?o FILTER(?o = 1) }",
    "SELECT * { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT * { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * { { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?s }",
    "SELECT * { ?s ?p $s }",
    f"SELECT * {{ ?s <{EX}p>/<{EX}q> ?o }}",
    f"SELECT * {{ ?s <{EX}p>* ?o }}",
    "SELECT * { _:b ?p ?o }",
    "SELECT * { [] ?p ?o }",
    "SELECT * { ?s ?p 1 }",
    "SELECT * { ?s ?p true }",
    "SELECT * { ?s ?p (1 2) }",
    "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "SELECT ?s (STR(?o) AS ?t) { ?s ?p ?o }",
    "SELECT * { { SELECT * { ?s ?p ?o } } }",
    f"SELECT * FROM <{EX}g> {{ ?s ?p ?o }}",
    f"SELECT * FROM NAMED <{EX}g> {{ ?s ?p ?o }}",
    f"SELECT * {{ ?s ?p ?o }} VALUES ?s {{ <{EX}a> }}",
    "SELECT * { ?s ?p ?o } GROUP BY ?s",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    f"DESCRIBE <{EX}s>",
    "SELECT * { ?s ?p ?o } garbage",
    "SELECT * { ?s ?p ?o ",
    "SELECT * { ?s ?p ?o }}",
    "SELECT * ?s ?p ?o }",
    "SELECT * { ?s ?p ?o } LIMIT x",
    "SELECT * { ?s ?p ?o } LIMIT 1 0",
    'SELECT * { ?s ?p "x"^^?d }',
    'SELECT * { ?s ?p "x"@en_GB }',
    'SELECT * { ?s ?p "x"@en--ltr }',
    "SELECT * { ?s A ?o }",
    "SELECT * { ?s ?p ?o # } the brace is in a comment",
    "",
    "#",
    # Oxigraph 0.5 does not apply \u escapes outside IRIs and strings (a syntax error), and
    # the specification does: such a text is accepted only if bounded read both ways.
    r"\u0053ELECT * { ?s ?p ?o }",
    # A join to Oxigraph, "one pattern and a comment" once \u0022 is decoded first.
    r'SELECT * { ?s ?p "\u0022 } #" . ?a ?b ?c FILTER(false) }',
    # A lone CR ends a comment, for Oxigraph and for the lexer: the FILTER counts.
    "SELECT * { ?s ?p ?o #\r FILTER(false) \n}",
    # ex:a\# is one name, for Oxigraph and for the lexer: the second pattern counts.
    f"PREFIX e: <{EX}> SELECT * {{ ?s ?p e:a\\# . ?x ?y ?z FILTER(false) \n}}",
    "SELECT * {\u00a0?s ?p ?o }",
    "SELECT * { ?s ?p ?o }" + " " * 9000,
]


@pytest.mark.parametrize("query", ACCEPTED)
def test_bounded_queries_are_recognised(query: str) -> None:
    assert is_bounded(query)


@pytest.mark.parametrize("query", REJECTED)
def test_other_queries_are_not(query: str) -> None:
    assert not is_bounded(query)


def test_oxigraph_reads_the_refused_escapes_and_comments_as_joins_and_filters() -> None:
    """Why the recogniser reads the raw text: Oxigraph runs these as more than one pattern."""
    store = ox.Store()
    for i in range(3):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal("v")))
    store.add(ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal('" } #')))
    join = r'SELECT * { ?s ?p "\u0022 } #" . ?a ?b ?c }'
    assert len(list(store.query(join))) == 4  # a join with the whole store
    hidden = "SELECT * { ?s ?p ?o #\r FILTER(false) \n}"
    assert list(store.query(hidden)) == []  # the FILTER is read, after the CR
    with pytest.raises(SyntaxError):
        store.query(r"\u0053ELECT * { ?s ?p ?o }")


def _data() -> bytes:
    lines = [f'<{MODEL}> <{EX}name> "synthetic 5000"@en .']
    lines += [
        f'<{MODEL}> <{EX}size> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> .'
        for i in range(3)
    ]
    lines += [f"<{EX}s{i}> a <{EX}C> ." for i in range(5)]
    lines += [f'<{EX}s{i}> <{EX}label> "x"@en-GB .' for i in range(2)]
    lines += [f'<{EX}s9> <{EX}label> "x" .', f'<{EX}s9> <{EX}label> "a\\nb\\t\\"c" .']
    lines += [f'<{EX}big> <{EX}p> "{i}" .' for i in range(BIG)]
    return "\n".join(lines).encode()


def _store(path: Path) -> Store:
    """An on-disk store of the test data in two graphs (one server at a time can open it)."""
    store = Store(path)
    store.load(_data(), graph=EX + "g1", format="turtle")
    # One triple in a second graph too: the union default graph gives it twice.
    name = f'<{MODEL}> <{EX}name> "synthetic 5000"@en .'
    store.load(name.encode(), graph=EX + "g2", format="turtle")
    return store


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bounded")
    _store(path)
    return path


@pytest.fixture(scope="module")
def server(store_path: Path) -> Iterator[Server]:
    settings = Settings(store=store_path, workers=1, max_rows=2 * BIG)
    with running_server(settings) as srv:
        yield srv


def _state(server: Server) -> Endpoint:
    assert server.app is not None
    state: Endpoint = server.app.extensions[EXTENSION]
    return state


EQUAL = [
    f"SELECT ?p ?o WHERE {{ <{MODEL}> ?p ?o }}",
    f"SELECT ?s {{ ?s a <{EX}C> }}",
    f'SELECT * {{ ?s <{EX}label> "x"@en-GB }}',
    f'{XSD}SELECT ?s WHERE {{ ?s <{EX}label> "x"^^xsd:string }}',
    f"SELECT ?p ?o {{ <{EX}s9> ?p ?o }}",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 7",
    f"ASK {{ <{MODEL}> ?p ?o }}",
    f"ASK {{ <{EX}nothing> ?p ?o }}",
    f"SELECT ?o {{ <{EX}big> <{EX}p> ?o }} LIMIT 1000",
    f"SELECT ?p ?o {{ <{EX}s9> ?p ?o }} # a last comment, with no new line",
    f"SELECT ?x ?o {{ <{EX}s9> ?p ?o }}",  # ?x is never bound
    f"SELECT ?o {{ <{EX}big> <{EX}p> ?o }}",  # 1,500 rows: the fallback to the worker
]


@pytest.mark.parametrize("query", EQUAL)
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_inline_answers_are_the_workers(server: Server, query: str, fmt: str) -> None:
    assert is_bounded(query)
    state = _state(server)
    reply = get(server.sparql, params={"query": query, "format": fmt})
    assert reply.status_code == 200, reply.text
    job = QueryJob(query, result_format=fmt, max_rows=2 * BIG, base_iri=server.sparql)
    worker = state.pool.run(job)
    assert reply.content == worker.body
    inline = run_inline(state.store.oxigraph, job)
    assert (inline is None) == query.endswith(f"<{EX}p> ?o }}")  # only the 1,500-row one


def test_the_union_default_graph_is_not_deduplicated(server: Server) -> None:
    reply = get(server.sparql, params={"query": f"SELECT ?o {{ <{MODEL}> <{EX}name> ?o }}"})
    assert len(reply.json()["results"]["bindings"]) == 2  # once per graph


def test_more_rows_than_run_inline_are_answered_in_full_by_a_worker(server: Server) -> None:
    assert 2 * BIG > BIG > INLINE_ROWS
    reply = get(server.sparql, params={"query": f"SELECT ?o {{ <{EX}big> <{EX}p> ?o }}"})
    assert reply.status_code == 200
    assert len(reply.json()["results"]["bindings"]) == BIG
    assert reply.headers.get("X-Mofkg-Truncated") is None
    assert reply.headers.get("Warning") is None


def test_a_cap_below_inline_rows_truncates_inline(tmp_path: Path) -> None:
    settings = Settings(store=tmp_path, workers=1, max_rows=300)
    with running_server(settings, store=_store(tmp_path)) as srv:
        reply = get(srv.sparql, params={"query": f"SELECT ?o {{ <{EX}big> <{EX}p> ?o }}"})
        assert reply.status_code == 200
        assert len(reply.json()["results"]["bindings"]) == 300
        assert reply.headers["X-Mofkg-Truncated"] == "true"
        assert "first 300 rows" in reply.headers["Warning"]


def test_bounded_queries_need_no_worker(tmp_path: Path) -> None:
    """With the workers stopped, a bounded query is still answered: it ran in this process.

    A stopped pool runs nothing: a query sent to it is refused as busy (503), and that is
    what the unbounded query and the 1,500-row fallback get.
    """
    settings = Settings(store=tmp_path, workers=1, max_rows=2 * BIG, query_timeout=0.5)
    with running_server(settings, store=_store(tmp_path)) as srv:
        _state(srv).pool.close()
        lookup = get(srv.sparql, params={"query": f"SELECT ?p ?o WHERE {{ <{MODEL}> ?p ?o }}"})
        assert lookup.status_code == 200
        assert len(lookup.json()["results"]["bindings"]) == 5
        ask = get(srv.sparql, params={"query": f"ASK {{ <{MODEL}> ?p ?o }}"})
        assert ask.status_code == 200 and ask.json()["boolean"] is True
        distinct = get(srv.sparql, params={"query": f"SELECT DISTINCT ?p {{ <{MODEL}> ?p ?o }}"})
        assert distinct.status_code == 503
        assert "the query workers have stopped" in distinct.text
        big = get(srv.sparql, params={"query": f"SELECT ?o {{ <{EX}big> <{EX}p> ?o }}"})
        assert big.status_code == 503
        dataset = get(
            srv.sparql,
            params={"query": f"ASK {{ <{MODEL}> ?p ?o }}", "default-graph-uri": EX + "g1"},
        )
        assert dataset.status_code == 503  # a dataset always goes to a worker


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * { ex:s ?p ?o }", "malformed query"),
        (f"SELECT * {{ <{EX}s> ?p ?o }} LIMIT x", "malformed query"),
        (r"\u0053ELECT * { ?s ?p ?o }", "malformed query"),
    ],
)
def test_malformed_queries_answer_oxigraphs_error(
    server: Server, store_path: Path, query: str, message: str
) -> None:
    reply = get(server.sparql, params={"query": query})
    assert reply.status_code == 400
    error = reply.text.rstrip("\n")
    assert error.startswith(message)
    job = QueryJob(query, base_iri=server.sparql)
    worker = run_job(ox.Store.read_only(str(store_path)), job)
    assert worker.error == error  # the worker's own code, word for word


DIRECT = [  # (query, answered straight in the asked format: rows surely under INLINE_ROWS)
    (f"SELECT ?p ?o WHERE {{ <{MODEL}> ?p ?o }}", True),
    (f"SELECT ?p ?o {{ <{EX}s9> ?p ?o }} # a last comment, with no new line", True),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 7", True),  # its own limit is below the cap
    (f"SELECT ?o {{ <{EX}big> <{EX}p> ?o }} LIMIT 1000", True),
    (f"SELECT ?o {{ <{EX}big> <{EX}p> ?o }} LIMIT 1001", False),  # a limit above the cap
    (f"SELECT ?o {{ <{EX}big> <{EX}p> ?o }}", False),  # INLINE_ROWS rows: maybe more
    (f"ASK {{ <{MODEL}> ?p ?o }}", False),  # the capped path answers a boolean
    ("SELECT * { ex:s ?p ?o }", False),  # an error: the capped path words it
]


@pytest.mark.parametrize(("query", "direct"), DIRECT)
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_the_direct_answer_is_the_capped_one(
    server: Server, query: str, direct: bool, fmt: str
) -> None:
    """Oxigraph writes a bounded answer straight in JSON, TSV or CSV when its length shows
    that the cap cut nothing; it is then byte for byte the capped path's answer."""
    state = _state(server)
    job = QueryJob(query, result_format=fmt, max_rows=2 * BIG, base_iri=server.sparql)
    shape = bounded_shape(query)
    assert shape is not None
    found = run_direct(state.store.oxigraph, job, shape, INLINE_ROWS)
    answer = found.outcome
    assert (answer is not None) == (direct and fmt != "xml")
    # 1,500 rows and no LIMIT of its own: the limit was reached, a worker will answer
    assert found.full == (query.endswith(f"<{EX}p> ?o }}") and fmt != "xml")
    if answer is not None:
        capped = run_job(state.store.oxigraph, job)
        assert (answer.body, answer.media_type) == (capped.body, capped.media_type)
        assert not capped.truncated


def test_an_answer_of_exactly_the_cap_is_whole(tmp_path: Path) -> None:
    """Five rows under a cap of five: the direct path cannot tell them from a cut answer,
    so the capped path counts them, and finds nothing cut."""
    settings = Settings(store=tmp_path, workers=1, max_rows=5)
    with running_server(settings, store=_store(tmp_path)) as srv:
        exact = get(srv.sparql, params={"query": f"SELECT ?s {{ ?s a <{EX}C> }}"})
        assert len(exact.json()["results"]["bindings"]) == 5
        assert exact.headers.get("X-Mofkg-Truncated") is None
        more = get(srv.sparql, params={"query": f"SELECT ?o {{ <{EX}big> <{EX}p> ?o }}"})
        assert len(more.json()["results"]["bindings"]) == 5
        assert more.headers["X-Mofkg-Truncated"] == "true"


@pytest.mark.parametrize("fmt", ["json", "tsv", "csv"])
def test_the_row_bound_holds_for_the_shortest_rows(fmt: str) -> None:
    """The shortest solutions there are (one-letter IRIs, an empty literal, a name of one
    letter) still take the bytes or lines :func:`fewer_rows` counts on: n of them never
    pass for fewer than n."""
    store = ox.Store()
    objects: list[ox.NamedNode | ox.Literal] = [ox.NamedNode(f"{c}:") for c in "abcdefgh"]
    objects += [ox.Literal(""), ox.Literal("\n"), ox.Literal("a\nb")]
    for obj in objects:
        store.add(ox.Quad(ox.NamedNode("s:"), ox.NamedNode("p:"), obj))
    rfmt = {
        "json": ox.QueryResultsFormat.JSON,
        "tsv": ox.QueryResultsFormat.TSV,
        "csv": ox.QueryResultsFormat.CSV,
    }[fmt]
    for query, bound in [
        ("SELECT ?o { <s:> <p:> ?o }", ("o",)),
        ("SELECT ?x ?o { <s:> <p:> ?o }", ("o",)),  # ?x unbound: rows still hold ?o
        ("SELECT ?x { <s:> <p:> ?o }", ()),  # empty rows
    ]:
        for n in range(len(objects) + 1):
            result = store.query(f"{query} LIMIT {n}")
            assert isinstance(result, ox.QuerySolutions)
            body = result.serialize(format=rfmt) or b""
            assert not fewer_rows(body, fmt, bound, n), (query, n)
            if fmt == "tsv":  # a TSV row is a line: the count is exact
                assert fewer_rows(body, fmt, bound, n + 1), (query, n)


def test_a_json_answer_of_long_values_is_counted_and_sent() -> None:
    """300 rows of long literals are too long for the byte bound to show them fewer than
    1,000: they are counted (parsed back), found whole and sent; 1,000 rows are not."""
    store = ox.Store()
    for i in range(1000):
        literal = ox.Literal(f"{i:04d} " + "long text " * 20)
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i // 300}"), ox.NamedNode(f"{EX}p"), literal))
    for subject, whole in [(f"{EX}s0", True), ("?s", False)]:
        query = f"SELECT ?o {{ {'<' + subject + '>' if whole else subject} <{EX}p> ?o }}"
        shape = bounded_shape(query)
        assert shape is not None
        job = QueryJob(query, result_format="json", max_rows=2000)
        found = run_direct(store, job, shape, INLINE_ROWS)
        assert (found.outcome is not None, found.full) == (whole, not whole)
        if found.outcome is not None:
            assert found.outcome.body == run_job(store, job).body
            assert not fewer_rows(found.outcome.body, "json", shape.bound, INLINE_ROWS)
