"""Benchmark the exports against what Oxigraph does alone, on the synthetic catalogue.

For each size (default 1,000 and 5,000 models; mofkg.graphstore.synthetic), in one in-memory
store:

- dump: ``gzip_chunks`` of the whole store (what ``/dumps/mofkg.nq.gz`` sends: Oxigraph's dump
  in a thread, through the bounded queue, compressed as it comes) against the floor, Oxigraph's
  ``Store.dump`` of the same N-Quads into memory then ``zlib`` of it at the same level;
- catalogue: ``catalogue_triples(..., "mldcat-ap")`` (the CONSTRUCT queries of ``/catalog``)
  against a CONSTRUCT of every triple of the store (Oxigraph reading it all once);
- VoID: ``count_links`` (one scan of the store) against the same floor.

    .venv/bin/python bench/exports.py                # 1000, 5000
    .venv/bin/python bench/exports.py --sizes 1000
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts whose names can shadow the standard library: drop the script's folder.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import io  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402
from collections.abc import Callable  # noqa: E402

import pyoxigraph as ox  # noqa: E402

from mofkg.graphstore.exports.catalogue import catalogue_triples  # noqa: E402
from mofkg.graphstore.exports.dumps import gzip_chunks  # noqa: E402
from mofkg.graphstore.exports.void import count_links  # noqa: E402
from mofkg.graphstore.settings import Settings  # noqa: E402
from mofkg.graphstore.store.bootstrap import initialise  # noqa: E402
from mofkg.graphstore.store.embedded import Store  # noqa: E402
from mofkg.graphstore.synthetic import synthetic_ntriples  # noqa: E402

SOURCE = "https://w3id.org/mofkg/graph/source/synthetic"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def floor_dump(store: Store) -> bytes:
    out = io.BytesIO()
    store.oxigraph.dump(out, format=ox.RdfFormat.N_QUADS)
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    return packer.compress(out.getvalue()) + packer.flush()


def read_all(store: Store) -> int:
    result = store.oxigraph.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
    )
    return sum(1 for _ in result)


def run(size: int) -> None:
    store = Store()
    initialise(store, Settings(), demo=False)
    store.load(synthetic_ntriples(size).encode(), format="nt", graph=SOURCE)
    print(f"{size} models, {len(store)} quads")
    floor = timed(lambda: floor_dump(store))
    ours = timed(lambda: sum(len(c) for c in gzip_chunks(store, graph=None, quads=True)))
    print(f"  dump       {ours:6.2f} s   floor {floor:6.2f} s   ratio {ours / floor:4.2f}")
    scan = timed(lambda: read_all(store))
    export = timed(
        lambda: catalogue_triples(store, "mldcat-ap", base_iri="https://w3id.org/mofkg/")
    )
    print(f"  mldcat-ap  {export:6.2f} s   scan  {scan:6.2f} s   ratio {export / scan:4.2f}")
    links = timed(lambda: count_links(store))
    print(f"  void links {links:6.2f} s   scan  {scan:6.2f} s   ratio {links / scan:4.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    for size in parser.parse_args().sizes:
        run(size)


if __name__ == "__main__":
    main()
