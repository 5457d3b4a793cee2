"""``mofkg validate``: check dumps before they enter the catalogue (the work is
:mod:`mofkg.graphstore.validation.pipeline`'s)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import MofkgError
from ..namespaces import LICENCE_GRAPH
from ..rdfio.bounded_input import command_budget
from ..rdfio.formats import format_names
from ..settings import Settings
from ..validation.dumps import (
    MOT_FORMAT,
    read_dump,
    read_shapes_files,
)
from ..validation.outcome import CLASS_NUMBERS
from ..validation.pipeline import REPORT_KINDS, load_staged, validate_dumps


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    """``mofkg validate``: exit 0 conforms, 1 violations, 2 dump or shapes unreadable."""
    from ..validation.reports import write_report

    if args.load and args.graph and len(args.dumps) > 1:
        print(
            "mofkg validate: --graph takes one dump (each would replace the last)", file=sys.stderr
        )
        return 2
    if args.load:
        from ..store.opening import open_store

        if not open_store(settings, read_only=False).has_graph(str(LICENCE_GRAPH)):
            print("mofkg validate: --load needs a store set up with `mofkg init`", file=sys.stderr)
            return 2
    try:
        shapes = read_shapes_files(
            [Path(f) for f in args.shapes],
            replace=args.replace_shapes,
            with_catalogue=args.with_catalogue,
        )
        dumps = []
        budget = command_budget(settings.max_input)
        for name in args.dumps:
            if name == "-":
                if not args.format:
                    print("mofkg validate: reading standard input needs --format", file=sys.stderr)
                    return 2
                source: Path | BinaryIO = sys.stdin.buffer
            else:
                source = Path(name)
            dumps.append(
                read_dump(
                    source,
                    format=args.format,
                    source_name="<stdin>" if name == "-" else name,
                    budget=budget,
                    max_depth=settings.max_input_depth,
                )
            )
        required = CLASS_NUMBERS[args.require_class] if args.require_class else None
        # a Turtle / JSON-LD report is the standard sh:ValidationReport alone: the models'
        # assessments, the lines and the values are only worked out for what needs them
        rdf_report = args.report in ("turtle", "jsonld")
        staged = validate_dumps(
            dumps,
            shapes=shapes,
            settings=settings,
            graph=args.graph,
            keep_going=args.keep_going,
            required_class=required,
            locate=not rdf_report,
            assess=not rdf_report or required is not None or args.load,
        )
    except MofkgError as exc:
        print(f"mofkg validate: {exc}", file=sys.stderr)
        return 2
    report = staged.report
    write_report(report, args.report, sys.stdout)
    if args.report in ("turtle", "jsonld"):  # a standard SHACL report has no place for them
        for note in report.notes:
            print(f"mofkg validate: note on the data (from rdflib): {note}", file=sys.stderr)
    sys.stdout.flush()
    status = report.exit_status
    if args.load:
        if status != 0:
            print("mofkg validate: nothing loaded (the dump does not pass)", file=sys.stderr)
        else:
            from ..store.opening import open_store

            written = load_staged(staged, open_store(settings))
            for name in written:
                print(f"loaded {name}", file=sys.stderr)
    return status


def register(sub: Any) -> None:
    """Add the ``validate`` subcommand to the CLI's subparsers."""
    p = sub.add_parser("validate", help="validate RDF dumps or MOT records; store nothing")
    p.add_argument("dumps", nargs="+", metavar="DUMP", help="RDF files (also .gz), .yml; - stdin")
    p.add_argument(
        "--shapes", action="append", default=[], metavar="FILE", help="more SHACL shapes (repeat)"
    )
    p.add_argument(
        "--replace-shapes", action="store_true", help="use only --shapes, not the metadata shapes"
    )
    p.add_argument(
        "--with-catalogue",
        action="store_true",
        help="--shapes also see the ontology and licence graph staged beside the dump",
    )
    p.add_argument("--format", choices=[*format_names(), MOT_FORMAT], help="input format")
    p.add_argument("--report", choices=REPORT_KINDS, default="text", help="report format")
    p.add_argument("--load", action="store_true", help="load the dump into the store if it passes")
    p.add_argument("--graph", help="named graph to load into (default: one per file)")
    p.add_argument(
        "--require-class", choices=list(CLASS_NUMBERS), help="fail unless every model reaches it"
    )
    p.add_argument(
        "--keep-going", action="store_true", help="N-Triples / N-Quads: report every bad line"
    )
    p.set_defaults(run=cmd_validate)
