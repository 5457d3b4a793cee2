"""/api/v1/models reads a page in a fixed number of queries, whatever the page's size.

The store is the real one (the shipped Commons, assessed under every framework); a counting
proxy stands between it and its pyoxigraph store, counts each query and runs it on the real
store, so what is counted is what the store is asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from mofkg.graphstore.frameworks.assessment import assess_all
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

from .test_pages import make_app


class CountingOxigraph:
    """A pyoxigraph store's stand-in that counts the queries and quad patterns asked of it and
    hands each to the real store."""

    def __init__(self, real: ox.Store) -> None:
        self._real = real
        self.asked = 0

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.asked += 1
        return self._real.query(*args, **kwargs)

    def quads_for_pattern(self, *args: Any, **kwargs: Any) -> Any:
        self.asked += 1
        return self._real.quads_for_pattern(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture(scope="module")
def counted() -> Iterator[tuple[FlaskClient, CountingOxigraph]]:
    store = Store()
    initialise(store, Settings(), demo=True, commons=True)  # as `mofkg init --demo`
    assess_all(store)  # as `mofkg serve` does on a new store
    counter = CountingOxigraph(store.oxigraph)
    store._store = counter  # type: ignore[assignment]  # the proxy runs every query on the real store
    with make_app(store).test_client() as client:
        client.get("/api/v1/models?limit=1")  # the list of model IRIs, read once and kept
        yield client, counter


def queries_for(client: FlaskClient, counter: CountingOxigraph, path: str) -> tuple[int, Any]:
    before = counter.asked
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return counter.asked - before, response.get_json()


def test_a_page_costs_the_same_queries_whatever_its_size(
    counted: tuple[FlaskClient, CountingOxigraph],
) -> None:
    client, counter = counted
    small, ten = queries_for(client, counter, "/api/v1/models?limit=10")
    large, hundred = queries_for(client, counter, "/api/v1/models?limit=100")
    later, second = queries_for(client, counter, "/api/v1/models?limit=100&page=2")
    assert len(ten["models"]) == 10 and len(hundred["models"]) == len(second["models"]) == 100
    # the pages hold every part that is read: assessed models, and models the Index grades
    every = hundred["models"] + second["models"]
    assert any(m["classification"] for m in every)
    assert any(m["frameworks"]["osaid-1.0"]["assessed"] for m in every)
    assert any("osai_index" in m for m in every)
    assert small == large == later, (small, large, later)
    assert small <= 25, f"{small} queries for one page"


def test_the_single_model_costs_no_more_than_a_page(
    counted: tuple[FlaskClient, CountingOxigraph],
) -> None:
    client, counter = counted
    page, _ = queries_for(client, counter, "/api/v1/models?limit=100")
    one, model = queries_for(client, counter, "/api/v1/model/OLMo-7B")
    assert model["id"] == "OLMo-7B"
    assert one <= page + 1  # the page's reads, and the check that the model exists
