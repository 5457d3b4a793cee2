"""Validation sees a dump's literals exactly as written, and counts results as SHACL does.

Through ``mofkg validate --replace-shapes --shapes`` with a Turtle report, read back as a
multiset of (focus, path, value, component): Oxigraph's store would turn ``"32"^^xsd:int`` into
``"32"^^xsd:integer`` and ``4.0`` into ``"4"^^xsd:decimal``; the validator must not.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from mofkg.graphstore.cli import main as cli
from mofkg.graphstore.store.terms import triples_to_graph

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://ex/> .
"""
A = URIRef("http://ex/a")
Row = tuple[Node, Node | None, Node | None, str]


def validate(
    tmp_path: Path, data: str, shapes: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, Counter[Row]]:
    (tmp_path / "data.ttl").write_text(PREFIXES + data)
    (tmp_path / "shapes.ttl").write_text(PREFIXES + shapes)
    status = cli.main(
        [
            "validate",
            "--replace-shapes",
            "--shapes",
            str(tmp_path / "shapes.ttl"),
            str(tmp_path / "data.ttl"),
            "--report",
            "turtle",
            *extra,
        ]
    )
    out, _ = capsys.readouterr()
    # read with pyoxigraph: rdflib would write "1"^^xsd:boolean back as "true"
    report = triples_to_graph(ox.parse(out.encode(), format=ox.RdfFormat.TURTLE), exact=True)
    return status, results(report)


def results(report: Graph) -> Counter[Row]:
    found: Counter[Row] = Counter()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        component = report.value(r, SH.sourceConstraintComponent)
        found[
            (
                report.value(r, SH.focusNode),
                report.value(r, SH.resultPath),
                report.value(r, SH.value),
                str(component).removeprefix(str(SH)),
            )
        ] += 1
    return found


def typed(lexical: str, datatype: str) -> Literal:
    return Literal(lexical, datatype=XSD[datatype], normalize=False)


def test_datatype_holds_for_an_int_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = 'ex:a ex:n "32"^^xsd:int .'
    shapes = "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:n ; sh:datatype xsd:int ] ."
    assert validate(tmp_path, data, shapes, capsys) == (0, Counter())


def test_a_byte_is_not_an_integer_literal(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = 'ex:a ex:n "5"^^xsd:byte .'
    shapes = "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:n ; sh:datatype xsd:integer ] ."
    status, found = validate(tmp_path, data, shapes, capsys)
    assert status == 1
    assert found == Counter(
        {(A, URIRef("http://ex/n"), typed("5", "byte"), "DatatypeConstraintComponent"): 1}
    )


def test_reports_quote_the_literal_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = 'ex:a ex:n "300"^^xsd:byte .'
    shapes = "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:n ; sh:datatype xsd:byte ] ."
    status, found = validate(tmp_path, data, shapes, capsys)
    assert status == 1
    assert list(found) == [
        (A, URIRef("http://ex/n"), typed("300", "byte"), "DatatypeConstraintComponent")
    ]


def test_two_spellings_of_one_number_are_two_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    data = 'ex:a ex:n 4.0, "4"^^xsd:decimal .'
    shapes = "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:n ; sh:maxCount 1 ] ."
    status, found = validate(tmp_path, data, shapes, capsys)
    assert status == 1
    assert found == Counter({(A, URIRef("http://ex/n"), None, "MaxCountConstraintComponent"): 1})


def test_has_value_compares_terms(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = "ex:a ex:n 1.5 ."
    shapes = "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:n ; sh:hasValue 1.50 ] ."
    status, found = validate(tmp_path, data, shapes, capsys)
    assert status == 1
    assert found == Counter({(A, URIRef("http://ex/n"), None, "HasValueConstraintComponent"): 1})
    # and the same term as written conforms
    data = "ex:a ex:n 1.50 ."
    assert validate(tmp_path, data, shapes, capsys) == (0, Counter())


def test_length_counts_the_lexical_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = 'ex:a ex:n 1.50, "1"^^xsd:boolean .'
    shapes = (
        "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:n ; sh:minLength 4 ; "
        'sh:in ( 1.50 "1"^^xsd:boolean ) ] .'
    )
    status, found = validate(tmp_path, data, shapes, capsys)
    assert (status, found) == (
        1,
        Counter(
            {(A, URIRef("http://ex/n"), typed("1", "boolean"), "MinLengthConstraintComponent"): 1}
        ),
    )


def test_value_ranges_read_the_value_of_what_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    data = 'ex:a ex:n "0032"^^xsd:int, "7"^^xsd:byte .'
    shapes = "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:n ; sh:minInclusive 10 ] ."
    status, found = validate(tmp_path, data, shapes, capsys)
    assert status == 1
    assert found == Counter(
        {(A, URIRef("http://ex/n"), typed("7", "byte"), "MinInclusiveConstraintComponent"): 1}
    )


def test_less_than_gives_a_result_per_pair(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = "ex:a ex:start 5 ; ex:end 1, 2 ."
    shapes = "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:start ; sh:lessThan ex:end ] ."
    status, found = validate(tmp_path, data, shapes, capsys)
    assert status == 1
    five = typed("5", "integer")
    assert found == Counter(
        {(A, URIRef("http://ex/start"), five, "LessThanConstraintComponent"): 2}
    )


def test_a_value_of_two_focus_nodes_gives_two_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    data = "ex:a ex:knows ex:c . ex:b ex:knows ex:c ."
    shapes = (
        "ex:S sh:targetNode ex:a, ex:b ; sh:property [ sh:path ex:knows ; "
        "sh:property [ sh:path ex:name ; sh:minCount 1 ] ] ."
    )
    status, found = validate(tmp_path, data, shapes, capsys)
    assert status == 1
    c = URIRef("http://ex/c")
    assert found == Counter({(c, URIRef("http://ex/name"), None, "MinCountConstraintComponent"): 2})
