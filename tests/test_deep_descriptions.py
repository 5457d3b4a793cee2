"""Documents about a resource whose blank nodes nest deep (a chain of 300 or 3,000 levels).

rdflib's Turtle and JSON-LD serialisers nest a blank node inside the one that refers to it
by recursion, and ran out of stack (500). Such a description is written flat instead: every
blank node gets a label, with the same triples (docs/endpoint.md, "Deep blank nodes").
"""

from __future__ import annotations

import json

import pytest

from mofkg.graphstore.namespaces import DEFAULT_IDS, SCHEMA
from mofkg.graphstore.store.embedded import Store
from tests.test_pages import make_app, parse

DEEP = DEFAULT_IDS.dataset("Deep")
NEXT = "https://example.org/next"


def chain_store(depth: int) -> Store:
    """A store where ``DEEP`` starts a chain of ``depth`` blank nodes."""
    lines = [f'<{DEEP}> <{SCHEMA.name}> "Deep" .', f"<{DEEP}> <{NEXT}> _:b0 ."]
    lines += [f"_:b{i} <{NEXT}> _:b{i + 1} ." for i in range(depth - 1)]
    lines.append(f'_:b{depth - 1} <{SCHEMA.name}> "end" .')
    store = Store()
    store.load("\n".join(lines).encode(), graph="urn:deep", format="nt")
    return store


@pytest.fixture(scope="module", params=[300, 3000])
def deep(request: pytest.FixtureRequest) -> tuple[int, Store]:
    return request.param, chain_store(request.param)


@pytest.mark.parametrize("extension", ["ttl", "jsonld", "nt", "rdf"])
def test_a_deep_blank_node_chain_is_served_whole(deep: tuple[int, Store], extension: str) -> None:
    depth, store = deep
    with make_app(store).test_client() as c:
        response = c.get(f"/doc/dataset/Deep.{extension}")
    assert response.status_code == 200, response.text[:300]
    graph = parse(response.data, extension)
    assert len(graph) == depth + 2  # the name, the first link, depth-1 links, the end's name
    assert len({o for _, p, o in graph if str(p) == NEXT}) == depth


def test_a_deep_chain_in_jsonld_is_flat_json(deep: tuple[int, Store]) -> None:
    depth, store = deep
    with make_app(store).test_client() as c:
        data = json.loads(c.get("/doc/dataset/Deep.jsonld").data)
    text = json.dumps(data)
    assert text.count("_:") >= depth


def test_a_deep_chain_has_an_html_page(deep: tuple[int, Store]) -> None:
    _, store = deep
    with make_app(store).test_client() as c:
        response = c.get("/doc/dataset/Deep.html")
    assert response.status_code == 200
    assert "Deep" in response.text


def test_a_shallow_description_keeps_its_nested_blank_nodes() -> None:
    store = chain_store(3)
    with make_app(store).test_client() as c:
        text = c.get("/doc/dataset/Deep.ttl").text
    assert "[" in text and "_:" not in text
