"""SVG badges per model and class, as the reference tool has them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from mofkg.api.web.badges import Badge
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

from .test_pages import demo_store, make_app  # noqa: F401  (the fixture is shared)

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def client(demo_store: Store) -> Iterator[FlaskClient]:  # noqa: F811
    with make_app(demo_store).test_client() as c:
        yield c


def badge_text(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")][1::2]


@pytest.mark.parametrize(
    ("key", "numeral", "right"),
    [
        ("OLMo-7B-Instruct", "II", "Qualified"),
        ("OLMo-7B-Instruct", "III", "Qualified"),
        ("OLMo-7B-Instruct", "I", "In progress (84.6%)"),
        ("Mistral-7B-v0.1", "III", "In progress (83.3%)"),
        ("Mistral-7B-v0.1", "II", "Not met"),
        ("Llama-3-8B", "III", "Not met"),
    ],
)
def test_class_badges(client: FlaskClient, key: str, numeral: str, right: str) -> None:
    response = client.get(f"/badge/{key}/class-{numeral}.svg")
    assert response.status_code == 200
    assert response.content_type == "image/svg+xml; charset=utf-8"
    assert badge_text(response.data) == [f"MOF Class {numeral}", right]


@pytest.mark.parametrize(
    ("key", "right"),
    [
        ("OLMo-7B", "Class I - Open Science Model"),
        ("OLMo-7B-Instruct", "Class II - Open Tooling Model"),
        ("Falcon-40B", "Class III - Open Model"),
        ("Llama-3-8B", "Unclassified"),
    ],
)
def test_overall_badge(client: FlaskClient, key: str, right: str) -> None:
    response = client.get(f"/badge/{key}.svg")
    assert badge_text(response.data) == ["MOF", right]


def test_badges_are_cacheable_and_conditional(client: FlaskClient) -> None:
    first = client.get("/badge/OLMo-7B/class-I.svg")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    etag = first.headers["ETag"]
    again = client.get("/badge/OLMo-7B/class-I.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_unknown_model_or_class_is_404(client: FlaskClient) -> None:
    response = client.get("/badge/No-Such-Model/class-I.svg")
    assert response.status_code == 404 and "'No-Such-Model'" in response.text
    response = client.get("/badge/a%3E%20%3Fp%20%3Fo/class-I.svg")
    assert response.status_code == 404 and "no model" in response.text
    response = client.get("/badge/OLMo-7B/class-IV.svg")
    assert response.status_code == 404 and "'IV'" in response.text


def test_unassessed_model_says_so() -> None:
    store = Store()
    initialise(store, Settings(), demo=True)
    with make_app(store).test_client() as c:
        assert badge_text(c.get("/badge/OLMo-7B/class-I.svg").data)[1] == "Not assessed"
        assert badge_text(c.get("/badge/OLMo-7B.svg").data)[1] == "Not assessed"


def test_badge_text_is_xml_escaped() -> None:
    from flask import render_template

    store = Store()
    with make_app(store).test_request_context():
        body = render_template("badge.svg", b=Badge("<a&b>", '"x"', "#000"))
    assert badge_text(body.encode()) == ["<a&b>", '"x"']
    assert "&lt;a&amp;b&gt;" in body


def test_badge_width_grows_with_its_text() -> None:
    wide = Badge("MOF", "In progress (84.6%)", "#000")
    assert Badge("MOF", "Qualified", "#000").width < wide.width
