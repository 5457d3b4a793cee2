"""New graphs written by Oxigraph's bulk loader, recorded on disk so that a cut-short write
is rolled back.

The bulk loader (``Store.bulk_load``, ``bulk_extend``) writes without a transaction: it is
what makes a first assessment of tens of thousands of models fast and small in memory (see
docs/assessment.md), but a process killed in the middle leaves part of it. So before a bulk
load starts on a graph, the graph's IRI is appended to ``<store>/mofkg-pending-graphs`` (and
the file synced to disk); once every load has ended and the store is flushed, the file is
removed. A store opened for writing that finds the file drops the graphs it names and
removes it (:func:`roll_back_pending`, from :class:`mofkg.graphstore.store.embedded.Store`): the
graphs
were new, so dropping them gives back the store as it was before the write.

Only graphs that do not exist yet are written this way; a write that replaces or appends
to existing graphs is one transaction (:mod:`mofkg.graphstore.store.commit`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Protocol

import pyoxigraph as ox


class BulkLoaded(Protocol):
    """What a pending write needs of the store (:class:`~.embedded.Store` has it)."""

    @property
    def path(self) -> Path | None: ...

    @property
    def oxigraph(self) -> ox.Store: ...

    def drop_graphs(self, graphs: Iterable[str]) -> None: ...

    def flush(self) -> None: ...


MARKER = "mofkg-pending-graphs"


def roll_back_pending(store: ox.Store, folder: Path) -> list[str]:
    """Drop the graphs a bulk write cut short had begun, and forget them; return them."""
    marker = folder / MARKER
    try:
        text = marker.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    graphs = list(dict.fromkeys(line for line in text.splitlines() if line))
    if graphs:
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
        store.flush()
    marker.unlink()
    return graphs


class PendingGraphs:
    """New graphs being bulk-loaded: named on disk before their quads go in (:meth:`begin`);
    dropped if the ``with`` block fails, forgotten once it has ended well."""

    def __init__(self, store: BulkLoaded, graphs: Iterable[str] = ()) -> None:
        self._store = store
        self._marker = store.path / MARKER if store.path is not None else None
        self.graphs: list[str] = []
        self.begin(graphs)

    def begin(self, graphs: Iterable[str]) -> None:
        """Record graphs about to be bulk-loaded (they must not exist yet)."""
        new = list(graphs)
        if not new:
            return
        if self._marker is not None:
            with self._marker.open("a", encoding="utf-8") as out:
                out.write("".join(g + "\n" for g in new))
                out.flush()
                os.fsync(out.fileno())
        self.graphs.extend(new)

    def __enter__(self) -> PendingGraphs:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is not None:
            oxi = self._store.oxigraph
            begun = [g for g in self.graphs if oxi.contains_named_graph(ox.NamedNode(g))]
            self._store.drop_graphs(begun)
        self._store.flush()
        if self._marker is not None:
            self._marker.unlink(missing_ok=True)
