"""Start the real mofkg app under a real WSGI server on a free loopback port.

``running_server`` serves ``create_app`` with werkzeug's threaded server in a thread;
``running_production_server`` starts ``mofkg.api.app.serve`` (Granian) in a subprocess. Both yield a
:class:`Server` with the base URL and stop everything on exit.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from mofkg.api.app import close_app, create_app
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Server:
    """A running server: its base URL (no trailing slash), and the app and store in-process."""

    url: str
    app: Flask | None
    store: Store | None
    #: The server's process, when it runs in one of its own.
    process: subprocess.Popen[bytes] | None = None

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    @property
    def graph_store(self) -> str:
        return self.url + "/store"


def free_port() -> int:
    """A TCP port free on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(
    settings: Settings, *, store: Store | None = None, shared: bool = False
) -> Iterator[Server]:
    """The app for ``settings`` served in a thread on a free loopback port.

    ``shared=True`` builds the app as each `mofkg serve` process does: it shares
    ``settings.store`` with other processes (and apps) instead of owning a store.
    """
    if not shared:
        store = store if store is not None else Store(settings.store)
    app = create_app(settings, store=store)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_port}", app, store)
    finally:
        httpd.shutdown()
        httpd.server_close()
        close_app(app)


def wait_until_up(url: str, *, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Poll ``url`` until it answers, failing if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextmanager
def running_production_server(store_path: Path, **env: str) -> Iterator[Server]:
    """``mofkg.api.app.serve`` (Granian) in a subprocess on a free port, over ``store_path``."""
    port = free_port()
    environ = {
        **os.environ,
        "MOFKG_STORE": str(store_path),
        "MOFKG_HOST": "127.0.0.1",
        "MOFKG_PORT": str(port),
        **env,
    }
    code = (
        "from mofkg.api.app import serve; from mofkg.graphstore.settings import load_settings; "
        "serve(load_settings())"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/sparql", process=process)
        yield Server(url, None, None, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, headers (case-insensitive lookups) and body."""

    status_code: int
    headers: Message
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.content)


def fetch(
    method: str,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    data: bytes | str | Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30,
) -> Reply:
    """One HTTP request over loopback with http.client: nothing is added or followed.

    ``data`` as a mapping is sent form-encoded, as text or bytes as it is.
    """
    headers = dict(headers or {})
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
    body: bytes | None
    if isinstance(data, Mapping):
        body = urllib.parse.urlencode(data).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    else:
        body = data.encode() if isinstance(data, str) else data
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=timeout)
    try:
        target = parts.path + ("?" + parts.query if parts.query else "")
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        return Reply(response.status, response.msg, response.read())
    finally:
        conn.close()


def get(url: str, **kwargs: Any) -> Reply:  # noqa: D103
    return fetch("GET", url, **kwargs)


def post(url: str, **kwargs: Any) -> Reply:
    return fetch("POST", url, **kwargs)


def put(url: str, **kwargs: Any) -> Reply:
    return fetch("PUT", url, **kwargs)


def delete(url: str, **kwargs: Any) -> Reply:
    return fetch("DELETE", url, **kwargs)
