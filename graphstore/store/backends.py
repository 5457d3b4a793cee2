"""Opening the remote store the settings name, and refusing the commands that cannot run on
one yet (rather than letting them work on the embedded store's folder instead)."""

from __future__ import annotations

import argparse

from ..settings import Settings
from .backend_settings import endpoints
from .remote import RemoteStore
from .remote_http import BackendUnsupported

#: Commands that run on a remote backend; ``import`` of the kinds listed.
REMOTE_COMMANDS = {
    "init",
    "load",
    "query",
    "graphs",
    "export",
    "check-ontology",
    "assess",
    "explain",
    "serve",
}
REMOTE_IMPORTS = {"mot"}


def open_remote(settings: Settings, *, read_only: bool = False) -> RemoteStore:
    """The remote store of the settings, checked to query the union of its graphs."""
    store = RemoteStore(
        endpoints(settings),
        user=settings.backend_user,
        password=settings.backend_password,
        timeout=settings.backend_timeout,
        chunk=settings.backend_chunk,
        read_only=read_only,
    )
    store.check_union()
    return store


def check_command(args: argparse.Namespace) -> None:
    """Refuse a command (or import kind, or export profile) the remote backend cannot run."""
    name = args.command
    if name == "import" and getattr(args, "kind", None) in REMOTE_IMPORTS:
        return
    if name == "import":
        name = f"import {args.kind}"
    elif name == "export" and getattr(args, "profile", None):
        name = f"export --profile {args.profile}"
    elif name == "export" and getattr(args, "what", None) == ["mappings"]:
        name = "export mappings"
    elif name in REMOTE_COMMANDS or name == "validate":  # validated locally, then loaded
        return
    raise BackendUnsupported(
        f"`mofkg {name}` is not available on a remote backend yet; it runs on the embedded "
        "store (backend 'embedded'); see docs/backends.md"
    )
