"""Which frameworks exist: every framework file in the shipped ``shapes/`` folder and in the
folder the ``frameworks`` setting names (``MOFKG_FRAMEWORKS``).

A framework file is a Turtle file whose ``owl:Ontology`` names a ``mof:framework``; its key is
the file's name without ``.ttl`` (``mof-1.0``). Other shapes files (``metadata.ttl``) are not
frameworks. Adding a framework is adding such a file: no code changes.

A framework that grades the models of one catalogue (``mof:catalogue``, no ``mof:hasClass``:
the European Open Source AI Index) is a *catalogue grading*: its grades are the catalogue's
own and its rules run when that catalogue is imported (``mofkg import osai``), so it is listed
by :func:`catalogue_gradings` and never assessed here.

>>> "mof-1.0" in framework_keys()
True
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from ..errors import MofkgError, NotFoundError
from ..namespaces import MOF
from ..resources import shapes_files
from .definition import Framework, framework_from_graph, parse_shapes, read_rules_file

DEFAULT_FRAMEWORK = "mof-1.0"


def _framework_nodes(graph: Graph) -> list[Node]:
    return [
        framework
        for head in graph.subjects(RDF.type, OWL.Ontology)
        for framework in graph.objects(head, MOF.framework)
    ]


def _is_catalogue_grading(graph: Graph) -> bool:
    return any(
        graph.value(fw, MOF.catalogue) is not None and graph.value(fw, MOF.hasClass) is None
        for fw in _framework_nodes(graph)
    )


@lru_cache(maxsize=64)
def _entry(path: Path, mtime: float) -> tuple[str | None, Framework | None]:
    """A shapes file read once: its kind ("framework", "grading" for a catalogue grading, None
    for another shapes file) and, for a framework, the framework."""
    graph = parse_shapes(path)
    if not _framework_nodes(graph):
        return None, None
    if _is_catalogue_grading(graph):
        return "grading", None
    return "framework", framework_from_graph(path.stem, graph, path, rules=read_rules_file(path))


def _kind(path: Path, mtime: float) -> str | None:
    return _entry(path, mtime)[0]


def catalogue_gradings() -> list[str]:
    """The keys of the shipped catalogue gradings (``osai-index``)."""
    return [p.stem for p in shapes_files() if _kind(p, p.stat().st_mtime) == "grading"]


def _read(path: Path, mtime: float) -> Framework | None:
    return _entry(path, mtime)[1]


def _folder_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise MofkgError(f"{folder}: the frameworks folder does not exist or is not a folder")
    return sorted(folder.glob("*.ttl"))


def framework_files(folder: Path | None = None) -> dict[str, Path]:
    """Each framework's key and file: the shipped ones, then those of ``folder``.

    A key given twice (a file in ``folder`` named as a shipped one) is refused.
    """
    found: dict[str, Path] = {}
    for path in [*shapes_files(), *(_folder_files(folder) if folder is not None else [])]:
        if _read(path, path.stat().st_mtime) is None:
            continue
        if path.stem in found:
            raise MofkgError(
                f"{path}: the framework key {path.stem!r} is already taken by {found[path.stem]}"
            )
        found[path.stem] = path
    return found


def framework_keys(folder: Path | None = None) -> list[str]:
    """The keys of every framework, MOF 1.0 first, then by name."""
    keys = list(framework_files(folder))
    return sorted(keys, key=lambda k: (k != DEFAULT_FRAMEWORK, k))


def find_framework(key: str, folder: Path | None = None) -> Framework:
    """The framework of a key, from its file."""
    files = framework_files(folder)
    path = files.get(key)
    if path is None:
        known = ", ".join(framework_keys(folder))
        if key in catalogue_gradings():
            raise NotFoundError(
                f"{key!r} is a catalogue's own grading: its grades and score are computed when "
                f"the catalogue is imported (mofkg import osai), not by mofkg assess "
                f"(frameworks: {known})"
            )
        raise NotFoundError(f"no framework {key!r} (known: {known})")
    found = _read(path, path.stat().st_mtime)
    assert found is not None
    return found


def all_frameworks(folder: Path | None = None) -> list[Framework]:
    """Every framework, in :func:`framework_keys` order."""
    return [find_framework(k, folder) for k in framework_keys(folder)]


__all__ = [
    "DEFAULT_FRAMEWORK",
    "all_frameworks",
    "catalogue_gradings",
    "find_framework",
    "framework_files",
    "framework_keys",
]
