"""The VoID counts and the DCAT catalogue are worked out once per store generation for every
server process sharing the store (as under `mofkg serve`), and a write changes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import VOID

from mofkg.api.web import catalog
from mofkg.api.web.generation_cache import FOLDER
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.store.generation import StoreGeneration

from .server import Server, fetch, get, running_server

TOKEN = "generation-token"
GRAPH = "https://w3id.org/mofkg/graph/t"
MODEL = b"<https://w3id.org/mofkg/id/model/Brand-New>"


def graph_triples(server: Server) -> int:
    """The void:triples of GRAPH in the server's VoID description (0 when it has none)."""
    g = Graph().parse(data=get(server.url + "/.well-known/void").content, format="turtle")
    value = g.value(URIRef(GRAPH), VOID.triples)
    return int(value) if value is not None else 0


def test_two_processes_work_the_catalogue_out_once_and_a_write_changes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store"
    store = Store(path)
    initialise(store, Settings(store=path))
    store.close()
    StoreGeneration(path)  # the generation file, as `mofkg serve` makes it
    calls: list[str] = []
    real = catalog.catalogue_triples

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(catalog, "catalogue_triples", counted)
    settings = Settings(store=path, update_token=TOKEN)
    with running_server(settings, shared=True) as one, running_server(settings, shared=True) as two:
        first = get(one.url + "/catalog.nt").content
        assert get(two.url + "/catalog.nt").content == first
        assert calls == ["mldcat-ap"]  # the second process read the first one's file
        assert MODEL not in first and graph_triples(one) == graph_triples(two) == 0
        files = sorted(p.name for p in (path / FOLDER).iterdir() if not p.name.endswith(".lock"))
        assert files == ["0.catalog-mldcat-ap", "0.graph-sizes", "0.void-links"]

        reply = fetch(
            "PUT",
            one.graph_store + "?graph=" + GRAPH,
            data=MODEL + b" <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
            b"<https://w3id.org/mofkg/ontology#Model> .",
            headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"},
        )
        assert reply.status_code in (201, 204), reply.text
        assert graph_triples(two) == graph_triples(one) == 1  # the write changed the count
        after = get(two.url + "/catalog.nt").content
        assert MODEL in after and get(one.url + "/catalog.nt").content == after
        assert calls == ["mldcat-ap", "mldcat-ap"]  # once more for the new generation
        files = sorted(p.name for p in (path / FOLDER).iterdir() if not p.name.endswith(".lock"))
        assert files == ["1.catalog-mldcat-ap", "1.graph-sizes", "1.void-links"]
