"""The same answers on every backend: embedded Oxigraph, `oxigraph serve` and Virtuoso.

Each remote engine is a real process on loopback, one per session (the ``engines`` fixture of
conftest.py), emptied before each test. The embedded store's answers, worked out once per
module, are the reference: every MOT record of ../shared/data assessed (class, progress,
outcomes, and the graphs written), the demo catalogue assessed under every framework and
explained, and `mofkg validate --load` (report, exit status and what it loads).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mofkg.graphstore.frameworks.assessment import (
    assess_and_write,
    assess_models,
    derived_graph,
)
from mofkg.graphstore.frameworks.explain import explain_model
from mofkg.graphstore.frameworks.registry import all_frameworks
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store

from .backend_servers import CuttingProxy, Engine, remote

BACKENDS = ["embedded", "oxigraph", "virtuoso"]
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, engines: dict[str, Engine]) -> Iterator[Any]:
    """An empty store of each kind."""
    if request.param == "embedded":
        yield Store()
        return
    kv = remote(engines[request.param])
    kv.clear()
    yield kv
    kv.clear()


def _mot_settings(shared_data: Path) -> Settings:
    mot = shared_data / "mot" / "licenses"
    return Settings(licence_list="mot", mot_licences=mot / "licenses.json")


def fill_with_mot(store: Any, shared_data: Path) -> None:
    """The ontology, MOT's pinned licence list and every MOT record (models and test data)."""
    from mofkg.graphstore.catalogue.licences import licence_index
    from mofkg.graphstore.importers.mot import import_mot
    from mofkg.graphstore.namespaces import LICENCE_GRAPH
    from mofkg.graphstore.store.bootstrap import initialise

    initialise(store, _mot_settings(shared_data))
    index = licence_index(store.to_rdflib(str(LICENCE_GRAPH)))
    mot = shared_data / "mot"
    imported = import_mot([mot / "models", mot / "test_data"], licence_resolver=index.resolve)
    store.replace_graphs(imported.graphs())


#: The OSAI Index's own assessments, imported by `init --demo`, not made by `mofkg assess`:
#: Virtuoso keeps 15 significant digits of their 18-digit xsd:decimal scores
#: (docs/backends.md).
IMPORTED = "https://w3id.org/mofkg/graph/assessment/osai-index"


def stored(store: Any, prefixes: tuple[str, ...]) -> dict[str, set[Any]]:
    """The graphs whose names start with one of ``prefixes`` (but :data:`IMPORTED`), as
    sets of triples."""
    return {
        g: set(store.to_rdflib(g))
        for g in store.graph_sizes()
        if g.startswith(prefixes) and g != IMPORTED
    }


ASSESSED = ("https://w3id.org/mofkg/graph/assessment/", "https://w3id.org/mofkg/graph/derived/")


@pytest.fixture(scope="module")
def mot_reference(shared_data: Path) -> tuple[list[Any], dict[str, set[Any]]]:
    """The MOT records' assessments on the embedded store, and the graphs written."""
    reference = Store()
    fill_with_mot(reference, shared_data)
    results = assess_and_write(reference, framework="mof-1.0", now=NOW)
    return [a.to_json() for a in results], stored(reference, ASSESSED)


def test_mot_records_are_assessed_alike(
    store: Any, shared_data: Path, mot_reference: tuple[list[Any], dict[str, set[Any]]]
) -> None:
    """Every MOT record: the same class, progress and outcomes, and the same assessment and
    derived graphs, triple for triple."""
    fill_with_mot(store, shared_data)
    results = assess_and_write(store, framework="mof-1.0", now=NOW)
    want, graphs = mot_reference
    assert len(results) == len(want) == 188
    assert [a.to_json() for a in results] == want
    got = stored(store, ASSESSED)
    assert sorted(got) == sorted(graphs)
    assert got == graphs
    assert not [g for g in store.graph_sizes() if g.startswith("urn:mofkg:staging:")]


def test_assessing_some_models_writes_the_derived_facts_of_all(
    store: Any, shared_data: Path, mot_reference: tuple[list[Any], dict[str, set[Any]]]
) -> None:
    """`mofkg assess MODEL`: the models given assessed, the derived facts of every model."""
    fill_with_mot(store, shared_data)
    want, graphs = mot_reference
    some = [want[0]["id"], want[100]["id"]]
    results = assess_models(store, framework="mof-1.0", models=some)
    assert [a.to_json() for a in results] == [want[0], want[100]]
    derived = str(derived_graph("mof-1.0"))
    assert set(store.to_rdflib(derived)) == graphs[derived]


@pytest.fixture(scope="module")
def demo_reference() -> tuple[dict[str, list[Any]], dict[str, set[Any]], str]:
    from mofkg.graphstore.store.bootstrap import initialise

    reference = Store()
    initialise(reference, Settings(), demo=True, commons=True)
    results = {
        fw.key: [a.to_json() for a in assess_and_write(reference, framework=fw, now=NOW)]
        for fw in all_frameworks()
    }
    model = "https://w3id.org/mofkg/id/model/BLOOM"
    return results, stored(reference, ASSESSED), explain_model(reference, model)


def test_the_demo_is_assessed_and_explained_alike(
    store: Any, demo_reference: tuple[dict[str, list[Any]], dict[str, set[Any]], str]
) -> None:
    from mofkg.graphstore.store.bootstrap import initialise

    initialise(store, Settings(), demo=True, commons=True)
    want, graphs, explained = demo_reference
    for fw in all_frameworks():
        results = assess_and_write(store, framework=fw, now=NOW)
        assert [a.to_json() for a in results] == want[fw.key], fw.key
    assert stored(store, ASSESSED) == graphs
    assert explain_model(store, "https://w3id.org/mofkg/id/model/BLOOM") == explained


def run(argv: list[str]) -> tuple[int, str, str]:
    """A command's exit status, output and errors."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from mofkg.graphstore.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def _use(kind: str, store: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The environment that points the commands at the store; the arguments naming it."""
    if kind == "embedded":
        monkeypatch.delenv("MOFKG_BACKEND", raising=False)
        monkeypatch.delenv("MOFKG_BACKEND_URL", raising=False)
        return ["--store", str(tmp_path / "kg")]
    monkeypatch.setenv("MOFKG_BACKEND", kind)
    monkeypatch.setenv("MOFKG_BACKEND_URL", store.endpoints.query.rsplit("/", 1)[0])
    monkeypatch.setenv("MOFKG_STORE", str(tmp_path / "untouched"))
    return []


Outcome = tuple[list[tuple[int, str, str]], dict[str, set[Any]]]


def validate_and_load(
    kind: str, store: Any, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Outcome:
    """`mofkg validate --load` of three MOT records, then of a dump that does not pass: the
    runs (paths under ``tmp_path`` written TMP) and the graphs of records and assessments."""
    records = sorted((shared_data / "mot" / "models").glob("*.yml"))[:3]
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix mof: <https://w3id.org/mofkg/ontology#> .\n"
        "<https://example.org/m> a mof:Model ; mof:hasComponent <https://example.org/c> .\n"
        "<https://example.org/c> a mof:Component .\n"
    )
    where = _use(kind, store, monkeypatch, tmp_path)
    assert run([*where, "init"])[0] == 0
    runs = [
        run([*where, "validate", "--load", *map(str, records)]),
        run([*where, "validate", "--load", "--report", "json", str(bad)]),
    ]
    runs = [
        (s, o.replace(str(tmp_path), "TMP"), e.replace(str(tmp_path), "TMP")) for s, o, e in runs
    ]
    loaded = Store(tmp_path / "kg", read_only=True) if kind == "embedded" else store
    graphs = {
        g: {t for t in loaded.to_rdflib(g) if not _timed(t)}
        for g in loaded.graph_sizes()
        if "/source/" in g or "/assessment/" in g
    }
    return runs, graphs


def _timed(triple: Any) -> bool:
    return str(triple[1]).endswith(("generatedAtTime", "endedAtTime"))


@pytest.fixture(scope="module")
def validation_reference(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    with pytest.MonkeyPatch.context() as monkeypatch:
        return validate_and_load(
            "embedded", None, shared_data, tmp_path_factory.mktemp("embedded"), monkeypatch
        )


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_validate_load_reports_and_loads_alike(
    kind: str,
    engines: dict[str, Engine],
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    validation_reference: Outcome,
) -> None:
    """`mofkg validate --load` on a remote store: the same reports and exit statuses as on
    the embedded store, and the same graphs loaded (the records and their assessments;
    nothing of the dump that does not pass)."""
    store = remote(engines[kind])
    store.clear()
    runs, graphs = validate_and_load(kind, store, shared_data, tmp_path, monkeypatch)
    want_runs, want_graphs = validation_reference
    (good, _, good_err), (bad, _, bad_err) = want_runs
    assert (good, bad) == (0, 1) and "nothing loaded" in bad_err, good_err
    assert len([g for g in want_graphs if "/assessment/" in g]) == 3
    assert runs == want_runs
    assert graphs == want_graphs
    store.clear()


def test_an_assessment_cut_short_writes_nothing(
    engines: dict[str, Engine], shared_data: Path
) -> None:
    """The connection lost on the third write of an assessment: neither assessments nor
    derived facts are written, and no staging graph is left."""
    from mofkg.graphstore.errors import MofkgError

    engine = engines["oxigraph"]
    kv = remote(engine)
    kv.clear()
    fill_with_mot(kv, shared_data)
    before = kv.graph_sizes()
    proxy = CuttingProxy(engine.url, cut_at=3)
    try:
        cut = remote(Engine(engine.kind, proxy.url, engine.process, engine.folder), chunk=20_000)
        with pytest.raises(MofkgError):
            assess_and_write(cut, framework="mof-1.0", now=NOW)
    finally:
        proxy.close()
    assert proxy.writes == 3
    assert kv.graph_sizes() == before
    kv.clear()


def test_an_assessment_asks_for_no_whole_store(
    engines: dict[str, Engine], shared_data: Path
) -> None:
    """Every CONSTRUCT of a remote assessment names its subjects (VALUES), and the only whole
    graphs read are the ontology and the licences."""
    import urllib.parse

    from mofkg.graphstore.namespaces import LICENCE_GRAPH, ONTOLOGY_GRAPH

    engine = engines["oxigraph"]
    kv = remote(engine)
    kv.clear()
    fill_with_mot(kv, shared_data)
    proxy = CuttingProxy(engine.url)
    try:
        watched = remote(Engine(engine.kind, proxy.url, engine.process, engine.folder))
        assert len(assess_models(watched, framework="mof-1.0")) == 188
    finally:
        proxy.close()
    queries = [
        urllib.parse.parse_qs(body.decode())["query"][0]
        for method, path, body in proxy.requests
        if method == "POST" and path.startswith("/query")
    ]
    constructs = [q for q in queries if "CONSTRUCT" in q]
    assert constructs and all("VALUES ?s" in q for q in constructs)
    read = {
        urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["graph"][0]
        for method, path, _ in proxy.requests
        if method == "GET" and path.startswith("/store")
    }
    assert read == {str(ONTOLOGY_GRAPH), str(LICENCE_GRAPH)}
    kv.clear()
