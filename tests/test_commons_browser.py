"""A Commons page in a real headless Chromium, served by `mofkg serve`'s own server over the
demo catalogue (fixtures of tests/test_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mofkg.graphstore.frameworks.assessment import assess_models, write_assessments
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from tests.server import running_production_server
from tests.test_browser import Site, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """`mofkg serve`'s server over the demo catalogue with the shipped Commons."""
    folder = tmp_path_factory.mktemp("commons-browser") / "store"
    store = Store(folder)
    initialise(store, Settings(), demo=True, commons=True)
    write_assessments(store, assess_models(store))
    store.close()
    with running_production_server(folder, MOFKG_WORKERS="1", MOFKG_QUERY_TIMEOUT="20") as srv:
        yield Site(srv.url)


def test_an_organisation_page_renders_with_its_tier_and_models(
    site: Site,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/doc/org/International-Business-Machines-Corporation.html")
    badge = d.find_element(By.CSS_SELECTOR, "#tiers .tier-premier")
    assert badge.text == "Premier"
    # the badge is styled (not the page's background)
    assert badge.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "")
    models = [row.text for row in d.find_elements(By.CSS_SELECTOR, "#org-models tbody tr")]
    assert any(r.startswith("Granite-3.0-8B-Base") and "Class III" in r for r in models)
    d.find_element(By.LINK_TEXT, "Granite-3.0-8B-Base").click()
    assert "Class III" in d.find_element(By.ID, "model-class").text


def test_the_home_page_shows_the_commons_at_a_glance(site: Site, browser: Any) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/")
    rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#glance-members tbody tr")]
    assert "Premier LF AI & Data Foundation 4" in rows
