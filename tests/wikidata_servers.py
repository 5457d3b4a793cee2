"""Loopback servers for the linking tests: Wikidata's RDF model under ``oxigraph serve``, and
small HTTP servers that misbehave in one way each; and the fixtures the linking and federation
tests share (a demo store, the fixture's endpoint). A test module takes the fixtures by
importing them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mofkg.graphstore.settings import load_settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from tests.server import free_port, wait_until_up

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "wikidata" / "wikidata-fixture.ttl"


def oxigraph_command() -> str:
    """The ``oxigraph`` CLI (the ``oxigraph`` Python package, a test dependency)."""
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which(
        "oxigraph"
    )
    if found is None:
        message = "the oxigraph CLI (pip package oxigraph) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required under CI=true)")
        pytest.skip(message)
    return found


@contextmanager
def wikidata_fixture(folder: Path) -> Iterator[str]:
    """``oxigraph serve-read-only`` over the fixture; yields its query URL."""
    command = oxigraph_command()
    location = folder / "wikidata-store"
    subprocess.run(
        [command, "load", "--location", str(location), "--file", str(FIXTURE)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    process = subprocess.Popen(
        [command, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        wait_until_up(url + "?query=ASK%7B%7D", process=process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


Behaviour = Callable[[BaseHTTPRequestHandler, int], None]


@contextmanager
def misbehaving_server(behaviour: Behaviour) -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on loopback whose every request is answered by ``behaviour(handler, n)``
    (``n`` counts the requests from 0); yields its URL and the User-Agents it saw."""
    agents: list[str] = []
    count = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            self.body = self.rfile.read(length)
            with lock:
                n = count[0]
                count[0] += 1
                agents.append(self.headers.get("User-Agent", ""))
            behaviour(self, n)

        do_GET = do_POST  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            # A client that stops reading (the size cap) or gives up (the timeout) is what
            # these servers test: its broken pipe must not print into the test's stderr.
            pass

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/sparql", agents
    finally:
        server.shutdown()
        server.server_close()


def forward(handler: BaseHTTPRequestHandler, target: str) -> None:
    """Answer with what ``target`` answers to the same request."""
    request = urllib.request.Request(
        target,
        data=getattr(handler, "body", b""),
        headers={
            "Content-Type": handler.headers.get("Content-Type", ""),
            "Accept": handler.headers.get("Accept", ""),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        handler.send_response(response.status)
        handler.send_header("Content-Type", response.headers.get("Content-Type", ""))
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    if "Content_Length" not in headers and "No_Length" not in headers:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def hang(handler: BaseHTTPRequestHandler, n: int) -> None:
    time.sleep(20)


# -- fixtures shared by the linking and federation tests ---------------------------------


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the demo catalogue, made once per module (copied by :func:`store_dir`)."""
    folder = tmp_path_factory.mktemp("demo") / "kg"
    store = Store(folder)
    initialise(store, load_settings(environ={}), demo=True)
    store.close()
    return folder


@pytest.fixture
def store_dir(demo_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo store for one test."""
    folder = tmp_path / "kg"
    shutil.copytree(demo_template, folder)
    return folder


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of the Wikidata-model fixture under ``oxigraph serve``."""
    with wikidata_fixture(tmp_path_factory.mktemp("wikidata")) as url:
        yield url
