"""The ``mofkg`` command line: options, the parser and the exit statuses.

Exit status: 0 on success, 1 with a one-line message on bad input, 2 on bad usage.
The store folder comes from ``--store``, else ``MOFKG_STORE``, else ``./mofkg-data``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import MofkgError, UsageError
from ..query.output import RESULT_FORMATS
from ..rdfio.formats import format_names
from ..settings import Settings, load_settings
from ..store.generation import announce_write
from ..store.opening import WRITTEN
from ..store.termination import EXIT_TERMINATED, Terminated, sigterm_kept
from .commands import (
    cmd_assess,
    cmd_check_ontology,
    cmd_explain,
    cmd_export,
    cmd_graphs,
    cmd_import,
    cmd_init,
    cmd_load,
    cmd_query,
)

Command = Callable[[argparse.Namespace, Settings], int]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 2 with one line (no usage dump) that says which
    ``--help`` to read."""

    def error(self, message: str) -> Any:
        self.exit(2, f"mofkg: {message} (see {self.prog} --help)\n")

    def parse_args(  # type: ignore[override]  # always a Namespace, never a custom one
        self, args: Sequence[str] | None = None, namespace: None = None
    ) -> argparse.Namespace:
        """As argparse's, but an unknown argument after a command names that command's help."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = getattr(parsed, "command", None)
            where = f"{self.prog} {command}" if command else self.prog
            self.exit(
                2, f"mofkg: unrecognized arguments: {' '.join(extras)} (see {where} --help)\n"
            )
        return parsed


#: Options of every command, given before or after its name: flag -> (type, metavar, help).
GLOBAL_OPTIONS: dict[str, tuple[type, str, str]] = {
    "--store": (Path, "DIR", "store folder (default: $MOFKG_STORE or ./mofkg-data)"),
    "--config": (Path, "FILE", "a TOML settings file"),
    "--backend": (str, "KIND", "embedded (default), oxigraph, virtuoso or sparql"),
}


_VERSION = f"mofkg {__version__}"


def _after_dest(flag: str) -> str:
    """Where a global option given after the command name is parsed to."""
    return f"{flag.lstrip('-').replace('-', '_')}_after_command"


def add_global_options(command: argparse.ArgumentParser) -> None:
    """Let a subcommand take the global options after its name too; a command that declares
    one of them itself (``serve --store``) keeps its own."""
    try:
        command.add_argument("--version", action="version", version=_VERSION)
    except argparse.ArgumentError:
        pass
    for flag, (kind, metavar, text) in GLOBAL_OPTIONS.items():
        try:
            command.add_argument(
                flag,
                type=kind,
                metavar=metavar,
                help=text,
                dest=_after_dest(flag),
                default=argparse.SUPPRESS,
            )
        except argparse.ArgumentError:
            pass  # the command's own option of that name


def merge_global_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The global options given after the command name, moved to where the ones given before
    it are; one given on both sides with two values is a usage error."""
    for flag in GLOBAL_OPTIONS:
        name = flag.lstrip("-").replace("-", "_")
        after = getattr(args, _after_dest(flag), None)
        if after is None:
            continue
        delattr(args, _after_dest(flag))
        before = getattr(args, name, None)
        if before is not None and before != after:
            parser.error(f"{flag} given twice: {before} before {args.command}, {after} after it")
        setattr(args, name, after)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="mofkg", description="The knowledge graph of model openness.")
    parser.add_argument("--version", action="version", version=_VERSION)
    for flag, (kind, metavar, text) in GLOBAL_OPTIONS.items():
        parser.add_argument(flag, type=kind, metavar=metavar, help=text)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("init", help="create the store with the ontology and licence graph")
    p.add_argument(
        "--demo",
        action="store_true",
        help="also load the demo catalogue: hand-made models and the shipped Commons"
        " (LF AI & Data landscape, OSAI Index, MOT records, reconciled)",
    )
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("load", help="load RDF files (all or nothing)")
    p.add_argument("files", nargs="+", metavar="FILE", help="RDF files (also .gz); - for stdin")
    p.add_argument("--graph", help="named graph IRI (default: one graph per file)")
    p.add_argument("--replace", action="store_true", help="replace the graph instead of adding")
    p.add_argument("--format", choices=format_names(), help="RDF format (default: from suffix)")
    p.add_argument("--base", help="base IRI for relative IRIs")
    p.set_defaults(run=cmd_load)

    p = sub.add_parser("query", help="run a SPARQL query over the store")
    p.add_argument("sparql", help="the query, or @FILE to read it from a file")
    p.add_argument(
        "--format",
        choices=["table", *RESULT_FORMATS, *format_names()],
        help="output format (default: table for SELECT, Turtle for graphs)",
    )
    p.set_defaults(run=cmd_query)

    p = sub.add_parser("export", help="write the store, one graph, or a MOT record")
    p.add_argument(
        "what",
        nargs="*",
        help="nothing, or: mot MODEL, or: mappings (the links, SSSOM TSV), or: mappings "
        "reconciliation (the reconciliation's, SSSOM TSV)",
    )
    p.add_argument("--graph", help="only this named graph")
    p.add_argument("--format", choices=format_names(), help="RDF format")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.add_argument(
        "--profile",
        choices=["dcat-ap", "mldcat-ap"],
        help="the catalogue as DCAT-AP 3 or MLDCAT-AP 3.1 (Turtle unless --format)",
    )
    p.set_defaults(run=cmd_export)

    p = sub.add_parser(
        "import",
        help="import other catalogues' records (MOT, OSAI Index, landscape, HF cards, SSSOM)",
    )
    p.add_argument(
        "kind",
        choices=["mot", "osai", "landscape", "hf-card", "mappings"],
        help="mot (Model Openness Tool YAML), osai (the European Open Source AI Index folder),"
        " landscape (LF AI & Data landscape.yml), hf-card (Hugging Face model or dataset cards)"
        " or mappings (a curator's SSSOM TSV)",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="record files or folders")
    from ..importers.commons_cli import add_options as add_commons_options

    add_commons_options(p)
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("assess", help="assess models' openness and store the assessments")
    p.add_argument("--framework", help="only this framework (default: every framework)")
    p.add_argument("--shapes", type=Path, help="the framework's shapes file, if not shipped")
    p.add_argument("--model", action="append", default=[], help="only this model (repeatable)")
    p.add_argument("--json", action="store_true", help="one JSON object per model and line")
    p.set_defaults(run=cmd_assess)

    p = sub.add_parser("explain", help="say what class a model reaches and what would lift it")
    p.add_argument("model", help="the model's IRI or name")
    p.add_argument(
        "--framework",
        default="mof-1.0",
        help="framework key (default: mof-1.0); osai-index: the Index's grades, score, position",
    )
    p.add_argument("--shapes", type=Path, help="the framework's shapes file, if not shipped")
    p.set_defaults(run=cmd_explain)

    from .validate import register as register_validate

    register_validate(sub)
    from ..reconcile.cli import register as register_reconcile

    register_reconcile(sub)

    from ..linking.command import register as register_link

    register_link(sub)

    p = sub.add_parser("graphs", help="list the named graphs and their sizes")
    p.set_defaults(run=cmd_graphs)

    p = sub.add_parser("check-ontology", help="check the ontology's consistency with HermiT")
    p.set_defaults(run=cmd_check_ontology)

    for register in [*EXTRA_COMMANDS, *plugin_commands()]:
        register(sub)
    for command in sub.choices.values():
        add_global_options(command)
    return parser


#: Functions that add more subcommands, each called with the subparsers object.
EXTRA_COMMANDS: list[Callable[[Any], None]] = []


#: Entry-point group through which other packages add commands (``api`` adds ``serve``),
#: so that this package never imports them.
COMMAND_GROUP = "mofkg.commands"


def plugin_commands() -> list[Callable[[Any], None]]:
    """The ``register(subparsers)`` functions installed under :data:`COMMAND_GROUP`."""
    found = entry_points(group=COMMAND_GROUP)
    return [ep.load() for ep in sorted(found, key=lambda ep: ep.name)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    merge_global_options(parser, args)
    status = _run(args)
    # The command's stores are closed by now: a server sharing one reopens it (a failed
    # command may have written part of its work, so it counts too).
    while WRITTEN:
        folder = WRITTEN.pop()
        try:
            announce_write(folder)
        except MofkgError as exc:
            print(f"mofkg {args.command}: {exc}", file=sys.stderr)
            status = status or 1
    return status


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(file=args.config, store=args.store, backend=args.backend)
        if settings.backend != "embedded":
            from ..store.backends import check_command
            from ..store.remote_http import BackendUnsupported

            try:
                check_command(args)
            except BackendUnsupported as exc:
                raise UsageError(str(exc)) from exc
        run: Command = args.run
        with sigterm_kept():
            return run(args, settings)
    except UsageError as exc:
        print(f"mofkg {args.command}: {exc}", file=sys.stderr)
        return 2
    except MofkgError as exc:
        print(f"mofkg {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mofkg: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print(
            f"mofkg {args.command}: terminated (SIGTERM); its write is in the store whole "
            "if the signal came after the commit, else not at all (never in part)",
            file=sys.stderr,
        )
        return EXIT_TERMINATED
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
