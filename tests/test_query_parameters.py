"""No request parameter is ignored in silence (docs/pages.md): on a real server over loopback,
an unknown or invalid value, a repeated parameter and an unknown parameter are 400 naming
them on what programs read; an HTML page shows that it did not use an unknown parameter."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from mofkg.api.web.query_parameters import PARAMETERS
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

from .server import Server, get, running_server

TURTLE = {"Accept": "text/turtle"}
PAGE = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("parameters")
    store = Store(folder)
    initialise(store, Settings())
    with running_server(Settings(store=folder), store=store) as running:
        yield running


def text(reply: object) -> str:
    return html.unescape(reply.text)  # type: ignore[attr-defined]


def test_void_format_names_the_format_or_is_400(server: Server) -> None:
    """?format=bogus was ignored (Turtle came back); now the value is used or refused."""
    reply = get(server.url + "/.well-known/void?format=bogus")
    assert reply.status_code == 400
    assert "format='bogus' is not allowed; use one of: turtle, ntriples" in text(reply)
    reply = get(server.url + "/.well-known/void?format=ntriples", headers=TURTLE)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("application/n-triples")


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/.well-known/void?format=turtle&format=ntriples", "2 'format' parameters; give one"),
        ("/.well-known/void?formats=turtle", "has no parameter 'formats'; it takes format"),
        ("/catalog?profile=dcat-ap&profile=mldcat-ap", "2 'profile' parameters; give one"),
        ("/catalog?profile=croissant", "no export profile 'croissant'"),
        ("/catalog.ttl?profil=dcat-ap", "has no parameter 'profil'; it takes profile"),
        ("/?page=1&page=2", "2 'page' parameters; give one"),
        ("/licence/MIT?view=full", "has no parameter 'view'; it takes no parameters"),
        ("/ontology.ttl?lang=fr", "has no parameter 'lang'"),
        ("/api/v1/models?colour=red", "has no parameter 'colour'; it takes page, limit"),
        ("/dumps/mofkg.nq.gz?x=1", "has no parameter 'x'"),
    ],
)
def test_what_programs_read_refuses_what_it_does_not_take(
    server: Server, path: str, words: str
) -> None:
    reply = get(server.url + path, headers=TURTLE)
    assert reply.status_code == 400, (path, reply.status_code, reply.text[:300])
    assert words in text(reply)


def test_a_page_says_which_parameters_it_did_not_use(server: Server) -> None:
    """An HTML page is the page without the unknown parameter, and says so; a misspelt
    ``page`` no longer gives the first page as if it had been asked for."""
    reply = get(server.url + "/?pgae=2&rows=5&utm_source=mail", headers=PAGE)
    assert reply.status_code == 200
    page = text(reply)
    note = re.search(r'<p class="note ignored-parameters">(.*?)</p>', page, re.S)
    assert note is not None
    assert "<code>pgae</code>, <code>utm_source</code>" in note.group(1)
    assert "<code>page</code>, <code>rows</code>" in note.group(1)
    assert f'<link rel="canonical" href="{server.url}/?rows=5">' in page
    plain = text(get(server.url + "/?rows=5", headers=PAGE))
    assert "ignored-parameters" not in plain and 'rel="canonical"' not in plain


def test_every_listed_resource_is_a_route(server: Server) -> None:
    assert server.app is not None
    assert set(PARAMETERS) <= {rule.endpoint for rule in server.app.url_map.iter_rules()}


def test_one_resource_refuses_or_notes_by_what_it_answers(server: Server) -> None:
    """/catalog negotiates: RDF for a program (400), a page for a browser (the note)."""
    assert get(server.url + "/catalog?x=1", headers=TURTLE).status_code == 400
    reply = get(server.url + "/catalog?x=1&profile=dcat-ap", headers=PAGE)
    assert reply.status_code == 200
    page = text(reply)
    assert 'class="note ignored-parameters"' in page and "<code>x</code>" in page
    assert f'<link rel="canonical" href="{server.url}/catalog?profile=dcat-ap">' in page


def test_the_graph_store_refuses_a_parameter_it_does_not_take(server: Server) -> None:
    graph = "https://w3id.org/mofkg/graph/licences"
    reply = get(server.url + f"/store?graph={graph}&format=nt", headers=TURTLE)
    assert reply.status_code == 400
    assert (
        "the Graph Store (/store) has no parameter 'format'; it takes graph, default" in reply.text
    )
    assert get(server.url + f"/store?graph={graph}", headers=TURTLE).status_code == 200
