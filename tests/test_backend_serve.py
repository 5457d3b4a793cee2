"""`mofkg serve` on a remote backend: the app over `oxigraph serve` and Virtuoso (real
processes on loopback, tests/backend_servers.py), asked by a real HTTP client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from mofkg.graphstore.settings import Settings, load_settings
from mofkg.graphstore.store.remote import RemoteStore

from .backend_servers import Engine, remote
from .server import Server, fetch, running_server

EX = "https://example.org/"
TOKEN = "s3cret"
MODELS = "SELECT ?m WHERE { ?m a <https://w3id.org/mofkg/ontology#Model> } ORDER BY ?m"


def _settings(engine: Engine, tmp_path: Path) -> Settings:
    return load_settings(environ=_settings_env(engine, tmp_path))


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def served(
    request: pytest.FixtureRequest,
    engines: dict[str, Engine],
    shared_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Server, RemoteStore]]:
    """The app over an engine holding three MOT records, assessed (once per engine); the
    store folder of the settings is never made."""
    tmp_path = tmp_path_factory.mktemp(request.param)
    from mofkg.graphstore.catalogue.licences import licence_index
    from mofkg.graphstore.frameworks.assessment import assess_and_write
    from mofkg.graphstore.importers.mot import import_mot
    from mofkg.graphstore.namespaces import LICENCE_GRAPH
    from mofkg.graphstore.store.bootstrap import initialise

    engine = engines[request.param]
    store = remote(engine)
    store.clear()
    settings = _settings(engine, tmp_path)
    initialise(store, settings)
    records = sorted((shared_data / "mot" / "models").glob("*.yml"))[:3]
    index = licence_index(store.to_rdflib(str(LICENCE_GRAPH)))
    store.replace_graphs(import_mot(records, licence_resolver=index.resolve).graphs())
    assess_and_write(store, framework="mof-1.0")
    with running_server(settings, shared=True) as server:
        yield server, store
    store.clear()
    assert not (tmp_path / "untouched").exists()


def _query(server: Server, text: str, accept: str = "application/sparql-results+json") -> bytes:
    reply = fetch("GET", server.sparql, params={"query": text}, headers={"Accept": accept})
    assert reply.status_code == 200, reply.text
    return reply.content


def test_queries_are_answered_by_the_remote_store(served: tuple[Server, RemoteStore]) -> None:
    server, store = served
    rows = json.loads(_query(server, MODELS))["results"]["bindings"]
    assert [r["m"]["value"] for r in rows] == [str(r["m"]) for r in store.select(MODELS)]
    assert len(rows) == 3
    turtle = _query(
        server, "CONSTRUCT { ?m a mof:Model } WHERE { ?m a mof:Model }", accept="text/turtle"
    )
    assert len(Graph().parse(data=turtle, format="turtle")) == 3
    bad = fetch("GET", server.sparql, params={"query": "SELECT * WHERE { ?s ?p }"})
    assert bad.status_code == 400 and "malformed query" in bad.text
    far = fetch("GET", server.sparql, params={"query": "SELECT * { SERVICE <http://e/> { } }"})
    assert far.status_code in (400, 403) and "SERVICE" in far.text


def test_pages_and_the_json_api_read_the_remote_store(
    served: tuple[Server, RemoteStore],
) -> None:
    server, store = served
    listed = fetch("GET", server.url + "/api/v1/models", headers={"Accept": "application/json"})
    assert listed.status_code == 200, listed.text
    ids = sorted(m["id"] for m in listed.json()["models"])
    assert ids == [str(r["m"]).rsplit("/", 1)[-1] for r in store.select(MODELS)]
    name = ids[0]
    page = fetch("GET", f"{server.url}/doc/model/{name}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and name in page.text
    home = fetch("GET", server.url + "/", headers={"Accept": "text/html"})
    assert home.status_code == 200


def test_writes_go_to_the_remote_store_with_the_token(
    served: tuple[Server, RemoteStore],
) -> None:
    server, store = served
    update = f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}p> 'x' }} }}"
    refused = fetch("POST", server.sparql, data={"update": update})
    assert refused.status_code == 401 and not store.has_graph(EX + "g")
    bad = fetch(
        "POST",
        server.sparql,
        data={"update": "INSERT DATA { <a> }"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert bad.status_code == 400 and "malformed update" in bad.text
    done = fetch(
        "POST", server.sparql, data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert done.status_code == 204 and store.graph_size(EX + "g") == 1

    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
    put = fetch(
        "PUT",
        server.graph_store,
        params={"graph": EX + "h"},
        data=f'<{EX}b> <{EX}p> "1", "2" .'.encode(),
        headers=auth,
    )
    assert put.status_code in (201, 204), put.text
    assert store.graph_size(EX + "h") == 2
    got = fetch(
        "GET", server.graph_store, params={"graph": EX + "h"}, headers={"Accept": "text/turtle"}
    )
    assert got.status_code == 200 and len(Graph().parse(data=got.text, format="turtle")) == 2
    gone = fetch("DELETE", server.graph_store, params={"graph": EX + "h"}, headers=auth)
    assert gone.status_code == 204 and not store.has_graph(EX + "h")
    default = fetch("GET", server.graph_store + "?default", headers={"Accept": "text/turtle"})
    assert default.status_code == 501 and "default graph" in default.text


def test_what_needs_the_embedded_engine_is_refused_clearly(
    served: tuple[Server, RemoteStore],
) -> None:
    server, _ = served
    demo = "https://w3id.org/mofkg/graph/ontology"
    for path in (
        "/catalog",
        "/.well-known/void",
        "/dumps/mofkg.nq.gz",
        f"/dumps/graph.nt.gz?graph={demo}",
    ):
        reply = fetch("GET", server.url + path, headers={"Accept": "text/turtle"})
        assert reply.status_code == 501, path
        assert "not available on a remote backend yet" in reply.text, path


def test_mofkg_serve_runs_on_a_remote_store(engines: dict[str, Engine], tmp_path: Path) -> None:
    """`mofkg serve` as a user runs it (the CLI, Granian's processes) over `oxigraph serve`:
    a store that is not empty is served as it is, and writes reach it."""
    import os
    import subprocess
    import sys

    from .server import free_port, wait_until_up

    engine = engines["oxigraph"]
    store = remote(engine)
    store.clear()
    store.load(f'<{EX}a> <{EX}p> "1" .'.encode(), graph=EX + "g", format="nt")
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("mofkg")), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **_settings_env(engine, tmp_path)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/sparql", process=process, timeout=60)
        ask = fetch("GET", url + "/sparql", params={"query": f"ASK {{ <{EX}a> ?p ?o }}"})
        assert ask.json()["boolean"] is True
        put = fetch(
            "PUT",
            url + "/store",
            params={"graph": EX + "h"},
            data=f'<{EX}b> <{EX}p> "2" .'.encode(),
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
        )
        assert put.status_code == 201, put.text
        assert store.graph_sizes() == {EX + "g": 1, EX + "h": 1}
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert engine.url.encode() in err  # "serving <the remote store> at ..."
    assert not (tmp_path / "untouched").exists()
    store.clear()


def _settings_env(engine: Engine, tmp_path: Path) -> dict[str, str]:
    return {
        **engine.env(),
        "MOFKG_STORE": str(tmp_path / "untouched"),
        "MOFKG_UPDATE_TOKEN": TOKEN,
    }
