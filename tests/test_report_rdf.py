"""The standard SHACL report written without an rdflib graph between: the same graph as
:meth:`ValidationOutcome.to_report_graph` (results as a multiset, blank-node paths copied once,
literals as they are), in Turtle and as triples, all results or the first ``max_results``."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SH, XSD

from mofkg.graphstore.cli import main as cli
from mofkg.graphstore.namespaces import DEFAULT_IDS
from mofkg.graphstore.shacl import ValidationOutcome
from mofkg.graphstore.shacl import ValidationResultRecord as Result
from mofkg.graphstore.validation.reports import render, report_rdf, report_triples, write_turtle

MODEL = DEFAULT_IDS.model("tiny")
GOOD = f"""@prefix mof: <https://w3id.org/mofkg/ontology#> .
@prefix schema: <http://schema.org/> .
<{MODEL}> a mof:Model ; schema:name "Tiny" .
"""
SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .
ex:S sh:property [ sh:path ( ex:p [ sh:inversePath ex:q ] ) ; sh:minCount 1 ] .
"""


@dataclass
class Report:
    """What the RDF forms read of a validation report."""

    outcome: ValidationOutcome
    max_results: int | None = None


def outcome() -> ValidationOutcome:
    paths = Graph().parse(data=SHAPES, format="turtle")
    path = next(paths.objects(None, SH.path))
    shape = next(paths.objects(None, SH.property))
    twice = Result(
        URIRef("http://ex/a"),
        path,
        Literal("0032", datatype=XSD.byte),
        shape,
        SH.MinCountConstraintComponent,
        SH.Violation,
        (Literal('says "no"\nhere', lang="en"),),
    )
    other = Result(
        BNode(),
        URIRef("http://ex/p"),
        None,
        URIRef("http://ex/S"),
        SH.ClassConstraintComponent,
        SH.Warning,
        (Literal("a"), Literal("b")),
    )
    return ValidationOutcome(
        conforms=False, results=[twice, other, twice], paths=paths, engine=['engine "x" ran']
    )


def expected(o: ValidationOutcome) -> Graph:
    return o.to_report_graph()


def from_triples(triples: list[ox.Triple]) -> Graph:
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return Graph().parse(data=data.decode(), format="nt")


def test_turtle_is_the_report_graph() -> None:
    o = outcome()
    out = io.StringIO()
    write_turtle(Report(o), out)  # type: ignore[arg-type]
    mine = Graph().parse(data=out.getvalue(), format="turtle")
    assert isomorphic(mine, expected(o))
    assert len(list(mine.objects(None, SH.result))) == 3  # a multiset: the duplicate stays
    assert Literal("0032", datatype=XSD.byte) in set(mine.objects(None, SH.value))
    assert out.getvalue().count("rdf:first <http://ex/p>") == 1  # the path copied once


def test_triples_are_the_report_graph() -> None:
    o = outcome()
    assert isomorphic(from_triples(report_triples(Report(o))), expected(o))  # type: ignore[arg-type]


def test_only_the_listed_results() -> None:
    o = outcome()
    report = Report(o, max_results=1)
    first = expected(
        ValidationOutcome(conforms=False, results=o.results[:1], paths=o.paths, engine=o.engine)
    )
    turtle = Graph().parse(data=render(report, "turtle"), format="turtle")  # type: ignore[arg-type]
    assert isomorphic(turtle, first)
    jsonld = report_rdf(report, "jsonld")  # type: ignore[arg-type]
    triples = [q.triple for q in ox.parse(jsonld, format=ox.RdfFormat.JSON_LD)]
    assert isomorphic(from_triples(triples), first)


def test_an_iri_no_syntax_can_write_is_given_as_text() -> None:
    bad = Result(
        URIRef("http://ex/a"),
        None,
        URIRef("Apache 2.0"),
        URIRef("http://ex/S"),
        SH.ClassConstraintComponent,
        SH.Violation,
    )
    out = io.StringIO()
    write_turtle(Report(ValidationOutcome(conforms=False, results=[bad])), out)  # type: ignore[arg-type]
    g = Graph().parse(data=out.getvalue(), format="turtle")
    assert set(g.objects(None, SH.value)) == {Literal("Apache 2.0")}


# -- the command: a standard report works out only what it shows ---------------------------


def test_a_turtle_report_leaves_out_the_assessments_but_keeps_require_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mofkg.graphstore.settings import Settings
    from mofkg.graphstore.validation.pipeline import read_dump, read_shapes_files, validate_dumps

    dump = tmp_path / "good.ttl"
    dump.write_text(GOOD)
    shapes = read_shapes_files([])
    full = validate_dumps([read_dump(dump)], shapes=shapes, settings=Settings())
    bare = validate_dumps([read_dump(dump)], shapes=shapes, settings=Settings(), assess=False)
    assert [str(a.model) for a in full.report.assessments] == [str(MODEL)]
    assert bare.report.assessments == []
    assert bare.report.outcome.results == full.report.outcome.results
    # the model is Unclassified: --require-class still fails it with a Turtle report
    status = cli.main(["validate", str(dump), "--report", "turtle", "--require-class", "III"])
    out, _ = capsys.readouterr()
    assert status == 1
    assert "sh:ValidationReport" in out and "sh:Violation" not in out
    assert cli.main(["validate", str(dump), "--report", "turtle"]) == 0
