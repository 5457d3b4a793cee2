"""Where the files shipped with mofkg live once installed.

The ``ontology/`` and ``shapes/`` folders of the source tree are installed as the
packages ``mofkg.graphstore.ontology`` and ``mofkg.graphstore.shapes``, so both an editable and a
plain ``pip install .`` find them here.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _package_file(package: str, name: str) -> Path:
    path = Path(str(resources.files(package).joinpath(name)))
    if not path.is_file():
        raise FileNotFoundError(f"{name} is not shipped in {package} (looked at {path})")
    return path


def ontology_path() -> Path:
    """The ontology in Turtle."""
    return _package_file("mofkg.graphstore.ontology", "mofkg.ttl")


def shapes_path(name: str) -> Path:
    """A shapes file by name, e.g. ``shapes_path("mof-1.0.ttl")``."""
    return _package_file("mofkg.graphstore.shapes", name)


def shapes_files() -> list[Path]:
    """Every shapes file shipped."""
    folder = Path(str(resources.files("mofkg.graphstore.shapes")))
    return sorted(folder.glob("*.ttl"))


def demo_catalogue_path() -> Path:
    """The bundled demo catalogue in Turtle."""
    return _package_file("mofkg.graphstore.data", "demo-catalogue.ttl")
