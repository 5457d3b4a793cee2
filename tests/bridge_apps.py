"""Small WSGI apps behind mofkg.api.server.front's WSGI bridge, for Granian to serve in tests
(``granian --interface rsgi tests.bridge_apps:front``)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mofkg.api.server.front import STREAM_AT, _Exchange

StartResponse = Callable[..., Any]


def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
    """``/write``: a body partly written with write(); ``/exc``: write(), then an error page
    (start_response with exc_info); ``/writestream``: write() between the parts of a long
    body; ``/gaps``: a long body with empty
    chunks between its parts; ``/broken``: a long body, its length given, whose generator
    fails midway; ``/raise``: an error before start_response."""
    path = environ["PATH_INFO"]
    if path == "/raise":  # fails before it answers anything
        raise RuntimeError("the app failed before start_response")
    headers = [("Content-Type", "text/plain")]
    if path == "/broken":
        headers.append(("Content-Length", str(STREAM_AT // 4 * 8)))
    write = start_response("200 OK", headers)
    if path == "/write":
        write(b"written ")
        return iter([b"", b"returned"])
    if path == "/exc":  # wrote, then an error page: the written bytes settled the status
        write(b"partial ")
        try:
            raise ValueError("the app failed after write()")
        except ValueError:
            start_response("500 Error", [("Content-Length", "5")], sys.exc_info())
        return iter([b"error"])
    if path == "/writestream":  # write() between the parts of a long body
        big = b"a" * (STREAM_AT + 1)

        def streamed() -> Iterator[bytes]:
            yield big
            write(b"written")
            yield b"end"

        return streamed()
    part = b"x" * (STREAM_AT // 4)

    def parts() -> Iterator[bytes]:
        for i in range(8):
            yield b""
            yield part
            if path == "/broken" and i == 5:
                raise RuntimeError("the app failed midway")

    return parts()


class Front:
    """An RSGI app that sends every request through the bridge."""

    def __init__(self) -> None:
        self.threads = ThreadPoolExecutor(2)

    async def __rsgi__(self, scope: Any, proto: Any) -> None:  # noqa: D105
        await _Exchange(asyncio.get_running_loop(), proto).run(self.threads, wsgi, scope)


front = Front()
