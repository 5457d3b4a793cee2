"""Helpers of the Commons tests: an initialised store folder per test, the CLI run in-process."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from mofkg.graphstore.cli import main
from mofkg.graphstore.namespaces import MOF, SCHEMA, Ids, slug, source_graph
from mofkg.graphstore.store import Store

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


def osai_stand_in(folder: Path) -> Graph:
    """The OSAI Index's models and organisations in the shape ``mofkg import osai`` gives them
    (``id:osai-index/model/<file stem>``, ``id:osai-index/org/<name>``, in
    ``graph:source/osai-index``), read from the Index's YAML files: the parts reconciliation
    reads (names, home pages, Hugging Face pages, producers)."""
    ids = Ids()
    idx = ids.id["osai-index/"]
    graph = Graph()
    for path in sorted(folder.glob("*.yaml")):
        record = yaml.safe_load(path.read_text("utf-8"))
        system, org = record["system"], record["org"]
        model = URIRef(f"{idx}model/{slug(path.stem)}")
        graph.add((model, RDF.type, MOF.Model))
        graph.add((model, SCHEMA.name, Literal(system["name"])))
        links = [str(system.get("link") or "")]
        links += [str((record.get("weights_endmodel") or {}).get("link") or "")]
        for link in links:
            if re.match(r"https://huggingface\.co/(?!datasets/)[^/]+/[^/#?\s]+$", link):
                graph.add((model, MOF.huggingFacePage, URIRef(link)))
        producer = URIRef(f"{idx}org/{slug(org['name'])}")
        graph.add((model, MOF.producer, producer))
        graph.add((producer, RDF.type, MOF.Organisation))
        graph.add((producer, RDFS.label, Literal(org["name"])))
        for link in str(org.get("link") or "").split("\n"):
            if link.startswith(("http://", "https://")):
                graph.add((producer, MOF.homepage, URIRef(link.strip())))
    return graph


OSAI_GRAPH = source_graph("osai-index")
