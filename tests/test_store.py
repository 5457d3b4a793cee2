"""The store itself: on disk and in memory, queries over the union, graphs, export."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from mofkg.graphstore.errors import NotFoundError, QueryError, ReadOnlyError
from mofkg.graphstore.store.embedded import Store

EX = "https://example.org/"


def fill(store: Store) -> None:
    store.load(f'<{EX}a> <{EX}p> "1" .'.encode(), graph=EX + "g1", format="nt")
    store.load(
        f'<{EX}b> <{EX}p> "2" .\n<{EX}c> <{EX}p> "3" .'.encode(), graph=EX + "g2", format="nt"
    )


def test_on_disk_store_keeps_its_data(tmp_path: Path) -> None:
    store = Store(tmp_path / "kg")
    fill(store)
    store.flush()
    del store
    again = Store(tmp_path / "kg")
    assert again.graph_sizes() == {EX + "g1": 1, EX + "g2": 2}


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    fill(Store(tmp_path / "kg"))
    reader = Store(tmp_path / "kg", read_only=True)
    assert len(reader) == 3
    with pytest.raises(ReadOnlyError):
        reader.load(b"", graph=EX + "g3", format="nt")
    with pytest.raises(ReadOnlyError):
        reader.update("CLEAR ALL")


def test_queries_see_the_union_unless_told_otherwise() -> None:
    store = Store()
    fill(store)
    assert len(store.select("SELECT * WHERE { ?s ?p ?o }")) == 3
    assert len(store.select("SELECT * WHERE { ?s ?p ?o }", default_graph=[EX + "g1"])) == 1
    assert len(store.select("SELECT * WHERE { ?s ?p ?o }", union=False)) == 0
    assert store.ask(f"ASK {{ GRAPH <{EX}g2> {{ <{EX}c> ?p ?o }} }}")


def test_select_returns_rdflib_terms_and_prefixes_are_known() -> None:
    store = Store()
    store.load(f'<{EX}m> <http://schema.org/name> "M"@en .'.encode(), graph=EX + "g", format="nt")
    rows = store.select("SELECT ?n WHERE { ?m schema:name ?n }")
    assert rows == [{"n": Literal("M", lang="en")}]


def test_malformed_query_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="malformed query"):
        Store().select("SELECT WHERE {")


def test_replace_graphs_is_atomic_and_leaves_no_staging() -> None:
    store = Store()
    fill(store)
    g = Graph()
    g.add((URIRef(EX + "x"), URIRef(EX + "p"), Literal(9)))
    store.replace_graphs({EX + "g1": g, EX + "g3": g})
    assert store.graph_sizes() == {EX + "g1": 1, EX + "g2": 2, EX + "g3": 1}
    assert set(store.to_rdflib(EX + "g1")) == set(g)


def test_drop_graphs() -> None:
    store = Store()
    fill(store)
    store.drop_graphs([EX + "g1", EX + "absent"])
    assert list(store.graph_sizes()) == [EX + "g2"]


def test_export_whole_store_as_triples_is_the_union() -> None:
    store = Store()
    fill(store)
    data = store.export(None, "ntriples")
    assert data is not None and len(data.splitlines()) == 3
    quads = store.export(None, "nquads")
    assert quads is not None and quads.count(f"<{EX}g2>".encode()) == 2


def test_export_of_absent_graph_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="no graph"):
        Store().export(None, "turtle", graph=EX + "absent")
