"""The pages in a real headless Chromium, over the real app and its real /sparql endpoint.

Needs Debian's ``chromium`` and ``chromium-driver`` (.ci/run installs them); without them
the tests skip, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from mofkg.graphstore.frameworks.assessment import assess_models, write_assessments
from mofkg.graphstore.namespaces import DEFAULT_IDS
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from tests.server import running_production_server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
WAIT = 20


@dataclass(frozen=True)
class Site:
    url: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """`mofkg serve`'s own server (Granian, mofkg.api.server.front) over the assessed demo
    catalogue, on a free loopback port: the pages, their scripts and /sparql as a user's browser
    gets them."""
    folder = tmp_path_factory.mktemp("browser") / "store"
    store = Store(folder)
    initialise(store, Settings(), demo=True)
    write_assessments(store, assess_models(store))
    store.close()
    with running_production_server(folder, MOFKG_WORKERS="1", MOFKG_QUERY_TIMEOUT="20") as srv:
        yield Site(srv.url)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium driven by chromedriver, with a fresh profile."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        reason = (
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; they are required under CI=true")
        pytest.skip(reason)
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must not look for drivers online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tmp_path_factory.mktemp("chromium-profile")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def _wait_for_status(driver: Any, expected: str) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def ready(d: Any) -> str | bool:
        text: str = d.find_element(By.ID, "status").text
        return text if text and text != "Running…" else False

    status: str = WebDriverWait(driver, WAIT).until(ready)
    assert expected in status, status
    return status


def _result_rows(driver: Any) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    return [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]


def _headers(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    cells = driver.find_elements(By.CSS_SELECTOR, "#results thead th")
    return [th.text for th in cells]


def test_home_page_shows_counts_chart_and_grid(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/")
    find = d.find_element
    assert find(By.ID, "count-models").text == "17"
    assert find(By.ID, "count-components").text == "132"
    bars = d.find_elements(By.CSS_SELECTOR, "#class-chart g.bar")
    assert len(bars) == 5
    rows = d.find_elements(By.CSS_SELECTOR, "#model-grid tbody tr")
    assert len(rows) == 17
    cells = rows[0].find_elements(By.CSS_SELECTOR, "td.cell")
    assert len(cells) == 17
    # the grid is coloured: a counting cell is not the colour of a missing one
    colours = {c.get_attribute("class"): c.value_of_css_property("background-color") for c in cells}
    assert colours["cell counts"] != colours["cell missing"]
    find(By.LINK_TEXT, "OLMo-7B-Instruct").click()
    assert find(By.ID, "model-class").text == "Class II - Open Tooling Model"
    assert d.current_url == site.url + "/doc/model/OLMo-7B-Instruct.html"


def test_query_page_runs_an_example_against_sparql(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/query")
    d.find_element(By.ID, "example-class-ii").click()
    _wait_for_status(d, "4 rows")
    assert _headers(d) == ["model", "name", "class"]
    rows = _result_rows(d)
    assert sorted(r[1] for r in rows) == ["Amber", "OLMo-7B", "OLMo-7B-Instruct", "Pythia-12B"]
    assert {r[2] for r in rows} == {"Class I Open Science Model", "Class II Open Tooling Model"}
    link = d.find_element(By.LINK_TEXT, str(DEFAULT_IDS.model("Amber")))
    assert link.get_attribute("href") == site.url + "/id/model/Amber"


def test_query_page_runs_a_typed_query(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/query")
    editor = d.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys(
        "SELECT DISTINCT ?name WHERE { ?m a mof:Model ; schema:name ?name ; mof:trainedOn ?d } "
        "ORDER BY ?name LIMIT 3"
    )
    d.find_element(By.ID, "run").click()
    _wait_for_status(d, "3 rows")
    assert _result_rows(d) == [["Amber"], ["BLOOM"], ["Falcon-40B"]]


def test_query_page_shows_the_endpoint_error(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/query")
    editor = d.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys("SELECT WHERE {")
    d.find_element(By.ID, "run").click()
    status = _wait_for_status(d, "400")
    assert "malformed query" in status or "400" in status


def test_site_is_served_from_a_real_endpoint(site: Site) -> None:
    """The page's endpoint is the real one (not a stand-in): it answers a service description,
    from `mofkg serve`'s own server."""
    import urllib.request

    with urllib.request.urlopen(site.url + "/sparql") as response:  # noqa: S310 (loopback)
        assert "sparql-service-description" in response.read().decode()
        assert response.headers["Server"] == "granian"


def _run(driver: Any, query: str) -> None:
    from selenium.webdriver.common.by import By

    editor = driver.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys(query)
    driver.find_element(By.ID, "run").click()


def test_query_page_runs_construct_as_a_table_of_triples(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/query")
    _run(
        d,
        "CONSTRUCT { ?m schema:name ?name } WHERE { ?m a mof:Model ; schema:name ?name } "
        "ORDER BY ?name LIMIT 2",
    )
    _wait_for_status(d, "2 triples")
    assert _headers(d) == ["subject", "predicate", "object"]
    rows = _result_rows(d)
    assert sorted(rows) == [
        [str(DEFAULT_IDS.model("Amber")), "http://schema.org/name", "Amber"],
        [str(DEFAULT_IDS.model("BLOOM")), "http://schema.org/name", "BLOOM"],
    ]
    link = d.find_element(By.LINK_TEXT, str(DEFAULT_IDS.model("Amber")))
    assert link.get_attribute("href") == site.url + "/id/model/Amber"
    turtle = d.find_element(By.ID, "download-turtle")
    assert turtle.is_displayed()
    assert not d.find_element(By.ID, "download-csv").is_displayed()
    import urllib.request

    with urllib.request.urlopen(turtle.get_attribute("href")) as response:  # noqa: S310 (loopback)
        assert response.headers["Content-Type"].startswith("text/turtle")
        from rdflib import Graph

        graph = Graph().parse(data=response.read().decode(), format="turtle")
    assert len(graph) == 2


def test_query_page_runs_describe_and_ask(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/query")
    _run(d, f"DESCRIBE <{DEFAULT_IDS.model('Amber')}>")
    status = _wait_for_status(d, "triples")
    assert int(status.split()[0]) > 10
    rows = _result_rows(d)
    assert ["http://schema.org/name", "Amber"] in [r[1:] for r in rows]
    _run(d, "ASK { ?m a mof:Model }")
    _wait_for_status(d, "ASK answered true")
    assert _result_rows(d) == [["true"]]
    assert d.find_element(By.ID, "download-csv").is_displayed()


def test_an_error_clears_the_previous_results(site: Site, browser: Any) -> None:
    d = browser
    d.get(site.url + "/query")
    _run(d, "SELECT ?name WHERE { ?m a mof:Model ; schema:name ?name } LIMIT 3")
    _wait_for_status(d, "3 rows")
    assert len(_result_rows(d)) == 3
    _run(d, "SELECT WHERE {")
    _wait_for_status(d, "400")
    assert _result_rows(d) == [] and _headers(d) == []


def test_a_term_link_lands_on_its_place_in_the_ontology(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/query")
    _run(d, f"SELECT ?type WHERE {{ <{DEFAULT_IDS.model('Amber')}> a ?type }}")
    _wait_for_status(d, "1 row")
    d.find_element(By.LINK_TEXT, "https://w3id.org/mofkg/ontology#Model").click()
    assert d.current_url == site.url + "/ontology#Model"
    term = d.find_element(By.ID, "Model")
    assert term.get_attribute("data-iri") == "https://w3id.org/mofkg/ontology#Model"
    assert "Model" in term.find_element(By.TAG_NAME, "h3").text
    assert d.execute_script("return document.querySelector(':target').id") == "Model"


def test_an_error_page_has_the_navigation(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/id/model/No-Such-Model")
    assert d.find_element(By.ID, "error-title").text == "Not Found"
    assert "nothing is known about" in d.find_element(By.ID, "error-message").text
    d.find_element(By.LINK_TEXT, "Query").click()
    assert d.current_url == site.url + "/query"


def test_the_served_site_has_its_ontology_and_icon(site: Site) -> None:
    import urllib.request

    from rdflib import Graph

    request = urllib.request.Request(site.url + "/ontology", headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request) as response:  # noqa: S310 (loopback)
        assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
        assert len(Graph().parse(data=response.read().decode(), format="turtle")) > 700
    with urllib.request.urlopen(site.url + "/favicon.ico") as response:  # noqa: S310 (loopback)
        assert response.headers["Content-Type"].startswith("image/svg+xml")


def test_the_sparql_endpoint_link_opens_the_query_page(site: Site, browser: Any) -> None:
    """The navigation's "SPARQL endpoint" link (/sparql) was the service description, which
    a browser downloads (RDF/XML); it is the query page, whose examples run there."""
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/")
    d.find_element(By.LINK_TEXT, "SPARQL endpoint").click()
    assert d.current_url == site.url + "/sparql"
    assert d.find_element(By.TAG_NAME, "h1").text == "Query the catalogue"
    d.find_element(By.ID, "run").click()
    _wait_for_status(d, "row")
