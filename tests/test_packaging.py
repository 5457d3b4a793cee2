"""The distribution installs one import package, ``mofkg``, whatever the repository's folders.

The repository keeps graphstore/ and api/ (and ontology/, shapes/) at its top; pyproject.toml
maps them to ``mofkg.graphstore`` and ``mofkg.api``, so that site-packages gets no ``api`` or
``graphstore`` of ours that another distribution could own. .ci/run checks a real plain
install the same way.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def setuptools_table() -> dict[str, Any]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return dict(data["tool"]["setuptools"])


def _folder(package: str, package_dir: dict[str, str]) -> Path:
    """The folder setuptools takes a package from: its own mapping or its nearest parent's."""
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in package_dir:
            return REPO / package_dir[prefix] / Path(*parts[cut:])
    return REPO / Path(*parts)


def test_every_package_is_under_mofkg(setuptools_table: dict[str, Any]) -> None:
    packages = setuptools_table["packages"]
    assert "mofkg" in packages
    assert [p for p in packages if p != "mofkg" and not p.startswith("mofkg.")] == []


def test_every_package_folder_is_listed_and_found(setuptools_table: dict[str, Any]) -> None:
    """A subpackage left out of the list would be missing from a plain install only."""
    package_dir = setuptools_table["package-dir"]
    listed = set(setuptools_table["packages"])
    for package in listed:
        assert (_folder(package, package_dir) / "__init__.py").is_file(), package
    for top in ("graphstore", "api"):
        for init in (REPO / top).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO).parts
            assert "mofkg." + ".".join(relative) in listed, init


def test_the_commands_name_the_namespace() -> None:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["scripts"] == {"mofkg": "mofkg.graphstore.cli.main:main"}
    assert data["project"]["entry-points"]["mofkg.commands"] == {
        "serve": "mofkg.api.commands:register"
    }


def test_the_package_imports_as_mofkg() -> None:
    cli = importlib.import_module("mofkg.graphstore.cli.main")
    app = importlib.import_module("mofkg.api.app")
    assert Path(cli.__file__ or "").resolve() == REPO / "graphstore" / "cli" / "main.py"
    assert Path(app.__file__ or "").resolve() == REPO / "api" / "app.py"
