"""``mofkg query`` with a deadline, for queries that reach other endpoints (``SERVICE``).

Oxigraph follows ``SERVICE <url>`` with its own HTTP client, inside one call that Python
cannot interrupt, and waits as long as the remote endpoint does. So a federated query runs
in a child process that opens the store read-only and writes the answer; at the deadline
the child is killed and the command fails with a message naming the setting. Nothing of a
stopped query is printed. As on the endpoint, the answer is cut after ``max_rows`` rows (or
triples), and the command says so.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import sys
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import MofkgError, QueryError, QueryTimeoutError
from .policy import tokens

#: Seconds the child process may take to start and open the store.
STARTUP_LIMIT = 120.0


def reaches_out(sparql: str) -> bool:
    """Whether the query has a ``SERVICE`` (read as the policy's lexer reads it).

    >>> reaches_out('SELECT * { SERVICE <http://e.example/> { ?s ?p ?o } }')
    True
    >>> reaches_out('SELECT * { ?s ?p "SERVICE" }')
    False
    """
    return any(t.is_word("SERVICE") for t in tokens(sparql))


def run_with_deadline(
    store: Path, sparql: str, fmt: str | None, *, timeout: float, max_rows: int
) -> tuple[str, bool]:
    """The query's output as ``mofkg query`` prints it (at most ``max_rows`` rows or
    triples) and whether it was cut; an error after ``timeout`` seconds."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(str(store), sparql, fmt, max_rows, sender), daemon=True
    )
    child.start()
    sender.close()
    try:
        # The timeout counts from the query's start, not the child's (a busy machine may
        # take seconds to start a Python process).
        if not receiver.poll(STARTUP_LIMIT):
            raise QueryError(f"the query's process did not start within {STARTUP_LIMIT:g} s")
        try:
            answer = receiver.recv()
            if answer == "started":
                if not receiver.poll(timeout):
                    raise QueryTimeoutError(
                        f"the query ran longer than {timeout:g} s (setting query_timeout) "
                        "and was stopped"
                    )
                answer = receiver.recv()
        except EOFError as exc:
            raise QueryError("the query's process ended without an answer") from exc
        kind, text, cut = answer
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if kind == "usage":
        from ..errors import UsageError

        raise UsageError(text)
    if kind == "error":
        raise QueryError(text)
    return str(text), bool(cut)


def capped(result: Any, max_rows: int) -> tuple[Any, bool]:
    """The first ``max_rows`` solutions (as solutions again, through SPARQL TSV, which is
    lossless) or triples of a result, and whether there were more.

    >>> store = ox.Store()
    >>> for i in range(3):
    ...     store.add(ox.Quad(ox.NamedNode(f"http://e/{i}"), ox.NamedNode("http://e/p"),
    ...                       ox.Literal("a\\nb")))
    >>> rows, cut = capped(store.query("SELECT ?s ?o { ?s ?p ?o } ORDER BY ?s"), 2)
    >>> [str(r["s"]) for r in rows], cut
    (['<http://e/0>', '<http://e/1>'], True)
    """
    if isinstance(result, ox.QuerySolutions):
        names = list(result.variables)
        rows = list(islice(result, max_rows + 1))
        lines = ["\t".join(str(v) for v in names)]
        for row in rows[:max_rows]:
            lines.append("\t".join("" if row[v] is None else str(row[v]) for v in names))
        data = ("\n".join(lines) + "\n").encode("utf-8")
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV), len(rows) > max_rows
    if isinstance(result, ox.QueryTriples):
        triples = list(islice(result, max_rows + 1))
        return triples[:max_rows], len(triples) > max_rows
    return result, False


def _child(store_path: str, sparql: str, fmt: str | None, max_rows: int, sender: Any) -> None:
    from ..errors import UsageError
    from ..store.embedded import Store
    from .output import write_query_result as _write_query_result

    out = io.StringIO()
    try:
        store = Store(Path(store_path), read_only=True)
        sender.send("started")
        result, cut = capped(store.query(sparql), max_rows)
        saved, sys.stdout = sys.stdout, out
        try:
            _write_query_result(argparse.Namespace(format=fmt), result)
        finally:
            sys.stdout = saved
        message: tuple[str, str, bool] = ("ok", out.getvalue(), cut)
    except UsageError as exc:
        message = ("usage", str(exc), False)
    except MofkgError as exc:
        message = ("error", str(exc), False)
    except (OSError, ValueError, RuntimeError) as exc:
        message = ("error", f"query failed: {exc}", False)
    sender.send(message)
