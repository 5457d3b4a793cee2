"""Every SHACL feature in a user's shapes runs or is refused by name (exit 2), never skipped:
SHACL-AF targets and sh:expression run; sh:js and sh:rule are refused; ill-formed shapes are
refused; a blank-node sh:targetNode keeps the shape's other targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mofkg.graphstore.cli import main as cli

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://ex/> .
"""
DATA = (
    PREFIXES
    + """ex:a a ex:C ; ex:ok false ; ex:n 1 .
ex:b a ex:C ; ex:ok true ; ex:n 2 .
"""
)


def validate(
    tmp_path: Path, shapes: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[tuple[str, str]], str]:
    (tmp_path / "data.ttl").write_text(DATA)
    (tmp_path / "shapes.ttl").write_text(PREFIXES + shapes)
    args = ["validate", "--replace-shapes", "--shapes", str(tmp_path / "shapes.ttl")]
    status = cli.main([*args, str(tmp_path / "data.ttl"), "--report", "json"])
    out, err = capsys.readouterr()
    if status == 2:
        return status, [], err
    report = json.loads(out)
    found = [(f["focusNode"], r["constraint"]) for f in report["focusNodes"] for r in f["results"]]
    return status, sorted(found), err


def test_sparql_target_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shapes = """ex:S a sh:NodeShape ;
      sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this ex:n 2 }" ;
                  sh:prefixes ex:P ] ;
      sh:property [ sh:path ex:missing ; sh:minCount 1 ] .
    ex:P sh:declare [ sh:prefix "ex" ; sh:namespace "http://ex/" ] ."""
    status, found, _ = validate(tmp_path, shapes, capsys)
    assert (status, found) == (1, [("http://ex/b", "MinCountConstraintComponent")])


def test_expression_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shapes = "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:expression [ sh:path ex:ok ] ."
    status, found, _ = validate(tmp_path, shapes, capsys)
    assert (status, found) == (1, [("http://ex/a", "ExpressionConstraintComponent")])


@pytest.mark.parametrize(
    ("shapes", "words"),
    [
        (
            'ex:S sh:targetClass ex:C ; sh:js [ sh:jsFunctionName "f" ; sh:jsLibrary ex:L ] .',
            ["sh:js", "<http://ex/S>"],
        ),
        (
            "ex:S sh:targetClass ex:C ; sh:rule [ a sh:TripleRule ; sh:subject sh:this ; "
            "sh:predicate ex:q ; sh:object 1 ] .",
            ["sh:rule", "<http://ex/S>"],
        ),
        (
            'ex:S sh:target [ a sh:JSTarget ; sh:jsFunctionName "f" ] ; sh:closed true .',
            ["SHACL-JS", "<http://ex/S>"],
        ),
        (
            "ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:n ; sh:minCount 1, 2 ] .",
            ["sh:minCount has 2 values"],
        ),
        (
            'ex:S sh:targetClass ex:C ; sh:severity "Warning" ; sh:closed true .',
            ['sh:severity is "Warning"', "not an IRI", "<http://ex/S>"],
        ),
    ],
    ids=["js", "rule", "js-target", "two-min-counts", "literal-severity"],
)
def test_refused_with_the_feature_and_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shapes: str, words: list[str]
) -> None:
    status, _, err = validate(tmp_path, shapes, capsys)
    assert status == 2
    for word in words:
        assert word in err


def test_blank_target_node_keeps_the_other_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shapes = """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:targetNode [ ] ;
      sh:property [ sh:path ex:n ; sh:minInclusive 2 ] ."""
    status, found, _ = validate(tmp_path, shapes, capsys)
    assert (status, found) == (1, [("http://ex/a", "MinInclusiveConstraintComponent")])


@pytest.mark.parametrize("kind", ["text", "json", "turtle", "jsonld", "html"])
def test_engine_notes_in_every_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """Which engine ran which shape reaches the user in every kind of report."""
    (tmp_path / "data.ttl").write_text(DATA)
    shapes = """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:expression [ sh:path ex:ok ] ."""
    (tmp_path / "shapes.ttl").write_text(PREFIXES + shapes)
    args = ["validate", "--replace-shapes", "--shapes", str(tmp_path / "shapes.ttl")]
    status = cli.main([*args, str(tmp_path / "data.ttl"), "--report", kind])
    out, _ = capsys.readouterr()
    assert status == 1
    assert "pyshacl: shape http://ex/S (sh:expression is run by pySHACL)" in out


def test_shapes_graph_constraint_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A SPARQL-based constraint reading $shapesGraph and $currentShape (pySHACL raises for
    them) gives its result, not a crash."""
    shapes = """ex:S a sh:NodeShape ; sh:targetClass ex:C ; ex:limit 2 ;
      sh:sparql [ sh:prefixes ex:P ; sh:select '''SELECT $this WHERE {
        $this ex:n ?n . GRAPH $shapesGraph { $currentShape ex:limit ?limit }
        FILTER (?n < ?limit) }''' ] .
    ex:P sh:declare [ sh:prefix "ex" ; sh:namespace "http://ex/" ] ."""
    status, found, err = validate(tmp_path, shapes, capsys)
    assert (status, found, err) == (1, [("http://ex/a", "SPARQLConstraintComponent")], "")


def test_prefixes_follow_owl_imports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shapes = """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
      sh:sparql [ sh:prefixes ex:P ;
                  sh:select "SELECT $this WHERE { $this ex:ok false }" ] .
    ex:P <http://www.w3.org/2002/07/owl#imports> ex:O .
    ex:O sh:declare [ sh:prefix "ex" ; sh:namespace "http://ex/" ] ."""
    status, found, _ = validate(tmp_path, shapes, capsys)
    assert (status, found) == (1, [("http://ex/a", "SPARQLConstraintComponent")])
