"""The W3C SHACL test suite (core and SPARQL), driven by its manifests, through
mofkg.graphstore.shacl, compared strictly, as pySHACL's own runner does.

Each test is named by its IRI. Each test file is read once, with pyoxigraph (lexical forms kept
exactly as written), and its data goes into a real in-memory Oxigraph store. The results are
compared with the expected report as multisets of (focus node, path, value, source shape,
constraint component, severity), messages ignored: every term exactly as in the file (a literal
by its lexical form and datatype, nothing canonicalised), blank nodes by identity (data, shapes
and expected report share one file, so one set of blank nodes), and a blank-node path by its
structure (SHACL §2.3.1), since a report may copy it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from mofkg.graphstore.namespaces import SH
from mofkg.graphstore.shacl import ShapesError, ValidationOutcome, compile_path, validate_store
from mofkg.graphstore.shacl.literals import stage_graph
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.store.terms import triples_to_graph

SUITE = Path(__file__).resolve().parents[2] / "shared" / "data" / "w3c" / "shacl"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
SHT = "http://www.w3.org/ns/shacl-test#"
DATA_GRAPH = "urn:mofkg:test:data"

#: Core tests validated by pySHACL on purpose, and why (every other core test must compile).
CORE_FALLBACK: dict[str, str] = {}
#: Known failures, with the real reason (none).
XFAIL: dict[str, str] = {}


@dataclass(frozen=True)
class W3cTest:
    iri: str
    manifest: Path
    data: str
    shapes: str


def _collect(manifest: Path) -> list[W3cTest]:
    g = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    tests: list[W3cTest] = []
    for include in g.objects(None, URIRef(MF + "include")):
        tests.extend(_collect(Path(str(include).removeprefix("file://"))))
    for entries in g.objects(None, URIRef(MF + "entries")):
        for entry in Collection(g, entries):
            action = g.value(entry, URIRef(MF + "action"))
            data = g.value(action, URIRef(SHT + "dataGraph"))
            shapes = g.value(action, URIRef(SHT + "shapesGraph"))
            tests.append(W3cTest(str(entry), manifest, str(data), str(shapes)))
    return tests


def _all_tests() -> list[W3cTest]:
    """The tests the manifests list, and the test files no manifest includes (one:
    sparql/component/nodeValidator-001, as in the upstream suite), from their own manifests."""
    if not (SUITE / "manifest.ttl").is_file():
        return []
    tests = _collect(SUITE / "manifest.ttl")
    listed = {t.manifest for t in tests}
    for path in sorted(SUITE.rglob("*.ttl")):
        if path not in listed and "sht:Validate" in path.read_text():
            tests.extend(_collect(path))
    return tests


TESTS = _all_tests()


def _test_id(test: W3cTest) -> str:
    return test.iri.split("/w3c/shacl/", 1)[-1]


def _params() -> list[object]:
    params = []
    for test in TESTS:
        marks = []
        if test.iri in XFAIL:
            marks.append(pytest.mark.xfail(reason=XFAIL[test.iri], strict=True))
        params.append(pytest.param(test, id=_test_id(test), marks=marks))
    return params


_graphs: dict[str, Graph] = {}


def _graph(iri: str) -> Graph:
    if iri not in _graphs:
        path = Path(iri.removeprefix("file://"))
        triples = ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=iri)
        _graphs[iri] = triples_to_graph(triples, exact=True)
    return _graphs[iri]


def _key(g: Graph, node: Node | None) -> object:
    return node


def _path_key(g: Graph, path: Node | None) -> object:
    if path is None:
        return None
    return compile_path(g, path, shape=path)


def _shape_key(g: Graph, shape: Node | None) -> object:
    return shape


def _expected(test: W3cTest) -> tuple[bool, Counter[tuple[object, ...]]] | None:
    g = _graph(test.manifest.as_uri())
    result = g.value(URIRef(test.iri), URIRef(MF + "result"))
    if result == URIRef(SHT + "Failure"):
        return None
    conforms = g.value(result, SH.conforms) == Literal(True)
    expected: Counter[tuple[object, ...]] = Counter()
    for r in g.objects(result, SH.result):
        expected.update(
            [
                (
                    _key(g, g.value(r, SH.focusNode)),
                    _path_key(g, g.value(r, SH.resultPath)),
                    _key(g, g.value(r, SH.value)),
                    _shape_key(g, g.value(r, SH.sourceShape)),
                    g.value(r, SH.sourceConstraintComponent),
                    g.value(r, SH.resultSeverity),
                )
            ]
        )
    return conforms, expected


def _actual(outcome: ValidationOutcome, shapes: Graph) -> Counter[tuple[object, ...]]:
    paths = outcome.paths
    return Counter(
        (
            _key(paths, r.focus_node),
            _path_key(paths, r.result_path),
            _key(paths, r.value),
            _shape_key(shapes, r.source_shape),
            r.source_constraint_component,
            r.severity,
        )
        for r in outcome.results
    )


@pytest.mark.parametrize("test", _params())
def test_w3c_shacl(test: W3cTest, shared_data: Path) -> None:
    store = Store()
    stage_graph(store.oxigraph, _graph(test.data), DATA_GRAPH)
    shapes = _graph(test.shapes)
    expected = _expected(test)
    if expected is None:
        with pytest.raises(ShapesError):
            validate_store(store, shapes)
        return
    outcome = validate_store(store, shapes)
    fallback = [note for note in outcome.engine if note.startswith("pyshacl")]
    if "/core/" in test.iri and test.iri not in CORE_FALLBACK:
        assert not fallback, fallback
    assert _actual(outcome, shapes) == expected[1]
    assert outcome.conforms == expected[0]


def test_suite_is_complete(shared_data: Path) -> None:
    """All 121 test files run, each once; the manifests list 120 of them."""
    assert len({t.iri for t in TESTS}) == len(TESTS) == 121
    files = {p for p in SUITE.rglob("*.ttl") if "sht:Validate" in p.read_text()}
    assert len(files) == 121
    assert {t.manifest for t in TESTS} == files
