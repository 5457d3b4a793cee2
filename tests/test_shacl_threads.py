"""The compiled shapes' queries on two threads give what one thread gives: the same results in
the same order, the same shapes left to pySHACL with the same reasons."""

from __future__ import annotations

from rdflib import Graph

from mofkg.graphstore.resources import shapes_path
from mofkg.graphstore.shacl import validate_store
from mofkg.graphstore.shacl.results import ValidationOutcome
from mofkg.graphstore.shacl.threads import WORKERS
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.synthetic import synthetic_ntriples


def _results(outcome: ValidationOutcome) -> list[tuple[object, ...]]:
    return [
        (r.focus_node, r.result_path, r.value, r.source_shape, r.source_constraint_component)
        for r in outcome.results
    ]


def test_the_metadata_shapes_give_the_same_results_on_two_threads() -> None:
    store = Store()
    store.load(synthetic_ntriples(300, seed=3).encode(), graph="http://ex/g", format="nt")
    shapes = Graph().parse(shapes_path("metadata.ttl"))
    one = validate_store(store, shapes)
    two = validate_store(store, shapes, workers=WORKERS)
    assert WORKERS >= 2
    assert len(one.results) > 100
    assert _results(two) == _results(one)
    assert two.engine[0].split(" compiled")[0] == one.engine[0].split(" compiled")[0]


BLANK_CONSTANT = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://ex/> .
ex:A a sh:NodeShape ; sh:targetClass ex:C ;
    sh:property [ sh:path ex:p ; sh:minCount 1 ] ;
    sh:property [ sh:path ex:q ; sh:hasValue [ ex:p 1 ] ] .
ex:B a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:maxCount 1 ] .
ex:D a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:q ; sh:class ex:C ] .
"""
DATA = b"""@prefix ex: <http://ex/> .
ex:a a ex:C ; ex:q ex:b ; ex:p 1, 2 .
ex:b a ex:C ; ex:q ex:a .
ex:c a ex:C ; ex:q ex:d .
"""


def test_a_shape_left_to_pyshacl_on_two_threads_is_left_the_same() -> None:
    store = Store()
    store.load(DATA, graph="http://ex/g", format="ttl")
    shapes = Graph().parse(data=BLANK_CONSTANT, format="turtle")
    one = validate_store(store, shapes)
    two = validate_store(store, shapes, workers=2)
    assert any("pyshacl: shape http://ex/A" in note for note in one.engine)
    assert two.engine[1:] == one.engine[1:]
    assert sorted(map(str, _results(two))) == sorted(map(str, _results(one)))
    assert len(two.results) == len(one.results) >= 3
