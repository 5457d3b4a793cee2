"""POST /validate with the user's own shapes (multipart field ``shapes``), over a real server
on loopback and a real HTTP client: the shapes run as `mofkg validate --shapes` runs them,
every report kind says which engine ran them, and bad shapes are refused by name."""

from __future__ import annotations

import gzip
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph
from rdflib.namespace import RDFS, SH

from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from tests.server import Reply, Server, get, post, running_server
from tests.test_validate_cli import BAD, EXTRA_SHAPES, GOOD
from tests.wikidata_servers import hang, misbehaving_server

MAX_BODY = 200_000
OURS = "Our catalogue wants at least one component"  # the message of EXTRA_SHAPES
METADATA = "https://w3id.org/mofkg/shapes/metadata#"

#: One field of a form: name, file name (None: a text field), content, content type.
Field = tuple[str, str | None, bytes | str, str | None]


def form(fields: Sequence[Field]) -> tuple[bytes, str]:
    """A multipart/form-data body of ``fields``, and its Content-Type."""
    boundary = uuid.uuid4().hex
    out = b""
    for name, filename, content, media in fields:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
        if filename is not None:
            head += f'; filename="{filename}"'
        head += "\r\n"
        if media is not None:
            head += f"Content-Type: {media}\r\n"
        data = content.encode() if isinstance(content, str) else content
        out += head.encode() + b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("validate-shapes")
    settings = Settings(store=folder / "store", max_body=MAX_BODY)
    store = Store(settings.store)
    initialise(store, settings)
    with running_server(settings, store=store) as running:
        yield running


def send(server: Server, fields: Sequence[Field], accept: str = "application/json") -> Reply:
    body, media = form(fields)
    headers = {"Content-Type": media, "Accept": accept}
    return post(server.url + "/validate", data=body, headers=headers)


def messages(report: dict[str, Any]) -> list[str]:
    return [r["message"] for f in report["focusNodes"] for r in f["results"]]


def dump(text: str = BAD) -> Field:
    return ("file", "dump.ttl", text, "text/turtle")


def test_user_shapes_run_beside_the_metadata_shapes(server: Server) -> None:
    assert server.store is not None
    before = server.store.graph_sizes()
    r = send(server, [dump(), ("shapes", "ours.ttl", EXTRA_SHAPES, "text/turtle")])
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["shapes"] == ["shapes/metadata.ttl", "ours.ttl"]
    assert messages(report).count(OURS) == 1
    assert any(k.startswith(METADATA) for k in report["counts"]["byShape"])
    assert server.store.graph_sizes() == before


def test_shapes_as_a_text_field_gzip_and_replace_shapes(server: Server) -> None:
    """A text field is Turtle; a gzip part is inflated; replace_shapes=true runs ours alone."""
    fields: list[Field] = [
        dump(),
        ("shapes", None, EXTRA_SHAPES, None),
        ("replace_shapes", None, "true", None),
    ]
    report = send(server, fields).json()
    assert messages(report) == [OURS]  # the metadata shapes' missing name is not reported
    zipped = gzip.compress(EXTRA_SHAPES.encode())
    fields[1] = ("shapes", "ours.ttl.gz", zipped, None)
    assert messages(send(server, fields).json()) == [OURS]


LABELS = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/shapes#NoLabels> a sh:NodeShape ; sh:targetSubjectsOf rdfs:label ;
  sh:property [ sh:path rdfs:label ; sh:maxCount 0 ] .
"""


def test_with_catalogue_lets_the_shapes_see_the_ontology(server: Server) -> None:
    """Alone, the shapes see the dump (no rdfs:label in it); with_catalogue, the ontology's
    labelled terms too, as `--with-catalogue` does."""
    fields: list[Field] = [dump(GOOD), ("shapes", "labels.ttl", LABELS, None)]
    alone = send(server, [*fields, ("with_catalogue", None, "false", None)]).json()
    assert alone["conforms"] is True
    seen = send(server, [*fields, ("with_catalogue", None, "true", None)]).json()
    assert seen["conforms"] is False
    assert seen["counts"]["bySeverity"]["Violation"] > 10  # the ontology's labelled terms


EXPRESSION = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mof: <https://w3id.org/mofkg/ontology#> .
<https://example.org/shapes#Expr> a sh:NodeShape ; sh:targetClass mof:Model ;
  sh:expression [ sh:path mof:hasComponent ] .
"""


@pytest.mark.parametrize(
    "accept", ["application/json", "text/plain", "text/html", "text/turtle", "application/ld+json"]
)
def test_engine_notes_in_every_report(server: Server, accept: str) -> None:
    """Which engine ran the user's shapes (here pySHACL, for sh:expression) is in every kind."""
    r = send(server, [dump(), ("shapes", "expr.ttl", EXPRESSION, None)], accept=accept)
    assert r.status_code == 200, r.text
    note = "pyshacl: shape https://example.org/shapes#Expr (sh:expression is run by pySHACL)"
    if accept == "application/json":
        assert note in r.json()["engine"]
    elif accept == "text/turtle":
        graph = Graph().parse(data=r.text, format="turtle")
        [report] = graph.subjects(None, SH.ValidationReport)
        assert any(note in str(c) for c in graph.objects(report, RDFS.comment))
    else:
        assert note in r.text


@pytest.mark.parametrize(
    ("shapes", "words"),
    [
        (
            "<http://ex/S> <http://www.w3.org/ns/shacl#targetClass> <http://ex/C> ;\n"
            '  <http://ex/p> "unclosed .\n',
            ["bad.ttl:2:", "not readable RDF"],
        ),
        (
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
            '<http://ex/S> sh:targetClass <http://ex/C> ; sh:js [ sh:jsFunctionName "f" ] .\n',
            ["sh:js", "<http://ex/S>"],
        ),
        (
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
            "<http://ex/S> sh:targetClass <http://ex/C> ; sh:rule [ a sh:TripleRule ; "
            "sh:subject sh:this ; sh:predicate <http://ex/q> ; sh:object 1 ] .\n",
            ["sh:rule", "<http://ex/S>"],
        ),
        (
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
            "<http://ex/S> sh:targetClass <http://ex/C> ; "
            "sh:property [ sh:path <http://ex/n> ; sh:minCount 1, 2 ] .\n",
            ["sh:minCount has 2 values"],
        ),
        ("<http://ex/a> <http://ex/b> <http://ex/c> .\n", ["not a SHACL shapes graph"]),
    ],
    ids=["bad-turtle", "js", "rule", "ill-formed", "not-shacl"],
)
def test_bad_shapes_are_400_naming_what_and_where(
    server: Server, shapes: str, words: list[str]
) -> None:
    r = send(server, [dump(), ("shapes", "bad.ttl", shapes, "text/turtle")])
    assert r.status_code == 400, r.text
    for word in words:
        assert word in r.text


def test_oversize_shapes_are_413(server: Server) -> None:
    """The parts share one budget of max_body bytes after inflation, as a body has."""
    bomb = gzip.compress(b"#" * (MAX_BODY + 10))
    r = send(server, [dump(), ("shapes", "big.ttl.gz", bomb, None)])
    assert r.status_code == 413
    assert r.text.startswith("big.ttl.gz: ") and f"more than {MAX_BODY} bytes" in r.text
    half = b"#" * (MAX_BODY // 2)
    r = send(server, [dump(), ("shapes", "a.ttl.gz", gzip.compress(half), None),
                      ("shapes", "b.ttl.gz", gzip.compress(half), None)])  # fmt: skip
    assert r.status_code == 413 and "b.ttl.gz: with the input before it" in r.text


def test_a_query_of_the_shapes_never_reaches_another_server(server: Server) -> None:
    """A SPARQL target with SERVICE made the server call that endpoint (pySHACL ran it)."""
    with misbehaving_server(hang) as (url, seen):
        shapes = f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
<http://ex/S> a sh:NodeShape ;
  sh:target [ a sh:SPARQLTarget ;
    sh:select "SELECT ?this WHERE {{ SERVICE <{url}> {{ ?this ?p ?o }} }}" ] ;
  sh:property [ sh:path <http://ex/q> ; sh:minCount 1 ] .
"""
        r = send(server, [dump(), ("shapes", "remote.ttl", shapes, None)])
    assert r.status_code == 400, r.text
    assert f"SERVICE <{url}> is refused" in r.text and "service_allow" in r.text
    assert "remote.ttl" in r.text and seen == []  # never contacted


@pytest.mark.parametrize(
    ("fields", "query", "words"),
    [
        ([("colour", None, "blue", None)], "", ["unknown field 'colour'", "shapes"]),
        ([dump()], "", ["'file' is given 2 times"]),
        ([("with_catalogue", None, "yes", None)], "",
         ["'with_catalogue' is 'yes'", "true or false"]),
        ([("with_catalogue", None, "true", None), ("with_catalogue", None, "true", None)], "",
         ["'with_catalogue' is given 2 times"]),
        ([], "?shapes=x", ["no query parameters", "shapes"]),
        ([("replace_shapes", None, "true", None)], "",
         ["replace_shapes applies to the user's shapes"]),
    ],
    ids=["unknown", "two-dumps", "bad-boolean", "repeated-boolean", "query", "no-shapes"],
)  # fmt: skip
def test_form_fields_are_never_ignored(
    server: Server, fields: list[Field], query: str, words: list[str]
) -> None:
    body, media = form([dump(), *fields])
    r = post(server.url + "/validate" + query, data=body, headers={"Content-Type": media})
    assert r.status_code == 400, r.text
    for word in words:
        assert word in r.text


def test_a_raw_body_with_a_query_parameter_is_400(server: Server) -> None:
    headers = {"Content-Type": "text/turtle"}
    r = post(server.url + "/validate?with_catalogue=true", data=GOOD, headers=headers)
    assert r.status_code == 400 and "with_catalogue" in r.text


def test_docs_name_every_field() -> None:
    from mofkg.api.web.validation_form import FIELDS

    text = (Path(__file__).resolve().parents[1] / "docs" / "validation.md").read_text()
    for name in FIELDS:
        assert f"`{name}`" in text


def test_a_dump_that_becomes_a_job_runs_the_users_shapes(tmp_path: Path) -> None:
    """Past validate_job_threshold the dump is a job: the job runs the shapes sent with it."""
    settings = Settings(store=tmp_path / "store", validate_job_threshold=10)
    store = Store(settings.store)
    initialise(store, settings)
    with running_server(settings, store=store) as running:
        fields = [dump(), ("shapes", "ours.ttl", EXTRA_SHAPES, None)]
        body, media = form(fields)
        r = post(running.url + "/validate", data=body, headers={"Content-Type": media})
        assert r.status_code == 202, r.text
        location = running.url + r.headers["Location"]
        deadline = time.monotonic() + 60
        while (answer := get(location)).status_code == 202 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert answer.status_code == 200, answer.text
    assert messages(answer.json()).count(OURS) == 1
