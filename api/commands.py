"""The ``mofkg serve`` command, added to the CLI through the ``mofkg.commands`` entry point."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from graphstore.bootstrap import prepare_for_serving
from graphstore.settings import Settings
from graphstore.store import Store


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    changes: dict[str, Any] = {}
    if args.host:
        changes["host"] = args.host
    if args.port:
        changes["port"] = args.port
    settings = dataclasses.replace(settings, **changes)
    store = Store(settings.store)
    if prepare_for_serving(store, settings):
        print(
            f"mofkg: the store was empty: loaded and assessed the demo catalogue "
            f"({len(store)} triples)",
            file=sys.stderr,
        )
    store.flush()
    # The server opens the store itself, in its worker process.
    del store
    from .app import serve

    print(
        f"mofkg: serving {settings.store} at http://{settings.host}:{settings.port}/",
        file=sys.stderr,
    )
    serve(settings)
    return 0


def register(sub: Any) -> None:
    """Add ``serve`` to the CLI's subcommands."""
    p = sub.add_parser("serve", help="serve the SPARQL endpoint, pages and API over HTTP")
    p.add_argument("--host", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: 8000)")
    p.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="store folder")
    p.set_defaults(run=cmd_serve)
