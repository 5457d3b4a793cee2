"""Helpers of the Commons tests: an initialised store folder per test, the CLI run in-process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mofkg.graphstore.cli.main import main
from mofkg.graphstore.store.embedded import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hf"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def initialised_store(template: Path, folder: Path) -> Path:
    """A copy of an initialised (closed) store folder."""
    shutil.copytree(template, folder)
    return folder


def make_template(folder: Path) -> Path:
    assert main(["--store", str(folder), "init"]) == 0
    return folder


def quads(folder: Path) -> set[tuple[str, ...]]:
    """Every quad of a store folder, as text (to compare a store before and after)."""
    store = Store(folder, read_only=True)
    try:
        rows = store.select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
        return {tuple(str(r[k]) for k in ("g", "s", "p", "o")) for r in rows}
    finally:
        store.close()
