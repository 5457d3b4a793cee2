"""The transport between the server and its query workers: length-prefixed frames on sockets.

A frame is a 4-byte big-endian length and that many bytes (a pickled job or outcome). The
server reads a worker's answer either blocking (:func:`recv_frame`, in a thread) or on its
event loop (:func:`recv_frame_async`), which can also give up on a query whose client went
away (:class:`ClientGone`).
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

_HEADER = struct.Struct(">I")


def send_frame(sock: socket.socket, payload: bytes) -> None:
    """Send one message: its length (4 bytes, big-endian), then its bytes."""
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _recv_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        if deadline is not None:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
        n = sock.recv_into(view[got:])
        if n == 0:
            raise EOFError("the other end closed the connection")
        got += n
    return buffer


def recv_frame(sock: socket.socket, *, deadline: float | None = None) -> bytes:
    """Receive one message sent by :func:`send_frame`; ``TimeoutError`` past ``deadline``
    (a :func:`time.monotonic` time), ``EOFError`` when the other end has closed.

    A plain socket with a timeout waits in one ``poll`` inside the socket module, where
    ``multiprocessing.connection`` built a selector per wait (a tenth of a lookup's cost).

    >>> a, b = socket.socketpair()
    >>> send_frame(a, b"ready")
    >>> recv_frame(b, deadline=time.monotonic() + 1)
    b'ready'
    >>> a.close(); b.close()
    """
    (size,) = _HEADER.unpack(_recv_exactly(sock, _HEADER.size, deadline))
    return bytes(_recv_exactly(sock, size, deadline))


class _FrameReader:
    """A frame read from a non-blocking socket in as many steps as its bytes come in."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray(_HEADER.size)
        self.got = 0
        self.header = True

    def step(self) -> bytes | None:
        """Read what has come: the whole frame once it is in, else ``None``."""
        while True:
            view = memoryview(self.buffer)[self.got :]
            try:
                n = self.sock.recv_into(view) if len(view) else 0
            except BlockingIOError:
                return None
            if len(view) and n == 0:
                raise EOFError("the other end closed the connection")
            self.got += n
            if self.got < len(self.buffer):
                continue
            if not self.header:
                return bytes(self.buffer)
            (size,) = _HEADER.unpack(self.buffer)
            self.buffer = bytearray(size)
            self.got = 0
            self.header = False
            if size == 0:
                return b""


class ClientGone(Exception):
    """The client of a query went away, and the query was stopped or never sent
    (:meth:`QueryPool.run_async`)."""


#: Seconds between checks of whether an abandoned query may be stopped yet.
GONE_CHECK = 0.25


async def recv_frame_async(
    sock: socket.socket,
    *,
    deadline: float,
    gone: asyncio.Future[Any] | None = None,
    stop: Callable[[], bool] = lambda: True,
) -> bytes:
    """:func:`recv_frame` on the running event loop, for a non-blocking socket: the loop
    watches it and reads each part as it comes; ``TimeoutError`` past ``deadline``.

    Once ``gone`` is done, ``stop()`` is asked at once and then every :data:`GONE_CHECK`
    seconds while the frame has not come; when it answers true (having stopped the sender),
    :class:`ClientGone` is raised. A frame that has already come is read first and returned.
    """
    reader = _FrameReader(sock)
    frame = reader.step()
    if frame is not None:
        return frame
    loop = asyncio.get_running_loop()
    done: asyncio.Future[bytes] = loop.create_future()
    pending: list[asyncio.TimerHandle] = []  # the next check, once the client is gone

    def readable() -> None:
        if done.done():
            return
        try:
            got = reader.step()
        except (EOFError, OSError) as exc:
            done.set_exception(exc)
            return
        if got is not None:
            done.set_result(got)

    def late() -> None:
        if not done.done():
            done.set_exception(TimeoutError())

    def check() -> None:
        readable()  # an answer already here is kept, and its worker spared
        if done.done():
            return
        if stop():
            done.set_exception(ClientGone())
        else:
            pending[:] = [loop.call_later(GONE_CHECK, check)]

    def left(_: object) -> None:
        check()

    fd = sock.fileno()
    loop.add_reader(fd, readable)
    timer = loop.call_later(max(deadline - time.monotonic(), 0), late)
    if gone is not None:
        gone.add_done_callback(left)
    try:
        return await done
    finally:
        loop.remove_reader(fd)
        timer.cancel()
        for handle in pending:
            handle.cancel()
        if gone is not None:
            gone.remove_done_callback(left)
