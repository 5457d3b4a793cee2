"""The ``mofkg import landscape`` and ``mofkg import hf-card`` commands.

Both read everything first and write in one transaction: a malformed file is refused with its
file, line and reason (exit status 2) and the store is left as it was.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import URIRef

from ..errors import MofkgError
from ..namespaces import LICENCE_GRAPH, MOF, Ids
from .located_yaml import InputError

if TYPE_CHECKING:
    from ..settings import Settings
    from ..store.embedded import Store

#: import kinds this module runs, and the options only they take.
KINDS = ("landscape", "hf-card")
OPTIONS = {
    "landscape_config": ("--landscape-config", "landscape"),
    "focus_areas": ("--focus-areas", "landscape"),
    "card_kind": ("--card-kind", "hf-card"),
    "hub_id": ("--id", "hf-card"),
    "crosswalk": ("--crosswalk", "hf-card"),
}


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``import landscape`` and ``import hf-card`` on the import parser."""
    parser.add_argument(
        "--landscape-config",
        type=Path,
        metavar="FILE",
        help="landscape: the landscape's config.yml (default: beside the landscape file)",
    )
    parser.add_argument(
        "--focus-areas",
        type=Path,
        metavar="FILE",
        help="landscape: a curated focus-area mapping TSV (default: the shipped one)",
    )
    parser.add_argument(
        "--card-kind",
        choices=["model", "dataset"],
        help="hf-card: the kind of card (default: from its path and keys)",
    )
    parser.add_argument("--id", dest="hub_id", metavar="OWNER/NAME", help="hf-card: the Hub id")
    parser.add_argument(
        "--crosswalk",
        type=Path,
        metavar="FILE",
        help="hf-card: the Hugging Face licence id to SPDX crosswalk CSV",
    )


def refuse_foreign_options(args: argparse.Namespace) -> str | None:
    """The message for an option given to a kind that does not take it, else None."""
    for dest, (flag, kind) in OPTIONS.items():
        if getattr(args, dest, None) is not None and args.kind != kind:
            return f"{flag} is an option of `import {kind}`, not of `import {args.kind}`"
    return None


def run_import(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    """Run ``import landscape`` or ``import hf-card``; an :class:`InputError` propagates."""
    from ..catalogue.licences import licence_index

    licences = store.to_rdflib(str(LICENCE_GRAPH))
    if not len(licences):
        raise MofkgError("the store has no licence graph; run `mofkg init` first")
    index = licence_index(licences)
    ids = Ids(settings.base_iri)
    if args.kind == "landscape":
        from .landscape import import_landscape

        if len(args.paths) != 1:
            raise InputError(
                " ".join(map(str, args.paths)), None, "import landscape takes one file"
            )
        result = import_landscape(
            args.paths[0],
            config=args.landscape_config,
            focus_areas=args.focus_areas,
            ids=ids,
            licence_resolver=index.resolve,
        )
        store.replace_graphs({str(result.graph_iri): result.graph})
        store.flush()
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        counts = ", ".join(f"{n} {what}" for what, n in result.counts.items())
        print(f"{result.graph_iri}\t{len(result.graph)} triples\t{counts}")
        return 0
    from .hf_card import import_cards, read_crosswalk

    hf_ids = {
        str(o): s
        for s, o in licences.subject_objects(MOF.huggingFaceLicenceId)
        if isinstance(s, URIRef)
    }
    cards = import_cards(
        args.paths,
        hub_id=args.hub_id,
        kind=args.card_kind,
        crosswalk=read_crosswalk(args.crosswalk),
        licence_resolver=index.resolve,
        hf_licences=hf_ids,
        ids=ids,
    )
    store.replace_graphs(cards.graphs())
    store.flush()
    for warning in cards.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for card in cards.cards:
        print(f"{card.path}\t{card.kind}\t{card.hub_id}\t{len(card.graph)} triples")
    print(f"{len(cards.cards)} card(s) imported")
    return 0
