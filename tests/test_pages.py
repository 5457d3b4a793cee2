"""The home page, the query page and the linked-data pages over the assessed demo catalogue."""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from mofkg.api.app import close_app, create_app
from mofkg.api.errors import register_error_handlers
from mofkg.api.server.state import EXTENSION
from mofkg.api.web import badges, models_api, ontology, pages
from mofkg.api.web.views import Catalogue
from mofkg.graphstore.catalogue import views as catalogue
from mofkg.graphstore.frameworks.assessment import assess_all, assess_models, write_assessments
from mofkg.graphstore.namespaces import DEFAULT_IDS, MOF, SCHEMA, SPDX_LICENCE
from mofkg.graphstore.rdfio.formats import format_for_suffix
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from mofkg.graphstore.store.terms import triples_to_graph

OLMO = DEFAULT_IDS.model("OLMo-7B")
OLMO_INSTRUCT = DEFAULT_IDS.model("OLMo-7B-Instruct")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
NAMES = (
    "SELECT ?name WHERE { ?m a <https://w3id.org/mofkg/ontology#Model> ; "
    "<http://schema.org/name> ?name }"
)


def assessed_demo() -> Store:
    """An in-memory store with the demo catalogue and its assessments under every framework."""
    store = Store()
    initialise(store, Settings(), demo=True)
    assess_all(store)
    return store


@pytest.fixture(scope="module")
def demo_store() -> Store:
    """An in-memory store with the demo catalogue and its MOF 1.0 assessments."""
    return assessed_demo()


def make_app(store: Store, settings: Settings | None = None) -> Flask:
    app = Flask("mofkg.api")
    app.extensions[EXTENSION] = Catalogue(store=store, settings=settings or Settings())
    for bp in (pages.blueprint, ontology.blueprint, badges.blueprint, models_api.blueprint):
        app.register_blueprint(bp)
    register_error_handlers(app)
    return app


@pytest.fixture(scope="module")
def client(demo_store: Store) -> Iterator[FlaskClient]:
    with make_app(demo_store).test_client() as c:
        yield c


def parse(data: bytes, extension: str) -> Graph:
    """Parse with Oxigraph (rdflib's JSON-LD parser warns under filterwarnings=error)."""
    fmt = format_for_suffix(f"x.{extension}")
    return triples_to_graph(ox.parse(data, format=fmt.oxigraph))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- home ----------------------------------------------------------------------------------


def test_home_counts_what_the_catalogue_holds(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'id="count-models">17<', html)
    assert re.search(r'id="count-components">132<', html)
    assert re.search(r'id="count-datasets">8<', html)
    assert re.search(r'id="count-organisations">14<', html)
    assert re.search(r'id="count-licences">\d{3}<', html)


def test_home_chart_is_inline_svg_with_one_bar_per_class(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    chart = html.split('id="class-chart"', 1)[1].split("</svg>", 1)[0]
    bars = re.findall(r"<title>([^<]+): (\d+)</title>", chart)
    assert bars == [
        ("Class I Open Science Model", "3"),
        ("Class II Open Tooling Model", "1"),
        ("Class III Open Model", "3"),
        ("Unclassified", "10"),
        ("Not assessed", "0"),
    ]
    assert "<script" not in html.split("</main>")[0]


def test_home_grid_colours_each_component_by_status(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    row = html.split('data-model="OLMo-7B-Instruct"', 1)[1].split("</tr>", 1)[0]
    assert 'href="/id/model/OLMo-7B-Instruct"' in row
    assert "Class II - Open Tooling Model" in row
    cells = re.findall(r'class="cell ([a-z-]+)" title="OLMo-7B-Instruct: ([^:]+):', row)
    by_type = {t: s for s, t in cells}
    assert len(cells) == 17
    assert by_type["Training code"] == "counts"
    assert by_type["Data preprocessing code"] == "missing"
    assert by_type["Model parameters (Final)"] == "open-not-type-appropriate"


def test_home_lists_every_model_best_class_first(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    keys = re.findall(r'data-model="([^"]+)"', html)
    assert len(keys) == 17
    assert set(keys[:3]) == {"Amber", "OLMo-7B", "Pythia-12B"}
    assert keys[3] == "OLMo-7B-Instruct"


def test_home_shows_the_grid_a_page_at_a_time(client: FlaskClient) -> None:
    """A catalogue of thousands of models is not one table: the grid comes in pages, in the
    order of the whole catalogue, while the counts and the chart cover every model."""
    whole = re.findall(r'data-model="([^"]+)"', client.get("/?rows=100").get_data(as_text=True))
    assert len(whole) == 17
    paged = []
    for number in range(1, 5):
        html = client.get(f"/?rows=5&page={number}").get_data(as_text=True)
        keys = re.findall(r'data-model="([^"]+)"', html)
        assert len(keys) == (5 if number < 4 else 2)
        paged += keys
        last = min(number * 5, 17)
        assert f"Models {(number - 1) * 5 + 1}&ndash;{last} of 17, page {number} of 4" in html
        assert ('rel="prev"' in html) == (number > 1)
        assert ('rel="next"' in html) == (number < 4)
        assert re.search(r'id="count-models">17<', html)
        assert "<title>Unclassified: 10</title>" in html  # the chart counts every model
    assert paged == whole
    html = client.get("/?rows=5&page=2").get_data(as_text=True)
    assert 'href="/?page=3&amp;rows=5"' in html
    assert "Models 1" not in client.get("/").get_data(as_text=True)  # one page: no pager


def test_rows_of_no_models_are_none(demo_store: Store) -> None:
    """An empty page asks for no models: it must not get every model."""
    assert catalogue.model_rows(demo_store, models=[]) == []
    assert len(catalogue.model_rows(demo_store)) == 17


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", "'page' must be at least 1, not 0"),
        ("page=two", "'page' must be a whole number, not 'two'"),
        ("rows=abc", "'rows' must be a whole number, not 'abc'"),
        ("rows=1001", "'rows' must be between 1 and 1000, not 1001"),
        ("rows=-3", "'rows' must be between 1 and 1000, not -3"),
    ],
)
def test_home_page_arguments_are_checked(client: FlaskClient, query: str, message: str) -> None:
    reply = client.get(f"/?{query}")
    assert reply.status_code == 400
    assert message in html.unescape(reply.get_data(as_text=True))


def test_the_home_page_follows_writes_to_a_served_store(tmp_path: Path) -> None:
    """Under the endpoint the ranking of every model is kept between views, until a write."""
    store = Store(tmp_path / "store")
    initialise(store, Settings(), demo=True)
    write_assessments(store, assess_models(store))
    settings = Settings(store=tmp_path / "store", update_token="t", workers=1)
    app = create_app(settings, store=store)
    try:
        client = app.test_client()
        before = client.get("/").get_data(as_text=True)
        assert before.count("data-model=") == 17
        assert client.get("/").get_data(as_text=True) == before  # kept, and the same
        new = DEFAULT_IDS.model("Added-Model")
        added = f'<{new}> a <{MOF.Model}> ; <{SCHEMA.name}> "Added"'
        update = f"INSERT DATA {{ GRAPH <{DEFAULT_IDS.base}graph/extra> {{ {added} }} }}"
        reply = client.post(
            "/sparql",
            data=update,
            headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer t"},
        )
        assert reply.status_code == 204, reply.get_data(as_text=True)
        after = client.get("/").get_data(as_text=True)
        assert after.count("data-model=") == 18
        assert 'data-model="Added-Model"' in after
        assert "<title>Not assessed: 1</title>" in after
    finally:
        close_app(app)


def test_names_from_the_data_are_shown_as_text() -> None:
    """Whoever may write to the store must not be able to put markup in the pages."""
    store = Store()
    initialise(store, Settings(), demo=True)
    evil = DEFAULT_IDS.model("Evil")
    name = '<img src=x onerror="alert(1)">'
    extra = Graph()
    extra.add((evil, RDF.type, MOF.Model))
    extra.add((evil, SCHEMA.name, Literal(name)))
    store.add_graph(extra, "https://w3id.org/mofkg/graph/extra")
    client = make_app(store).test_client()
    for path in ("/", "/doc/model/Evil.html", "/badge/Evil.svg"):
        text = client.get(path).get_data(as_text=True)
        assert "<img" not in text, path
        assert "onerror" not in text or "&lt;img src=x onerror=" in text, path
    assert client.get("/api/v1/model/Evil").get_json()["release"]["name"] == name


def test_an_unassessed_catalogue_says_so() -> None:
    store = Store()
    initialise(store, Settings(), demo=True)
    html = make_app(store).test_client().get("/").get_data(as_text=True)
    assert "<title>Not assessed: 17</title>" in html
    assert html.count('class="cell unknown"') == 17 * 17


# -- query page ----------------------------------------------------------------------------


def test_query_page_has_editor_examples_and_downloads(client: FlaskClient) -> None:
    html = client.get("/query").get_data(as_text=True)
    assert '<textarea id="query" name="query"' in html
    for key in ("class-ii", "from-class-i", "lineage", "licences-by-organisation"):
        assert f'id="example-{key}"' in html
    for fmt in ("json", "xml", "csv", "tsv"):
        assert f'data-format="{fmt}"' in html
    assert 'src="/static/query.js"' in html or "query.js" in html
    assert f"PREFIX mof: &lt;{MOF}&gt;" in html


def test_query_page_escapes_a_query_given_in_the_url(client: FlaskClient) -> None:
    html = client.get("/query", query_string={"query": "</textarea><script>x()</script>"}).text
    assert "<script>x()" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html


def test_example_queries_answer_on_the_demo(demo_store: Store) -> None:
    from mofkg.api.web.query_examples import example_queries

    answers = {e.key: demo_store.select(e.query) for e in example_queries(DEFAULT_IDS)}
    assert {str(r["name"]) for r in answers["class-ii"]} == {
        "Amber",
        "OLMo-7B",
        "OLMo-7B-Instruct",
        "Pythia-12B",
    }
    assert {str(r["component"]) for r in answers["from-class-i"]} >= {
        "Data preprocessing code",
        "Model parameters (Intermediate)",
    }
    assert [str(r["name"]) for r in answers["lineage"]] == ["OLMo-7B-Instruct"]
    assert any(str(r["organisation"]) == "Meta" for r in answers["licences-by-organisation"])
    names = sorted(str(r["name"]) for r in demo_store.select(NAMES))
    assert len(names) > 12
    assert {str(r["name"]) for r in answers["components"]} == set(names[:12])
    assert len(answers["components"]) > 12  # each model's components, not one row each


def test_static_files_are_served(client: FlaskClient) -> None:
    with client.get("/static/query.js") as js:
        assert js.status_code == 200 and "application/sparql-results+json" in js.text
    with client.get("/static/style.css") as css:
        assert css.status_code == 200 and css.content_type.startswith("text/css")


# -- linked data -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "extension"),
    [
        (BROWSER_ACCEPT, "html"),
        (None, "html"),
        ("*/*", "html"),
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/n-triples", "nt"),
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "jsonld"),
        ("text/html;q=0.1, text/turtle", "ttl"),
    ],
)
def test_id_answers_303_to_the_negotiated_document(
    client: FlaskClient, accept: str | None, extension: str
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get("/id/model/OLMo-7B", headers=headers)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/doc/model/OLMo-7B.{extension}"
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize(
    "path",
    [
        "model/OLMo-7B/component/TrainingCode",
        "dataset/Dolma",
        "org/AllenAI",
        "licence/LicenseRef-Llama-3-Community",
    ],
)
def test_every_kind_of_thing_has_a_page(client: FlaskClient, path: str) -> None:
    response = client.get(f"/id/{path}", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert page.content_type == "text/html; charset=utf-8"
    assert f"<code>{DEFAULT_IDS.id[path]}</code>" in page.text


def test_id_refuses_what_it_cannot_give(client: FlaskClient) -> None:
    response = client.get("/id/model/OLMo-7B", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "image/png" in response.text and "text/turtle" in response.text


def test_id_without_triples_is_404(client: FlaskClient) -> None:
    response = client.get("/id/model/No-Such-Model")
    assert response.status_code == 404
    assert str(DEFAULT_IDS.model("No-Such-Model")) in response.text
    assert client.get("/doc/model/No-Such-Model.ttl").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/id/model/a%3E%20%3Fp%20%3Fo%20%7D%20%23",
        "/doc/model/x%22y.ttl",
        "/id/model/a%20b",
        "/licence/A%3EB",
    ],
)
def test_paths_that_are_no_iri_are_404_not_injected(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "nothing is known about" in response.text or "no licence" in response.text


@pytest.mark.parametrize("extension", ["ttl", "jsonld", "nt", "rdf"])
def test_doc_serves_the_concise_bounded_description(
    client: FlaskClient, demo_store: Store, extension: str
) -> None:
    response = client.get(f"/doc/model/OLMo-7B.{extension}")
    assert response.status_code == 200
    fmt = format_for_suffix(f"x.{extension}")
    assert response.content_type.split(";")[0] == fmt.media_type
    g = parse(response.data, extension)
    assert (OLMO, SCHEMA.name, None) in g
    stored = demo_store.select(f"SELECT ?p ?o WHERE {{ <{OLMO}> ?p ?o }}")
    assert len(list(g.triples((OLMO, None, None)))) == len(stored) > 20
    # the model's assessment is part of its description, with its outcomes
    assessment = DEFAULT_IDS.assessment("mof-1.0", OLMO)
    assert (assessment, MOF.classNumber, None) in g
    outcomes = set(g.objects(assessment, MOF.hasOutcome))
    assert outcomes and all((o, MOF.status, None) in g for o in outcomes)
    # and nothing about other subjects: components are described on their own pages
    component = next(iter(g.objects(OLMO, MOF.hasComponent)))
    assert (component, MOF.componentType, None) not in g


def test_doc_without_extension_negotiates_in_place(client: FlaskClient) -> None:
    response = client.get("/doc/dataset/Dolma", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.content_type == "application/n-triples"
    assert response.headers["Vary"] == "Accept"
    assert f"<{DEFAULT_IDS.dataset('Dolma')}>" in response.text


def test_a_dot_in_an_iri_is_not_taken_for_an_extension(client: FlaskClient) -> None:
    response = client.get("/id/model/Mistral-7B-v0.1", headers={"Accept": "text/turtle"})
    assert response.headers["Location"] == "/doc/model/Mistral-7B-v0.1.ttl"
    assert client.get("/doc/model/Mistral-7B-v0.1").status_code == 200
    assert "Mistral-7B-v0.1" in client.get("/doc/model/Mistral-7B-v0.1.ttl").text


def test_model_page_shows_every_framework_and_what_the_model_lacks(client: FlaskClient) -> None:
    html = client.get("/doc/model/OLMo-7B-Instruct.html").get_data(as_text=True)
    table = html.split('id="frameworks"', 1)[1].split("</table>", 1)[0]
    mof = text_of(table.split('id="framework-mof-1.0"', 1)[1].split("</tr>", 1)[0])
    assert "Model Openness Framework 1.0" in mof and "Class II - Open Tooling Model" in mof
    assert "Data preprocessing code" in mof  # what keeps it from Class I
    osaid = text_of(table.split('id="framework-osaid-1.0"', 1)[1].split("</tr>", 1)[0])
    assert "Open Source AI Definition 1.0" in osaid


def test_model_page_shows_class_components_and_what_lifts_it(client: FlaskClient) -> None:
    html = client.get("/doc/model/OLMo-7B-Instruct.html").get_data(as_text=True)
    assert re.search(r'id="model-class">Class II - Open Tooling Model<', html)
    lift = text_of(html.split('id="lift-title"', 1)[1].split("</ul>", 1)[0])
    assert "Class I Open Science Model" in lift
    assert re.search(r"Data preprocessing code ?: Missing", lift)
    assert re.search(r"Model parameters \(Intermediate\) ?: Missing", lift)
    components = html.split('id="components"', 1)[1].split("</table>", 1)[0]
    training = components.split('data-type="Training code"', 1)[1].split("</tr>", 1)[0]
    assert "Open licence" in training
    assert 'href="/licence/Apache-2.0"' in training
    assert 'href="/id/model/OLMo-7B-Instruct/component/TrainingCode"' in training
    assert 'src="/badge/OLMo-7B-Instruct/class-I.svg"' in html


def test_page_links_our_iris_locally_and_others_outward(client: FlaskClient) -> None:
    html = client.get("/doc/model/OLMo-7B-Instruct.html").get_data(as_text=True)
    assert 'href="/id/model/OLMo-7B"' in html  # fine-tuned from
    assert 'href="/id/org/AllenAI"' in html
    fine_tuned = f'href="/ontology#fineTunedFrom" title="{MOF.fineTunedFrom}">fine-tuned from</a>'
    assert f'{fine_tuned} <code class="iri-detail">mof:fineTunedFrom</code>' in html
    assert 'href="/ontology#Model"' in html  # its type
    assert 'rel="alternate" type="text/turtle" href="/doc/model/OLMo-7B-Instruct.ttl"' in html


def test_a_licence_page_groups_its_users_by_model_with_names_and_counts(
    client: FlaskClient,
) -> None:
    """ "Referred to by" was about a hundred raw IRIs: now one line per model, named, with
    how many of its components use the licence, named by their type."""
    html = client.get("/licence/Apache-2.0").get_data(as_text=True)
    section = html.split('id="ref-title"', 1)[1].split("</section>", 1)[0]
    text = text_of(section)
    assert "90 resources refer to it, from 12 models or other resources." in text
    groups = re.findall(r'<li class="ref-group">(.*?)</li>', section, re.S)
    assert len(groups) == 12
    amber = text_of(next(g for g in groups if 'href="/id/model/Amber"' in g)).strip()
    assert amber.startswith("Amber : itself and 14 of its components ( Data card ,")
    starcoder = next(text_of(g) for g in groups if 'href="/id/model/StarCoder2-15B"' in g)
    assert "1 of its components ( Evaluation code )" in starcoder and "itself" not in starcoder
    ontology = next(text_of(g) for g in groups if "The mofkg ontology" in g)
    assert ontology.strip() == "The mofkg ontology"  # it alone, no components
    links = re.findall(r'<a href="([^"]+)" title="([^"]+)">([^<]+)</a>', section)
    assert len(links) == 91  # the 90, and StarCoder2-15B, whose component alone uses it
    assert not [t for _, _, t in links if t.startswith("http")]  # names, the IRI as a title
    assert ("/id/model/Amber", str(DEFAULT_IDS.model("Amber")), "Amber") in links
    assert not any("#" in href for href, _, _ in links)
    assert 'id="ref-more"' not in section


def test_a_licence_page_caps_its_groups_and_says_how_many_more() -> None:
    store = Store()
    initialise(store, Settings(), demo=False)
    licence = SPDX_LICENCE["0BSD"]
    rows = "".join(
        f"<{DEFAULT_IDS.model(f'M{n:02}')}> <{MOF.distributionLicence}> <{licence}> .\n"
        f'<{DEFAULT_IDS.model(f"M{n:02}")}> <{SCHEMA.name}> "Model {n:02}" .\n'
        for n in range(60)
    )
    store.load(rows.encode(), graph="urn:g", format="nt")
    html = make_app(store).test_client().get("/licence/0BSD").get_data(as_text=True)
    section = html.split('id="ref-title"', 1)[1].split("</section>", 1)[0]
    assert len(re.findall(r'<li class="ref-group">', section)) == 50
    assert ">Model 00<" in section and ">Model 49<" in section and "Model 50" not in section
    assert "and 10 more, not listed here" in text_of(section)
    assert "60 resources refer to it." in text_of(section)


def test_spdx_licences_have_their_own_page(client: FlaskClient) -> None:
    response = client.get("/licence/Apache-2.0")
    assert response.status_code == 200
    assert "Apache License 2.0" in response.text
    assert f"<code>{SPDX_LICENCE['Apache-2.0']}</code>" in response.text
    referrers = response.text.split('id="ref-title"', 1)[1]
    assert 'href="/id/model/OLMo-7B"' in referrers  # its distribution licence
    ttl = client.get("/licence/Apache-2.0", headers={"Accept": "text/turtle"})
    assert ttl.content_type == "text/turtle; charset=utf-8"
    g = parse(ttl.data, "ttl")
    assert (URIRef(SPDX_LICENCE["Apache-2.0"]), MOF.isOpenLicence, None) in g
    assert client.get("/licence/Apache-2.0.jsonld").content_type == "application/ld+json"
    missing = client.get("/licence/Not-A-Licence")
    assert missing.status_code == 404 and "Not-A-Licence" in missing.text


def test_jsonld_document_is_valid_json(client: FlaskClient) -> None:
    data = json.loads(client.get("/doc/org/AllenAI.jsonld").data)
    assert any(item.get("@id") == str(DEFAULT_IDS.organisation("AllenAI")) for item in data)


def test_pages_follow_the_base_iri_setting() -> None:
    base = "https://example.org/kg/"
    store = Store()
    store.load(f'<{base}id/dataset/D> <{SCHEMA.name}> "D" .'.encode(), graph="urn:g", format="nt")
    with make_app(store, Settings(base_iri=base)).test_client() as c:
        response = c.get("/id/dataset/D", headers={"Accept": "text/turtle"})
        assert response.status_code == 303
        assert f"<{base}id/dataset/D>" in c.get(response.headers["Location"]).text


# -- labels and openness figures -----------------------------------------------------------


def test_model_page_names_its_components_with_the_iri_only_beside(client: FlaskClient) -> None:
    """mof:hasComponent listed full component IRIs as the link text."""
    html = client.get("/doc/model/OLMo-7B-Instruct.html").get_data(as_text=True)
    row = html.split(f'href="/ontology#hasComponent" title="{MOF.hasComponent}">has component<')[
        1
    ].split("</tr>", 1)[0]
    links = re.findall(r'<a href="([^"]+)" title="([^"]+)">([^<]+)</a>', row)
    assert len(links) == 11
    card = f"{OLMO_INSTRUCT}/component/DataCard"
    assert ("/id/model/OLMo-7B-Instruct/component/DataCard", card, "Data card") in links
    assert not [text for _, _, text in links if "://" in text]
    assert f'<code class="iri-detail">{card}</code>' in row  # still there, to copy
    referrers = html.split('id="ref-title"', 1)[1]
    assert ">assessment of OLMo-7B-Instruct under Model Openness Framework 1.0</a>" in referrers


def test_a_components_licence_source_reads_as_a_phrase(client: FlaskClient) -> None:
    """The "Licence from" column showed DistributionLicence / ComponentLicence."""
    html = client.get("/doc/model/OLMo-7B-Instruct.html").get_data(as_text=True)
    components = html.split('id="components"', 1)[1].split("</table>", 1)[0]
    sources = {
        kind: text_of(row).strip().rsplit("  ", 1)[-1]
        for kind, row in re.findall(r'<tr data-type="([^"]+)">(.*?)</tr>', components, re.S)
    }
    assert "the release&#39;s distribution licence" in sources["Evaluation code"]
    assert "the component&#39;s own licence" in sources["Training code"]
    assert "the release&#39;s licence for its kind of content" in sources["Datasets"]
    assert "Licence>" not in components and "DistributionLicence" not in components


def test_optional_components_are_marked_optional(client: FlaskClient) -> None:
    """A Class I model at 100% showed three rows "Missing" and nothing saying that those
    components are never counted; which ones are optional comes from the shapes."""
    html = client.get("/doc/model/OLMo-7B.html").get_data(as_text=True)
    assert re.search(r'id="model-class">Class I - Open Science Model<', html)
    components = html.split('id="components"', 1)[1].split("</table>", 1)[0]
    rows = dict(re.findall(r'<tr data-type="([^"]+)">(.*?)</tr>', components, re.S))
    optional = {kind for kind, row in rows.items() if 'class="optional"' in row}
    assert optional == {"Model metadata", "Sample model outputs", "Supporting libraries and tools"}
    assert all("Missing" in rows[kind] for kind in optional)


def test_a_class_at_zero_because_the_class_below_is_incomplete_says_so(
    client: FlaskClient,
) -> None:
    html = client.get("/doc/model/Mistral-7B-v0.1.html").get_data(as_text=True)
    two = text_of(html.split('id="progress-2"', 1)[1].split("</li>", 1)[0])
    assert "0%" in two
    assert "not counted until Class III Open Model is complete (it is at 83.3%)" in two
    three = text_of(html.split('id="progress-3"', 1)[1].split("</li>", 1)[0])
    assert "83.3%" in three and "not counted" not in three
    data = client.get("/api/v1/model/Mistral-7B-v0.1").get_json()["classification"]
    assert data["held_back"]["2"] == {
        "below": 3,
        "reason": "not counted until Class III Open Model is complete (it is at 83.3%)",
    }
    assert data["held_back"]["1"]["below"] == 2
    olmo = client.get("/api/v1/model/OLMo-7B-Instruct").get_json()["classification"]
    assert olmo["held_back"] == {}  # Class I is at 84.6%, not held back


def test_an_assessment_page_has_its_own_heading_summary_and_named_criteria(
    client: FlaskClient,
) -> None:
    """It had the model's heading, no summary, and twenty raw fragment IRIs."""
    html = client.get("/doc/assessment/mof-1.0/OLMo-7B-Instruct.html").get_data(as_text=True)
    heading = "The assessment of OLMo-7B-Instruct under Model Openness Framework 1.0"
    assert f"<h1>{heading}</h1>" in html
    assert f"<title>{heading} · mofkg</title>" in html
    summary = text_of(html.split('id="assessment-title"', 1)[1].split('id="criteria-title"')[0])
    assert "Class reached: Class II - Open Tooling Model" in summary
    assert "Class I Open Science Model: 84.6%" in summary
    assert "Class II Open Tooling Model: 100%" in summary
    criteria = html.split('id="criteria-title"', 1)[1].split("</section>", 1)[0]
    rows = dict(re.findall(r'<tr data-type="([^"]+)">(.*?)</tr>', criteria, re.S))
    assert "Missing" in rows["Data preprocessing code"]
    assert 'class="optional"' in rows["Model metadata"]
    assert "the release&#39;s distribution licence" in rows["Evaluation code"]
    outcomes = html.split(f'href="/ontology#hasOutcome" title="{MOF.hasOutcome}">has outcome<')[
        1
    ].split("</tr>")[0]
    texts = re.findall(r'title="[^"]+">([^<]+)</a>', outcomes)
    assert len(texts) == 20
    assert "Class I Open Science Model: Data preprocessing code" in texts
    assert "licence warning: Datasets" in texts
    assert not [t for t in texts if "://" in t]
    assert ">assessment run (shapes 1.0.0)</a>" in html
    assert ">progress towards MOF Class I</a>" in html


def test_one_rounded_figure_in_explain_pages_badges_and_json(
    client: FlaskClient, demo_store: Store
) -> None:
    """explain said 85%, the page 85%, the badge 85% and assess 84.6%: now 84.6% in all."""
    from mofkg.graphstore.frameworks.explain import explain_model

    assert "Class I Open Science Model: 84.6%" in explain_model(demo_store, str(OLMO_INSTRUCT))
    html = client.get("/doc/model/OLMo-7B-Instruct.html").get_data(as_text=True)
    assert "Class I: 84.6%" in text_of(html.split('id="progress-1"', 1)[1].split("</li>")[0])
    badge = client.get("/badge/OLMo-7B-Instruct/class-I.svg").get_data(as_text=True)
    assert ">In progress (84.6%)<" in badge
    data = client.get("/api/v1/model/OLMo-7B-Instruct").get_json()["classification"]
    assert data["progress_text"] == {"1": "84.6%", "2": "100%", "3": "100%"}
    assert 84.6 < data["progress"]["1"] < 84.62  # the value itself, not rounded to 84.6


def test_a_licence_id_no_iri_can_hold_is_404_without_a_log_line(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    """rdflib logged 'does not look like a valid URI' for every such request, as it built
    the IRI before the page looked it up (found by a review)."""
    with caplog.at_level(logging.WARNING):
        for key in ("a b", "MIT>x", "<script>"):
            reply = client.get(f"/licence/{key}", headers={"Accept": BROWSER_ACCEPT})
            assert reply.status_code == 404
    assert [r.getMessage() for r in caplog.records] == []
    assert client.get("/licence/Apache-2.0", headers={"Accept": BROWSER_ACCEPT}).status_code == 200
