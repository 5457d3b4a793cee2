"""POST /validate with the user's own shapes runs them in a child process that is stopped
at the query timeout: a shape whose SPARQL constraint never ends gets 504 naming the setting,
and the server answers other requests meanwhile and after (a real server, a real client)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from tests.server import Server, get, running_server
from tests.test_validate_cli import EXTRA_SHAPES, GOOD
from tests.test_validate_shapes_http import dump, send

TIMEOUT = 12.0  # a child starts in a few seconds on a loaded machine

#: A SHACL-SPARQL constraint that joins the dump with itself four times: 10^8 rows and more
#: for the few hundred triples of the dump below; it does not end within any sane timeout.
RUNAWAY = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/shapes#> .
ex:Runaway a sh:NodeShape ;
    sh:targetSubjectsOf <https://example.org/p> ;
    sh:sparql [
        sh:message "never" ;
        sh:select \"\"\"SELECT $this WHERE {
            $this ?p1 ?o1 . ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l .
            FILTER (STR(?c) = "no" && STR(?f) = "such" && STR(?i) = "row" && STR(?l) = "!")
        }\"\"\" ] .
"""

BIG_DUMP = "".join(
    f'<https://example.org/s{i}> <https://example.org/p> "{i}" .\n' for i in range(300)
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("validate-shapes-limits")
    settings = Settings(store=folder / "store", query_timeout=TIMEOUT)
    store = Store(settings.store)
    initialise(store, settings)
    with running_server(settings, store=store) as running:
        yield running


def test_runaway_user_shapes_are_stopped_at_the_query_timeout(server: Server) -> None:
    pages: list[float] = []
    stop = threading.Event()

    def browse() -> None:
        while not stop.is_set():
            start = time.monotonic()
            assert get(server.url + "/").status_code == 200
            pages.append(time.monotonic() - start)
            time.sleep(0.2)

    browser = threading.Thread(target=browse)
    browser.start()
    start = time.monotonic()
    try:
        r = send(
            server,
            [
                ("file", "dump.nt", BIG_DUMP, "application/n-triples"),
                ("shapes", "r.ttl", RUNAWAY, "text/turtle"),
            ],
        )
    finally:
        stop.set()
        browser.join()
    took = time.monotonic() - start
    assert r.status_code == 504, r.text
    assert "query_timeout" in r.text and "shapes" in r.text
    assert took < TIMEOUT + 20, took
    assert pages, "no page was answered while the validation ran"
    # The server is whole afterwards: the same shapes on a small dump, and its own shapes.
    ok = send(server, [dump(GOOD), ("shapes", "ours.ttl", EXTRA_SHAPES, "text/turtle")])
    assert ok.status_code == 200, ok.text
    assert ok.json()["shapes"] == ["shapes/metadata.ttl", "ours.ttl"]
