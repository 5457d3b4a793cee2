"""``mofkg reconcile`` and ``mofkg export mappings reconciliation``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..namespaces import Ids

if TYPE_CHECKING:
    from ..settings import Settings


def register(sub: Any) -> None:
    """Add ``reconcile`` to the subcommands."""
    p = sub.add_parser(
        "reconcile", help="match organisations, models, datasets and projects across sources"
    )
    p.add_argument(
        "--overrides",
        type=Path,
        metavar="FILE",
        help="an SSSOM TSV of accepted (skos:exactMatch) and rejected "
        "(predicate_modifier Not) matches",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="merge matches at or above this confidence (default: 0.8)",
    )
    p.set_defaults(run=cmd_reconcile)


def cmd_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    """Bad overrides are a usage error (exit 2), refused before the store is opened."""
    from ..errors import UsageError
    from ..importers.located_yaml import InputError
    from ..store.opening import open_store
    from . import THRESHOLD, reconcile_store
    from .sssom_tsv import read_overrides

    try:
        overrides = read_overrides(args.overrides) if args.overrides else None
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    if overrides is not None:
        print(
            f"{args.overrides}: {len(overrides.accepted)} accepted, {len(overrides.rejected)} "
            f"rejected; {overrides.not_decisions} rows of the tool's own matches (not "
            "semapv:ManualMappingCuration) are not decisions",
            file=sys.stderr,
        )
    if args.threshold is not None and not 0.0 < args.threshold <= 1.0:
        raise UsageError(f"--threshold {args.threshold} is not in (0, 1]")
    store = open_store(settings)
    threshold = THRESHOLD if args.threshold is None else args.threshold
    report = reconcile_store(
        store, overrides=overrides, threshold=threshold, ids=Ids(settings.base_iri)
    )
    store.flush()
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    close = sum(1 for m in report.outcome.matches if not m.merged)
    print(
        f"{report.entities} entities, {len(report.outcome.matches)} matches "
        f"({report.merged} merged, {close} kept for review), {report.clusters} clusters; "
        f"{report.triples} triples in graph:reconciliation"
    )
    return 0


def run_export_mappings(args: argparse.Namespace, settings: Settings) -> int:
    from ..store.opening import open_store
    from .sssom_tsv import write_mappings

    store = open_store(settings, read_only=True)
    ids = Ids(settings.base_iri)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            count = write_mappings(store, out, ids=ids)
        print(f"{count} mappings written to {args.output}", file=sys.stderr)
    else:
        write_mappings(store, sys.stdout, ids=ids)
    return 0
