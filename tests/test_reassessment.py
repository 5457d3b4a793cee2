"""A re-assessment reaches the store as ONE update: the derived facts and the assessments of
every framework, all or nothing (docs/assessment.md, "Writing assessments";
tests/test_crash.py kills it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mofkg.graphstore.frameworks.assessment import (
    assess_all,
    assess_and_write,
    assess_models,
    derived_graph,
    write_assessments,
)
from mofkg.graphstore.frameworks.writing import Reassessment
from mofkg.graphstore.namespaces import GRAPH
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.synthetic import synthetic_ntriples

SOURCE = "https://w3id.org/mofkg/graph/source/synthetic"
#: A change of the catalogue that changes derived facts and assessments: no component states
#: its own licence any more.
CHANGE = "DELETE WHERE { GRAPH ?g { ?c <http://purl.org/dc/terms/license> ?l } }"


def assessed(path: Path) -> Store:
    """An on-disk store holding 30 synthetic models, assessed under every framework, whose
    catalogue has changed since."""
    store = Store(path)
    initialise(store, Settings(store=path))
    store.load(synthetic_ntriples(30, seed=1).encode(), graph=SOURCE, format="nt")
    assess_all(store)
    store.update(CHANGE)
    return store


def updates_of(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SPARQL updates the store runs from now on (each runs, on the real store)."""
    seen: list[str] = []
    run = store.update

    def update(sparql: str) -> None:
        seen.append(sparql)
        run(sparql)

    monkeypatch.setattr(store, "update", update)
    return seen


def changed_graphs(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {g for g in before.keys() | after.keys() if before.get(g) != after.get(g)}


def test_a_reassessment_of_every_framework_is_one_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = assessed(tmp_path / "kg")
    before = store.graph_sizes()
    updates = updates_of(store, monkeypatch)
    frameworks = assess_all(store)
    assert len(updates) == 1
    changed = changed_graphs(before, store.graph_sizes())
    assessments = str(GRAPH["assessment/"])
    assert any(g.startswith(assessments) for g in changed)
    assert str(derived_graph("mof-1.0")) in changed
    for key in frameworks:  # every framework's graphs are in the one update
        assert f"<{assessments}{key}/" in updates[0]


def test_a_reassessment_of_one_framework_is_one_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = assessed(tmp_path / "kg")
    before = store.graph_sizes()
    updates = updates_of(store, monkeypatch)
    assess_and_write(store, framework="mof-1.0")
    assert len(updates) == 1
    changed = changed_graphs(before, store.graph_sizes())
    assert str(derived_graph("mof-1.0")) in changed
    assert any(g.startswith(str(GRAPH["assessment/mof-1.0/"])) for g in changed)


def test_a_reassessment_of_some_models_is_one_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `mofkg assess --model ...` runs it: the derived facts and the models' assessments."""
    store = assessed(tmp_path / "kg")
    before = store.graph_sizes()
    updates = updates_of(store, monkeypatch)
    changes = Reassessment()
    models = [f"https://w3id.org/mofkg/id/model/synthetic-00000{i}" for i in range(3)]
    results = assess_models(store, framework="mof-1.0", models=models, reassessment=changes)
    assert [str(a.model) for a in results] == models
    write_assessments(store, results, reassessment=changes)
    assert updates == []  # nothing written before the commit
    changes.commit(store)
    assert len(updates) == 1
    changed = changed_graphs(before, store.graph_sizes())
    assert str(derived_graph("mof-1.0")) in changed
    assert {g for g in changed if g.startswith(str(GRAPH["assessment/"]))} == {
        str(GRAPH[f"assessment/mof-1.0/synthetic-00000{i}"]) for i in range(3)
    }
