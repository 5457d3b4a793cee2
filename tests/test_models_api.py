"""The JSON API, compatible with the Model Openness Tool's, plus per-component status."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

from .test_pages import demo_store, make_app  # noqa: F401  (the fixture is shared)


@pytest.fixture(scope="module")
def client(demo_store: Store) -> Iterator[FlaskClient]:  # noqa: F811
    with make_app(demo_store).test_client() as c:
        yield c


def lenient_json(text: str) -> Any:
    """JSON with trailing commas, as MOT's expected_results.json has them."""
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


@pytest.fixture(scope="module")
def mot_expected(shared_data: Path) -> Any:
    path = shared_data / "mot" / "test_data" / "expected_results.json"
    return lenient_json(path.read_text(encoding="utf-8"))


def shape(value: Any) -> Any:
    """The field names and kinds of a JSON value, without its data."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__ if not isinstance(value, int | float) else "number"


def test_models_pager_and_page(client: FlaskClient) -> None:
    data = client.get("/api/v1/models?page=2&limit=5").get_json()
    assert data["pager"] == {"total_items": 17, "total_pages": 4, "current_page": 2}
    assert len(data["models"]) == 5
    first = client.get("/api/v1/models?limit=5").get_json()
    ids = [m["id"] for m in first["models"]] + [m["id"] for m in data["models"]]
    assert len(set(ids)) == 10 and ids == sorted(ids)
    last = client.get("/api/v1/models?page=4&limit=5").get_json()
    assert len(last["models"]) == 2
    beyond = client.get("/api/v1/models?page=9&limit=5").get_json()
    assert beyond["models"] == [] and beyond["pager"]["current_page"] == 9


def test_one_model(client: FlaskClient) -> None:
    model = client.get("/api/v1/model/OLMo-7B-Instruct").get_json()
    assert model["id"] == "OLMo-7B-Instruct"
    assert model["framework"] == {"name": "Model Openness Framework", "version": "1.0"}
    assert model["release"]["name"] == "OLMo-7B-Instruct"
    assert model["release"]["producer"] == "Allen Institute for AI"
    assert model["release"]["license"]["distribution"]["name"] == "Apache-2.0"
    assert model["classification"] == {
        "class": 2,
        "label": "Class II - Open Tooling Model",
        "progress": {"1": 84.6154, "2": 100.0, "3": 100.0},
        "progress_text": {"1": "84.6%", "2": "100%", "3": "100%"},
        "held_back": {},
    }
    components = model["release"]["components"]
    statuses = {c["name"]: c["status"] for c in components}
    described = {c["name"]: c["description"] for c in components}
    assert described["Model architecture"] == "Well commented code for the model's architecture"
    assert statuses["Training code"] == "counts"
    assert statuses["Model parameters (Final)"] == "open-not-type-appropriate"
    assert "Data preprocessing code" not in statuses  # absent, so not listed (as in MOT)


def test_list_and_single_agree(client: FlaskClient) -> None:
    listed = client.get("/api/v1/models?limit=100").get_json()["models"]
    for model in listed[:3]:
        assert client.get(f"/api/v1/model/{model['id']}").get_json() == model


def test_every_framework_is_in_the_json(client: FlaskClient) -> None:
    mine = client.get("/api/v1/model/OLMo-7B").get_json()
    assert list(mine["frameworks"]) == ["mof-1.0", "osaid-1.0"]
    mof = mine["frameworks"]["mof-1.0"]
    assert (mof["class"], mof["label"], mof["lacking"]) == (
        mine["classification"]["class"],
        mine["classification"]["label"],
        [],
    )
    osaid = mine["frameworks"]["osaid-1.0"]
    assert osaid["name"] == "Open Source AI Definition 1.0" and osaid["assessed"]
    assert (osaid["class"] == 1) == (osaid["lacking"] == [])


def test_shape_matches_the_reference_tool(client: FlaskClient, mot_expected: Any) -> None:
    ours = client.get("/api/v1/models?limit=100").get_json()
    assert set(ours) == set(mot_expected) == {"pager", "models"}
    assert set(ours["pager"]) == set(mot_expected["pager"])
    theirs = mot_expected["models"][1]
    mine = next(m for m in ours["models"] if m["id"] == "OLMo-7B")
    assert set(mine) == set(theirs) | {"frameworks"}  # ours: every framework's result
    assert set(mine["framework"]) >= set(theirs["framework"])
    for key in ("name", "version", "type", "architecture", "producer", "license", "components"):
        assert key in mine["release"], key
    # the reference tool's fields, and two of ours: the rounded text and why a class is at 0%
    assert set(mine["classification"]) == set(theirs["classification"]) | {
        "progress_text",
        "held_back",
    }
    assert set(mine["classification"]["progress"]) == set(theirs["classification"]["progress"])
    their_component = shape(theirs["release"]["components"][0])
    for component in mine["release"]["components"]:
        assert set(component) - {"status"} <= {
            "name",
            "description",
            "license",
            "license_path",
            "component_path",
        }
        assert set(their_component) <= set(component) | {"license", "license_path"}
    assert shape(mine["release"]["license"]["distribution"]) == {"name": "str"} or set(
        mine["release"]["license"]["distribution"]
    ) <= {"name", "path"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", "'page' must be at least 1, not 0"),
        ("page=x", "'page' must be a whole number, not 'x'"),
        ("limit=0", "'limit' must be between 1 and 1000, not 0"),
        ("limit=5000", "'limit' must be between 1 and 1000, not 5000"),
        ("limit=1.5", "'limit' must be a whole number, not '1.5'"),
    ],
)
def test_bad_paging_is_a_json_400(client: FlaskClient, query: str, message: str) -> None:
    response = client.get(f"/api/v1/models?{query}")
    assert response.status_code == 400
    assert response.get_json() == {"error": {"status": 400, "message": message}}


def test_unknown_model_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/model/No-Such-Model")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {"status": 404, "message": "no model 'No-Such-Model' in the catalogue"}
    }


def test_a_key_that_is_no_iri_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/model/a%3E%20%3Fp")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "no model 'a> ?p' in the catalogue"


def test_unassessed_models_have_no_classification() -> None:
    store = Store()
    initialise(store, Settings(), demo=True)
    with make_app(store).test_client() as c:
        model = c.get("/api/v1/model/OLMo-7B").get_json()
    assert model["classification"] is None
    assert all(comp["status"] is None for comp in model["release"]["components"])


def test_a_model_typed_in_two_graphs_is_listed_once() -> None:
    store = Store()
    initialise(store, Settings(), demo=True)
    olmo = "https://w3id.org/mofkg/id/model/OLMo-7B"
    RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"  # noqa: N806
    store.load(
        f"<{olmo}> <{RDF_TYPE}> <https://w3id.org/mofkg/ontology#Model> .".encode(),
        graph="https://w3id.org/mofkg/graph/extra",
        format="nt",
    )
    data = make_app(store).test_client().get("/api/v1/models?limit=100").get_json()
    ids = [m["id"] for m in data["models"]]
    assert data["pager"]["total_items"] == 17
    assert ids.count("OLMo-7B") == 1 and ids == sorted(ids)


def test_records_from_the_triple_index_are_those_from_an_rdflib_graph(
    demo_store: Store,  # noqa: F811
) -> None:
    """The API writes records from a TripleIndex, the CLI (`mofkg export mot`) from an rdflib
    graph of the same triples: every demo model's record is the same from both."""
    import pyoxigraph as ox
    from rdflib import URIRef

    from mofkg.graphstore.catalogue import views as catalogue
    from mofkg.graphstore.importers.mot_rdf import export_record
    from mofkg.graphstore.store.terms import triples_to_graph

    models = catalogue.model_iris(demo_store)
    index = catalogue.release_triples(demo_store, models)
    every = demo_store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")  # a superset
    assert isinstance(every, ox.QueryTriples)
    graph = triples_to_graph(every)
    assert len(models) == 17
    for iri in models:
        assert export_record(index, URIRef(iri)) == export_record(graph, URIRef(iri)), iri


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/nope", 404), ("/api", 404), ("/api/v2/models", 404), ("/api/v1/models/", 404)],
)
def test_every_error_under_api_is_json(client: FlaskClient, path: str, status: int) -> None:
    """A path under /api that no route serves was a text/plain 404, though the API's
    errors are JSON: every error below /api is the API's JSON object."""
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == status
    assert response.content_type == "application/json"
    assert response.get_json()["error"]["status"] == status


def test_a_method_the_api_does_not_take_is_a_json_405(client: FlaskClient) -> None:
    response = client.post("/api/v1/models")
    assert response.status_code == 405
    assert response.get_json()["error"]["status"] == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
