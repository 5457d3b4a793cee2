"""Errors on the pages are HTML pages in the site's layout; the endpoint's, the Graph Store's,
/validate's and the JSON API's errors keep their bodies for their clients; the favicon."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from tests.server import Server, get, post, running_server
from tests.test_pages import BROWSER_ACCEPT, assessed_demo, make_app

NAVIGATION = ("<nav>", 'href="/query">Query</a>', 'href="/sparql">SPARQL endpoint</a>')


@pytest.fixture(scope="module")
def demo_store() -> Store:
    return assessed_demo()


@pytest.fixture(scope="module")
def client(demo_store: Store) -> Iterator[FlaskClient]:
    app = make_app(demo_store)

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("a fault of ours")

    with app.test_client() as c:
        yield c


def message_of(page: str) -> str:
    found = re.search(r'id="error-message">([^<]*)<', page)
    assert found is not None, page
    return html.unescape(found.group(1))


def assert_error_page(reply: TestResponse, status: int) -> str:
    assert reply.status_code == status
    assert reply.content_type == "text/html; charset=utf-8"
    text = reply.text
    assert text.startswith("<!doctype html>")
    for part in NAVIGATION:
        assert part in text
    assert 'rel="icon"' in text
    return message_of(text)


@pytest.mark.parametrize("accept", [None, BROWSER_ACCEPT, "*/*"])
def test_a_missing_thing_is_a_404_page(client: FlaskClient, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    reply = client.get("/id/model/No-Such-Model", headers=headers)
    message = assert_error_page(reply, 404)
    assert message == "nothing is known about <https://w3id.org/mofkg/id/model/No-Such-Model>"
    assert "<title>404 Not Found · mofkg</title>" in reply.text


def test_a_path_no_page_has_is_a_404_page(client: FlaskClient) -> None:
    reply = client.get("/no/such/page", headers={"Accept": BROWSER_ACCEPT})
    message = assert_error_page(reply, 404)
    assert "The requested URL was not found on the server" in message


def test_a_page_number_that_is_no_number_is_a_400_page(client: FlaskClient) -> None:
    message = assert_error_page(client.get("/?page=two"), 400)
    assert message == "'page' must be a whole number, not 'two'"


def test_a_format_no_page_has_is_a_406_page(client: FlaskClient) -> None:
    reply = client.get("/id/model/OLMo-7B", headers={"Accept": "image/png"})
    message = assert_error_page(reply, 406)
    assert message.startswith("Accept 'image/png' matches none of: text/html, text/turtle")


def test_our_fault_is_a_500_page_that_tells_nothing_more(client: FlaskClient) -> None:
    message = assert_error_page(client.get("/boom"), 500)
    assert message == "internal error (logged on the server)"
    assert "a fault of ours" not in client.get("/boom").text


def test_a_client_that_prefers_plain_text_gets_plain_text(client: FlaskClient) -> None:
    reply = client.get("/id/model/No-Such-Model", headers={"Accept": "text/plain"})
    assert reply.status_code == 404
    assert reply.content_type == "text/plain; charset=utf-8"
    assert reply.text.startswith("nothing is known about <")


def test_a_page_past_the_end_is_an_empty_grid_with_a_way_back(client: FlaskClient) -> None:
    """The README's /?page=2&rows=50 on the 17 models of the demo: a page, not an error."""
    reply = client.get("/?page=2&rows=50")
    assert reply.status_code == 200
    assert re.findall(r'data-model="([^"]+)"', reply.text) == []
    note = reply.text.split('id="past-the-end">', 1)[1].split("</p>", 1)[0]
    assert "Page 2 is past the end of the grid: its 17 models make 1 page of 50 rows." in note
    assert 'href="/?page=1&amp;rows=50">Back to page 1</a>' in note
    assert 'rel="next"' not in reply.text and 'rel="prev"' not in reply.text


def test_the_favicon_is_served_and_linked(client: FlaskClient) -> None:
    for path in ("/favicon.ico", "/static/favicon.svg"):
        with client.get(path) as reply:
            assert reply.status_code == 200
            assert reply.content_type.startswith("image/svg+xml")
            assert reply.data.startswith(b"<svg")
    icon = '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">'
    assert icon in client.get("/").text


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("errors")
    with running_server(Settings(store=path, update_token="t0ken")) as srv:
        yield srv


@pytest.mark.parametrize(
    ("path", "status", "start"),
    [
        ("/sparql?query=SELECT+WHERE+%7B", 400, "malformed query"),
        ("/store?graph=urn:none", 404, ""),
        ("/nope", 404, "<!doctype html>"),
    ],
)
def test_machine_paths_keep_their_plain_text_errors(
    server: Server, path: str, status: int, start: str
) -> None:
    reply = get(server.url + path, headers={"Accept": BROWSER_ACCEPT})
    assert reply.status_code == status
    if start.startswith("<"):
        assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
        assert reply.text.startswith(start)
    else:
        assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert start in reply.text


def test_validate_and_the_json_api_keep_their_errors(server: Server) -> None:
    reply = post(server.url + "/validate", data=b"<a> <b", headers={"Content-Type": "text/turtle"})
    assert reply.status_code in (400, 422)
    assert not reply.headers["Content-Type"].startswith("text/html")
    api = get(server.url + "/api/v1/model/No-Such-Model", headers={"Accept": BROWSER_ACCEPT})
    assert api.status_code == 404
    assert api.headers["Content-Type"] == "application/json"
    assert api.json()["error"]["status"] == 404


def test_every_navigation_link_but_the_endpoint_leads_to_a_page(client: FlaskClient) -> None:
    """What a person reaches from the navigation is shown, not downloaded (/sparql, the
    endpoint, is tested in tests/test_negotiation.py); the ontology is in the navigation."""
    nav = client.get("/", headers={"Accept": BROWSER_ACCEPT}).text.split("<nav>", 1)[1]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.split("</nav>", 1)[0])
    assert [text for _, text in links] == [
        "Catalogue",
        "Query",
        "SPARQL endpoint",
        "Ontology",
        "JSON API",
    ]
    for href, text in links:
        if href == "/sparql":
            continue
        reply = client.get(href, headers={"Accept": BROWSER_ACCEPT})
        assert reply.status_code == 200, (text, reply.status_code)
        shown = reply.content_type.split(";")[0]
        assert shown in ("text/html", "application/json"), (text, shown)


def test_a_path_that_only_begins_like_a_machine_path_is_a_page(client: FlaskClient) -> None:
    """/apifoo and /sparqlish were taken for /api and /sparql (a prefix test on the text),
    so their 404 was plain text (found by a review)."""
    for path in ("/apifoo", "/sparqlish", "/badges"):
        reply = client.get(path, headers={"Accept": BROWSER_ACCEPT})
        assert reply.status_code == 404
        assert reply.content_type.startswith("text/html"), path
