"""POST /validate: body or multipart, negotiated reports, the body cap, jobs, bad input."""

from __future__ import annotations

import gzip
import io
import json
import random
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.namespace import SH

from mofkg.api.errors import register_error_handlers
from mofkg.api.server.state import EXTENSION
from mofkg.api.web import pages, validate
from mofkg.api.web.views import Catalogue
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.bootstrap import initialise
from mofkg.graphstore.store.embedded import Store
from tests.test_validate_cli import BAD, GOOD, MODEL

MAX_BODY = 2_000_000
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def store() -> Store:
    store = Store()
    initialise(store, Settings())
    return store


def validate_app(store: Store, *, threshold: int, **more: Any) -> Flask:
    """An app with the pages and POST /validate over ``store``; jobs above ``threshold``
    (``more`` settings beside)."""
    settings = Settings(max_body=MAX_BODY, validate_job_threshold=threshold, **more)
    app = Flask("mofkg.api")
    app.extensions[EXTENSION] = Catalogue(store=store, settings=settings)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(validate.bp)
    register_error_handlers(app)
    return app


@pytest.fixture
def client(store: Store, request: pytest.FixtureRequest) -> Iterator[FlaskClient]:
    threshold = getattr(request, "param", Settings().validate_job_threshold)
    with validate_app(store, threshold=threshold).test_client() as c:
        yield c


def post(client: FlaskClient, data: bytes | str, media: str, **headers: str) -> object:
    return client.post("/validate", data=data, content_type=media, headers=headers)


def test_json_report_by_default_and_nothing_stored(client: FlaskClient, store: Store) -> None:
    before = store.graph_sizes()
    r = client.post("/validate", data=BAD, content_type="text/turtle")
    assert r.status_code == 200 and r.mimetype == "application/json"
    summary = r.get_json()
    assert summary["conforms"] is False and summary["counts"]["bySeverity"]["Violation"] == 1
    [node] = [n for n in summary["focusNodes"] if n["focusNode"] == str(MODEL)]
    assert node["line"] == 7 and node["source"] == "upload"
    assert r.headers["X-Mofkg-Conforms"] == "false"
    assert store.graph_sizes() == before


@pytest.mark.parametrize(
    ("accept", "mimetype", "needle"),
    [
        ("text/html", "text/html", "A model needs exactly one name"),
        ("text/plain", "text/plain", "upload:7: Violation"),
        ("text/turtle", "text/turtle", "sh:ValidationReport"),
        ("application/ld+json", "application/ld+json", "http://www.w3.org/ns/shacl#conforms"),
    ],
)
def test_report_negotiated_from_accept(
    client: FlaskClient, accept: str, mimetype: str, needle: str
) -> None:
    r = client.post("/validate", data=BAD, content_type="text/turtle", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == mimetype
    assert needle in r.get_data(as_text=True)


def test_html_uses_the_site_layout(client: FlaskClient) -> None:
    r = client.post(
        "/validate", data=GOOD, content_type="text/turtle", headers={"Accept": "text/html"}
    )
    page = r.get_data(as_text=True)
    assert '<header class="site">' in page and 'data-conforms="true"' in page


def test_turtle_report_is_read_by_rdflib(client: FlaskClient) -> None:
    r = client.post(
        "/validate", data=BAD, content_type="text/turtle", headers={"Accept": "text/turtle"}
    )
    g = Graph().parse(data=r.get_data(as_text=True), format="turtle")
    [report] = g.subjects(None, SH.ValidationReport)
    assert g.value(report, SH.conforms).toPython() is False


def test_unacceptable_accept_is_406(client: FlaskClient) -> None:
    r = client.post(
        "/validate", data=GOOD, content_type="text/turtle", headers={"Accept": "image/png"}
    )
    assert r.status_code == 406 and "report types" in r.get_data(as_text=True)


def test_multipart_upload(client: FlaskClient) -> None:
    upload = {"file": (io.BytesIO(BAD.encode()), "dump.ttl")}
    r = client.post("/validate", data=upload, content_type="multipart/form-data")
    assert r.status_code == 200
    [node] = [n for n in r.get_json()["focusNodes"] if n["focusNode"] == str(MODEL)]
    assert node["source"] == "dump.ttl" and node["line"] == 7
    r = client.post(
        "/validate", data={"with_catalogue": "false"}, content_type="multipart/form-data"
    )
    assert r.status_code == 400 and "field 'file'" in r.get_data(as_text=True)


def test_gzip_by_content_encoding_and_by_magic(client: FlaskClient) -> None:
    data = gzip.compress(GOOD.encode())
    r = post(client, data, "text/turtle", **{"Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.get_json()["conforms"] is True
    r = post(client, data, "text/turtle")
    assert r.status_code == 200 and r.get_json()["conforms"] is True


def test_truncated_gzip_is_400(client: FlaskClient) -> None:
    data = gzip.compress(GOOD.encode() * 20)
    r = post(client, data[: len(data) // 2], "text/turtle", **{"Content-Encoding": "gzip"})
    assert r.status_code == 400 and "upload: broken gzip data" in r.get_data(as_text=True)


def test_body_cap_is_413(client: FlaskClient) -> None:
    r = post(client, b"#" * (MAX_BODY + 1), "text/turtle")
    assert r.status_code == 413


def test_a_gzip_bomb_is_413(client: FlaskClient) -> None:
    """A dump inflates within max_body, as every other body does (it was 20 times that)."""
    bomb = gzip.compress(b"#" * (MAX_BODY + 10))
    assert len(bomb) < MAX_BODY // 100
    r = post(client, bomb, "text/turtle")
    assert r.status_code == 413
    assert f"upload: inflates to more than {MAX_BODY} bytes" in r.get_data(as_text=True)


@pytest.mark.parametrize("encoding", [{}, {"Content-Encoding": "gzip"}])
def test_gzip_inside_gzip_is_415(client: FlaskClient, encoding: dict[str, str]) -> None:
    inner = gzip.compress(gzip.compress(GOOD.encode()))
    r = post(client, inner, "text/turtle", **encoding)
    assert r.status_code == 415
    assert "upload: gzip inside gzip is refused" in r.get_data(as_text=True)


def test_syntax_error_gives_line_and_column(client: FlaskClient) -> None:
    r = post(client, GOOD + "<x> <y> .\n", "text/turtle")
    text = r.get_data(as_text=True)
    assert r.status_code == 400 and f"upload:{GOOD.count(chr(10)) + 1}:1:" in text


def test_a_dump_declared_as_another_format(client: FlaskClient) -> None:
    r = post(client, GOOD, "application/ld+json")
    assert r.status_code == 400 and "upload:1:1: invalid JSON" in r.get_data(as_text=True)


def test_unsupported_media_type_is_415(client: FlaskClient) -> None:
    r = post(client, GOOD, "image/png")
    assert r.status_code == 415


def test_remote_context_refused_nothing_fetched(client: FlaskClient) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        doc = {"@context": f"http://127.0.0.1:{port}/c.jsonld", "@id": str(MODEL), "name": "x"}
        r = post(client, json.dumps(doc), "application/ld+json")
        assert r.status_code == 400 and "remote @context is refused" in r.get_data(as_text=True)
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_rdfxml_with_doctype_refused(client: FlaskClient) -> None:
    xml = '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "b">]>\n<r/>\n'
    r = post(client, xml, "application/rdf+xml")
    assert r.status_code == 400 and "upload:2:1: RDF/XML with a DOCTYPE" in r.get_data(as_text=True)


def test_zero_byte_upload_and_empty_dump(client: FlaskClient) -> None:
    r = post(client, b"", "text/turtle")
    assert r.status_code == 400 and "the dump is empty (0 bytes)" in r.get_data(as_text=True)
    upload = {"file": (io.BytesIO(b""), "dump.ttl")}
    r = client.post("/validate", data=upload, content_type="multipart/form-data")
    assert r.status_code == 400 and "dump.ttl: the dump is empty" in r.get_data(as_text=True)
    r = post(client, "@prefix ex: <http://ex/> .\n", "text/turtle")
    assert r.status_code == 400 and "holds no RDF statements" in r.get_data(as_text=True)


def test_a_million_character_literal(client: FlaskClient) -> None:
    huge = "x" * 1_000_000
    r = post(
        client,
        BAD.replace('"2024-05-01"^^xsd:date', f'"{huge}"'),
        "text/turtle",
        Accept="text/plain",
    )
    assert r.status_code == 200 and "(… 1000000 characters)" in r.get_data(as_text=True)


def test_mot_yaml_body(client: FlaskClient) -> None:
    record = "framework:\n  name: [unclosed\n"
    r = post(client, record, "application/yaml")
    assert r.status_code == 400 and "upload" in r.get_data(as_text=True)


@pytest.mark.parametrize("client", [100], indirect=True)
def test_a_large_dump_runs_as_a_job(client: FlaskClient, store: Store) -> None:
    before = store.graph_sizes()
    r = post(client, BAD, "text/turtle")
    assert r.status_code == 202
    location = r.headers["Location"]
    assert location.startswith("/validate/jobs/") and r.get_json()["status"] == "running"
    deadline = time.monotonic() + 30
    while True:
        status = client.get(location, headers={"Accept": "text/plain"})
        if status.status_code != 202 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert status.status_code == 200 and "upload:7: Violation" in status.get_data(as_text=True)
    assert store.graph_sizes() == before
    assert client.get("/validate/jobs/nope").status_code == 404


@pytest.mark.parametrize("client", [10], indirect=True)
def test_a_failing_job_answers_its_error(client: FlaskClient) -> None:
    r = post(client, GOOD + "<x> <y> .\n", "text/turtle")
    assert r.status_code == 202
    status = wait_for_job(client, r.headers["Location"])
    assert status.status_code == 400 and "No scheme found" in status.get_data(as_text=True)
    assert status.content_type == "text/plain; charset=utf-8"


def wait_for_job(client: FlaskClient, location: str, accept: str = "text/plain") -> Any:
    """Poll a job's status URL until it stops answering 202 (at most 30 s)."""
    deadline = time.monotonic() + 30
    while True:
        status = client.get(location, headers={"Accept": accept})
        if status.status_code != 202 or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


@pytest.mark.parametrize("client", [10], indirect=True)
def test_job_ids_name_no_other_file(client: FlaskClient) -> None:
    for bad in ("nope", "..%2f..%2fetc%2fpasswd", "0" * 31 + "g", "0" * 33):
        r = client.get(f"/validate/jobs/{bad}")
        assert r.status_code == 404, bad
        if "%2f" not in bad:  # a slash makes it another path, which no route answers
            assert "no validation job" in r.get_data(as_text=True)


@pytest.mark.parametrize("accept", ["application/json", "text/plain", "text/html"])
def test_reports_do_not_tell_where_the_server_is_installed(
    client: FlaskClient, accept: str
) -> None:
    r = client.post("/validate", data=GOOD, content_type="text/turtle", headers={"Accept": accept})
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert "shapes/metadata.ttl" in text
    assert str(REPO) not in text


def test_results_name_the_shape_they_come_from(client: FlaskClient) -> None:
    """Every metadata shape has an IRI, so counts by shape mean the same rule in every run."""
    first = client.post("/validate", data=BAD, content_type="text/turtle").get_json()
    again = client.post("/validate", data=BAD, content_type="text/turtle").get_json()
    by_shape = first["counts"]["byShape"]
    assert by_shape == again["counts"]["byShape"]
    assert by_shape.get("https://w3id.org/mofkg/shapes/metadata#Model-name") == 1
    assert all(k.startswith("https://w3id.org/mofkg/shapes/metadata#") for k in by_shape)


def test_jobs_beyond_validate_max_jobs_are_503(tmp_path: Path) -> None:
    """With the one job place taken (by a live process), another dump is 503 with
    Retry-After, naming the setting; before, 32 jobs ran at once."""
    from mofkg.api.web.validation_jobs import JOBS_FOLDER, JobFolder

    store = Store(tmp_path / "store")
    app = validate_app(store, threshold=10, validate_max_jobs=1)
    JobFolder(tmp_path / "store" / JOBS_FOLDER, max_running=1).add()  # this process: alive
    r = app.test_client().post("/validate", data=BAD, content_type="text/turtle")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "1"
    assert "validate_max_jobs: 1" in r.get_data(as_text=True)


def test_a_large_dump_with_no_job_place_is_503_before_it_is_read(tmp_path: Path) -> None:
    """With every job place taken, a dump over the job threshold is refused before its body
    is read or inflated: this one is broken gzip, which reading would have found (400)."""
    from mofkg.api.web.validation_jobs import JOBS_FOLDER, JobFolder

    store = Store(tmp_path / "store")
    app = validate_app(store, threshold=10, validate_max_jobs=1)
    JobFolder(tmp_path / "store" / JOBS_FOLDER, max_running=1).add()  # this process: alive
    broken = gzip.compress(random.Random(0).randbytes(100_000))[:5000]
    r = app.test_client().post("/validate", data=broken, content_type="text/turtle")
    assert r.status_code == 503, r.get_data(as_text=True)
    assert "validate_max_jobs: 1" in r.get_data(as_text=True)
    small = validate_app(store, threshold=10_000, validate_max_jobs=1).test_client()
    r = small.post("/validate", data=broken, content_type="text/turtle")
    assert r.status_code == 400  # under the threshold: read, and refused for what it is


def test_a_job_report_is_streamed_from_its_gzip_file(tmp_path: Path) -> None:
    """A status request streams the stored report as it inflates it, page included."""
    store = Store(tmp_path / "store")
    client = validate_app(store, threshold=10).test_client()
    location = client.post("/validate", data=BAD, content_type="text/turtle").headers["Location"]
    for accept in ("text/plain", "text/html"):
        answer = wait_for_job(client, location, accept=accept)
        assert answer.status_code == 200 and answer.is_streamed
        text = answer.get_data(as_text=True)
        assert "upload:7" in text
        if accept == "text/html":
            assert text.startswith("<!doctype html>") and text.rstrip().endswith("</html>")


MOF_MODEL = "<https://w3id.org/mofkg/ontology#Model>"


@pytest.mark.parametrize("threshold", [10**6, 10])  # at once, and as a job
def test_a_dump_over_validate_max_triples_is_413(tmp_path: Path, threshold: int) -> None:
    """Before, nothing bounded the triples: a small gzip body could stand for gigabytes."""
    store = Store(tmp_path / "store")
    before = store.graph_sizes()
    client = validate_app(store, threshold=threshold, validate_max_triples=5).test_client()
    lines = "".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(6))
    r = client.post("/validate", data=lines, content_type="application/n-triples")
    assert r.status_code == 413
    message = r.get_data(as_text=True)
    assert message == "upload: more than 5 triples (the limit, setting validate_max_triples)\n"
    assert not (tmp_path / "store" / "mofkg-validation-jobs").exists() or not list(
        (tmp_path / "store" / "mofkg-validation-jobs").glob("*.running")
    )
    ok = client.post(
        "/validate", data="".join(lines.splitlines(True)[:5]), content_type="text/turtle"
    )
    assert ok.status_code in (200, 202), ok.get_data(as_text=True)
    assert store.graph_sizes() == before


def test_a_dump_over_validate_max_models_is_413(tmp_path: Path) -> None:
    """A million ``_:bN a mof:Model`` drove one job to 14.6 GB; now the count stops it."""
    store = Store(tmp_path / "store")
    client = validate_app(store, threshold=10**6, validate_max_models=2).test_client()
    dump = "".join(f"_:b{i} a {MOF_MODEL} .\n" for i in range(3))
    r = client.post("/validate", data=dump, content_type="text/turtle")
    assert r.status_code == 413
    assert "more than 2 models (the limit, setting validate_max_models)" in r.get_data(as_text=True)
    two = "".join(f"_:b{i} a {MOF_MODEL} .\n" for i in range(2))
    assert client.post("/validate", data=two, content_type="text/turtle").status_code == 200


def test_a_report_lists_validate_max_results_and_counts_the_rest(tmp_path: Path) -> None:
    """Results past the cap are counted ('and N more'), the counts stay exact; before,
    60,000 models made a 498 MB report."""
    store = Store(tmp_path / "store")
    dump = "".join(f"_:b{i} a {MOF_MODEL} .\n" for i in range(3))
    full = validate_app(store, threshold=10**6).test_client()
    whole = full.post("/validate", data=dump, content_type="text/turtle").get_json()
    total = sum(whole["counts"]["bySeverity"].values())
    assert total >= 2 and "moreResults" not in whole
    capped = validate_app(store, threshold=10**6, validate_max_results=1).test_client()
    summary = capped.post("/validate", data=dump, content_type="text/turtle").get_json()
    assert summary["counts"] == whole["counts"]
    assert sum(len(f["results"]) for f in summary["focusNodes"]) == 1
    assert summary["moreResults"] == total - 1
    text = capped.post(
        "/validate", data=dump, content_type="text/turtle", headers={"Accept": "text/plain"}
    ).get_data(as_text=True)
    assert f"and {total - 1} more results (the report lists the first 1)" in text
    turtle = capped.post(
        "/validate", data=dump, content_type="text/turtle", headers={"Accept": "text/turtle"}
    ).get_data()
    graph = Graph().parse(data=turtle, format="turtle")
    assert len(list(graph.subjects(SH.resultSeverity, None))) == 1


def test_a_dump_in_another_charset_is_415_naming_it(client: FlaskClient) -> None:
    """/validate read every dump as UTF-8 whatever its charset said (found by a review)."""
    r = post(client, GOOD.encode(), "text/turtle; charset=iso-8859-1")
    assert r.status_code == 415
    assert "the request body's charset must be UTF-8, not iso-8859-1" in r.get_data(as_text=True)
    upload = {"file": (io.BytesIO(GOOD.encode()), "dump.ttl", "text/turtle; charset=utf-16")}
    r = client.post("/validate", data=upload, content_type="multipart/form-data")
    assert r.status_code == 415
    assert "the part dump.ttl's charset must be UTF-8, not utf-16" in r.get_data(as_text=True)
    assert post(client, GOOD.encode(), "text/turtle; charset=UTF-8").status_code == 200
