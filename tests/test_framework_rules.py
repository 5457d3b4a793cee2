"""The SHACL-AF rule runner: a framework file's SPARQL rules over a data graph, knowing no
framework (a toy framework here, written as a file in a temporary folder)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace

from mofkg.graphstore.frameworks.rules import RuleError, read_rules, run_rules, run_rules_file
from mofkg.graphstore.store.embedded import Store

EX = Namespace("http://example.org/")

TOY = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:toy sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
ex:factor ex:value 2 .

ex:Doubling a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:rule [ a sh:SPARQLRule ; sh:order 2 ; sh:prefixes ex:toy ;
        sh:construct "CONSTRUCT { $this ex:big true } WHERE { $this ex:double ?d FILTER(?d > 5) }"
      ] ,
      [ a sh:SPARQLRule ; sh:order 1 ; sh:prefixes ex:toy ;
        sh:construct '''CONSTRUCT { $this ex:double ?d }
            WHERE { $this ex:n ?n . ex:factor ex:value ?f BIND(?n * ?f AS ?d) }''' ] ,
      [ a sh:SPARQLRule ; sh:order 0 ; sh:deactivated true ;
        sh:construct "CONSTRUCT { $this <http://example.org/never> true } WHERE { }" ] .
"""


IMPLICIT = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

ex:Special a rdfs:Class, sh:NodeShape ;
    sh:rule [ a sh:SPARQLRule ;
        sh:construct "CONSTRUCT { $this <http://example.org/seen> true } WHERE { }" ] .
"""


def data() -> Graph:
    g = Graph()
    g.parse(
        data="""@prefix ex: <http://example.org/> .
        ex:a a ex:Thing ; ex:n 2 . ex:b a ex:Special ; ex:n 4 .
        ex:Special <http://www.w3.org/2000/01/rdf-schema#subClassOf> ex:Thing .
        ex:c ex:n 9 .""",
        format="turtle",
    )
    return g


def test_rules_run_in_order_over_their_focus_nodes(tmp_path: Path) -> None:
    toy = tmp_path / "toy.ttl"
    toy.write_text(TOY, "utf-8")
    inferred = run_rules_file(toy, data())
    assert inferred.value(EX.a, EX.double) == Literal(4)
    assert inferred.value(EX.b, EX.double) == Literal(8)  # a Thing through rdfs:subClassOf
    assert (EX.c, EX.double, None) not in inferred  # not a focus node
    assert set(inferred.subjects(EX.big, Literal(True))) == {EX.b}  # order 2 sees order 1
    assert (None, EX.never, None) not in inferred  # deactivated


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("sh:targetClass ex:Thing ;", "sh:targetClass ex:Thing ; sh:condition ex:Doubling ;"),
            "sh:condition is not carried out",
        ),
        (
            ("[ a sh:SPARQLRule ; sh:order 2", "[ a sh:TripleRule ; sh:order 2"),
            "TripleRule is not carried out",
        ),
        (('sh:construct "CONSTRUCT { $this ex:big', 'sh:select "SELECT'), "without sh:construct"),
        (("sh:order 1 ;", 'sh:order "first" ;'), "is not a number"),
    ],
)
def test_what_the_runner_does_not_carry_out_is_refused_by_name(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    assert change[0] in TOY
    toy = tmp_path / "toy.ttl"
    toy.write_text(TOY.replace(change[0], change[1], 1), "utf-8")
    with pytest.raises(RuleError, match=message):
        run_rules_file(toy, data())


def test_a_rule_that_does_not_parse_names_the_file(tmp_path: Path) -> None:
    toy = tmp_path / "toy.ttl"
    toy.write_text(TOY.replace("BIND(?n * ?f AS ?d)", "BIND(?n * AS ?d)"), "utf-8")
    with pytest.raises(RuleError, match=r"toy\.ttl: the rule"):
        run_rules_file(toy, data())


def test_a_shape_that_is_a_class_targets_its_instances(tmp_path: Path) -> None:
    toy = tmp_path / "implicit.ttl"
    toy.write_text(IMPLICIT, "utf-8")
    inferred = run_rules_file(toy, data())
    assert set(inferred.subjects(EX.seen, Literal(True))) == {EX.b}


def test_assessment_and_the_index_import_share_one_runner(tmp_path: Path) -> None:
    """The rules `mofkg assess` reads from a framework file (deactivated ones skipped, a shape
    that is a class targeting its instances) infer, run set-based on a store, what the Index
    import's run of the same file infers."""
    toy = tmp_path / "toy.ttl"
    toy.write_text(TOY + IMPLICIT, "utf-8")
    shapes = Graph().parse(toy, format="turtle")
    rules = read_rules(shapes, source=str(toy))
    assert len(rules) == 3  # the deactivated one is skipped, not refused
    store = Store()
    store.oxigraph.bulk_load(
        (data() + shapes).serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES
    )
    run_rules(store, rules)
    inferred = run_rules_file(toy, data())
    assert set(inferred.subjects(EX.seen, Literal(True))) == {EX.b}
    assert len(inferred) == 4  # ex:a and ex:b doubled, ex:b big and seen
    assert set(inferred) <= set(store.to_rdflib())
    assert not store.ask("ASK { ?x <http://example.org/never> true }")  # deactivated
