"""The ``mofkg serve`` command, added to the CLI through the ``mofkg.commands`` entry point."""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import sys
from typing import Any

from mofkg.graphstore.errors import MofkgError
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.backends import open_remote
from mofkg.graphstore.store.bootstrap import prepare_for_serving
from mofkg.graphstore.store.embedded import Store


def _prepare(settings: Settings) -> None:
    """Open the store, load and assess the demo catalogue if it is empty, close it; exit 1
    with the error's message when that fails."""
    try:
        store: Any = (
            Store(settings.store) if settings.backend == "embedded" else open_remote(settings)
        )
        if prepare_for_serving(store, settings):
            print(
                f"mofkg: the store was empty: loaded and assessed the demo catalogue "
                f"({len(store)} triples)",
                file=sys.stderr,
            )
        store.close()
    except MofkgError as exc:
        print(f"mofkg serve: {exc}", file=sys.stderr)
        sys.exit(1)


def prepare_in_child(settings: Settings) -> int:
    """Run :func:`_prepare` in a fresh interpreter; its exit code.

    RocksDB starts its background threads (flushes, compactions) in the first process that
    opens a store, and a fork keeps the record of them but not the threads. Granian forks the
    server processes from this one, so were the store opened here, a write in any of them
    would wait forever for a flush that no thread runs.
    """
    child = multiprocessing.get_context("spawn").Process(
        target=_prepare, args=(settings,), name="mofkg-prepare"
    )
    child.start()
    child.join()
    return child.exitcode or 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    changes: dict[str, Any] = {}
    if args.host is not None:
        changes["host"] = args.host
    if args.port is not None:
        changes["port"] = args.port
    settings = dataclasses.replace(settings, **changes)
    status = prepare_in_child(settings)
    if status < 0:
        print(f"mofkg serve: preparing the store ended with signal {-status}", file=sys.stderr)
        return 1
    if status > 0:
        return status  # the preparing process has said why
    from .app import serve

    where = settings.store if settings.backend == "embedded" else settings.backend_url
    print(
        f"mofkg: serving {where or 'the ' + settings.backend + ' store'} at http://{settings.host}:{settings.port}/",
        file=sys.stderr,
    )
    serve(settings)
    return 0


def register(sub: Any) -> None:
    """Add ``serve`` to the CLI's subcommands."""
    p = sub.add_parser("serve", help="serve the SPARQL endpoint, pages and API over HTTP")
    p.add_argument("--host", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: 8000)")
    p.set_defaults(run=cmd_serve)
