"""Fixtures shared by the test files: the shared data folder, real stores."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
#: The default store folder of a command run in the working copy (``./mofkg-data``).
REPOSITORY_STORE = Path(__file__).resolve().parents[1] / "mofkg-data"


@pytest.fixture(scope="session")
def _repository_store_before() -> bool:
    return REPOSITORY_STORE.exists()


@pytest.fixture(autouse=True)
def no_store_in_the_repository(_repository_store_before: bool) -> Iterator[None]:
    """Fail the test that makes ``./mofkg-data`` in the working copy (a command run without
    ``--store`` from the repository); the folder is removed so that later tests are not blamed."""
    yield
    if not _repository_store_before and REPOSITORY_STORE.exists():
        shutil.rmtree(REPOSITORY_STORE, ignore_errors=True)
        pytest.fail(
            f"this test made {REPOSITORY_STORE}: give the command --store, or chdir to tmp_path"
        )


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` read in place; skipped where absent, a failure under CI."""
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    message = f"the shared data folder {SHARED_DATA} is absent"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI=true)")
    pytest.skip(message)


class Listener:
    """A loopback TCP listener that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture(scope="session")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The remote engines of the backend tests (`oxigraph serve`, Virtuoso), each started
    empty on loopback on first use and stopped at the session's end; one not installed
    skips its test (a failure under CI=true)."""
    from contextlib import ExitStack

    from tests.backend_servers import Engine, engine_absent, oxigraph_serve, virtuoso

    with ExitStack() as stack:

        class Lazy(dict[str, Engine]):
            def __missing__(self, kind: str) -> Engine:
                reason = engine_absent(kind)
                if reason:
                    if os.environ.get("CI") == "true":
                        pytest.fail(reason)
                    pytest.skip(reason)
                start = oxigraph_serve if kind == "oxigraph" else virtuoso
                engine = stack.enter_context(start(tmp_path_factory.mktemp(kind)))
                self[kind] = engine
                return engine

        yield Lazy()
