"""Which frameworks exist: every framework file in the shipped ``shapes/`` folder and in the
folder the ``frameworks`` setting names (``MOFKG_FRAMEWORKS``).

A framework file is a Turtle file whose ``owl:Ontology`` names a ``mof:framework``; its key is
the file's name without ``.ttl`` (``mof-1.0``). Other shapes files (``metadata.ttl``) are not
frameworks. Adding a framework is adding such a file: no code changes.

>>> "mof-1.0" in framework_keys()
True
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL, RDF

from ..errors import MofkgError, NotFoundError
from ..namespaces import MOF
from ..resources import shapes_files
from .definition import Framework, framework_from_graph, parse_shapes, read_rules_file

DEFAULT_FRAMEWORK = "mof-1.0"


def _is_framework(graph: Graph) -> bool:
    return any(graph.value(head, MOF.framework) for head in graph.subjects(RDF.type, OWL.Ontology))


@lru_cache(maxsize=64)
def _read(path: Path, mtime: float) -> Framework | None:
    graph = parse_shapes(path)
    if not _is_framework(graph):
        return None
    return framework_from_graph(path.stem, graph, path, rules=read_rules_file(path))


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
    "find_framework",
    "framework_files",
    "framework_keys",
]
