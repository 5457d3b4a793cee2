"""mofkg agrees with the Model Openness Tool on all its fixtures and all real records.

For each of MOT's 27 test fixtures (expected output in ``test_data/expected_results.json``)
and each of the 161 real records (expected output in ``expected-classification.tsv``, computed
with MOT's algorithm and its pinned licence lists), the class and the three progress values
mofkg computes equal MOT's to 0.01, with the licence graph built from MOT's pinned lists.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from rdflib import URIRef

from mofkg.graphstore.catalogue.licences import (
    build_licence_graph,
    licence_index,
    resolve_licence,
)
from mofkg.graphstore.frameworks.assessment import ModelAssessment, assess_models
from mofkg.graphstore.importers.mot import import_mot
from mofkg.graphstore.namespaces import LICENCE_GRAPH, ONTOLOGY_GRAPH
from mofkg.graphstore.resources import ontology_path
from mofkg.graphstore.store.embedded import Store

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mot"

#: Records where mofkg differs from MOT on purpose (record file name -> reason). None.
INTENTIONAL_DIFFERENCES: dict[str, str] = {}


@dataclass(frozen=True)
class Expected:
    record: str
    name: str
    class_number: int
    progress: dict[int, float]


def lenient_json(text: str) -> object:
    """JSON with trailing commas, as MOT's expected_results.json has them."""
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


def fixture_cases() -> list[Expected]:
    folder = SHARED / "test_data"
    if not folder.is_dir():
        return []
    data = lenient_json((folder / "expected_results.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    by_name = {m["release"]["name"]: m["classification"] for m in data["models"]}
    cases = []
    for path in sorted(folder.glob("*.yml")):
        name = str(yaml.safe_load(path.read_text(encoding="utf-8"))["release"]["name"])
        c = by_name[name]
        progress = {int(k): float(v) for k, v in c["progress"].items()}
        cases.append(Expected(f"test_data/{path.name}", name, int(c["class"]), progress))
    return cases


def real_cases() -> list[Expected]:
    table = SHARED / "expected-classification.tsv"
    if not table.is_file():
        return []
    cases = []
    for line in table.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        record, name, cls, p3, p2, p1 = line.split("\t")
        progress = {3: float(p3), 2: float(p2), 1: float(p1)}
        cases.append(Expected(f"models/{record}", name, int(cls), progress))
    return cases


CASES = fixture_cases() + real_cases()


@pytest.fixture(scope="module")
def assessed(shared_data: Path) -> dict[str, ModelAssessment]:
    """Every fixture and real record imported into one store and assessed."""
    mot = shared_data / "mot"
    licences = build_licence_graph(
        licence_list="mot",
        mot_licences_path=mot / "licenses" / "licenses.json",
        mof_licences_path=mot / "licenses" / "mof-licenses.json",
    )
    index = licence_index(licences)
    store = Store()
    store.load(ontology_path(), graph=str(ONTOLOGY_GRAPH))
    store.add_graph(licences, str(LICENCE_GRAPH))
    by_record: dict[str, ModelAssessment] = {}
    model_record: dict[str, str] = {}
    for folder in ("test_data", "models"):
        result = import_mot(
            [mot / folder],
            licence_resolver=lambda text: resolve_licence(text, index),
            existing_models=[URIRef(m) for m in model_record],
        )
        for record in result.records:
            model_record[str(record.model)] = f"{folder}/{record.path.name}"
        store.replace_graphs({str(r.graph_iri): r.graph for r in result.records})
    for assessment in assess_models(store, framework="mof-1.0"):
        by_record[model_record[str(assessment.model)]] = assessment
    return by_record


def test_all_cases_found() -> None:
    if not SHARED.is_dir():
        pytest.skip("the shared MOT data is absent")
    assert len(fixture_cases()) == 27
    assert len(real_cases()) == 161


@pytest.mark.parametrize("case", CASES, ids=[c.record for c in CASES])
def test_agrees_with_mot(case: Expected, assessed: dict[str, ModelAssessment]) -> None:
    if case.record in INTENTIONAL_DIFFERENCES:
        pytest.skip(INTENTIONAL_DIFFERENCES[case.record])
    ours = assessed[case.record]
    got = (ours.class_number, {n: round(p, 2) for n, p in ours.progress.items()})
    want = (case.class_number, {n: round(p, 2) for n, p in case.progress.items()})
    assert ours.class_number == case.class_number, (got, want)
    for number, value in case.progress.items():
        assert ours.progress[number] == pytest.approx(value, abs=0.01), (got, want)
    assert ours.name == case.name


def test_both_licence_lists_agree_on_the_records(shared_data: Path) -> None:
    """The default (current SPDX) list and MOT's pinned list classify the records alike."""
    from rdflib import Literal

    from mofkg.graphstore.catalogue.licences import licence_index
    from mofkg.graphstore.frameworks.assessment import assess_models
    from mofkg.graphstore.importers.mot import import_mot
    from mofkg.graphstore.namespaces import LICENCE_GRAPH, MOF
    from mofkg.graphstore.settings import Settings
    from mofkg.graphstore.store.bootstrap import initialise
    from mofkg.graphstore.store.embedded import Store

    mot = shared_data / "mot"
    results = {}
    open_ids = {}
    for name, settings in (
        ("mot", Settings(licence_list="mot", mot_licences=mot / "licenses" / "licenses.json")),
        ("spdx", Settings(licence_list="spdx")),
    ):
        store = Store()
        initialise(store, settings)
        licences = store.to_rdflib(str(LICENCE_GRAPH))
        open_ids[name] = {
            str(s).rsplit("/", 1)[-1] for s in licences.subjects(MOF.isOpenLicence, Literal(True))
        }
        imported = import_mot(
            [mot / "models", mot / "test_data"], licence_resolver=licence_index(licences).resolve
        )
        store.replace_graphs(imported.graphs())
        results[name] = {a.source: (a.class_number, a.progress) for a in assess_models(store)}
    assert len(results["mot"]) == 188
    assert results["spdx"] == results["mot"]
    assert open_ids["mot"] - open_ids["spdx"] == set()
    assert open_ids["spdx"] - open_ids["mot"] == {
        "ALGLIB-Documentation",
        "BSD-3-Clause-Open-MPI",
        "BSD-ask-to-endorse",
        "CDDL-1.1",
        "CNRI-Python-GPL-Compatible",
        "OSC-1.0",
        "Python-2.0.1",
        "W3C-20150513",
        "WordNet",
        "curl",
    }
