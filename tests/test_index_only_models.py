"""A model of which the catalogue lists no component is not assessed under MOF, not Unclassified.

The European Open Source AI Index grades 193 models that the Model Openness Tool does not
list; the Index describes no MOF release of them (no component, no release licence). The
assessment at start-up stores them below every class, as the shapes find every component
missing; pages, badges, the JSON API and ``mofkg explain`` say "not assessed" instead, as they
do for a model never assessed (docs/assessment.md). A model with components keeps its class.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from mofkg.graphstore.errors import NotFoundError
from mofkg.graphstore.frameworks.assessment import assess_all
from mofkg.graphstore.frameworks.explain import explain_model
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

from .test_pages import make_app

INDEX_OLMO = "https://w3id.org/mofkg/id/osai-index/model/OLMo"


@pytest.fixture(scope="module")
def commons() -> Store:
    store = Store()
    initialise(store, Settings(), demo=True, commons=True)  # as `mofkg init --demo`
    assess_all(store)  # as `mofkg serve` does on a new store
    return store


@pytest.fixture(scope="module")
def client(commons: Store) -> Iterator[FlaskClient]:
    with make_app(commons).test_client() as c:
        yield c


def without_components(store: Store) -> set[str]:
    return {
        str(r["m"])
        for r in store.select(
            "SELECT ?m WHERE { ?m a mof:Model FILTER NOT EXISTS { ?m mof:hasComponent ?c } }"
        )
    }


def test_the_index_only_models_are_the_models_without_components(commons: Store) -> None:
    bare = without_components(commons)
    assert len(bare) == 193
    assert all(m.startswith("https://w3id.org/mofkg/id/osai-index/model/") for m in bare)
    # what is stored is the shapes' verdict, unchanged: below every class
    (row,) = commons.select(
        f"""SELECT ?n WHERE {{ ?a mof:assessedModel <{INDEX_OLMO}> ;
              mof:framework mof:MOF-1.0 ; mof:classNumber ?n }}"""
    )
    assert int(str(row["n"])) == 0


def test_the_api_says_not_assessed_for_them_and_keeps_the_others(
    client: FlaskClient, commons: Store
) -> None:
    bare = without_components(commons)
    models: list[dict[str, Any]] = client.get("/api/v1/models?limit=1000").get_json()["models"]
    assert len(models) == 371
    iris = {m["id"]: m for m in models}
    assert len(iris) == len(models)
    unassessed = [m for m in models if m["classification"] is None]
    assert len(unassessed) == len(bare)
    for m in unassessed:
        assert not any(f["assessed"] for f in m["frameworks"].values()), m["id"]
        assert m["frameworks"]["mof-1.0"]["label"] == "Not assessed"
    assessed = [m for m in models if m["classification"] is not None]
    assert len(assessed) == 371 - 193
    assert all(m["frameworks"]["mof-1.0"]["assessed"] for m in assessed)
    mistral = client.get("/api/v1/model/Mistral-7B-v0.1").get_json()
    assert mistral["classification"]["label"] == "Unclassified"  # a MOT record: rated, no class


def test_the_home_page_counts_them_as_not_assessed(client: FlaskClient, commons: Store) -> None:
    html = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f"<title>Not assessed: {len(without_components(commons))}</title>" in html
    unclassified = commons.select(
        """SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?a mof:assessedModel ?m ;
             mof:framework mof:MOF-1.0 ; mof:classNumber 0 . ?m mof:hasComponent ?c }"""
    )
    assert f"<title>Unclassified: {unclassified[0]['n']}</title>" in html


def test_explain_says_why_there_is_no_mof_class(commons: Store) -> None:
    with pytest.raises(NotFoundError) as caught:
        explain_model(commons, INDEX_OLMO)
    assert "not assessed under mof-1.0" in str(caught.value)
    assert "lists no component" in str(caught.value)
    assert "--framework osai-index" in str(caught.value)
