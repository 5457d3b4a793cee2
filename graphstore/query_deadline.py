"""``mofkg query`` with a deadline, for queries that reach other endpoints (``SERVICE``).

Oxigraph follows ``SERVICE <url>`` with its own HTTP client, inside one call that Python
cannot interrupt, and waits as long as the remote endpoint does. So a federated query runs
in a child process that opens the store read-only and writes the answer; at the deadline
the child is killed and the command fails with a message naming the setting. Nothing of a
stopped query is printed.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import sys
from pathlib import Path

from .errors import MofkgError, QueryError, QueryTimeoutError
from .query_policy import tokens


def reaches_out(sparql: str) -> bool:
    """Whether the query has a ``SERVICE`` (read as the policy's lexer reads it).

    >>> reaches_out('SELECT * { SERVICE <http://e.example/> { ?s ?p ?o } }')
    True
    >>> reaches_out('SELECT * { ?s ?p "SERVICE" }')
    False
    """
    return any(t.is_word("SERVICE") for t in tokens(sparql))


def run_with_deadline(store: Path, sparql: str, fmt: str | None, *, timeout: float) -> str:
    """The query's output as ``mofkg query`` prints it, or an error after ``timeout`` s."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(str(store), sparql, fmt, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise QueryTimeoutError(
                f"the query ran longer than {timeout:g} s (setting query_timeout) and was stopped"
            )
        try:
            kind, text = receiver.recv()
        except EOFError as exc:
            raise QueryError("the query's process ended without an answer") from exc
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if kind == "usage":
        from .cli import UsageError

        raise UsageError(text)
    if kind == "error":
        raise QueryError(text)
    return str(text)


def _child(store_path: str, sparql: str, fmt: str | None, sender: object) -> None:
    from .cli import UsageError, _write_query_result
    from .store import Store

    out = io.StringIO()
    try:
        store = Store(Path(store_path), read_only=True)
        saved, sys.stdout = sys.stdout, out
        try:
            _write_query_result(argparse.Namespace(format=fmt), store.query(sparql))
        finally:
            sys.stdout = saved
        message: tuple[str, str] = ("ok", out.getvalue())
    except UsageError as exc:
        message = ("usage", str(exc))
    except MofkgError as exc:
        message = ("error", str(exc))
    except (OSError, ValueError, RuntimeError) as exc:
        message = ("error", f"query failed: {exc}")
    sender.send(message)  # type: ignore[attr-defined]  # a multiprocessing Connection
