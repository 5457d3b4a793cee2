"""The JSON-LD that model and dataset pages embed for search engines (schema.org with FAIR4ML
for models, Croissant for datasets), read back from the served pages with rdflib."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

from .server import Server, get, running_server

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

SDO = Namespace("https://schema.org/")
FAIR4ML = Namespace("https://w3id.org/fair4ml#")
DCT = Namespace("http://purl.org/dc/terms/")
ID = Namespace("https://w3id.org/mofkg/id/")
SCRIPT = re.compile(r'<script type="application/ld\+json">\n(.*?)\n</script>', re.S)
#: A dataset of the test's own, with a description that tries to end the script element.
FIXTURE = """
@prefix mof: <https://w3id.org/mofkg/ontology#> .
@prefix schema: <http://schema.org/> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://w3id.org/mofkg/id/dataset/Tricky> a mof:Dataset ; schema:name "Tricky & Co" ;
    dct:description "Ends early? </script><script>alert(1)</script>" ;
    dct:license <http://spdx.org/licenses/CC-BY-4.0> ;
    dct:creator <https://w3id.org/mofkg/id/org/AllenAI> ;
    mof:homepage <https://example.org/tricky> .
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("store")
    store = Store(folder)
    initialise(store, Settings(), demo=True)
    store.load(FIXTURE.encode(), format="turtle", graph="https://w3id.org/mofkg/graph/t")
    with running_server(Settings(store=folder), store=store) as running:
        yield running


def embedded(server: Server, path: str) -> tuple[Graph, dict[str, object]]:
    reply = get(server.url + path, headers={"Accept": "text/html"})
    assert reply.status_code == 200
    scripts = SCRIPT.findall(reply.text)
    assert len(scripts) == 1, "one JSON-LD script per page"
    doc = json.loads(scripts[0])
    return Graph().parse(data=scripts[0], format="json-ld"), doc


def test_a_model_page_embeds_schema_org_and_fair4ml(server: Server) -> None:
    g, doc = embedded(server, "/doc/model/OLMo-7B.html")
    assert isinstance(doc["@context"], dict)  # inline: nothing to fetch
    olmo = ID["model/OLMo-7B"]
    assert (olmo, RDF.type, SDO.CreativeWork) in g
    assert (olmo, RDF.type, FAIR4ML.MLModel) in g
    assert g.value(olmo, SDO.name) == Literal("OLMo-7B")
    assert g.value(olmo, SDO.version) == Literal("7B")
    assert (olmo, SDO.license, URIRef("http://spdx.org/licenses/Apache-2.0")) in g
    creator = g.value(olmo, SDO.creator)
    assert creator == ID["org/AllenAI"]
    assert g.value(creator, SDO.name) == Literal("Allen Institute for AI")
    assert (olmo, FAIR4ML.trainedOn, ID["dataset/Dolma"]) in g
    assert (olmo, SDO.sameAs, URIRef("https://huggingface.co/allenai/OLMo-7B")) in g
    instruct, _ = embedded(server, "/doc/model/OLMo-7B-Instruct.html")
    assert (ID["model/OLMo-7B-Instruct"], FAIR4ML.fineTunedFrom, olmo) in instruct
    assert (ID["model/OLMo-7B-Instruct"], SDO.isBasedOn, olmo) in instruct


def test_a_dataset_page_embeds_croissant(server: Server) -> None:
    g, _ = embedded(server, "/doc/dataset/Dolma.html")
    dolma = ID["dataset/Dolma"]
    assert (dolma, RDF.type, SDO.Dataset) in g
    assert (dolma, DCT.conformsTo, URIRef("http://mlcommons.org/croissant/1.0")) in g
    assert g.value(dolma, SDO.name) == Literal("Dolma")
    assert (dolma, SDO.license, URIRef("http://spdx.org/licenses/ODC-By-1.0")) in g
    assert g.value(dolma, SDO.url) == URIRef("https://huggingface.co/datasets/allenai/dolma")
    assert g.value(dolma, SDO.description) is not None  # Dataset Search requires one


def test_a_dataset_of_the_fixture_and_what_would_end_the_script(server: Server) -> None:
    reply = get(server.url + "/doc/dataset/Tricky.html", headers={"Accept": "text/html"})
    assert "<script>alert(1)" not in reply.text
    g, doc = embedded(server, "/doc/dataset/Tricky.html")
    tricky = ID["dataset/Tricky"]
    assert g.value(tricky, SDO.name) == Literal("Tricky & Co")
    assert str(g.value(tricky, SDO.description)).endswith("</script><script>alert(1)</script>")
    assert g.value(g.value(tricky, SDO.creator), SDO.name) == Literal("Allen Institute for AI")
    assert (tricky, SDO.license, URIRef("http://spdx.org/licenses/CC-BY-4.0")) in g


def test_other_pages_embed_none(server: Server) -> None:
    reply = get(server.url + "/doc/org/AllenAI.html", headers={"Accept": "text/html"})
    assert reply.status_code == 200 and SCRIPT.findall(reply.text) == []
