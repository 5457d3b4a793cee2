"""Real remote stores for the backend tests: `oxigraph serve` and Virtuoso 7.2, each started
empty on loopback, and the settings that point mofkg at them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mofkg.graphstore.store.backend_settings import Endpoints
from mofkg.graphstore.store.remote import RemoteStore

HERE = Path(__file__).parent / "backends"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Engine:
    """A running remote store: its kind, base URL and process."""

    kind: str
    url: str
    process: subprocess.Popen[bytes]
    folder: Path

    def env(self) -> dict[str, str]:
        """The ``MOFKG_*`` variables that make mofkg use it."""
        return {"MOFKG_BACKEND": self.kind, "MOFKG_BACKEND_URL": self.url}

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the engine stopped: {log.read_text(errors='replace')}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url}: the engine did not come up in {seconds} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@contextmanager
def oxigraph_serve(folder: Path, *, union: bool = True) -> Iterator[Engine]:
    """`oxigraph serve` on an empty folder; its default graph is the union of its graphs
    (unless not ``union``)."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph command (pip package oxigraph) is not installed")
    port = free_port()
    log = folder / "oxigraph.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                binary,
                "serve",
                "--location",
                str(folder / "db"),
                "--bind",
                f"127.0.0.1:{port}",
                *(["--union-default-graph"] if union else []),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/query?query=ASK%7B%7D", process, 30, log)
        yield Engine("oxigraph", url, process, folder)
    finally:
        _stop(process)


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


@contextmanager
def virtuoso(folder: Path) -> Iterator[Engine]:
    """Virtuoso 7.2 from tests/backends/virtuoso.ini on an empty folder, writes granted to
    its anonymous SPARQL user (a throwaway instance on loopback only)."""
    binary, isql = virtuoso_binary(), shutil.which("isql-vt")
    if binary is None or isql is None:
        raise RuntimeError("Virtuoso (Debian virtuoso-opensource) is not installed")
    sql_port, http_port = free_port(), free_port()
    config = folder / "virtuoso.ini"
    config.write_text(
        (HERE / "virtuoso.ini")
        .read_text()
        .replace("{dir}", str(folder))
        .replace("{sql_port}", str(sql_port))
        .replace("{http_port}", str(http_port))
    )
    log = folder / "virtuoso.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(config)],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{http_port}"
    try:
        _wait_until_up(url + "/sparql?query=ASK%7B%7D", process, 90, log)
        subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", str(HERE / "virtuoso-grants.sql")],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield Engine("virtuoso", url, process, folder)
    finally:
        _stop(process)


class CuttingProxy:
    """A loopback HTTP proxy to an engine that forwards everything but cuts the connection
    (no answer at all) on the ``cut_at``-th Graph Store Protocol write, to stand for a
    connection lost mid-load; each write's answer waits ``delay`` seconds (a slow store)."""

    def __init__(self, target: str, *, cut_at: int = 0, delay: float = 0.0) -> None:
        import http.server
        import threading

        proxy = self
        self.writes = 0
        #: Every request forwarded: method, path and query string, body.
        self.requests: list[tuple[str, str, bytes]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.requests.append((self.command, self.path, body))
                if self.command == "POST" and "graph=" in self.path:
                    proxy.writes += 1
                    if proxy.writes == cut_at:
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                req = urllib.request.Request(
                    target + self.path, data=body or None, method=self.command
                )
                for name in ("Content-Type", "Accept"):
                    if self.headers.get(name):
                        req.add_header(name, self.headers[name])
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, data, kind = r.status, r.read(), r.headers.get("Content-Type")
                except urllib.error.HTTPError as exc:
                    status, data, kind = exc.code, exc.read(), exc.headers.get("Content-Type")
                if self.command == "POST" and "graph=" in self.path:
                    time.sleep(delay)  # the write is done; its answer comes late
                self.send_response(status)
                if kind:
                    self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up (timed out, terminated) is what is tested

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def engine_absent(kind: str) -> str | None:
    """Why the engine ``kind`` cannot run here, or None."""
    if kind == "oxigraph" and oxigraph_binary() is None:
        return "the oxigraph command (pip package oxigraph) is not installed"
    if kind == "virtuoso" and virtuoso_binary() is None:
        return "Virtuoso (Debian virtuoso-opensource) is not installed"
    return None


def remote(engine: Engine, **kwargs: Any) -> RemoteStore:
    """A mofkg store on the engine."""
    return RemoteStore(Endpoints.of(engine.kind, engine.url), **kwargs)
