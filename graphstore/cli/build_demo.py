"""Building the Commons part of the demo catalogue (:mod:`mofkg.graphstore.importers.commons_demo`)
from the sources, with the importers the CLI runs: a maintainer's command."""

from __future__ import annotations

import gzip
import sys
import tempfile
from pathlib import Path

import pyoxigraph as ox

from ..importers.commons_demo import KEPT_PREFIXES, sources_quads


def build(shared_data: Path, out: Path) -> int:
    """Import the sources of ``shared_data`` into a scratch store as the CLI does, reconcile,
    and write the kept graphs to ``out`` (sorted, gzipped N-Quads); the number of quads."""
    from .main import main

    for part in ("mot/models", "lfai-landscape/landscape.yml", "osai-index"):
        if not (shared_data / part).exists():
            raise SystemExit(f"{shared_data / part}: not found")
    with tempfile.TemporaryDirectory() as folder:
        store = ["--store", folder]
        steps = [
            ["init", "--demo"],
            ["import", "mot", str(shared_data / "mot" / "models")],
            ["import", "landscape", str(shared_data / "lfai-landscape" / "landscape.yml")],
            ["import", "osai", str(shared_data / "osai-index")],
            ["reconcile"],
        ]
        for step in steps:
            if main([*store, *step]) != 0:
                raise SystemExit(f"mofkg {' '.join(step)} failed")
        db = ox.Store(folder)
        lines = sorted(
            str(q) + " .\n"
            for q in db.quads_for_pattern(None, None, None, None)
            if isinstance(q.graph_name, ox.NamedNode)
            and str(q.graph_name.value).startswith(KEPT_PREFIXES)
        )
        lines += sorted(str(q) + " .\n" for q in sources_quads())
        del db
    with gzip.GzipFile(out, "wb", mtime=0) as stream:
        stream.write("".join(lines).encode("utf-8"))
    return len(lines)


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    if len(sys.argv) != 3:
        raise SystemExit(
            "usage: python -m mofkg.graphstore.cli.build_demo SHARED_DATA OUT.nq.gz"
        )
    count = build(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{count} quads written to {sys.argv[2]}")
