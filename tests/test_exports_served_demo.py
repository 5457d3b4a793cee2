"""/catalog of the demo `mofkg serve` loads on an empty store (the hand-made models and the
whole Commons) conforms to MLDCAT-AP 3.1.0's SHACL shapes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Namespace

from mofkg.graphstore.settings import load_settings
from mofkg.graphstore.store.bootstrap import prepare_for_serving
from mofkg.graphstore.store.embedded import Store

from .server import Server, get, running_server

IT6 = Namespace("http://data.europa.eu/it6/")
ID = Namespace("https://w3id.org/mofkg/id/")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("store")
    settings = load_settings(store=folder)
    store = Store(folder)
    assert prepare_for_serving(store, settings)  # an empty store: the shipped demo is loaded
    with running_server(settings, store=store) as running:
        yield running


def test_the_served_demos_catalog_conforms_to_mldcat_ap(server: Server, shared_data: Path) -> None:
    reply = get(server.url + "/catalog.ttl?profile=mldcat-ap")
    assert reply.status_code == 200
    g = Graph().parse(data=reply.content, format="turtle")
    index_model = ID["osai-index/model/AMD-OLMo"]
    assert (index_model, IT6.hasFile, ID["osai-index/model/AMD-OLMo#files"]) in g
    shapes = Graph().parse(shared_data / "vocab" / "mldcat-ap-3.1.0-SHACL.ttl")
    conforms, _, text = pyshacl.validate(g, shacl_graph=shapes, inference="none")
    assert conforms, text[:2000]
