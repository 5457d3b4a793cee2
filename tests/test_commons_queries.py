"""The Commons' relationship queries (examples/*.rq, the query page): what each answers on
the demo catalogue (the hand-made models and the shipped landscape, OSAI Index and MOT
records, reconciled)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mofkg.api.web.commons_queries import commons_queries
from mofkg.graphstore.frameworks.assessment import assess_models, write_assessments
from mofkg.graphstore.namespaces import Ids
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
QUERIES = {q.key: q for q in commons_queries(Ids())}


@pytest.fixture(scope="module")
def demo() -> Store:
    store = Store()
    initialise(store, Settings(), demo=True, commons=True)
    write_assessments(store, assess_models(store))
    return store


def rows(store: Store, key: str) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in row.items()} for row in store.select(QUERIES[key].query)]


def test_there_are_at_least_ten_and_each_is_a_file_of_examples() -> None:
    assert len(QUERIES) >= 10
    for key, query in QUERIES.items():
        text = (EXAMPLES / f"{key}.rq").read_text(encoding="utf-8")
        assert text == f"# {query.title}\n{query.query}", f"examples/{key}.rq is out of date"


def test_members_whose_models_reach_class_i(demo: Store) -> None:
    found = {(r["member"], r["name"]) for r in rows(demo, "members-class-i")}
    # EleutherAI (an Associate member in the landscape) is MOT's and the demo's EleutherAI.
    assert ("EleutherAI", "Pythia-12B") in found
    assert ("EleutherAI", "Pythia-70M") in found
    assert {m for m, _ in found} == {"EleutherAI"}  # IBM and NVIDIA publish no Class I model
    tiers = {r["tiers"] for r in rows(demo, "members-class-i")}
    assert all("Associate" in t for t in tiers)


def test_members_by_tier(demo: Store) -> None:
    counts = {r["tier"]: int(r["members"]) for r in rows(demo, "members-by-tier")}
    assert (counts["Premier"], counts["General"], counts["Associate"]) == (4, 17, 43)


def test_class_i_models_the_index_grades_less_than_open(demo: Store) -> None:
    found = {
        (r["name"], r["dimension"], r["grade"]) for r in rows(demo, "class-i-not-open-on-index")
    }
    assert ("Amber", "Modelcard", "partial") in found
    assert ("Amber", "Datasheet", "partial") in found
    assert {n for n, _, _ in found} == {"Amber"}
    assert ("Amber", "Licenses", "partial") not in found  # the Index grades its licences open


def test_index_open_models_below_class_i(demo: Store) -> None:
    found = {r["name"]: r["class"] for r in rows(demo, "index-open-below-class-i")}
    assert found.get("StarCoder") == "Unclassified"
    assert "Amber" not in found  # Class I under the MOF


def test_fine_tunes_with_licences_and_classes(demo: Store) -> None:
    found = rows(demo, "fine-tunes")
    assert [(r["name"], r["licence"], r["class"]) for r in found] == [
        ("OLMo-7B-Instruct", "Apache-2.0", "Class II Open Tooling Model")
    ]


def test_projects_by_maturity_and_focus_area(demo: Store) -> None:
    counts = {
        (r["maturity"], r["focusArea"]): int(r["projects"])
        for r in rows(demo, "projects-by-maturity-and-focus-area")
    }
    by_maturity: dict[str, int] = {}
    for (maturity, _), n in counts.items():
        by_maturity[maturity] = by_maturity.get(maturity, 0) + n
    # The landscape's 64 hosted projects: 13 graduated, 24 incubating, 22 sandbox, 5 archived.
    assert by_maturity == {"graduated": 13, "incubating": 24, "sandbox": 22, "archived": 5}
    assert counts[("incubating", "Education")] == 1


def test_graduated_projects(demo: Store) -> None:
    found = {r["project"]: r for r in rows(demo, "graduated-projects")}
    assert len(found) == 13
    assert found["Flyte"]["focusArea"] == "Frameworks"
    assert "https://github.com/flyteorg/flyte" in found["Flyte"]["repositories"].split()
    assert found["Docarray"]["focusArea"] == "Models & Data"


def test_datasets_of_open_models_and_their_licences(demo: Store) -> None:
    found = {r["dataset"]: r for r in rows(demo, "datasets-of-open-models")}
    assert found["Dolma"]["licence"] == "ODC-By-1.0"
    assert found["Dolma"]["open"] == "true"
    assert "OLMo-7B" in found["Dolma"]["models"].split(", ")
    assert set(found["RefinedWeb"]["models"].split(", ")) == {"Amber", "Falcon-40B"}
    assert "The Pile" in found


def test_models_in_both_catalogues(demo: Store) -> None:
    found = {r["name"]: r for r in rows(demo, "models-in-both-catalogues")}
    assert found["Amber"]["class"] == "Class I Open Science Model"
    assert (found["Amber"]["openOnIndex"], found["Amber"]["graded"]) == ("8", "12")
    assert found["StarCoder"]["openOnIndex"] == "10"


def test_organisations_across_sources(demo: Store) -> None:
    found = {
        r["organisation"]: set(r["names"].split(" | "))
        for r in rows(demo, "organisations-across-sources")
    }
    assert {"IBM", "International Business Machines Corporation"} <= found["IBM"]
    assert {"Stability AI", "StabilityAI"} <= found["Stability AI"]


def test_focus_areas_and_their_categories(demo: Store) -> None:
    found = {r["focusArea"]: r for r in rows(demo, "focus-area-categories")}
    assert set(found) == {"Models & Data", "Frameworks", "Applications", "Education"}
    assert int(found["Frameworks"]["items"]) > int(found["Education"]["items"]) > 0


def test_the_query_page_offers_them(demo: Store) -> None:
    from tests.test_pages import make_app

    app = make_app(demo)
    page = app.test_client().get("/query").get_data(as_text=True)
    assert "Member organisations (LF AI &amp; Data) whose models reach Class I" in page
    assert "Hosted projects by maturity and focus area" in page
