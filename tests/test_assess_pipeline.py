"""The assessment's writer: N-Quads text bulk-loaded on a worker thread, batches pipelined
(``assess_and_write``), and assessing a store without writing into it (``write_derived``)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from mofkg.graphstore.catalogue.licences import build_licence_graph
from mofkg.graphstore.errors import MofkgError
from mofkg.graphstore.frameworks import assessment
from mofkg.graphstore.frameworks import writing as assessment_rdf
from mofkg.graphstore.frameworks.assessment import (
    ModelAssessment,
    assess_and_write,
    assess_models,
    assess_with,
    derived_graph,
    write_assessments,
)
from mofkg.graphstore.frameworks.definition import load_framework
from mofkg.graphstore.frameworks.writing import BulkLoader, bulk_load_pieces, has_assessments
from mofkg.graphstore.namespaces import GRAPH, LICENCE_GRAPH, MOF, ONTOLOGY_GRAPH
from mofkg.graphstore.resources import ontology_path
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.synthetic import synthetic_ntriples

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
ID = "https://w3id.org/mofkg/id/model/"
ODD_TEXT = 'Apache "2.0"\nor \\ a tab\there, é'
ODD = f"""
@prefix mof: <https://w3id.org/mofkg/ontology#> .
<{ID}Odd> a mof:Model ; mof:hasComponent <{ID}Odd-params> .
<{ID}Odd-params> a mof:Component ; mof:componentType mof:ModelParametersFinal ;
    mof:licenceText {ODD_TEXT!r} .
""".replace("'", '"""')


def catalogue(store: Store, models: int = 20) -> Store:
    store.load(ontology_path(), graph=str(ONTOLOGY_GRAPH))
    store.add_graph(build_licence_graph(), str(LICENCE_GRAPH))
    store.load(synthetic_ntriples(models, seed=5).encode(), graph="urn:x:synthetic", format="nt")
    store.load(ODD.encode(), graph="urn:x:odd", format="turtle")
    return store


def everything(store: Store) -> set[ox.Quad]:
    return set(store.oxigraph.quads_for_pattern(None, None, None, None))


def written(store: Store) -> set[ox.Quad]:
    """The assessment and derived quads (the catalogue's blank nodes differ between stores)."""
    return {
        q
        for g in mofkg_graphs(store)
        for q in store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(g))
    }


def mofkg_graphs(store: Store) -> list[str]:
    prefixes = (str(GRAPH["assessment/"]), str(GRAPH["derived/"]))
    return sorted(
        g.value
        for g in store.oxigraph.named_graphs()
        if isinstance(g, ox.NamedNode) and g.value.startswith(prefixes)
    )


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """21 models in batches of 6 (4 working copies), pieces of 100 quads (~2 per model)."""
    monkeypatch.setattr(assessment, "BATCH_MODELS", 6)
    monkeypatch.setattr(assessment_rdf, "BULK_CHUNK", 100)


@pytest.mark.usefixtures("small_pieces")
def test_pipelined_first_assessment_writes_what_the_two_calls_write(tmp_path: Path) -> None:
    piped, plain = catalogue(Store(tmp_path / "piped")), catalogue(Store(tmp_path / "plain"))
    assert not has_assessments(piped, "mof-1.0")
    results = assess_and_write(piped, now=NOW)
    expected = assess_models(plain)
    write_assessments(plain, expected, now=NOW)
    assert len(results) == 21 and results == expected
    assert has_assessments(piped, "mof-1.0") and not has_assessments(piped, "other")
    assert written(piped) == written(plain) and len(written(piped)) > 21 * 150
    # the free text came through the N-Quads text as it was
    rows = piped.select(
        f"SELECT ?t WHERE {{ ?a mof:assessedModel <{ID}Odd> ; mof:hasOutcome/mof:licenceText ?t }}"
    )
    assert {str(r["t"]) for r in rows} == {ODD_TEXT}


@pytest.mark.usefixtures("small_pieces")
def test_pipelined_reassessment_replaces_by_difference(tmp_path: Path) -> None:
    store = catalogue(Store(tmp_path / "store"))
    first = assess_and_write(store, now=NOW)
    before = everything(store)
    assert assess_and_write(store, now=LATER) == first
    gone, came = before - everything(store), everything(store) - before
    # per model, the two times (generated, ended) changed and nothing else
    assert len(gone) == len(came) == 2 * len(first)
    assert {q.object.value for q in came} == {"2026-02-03T04:05:06Z"}  # type: ignore[union-attr]


@pytest.mark.usefixtures("small_pieces")
def test_a_failed_pipelined_write_leaves_no_partial_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = catalogue(Store(tmp_path / "store"))
    assess_in = assessment._assess_in
    calls = []

    def third_batch_broken(work: Store, fw: object, models: object) -> list[ModelAssessment]:
        found = assess_in(work, fw, models)  # type: ignore[arg-type]
        calls.append(len(found))
        if len(calls) == 3:  # after two batches were handed to the writer
            found[-1] = dataclasses.replace(found[-1], outcomes=found[-1].outcomes[:3])
        return found

    monkeypatch.setattr(assessment, "_assess_in", third_batch_broken)
    with pytest.raises(MofkgError, match=r"the assessment has 3 outcomes, the framework mof-1.0"):
        assess_and_write(store, now=NOW)
    # the worker's error comes out at the next hand-over: the fourth batch was assessed
    assert calls == [6, 6, 6, 3] and mofkg_graphs(store) == []


def test_a_failed_bulk_load_is_raised_after_the_loads_before_it(tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "store"))
    good = b"<http://a> <http://b> <http://c> <http://g> .\n"
    with BulkLoader(store, pending=2) as loader:
        loader.load(good)
        loader.load(b"<http://a> <http://b> no .\n")
        with pytest.raises(SyntaxError, match=r"line 1"):
            loader.finish()
        loader.finish()  # the error is raised once
    assert len(store) == 1


def test_write_derived_false_writes_nothing_and_gives_the_same_assessments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fw = load_framework("mof-1.0")
    staging = catalogue(Store())
    before = everything(staging)
    monkeypatch.setattr(assessment, "BATCH_MODELS", 6)  # 4 in-memory working copies
    found = assess_with(staging, fw, write_derived=False)
    assert everything(staging) == before
    assert not staging.has_graph(str(derived_graph("mof-1.0")))
    expected = assess_with(catalogue(Store()), fw)  # the default: derive() then query in place
    assert len(found) == 21 and found == expected
    assert any(o.status == MOF.InvalidLicence for a in found for o in a.outcomes)


def test_write_derived_false_is_for_the_whole_store() -> None:
    with pytest.raises(ValueError, match=r"^write_derived=False assesses the whole store"):
        assess_with(Store(), load_framework("mof-1.0"), models=[ID + "Odd"], write_derived=False)


def test_pieces_load_side_by_side_and_a_bad_one_is_raised() -> None:
    store = ox.Store()
    good = [f'<http://e/{i}> <http://e/p> "{i}" .'.encode() for i in range(7)]
    bulk_load_pieces(store, good, threads=3)
    assert len(store) == 7
    with pytest.raises(SyntaxError, match="line 1 column"):
        bulk_load_pieces(store, [*good[:3], b"<http://e/x> <http://e/p> 1 .", *good[3:]])
