"""The Commons on the pages: organisations, hosted projects, datasets, focus areas, both
catalogues on a model's page and the glance on the home page, over the demo catalogue (the
hand-made models and the shipped landscape, OSAI Index and MOT records). Flask's test client;
tests/test_commons_browser.py renders one in Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from flask.testing import FlaskClient

from mofkg.graphstore.frameworks.assessment import assess_models, write_assessments
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from tests.test_pages import make_app, text_of


@pytest.fixture(scope="module")
def demo_store() -> Store:
    store = Store()
    initialise(store, Settings(), demo=True, commons=True)
    write_assessments(store, assess_models(store))
    return store


@pytest.fixture(scope="module")
def client(demo_store: Store) -> Iterator[FlaskClient]:
    with make_app(demo_store).test_client() as c:
        yield c


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def section(html: str, element_id: str) -> str:
    """The text of the element with ``element_id`` up to its closing tag of the same name."""
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"', html)
    assert match, f"no #{element_id}"
    end = html.index(f"</{match.group(1)}>", match.end())
    return unescape(text_of(html[match.start() : end])).strip()


def test_an_organisation_shows_its_tier_models_with_classes(client: FlaskClient) -> None:
    html = page(client, "/doc/org/International-Business-Machines-Corporation")
    assert "Premier member of LF AI & Data Foundation" in section(html, "tiers")
    assert 'class="tier-badge tier-premier"' in html
    models = section(html, "org-models")
    # MOT's IBM is the same organisation (reconciled): its Granite models are listed.
    assert "Granite-3.0-8B-Base" in models
    assert "Class III Open Model" in models


def test_the_foundation_lists_its_hosted_projects(client: FlaskClient) -> None:
    projects = section(page(client, "/doc/org/LF-AI-and-Data"), "org-projects")
    assert "Flyte graduated" in projects
    assert "Acumos archived" in projects


def test_a_member_with_class_i_models(client: FlaskClient) -> None:
    html = page(client, "/doc/org/EleutherAI")
    assert "Associate" in section(html, "tiers")
    assert "Pythia-12B Class I Open Science Model" in section(html, "org-models")


def test_a_hosted_project_shows_maturity_focus_area_category_and_links(
    client: FlaskClient,
) -> None:
    html = page(client, "/doc/project/Flyte")
    assert section(html, "maturity") == "graduated"
    assert section(html, "focus-area") == "Frameworks"
    assert section(html, "category") == "Workflow"
    assert 'href="/focus-area/Frameworks"' in html
    assert "https://github.com/flyteorg/flyte" in section(html, "project-links")


def test_a_dataset_shows_its_licence_checked_and_the_models_using_it(
    client: FlaskClient,
) -> None:
    html = page(client, "/doc/dataset/Dolma")
    licences = section(html, "dataset-licences")
    # open; MOT's licence list says nothing of ODC-By's content types; in the licence graph
    assert "ODC-By-1.0 yes not stated yes" in licences
    assert "OLMo-7B Class I Open Science Model" in section(html, "dataset-models")
    assert section(html, "data-card") == "Data card: no"


def test_a_focus_area_lists_its_projects_and_categories(client: FlaskClient) -> None:
    html = page(client, "/focus-area/ModelsAndData")
    assert "<h1>Models &amp; Data</h1>" in html
    assert "Egeria graduated" in section(html, "area-projects")
    assert "Lineage" in section(html, "area-categories")


@pytest.mark.parametrize("name", ["Nope", "Model", "a.b", "Grades"])
def test_what_is_no_focus_area_is_404(client: FlaskClient, name: str) -> None:
    assert client.get(f"/focus-area/{name}").status_code == 404


def test_a_model_page_shows_both_catalogues(client: FlaskClient) -> None:
    # MOT's Amber: Class I under the MOF; the Index's record "amber" is reconciled with it.
    html = page(client, "/doc/model/Amber--Amber")
    assert "Class I" in section(html, "model-class")
    grades = section(html, "index-table")
    assert "Base Model Data Availability open" in grades
    assert "Modelcard Documentation partial" in grades
    assert 'href="/id/osai-index/model/amber"' in html
    # side by side: the MOF's section and the Index's in one row
    row = html.index('class="catalogues"')
    assert row < html.index('id="class-title"') < html.index('id="index-title"')


def test_a_model_the_index_does_not_grade_has_no_index_section(client: FlaskClient) -> None:
    assert 'id="index-grades"' not in page(client, "/doc/model/Llama-3-8B")


def test_the_home_page_has_the_commons_at_a_glance(client: FlaskClient) -> None:
    html = page(client, "/")
    members = section(html, "glance-members")
    assert "Premier LF AI & Data Foundation 4" in members
    assert "Associate LF AI & Data Foundation 43" in members
    assert "graduated Frameworks 6" in section(html, "glance-projects")
    assert 'href="/focus-area/Frameworks"' in html
    models = section(html, "glance-models")
    assert "mot Class I Open Science Model 12" in models
    assert "demo Class II Open Tooling Model 1" in models
