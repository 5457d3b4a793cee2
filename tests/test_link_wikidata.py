"""`mofkg link wikidata` against Wikidata's RDF model under a real `oxigraph serve`, and
against loopback servers that misbehave: each failure is a clear message, a non-zero exit
and no links written."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from mofkg.graphstore.cli.main import main
from mofkg.graphstore.namespaces import WIKIDATA_LINKS_GRAPH
from mofkg.graphstore.store.embedded import Store
from tests import wikidata_servers
from tests.wikidata_servers import answer, forward, hang, misbehaving_server

#: The fixtures shared with the other linking and federation tests: the demo store (a
#: fresh copy per test) and the Wikidata-model endpoint.
demo_template = wikidata_servers.demo_template
store_dir = wikidata_servers.store_dir
endpoint = wikidata_servers.endpoint

ID = "https://w3id.org/mofkg/id/"
WD = "http://www.wikidata.org/entity/"

#: The links the demo catalogue should get from the fixture: namesakes (Amber the resin,
#: Dolma the dish, Meta the disambiguation page, Falcon the bird, ...) left out, and so are
#: the entities whose items are ambiguous (IBM: two items share its website; Llama 3: one
#: item for two models) or untyped (Qwen2), which stay candidates.
EXPECTED = {
    "model/OLMo-7B": "Q900101",
    "model/Pythia-12B": "Q900103",
    "model/GPT-NeoX-20B": "Q900106",
    "model/BLOOM": "Q900107",
    "model/Falcon-40B": "Q900109",
    "model/Mistral-7B-v0.1": "Q900112",
    "model/Llama-3-8B": "Q900115",
    "model/Gemma-7B": "Q900116",
    "model/StarCoder2-15B": "Q900118",
    "model/Phi-3-mini-4k-instruct": "Q900119",
    "model/DeepSeek-V2": "Q900122",
    "org/AllenAI": "Q900201",
    "org/EleutherAI": "Q900202",
    "org/LLM360": "Q900203",
    "org/BigScience": "Q900204",
    "org/TII": "Q900205",
    "org/MistralAI": "Q900206",
    "org/GoogleDeepMind": "Q900209",
    "org/BigCode": "Q900212",
    "org/Microsoft": "Q900213",
    "org/DeepSeek": "Q900215",
    "dataset/Dolma": "Q900301",
    "dataset/The-Pile": "Q900303",
    "dataset/RefinedWeb": "Q900304",
}
EXPECTED_LICENCES = {"Apache-2.0": "Q900401", "MIT": "Q900402", "CC-BY-4.0": "Q900404",
                     "ODC-By-1.0": "Q900405"}  # fmt: skip


def expected_links() -> set[tuple[str, str]]:
    links = {(ID + e, WD + q) for e, q in EXPECTED.items()}
    links |= {(f"http://spdx.org/licenses/{e}", WD + q) for e, q in EXPECTED_LICENCES.items()}
    return links


def links_in(store_dir: Path) -> set[tuple[str, str]]:
    store = Store(store_dir, read_only=True)
    rows = store.select(
        f"SELECT ?s ?o WHERE {{ GRAPH <{WIKIDATA_LINKS_GRAPH}> {{ ?s skos:exactMatch ?o }} }}"
    )
    return {(str(r["s"]), str(r["o"])) for r in rows}


def link(
    capsys: pytest.CaptureFixture[str], store_dir: Path, url: str, *extra: str
) -> tuple[int, str, str]:
    argv = ["link", "wikidata", "--store", str(store_dir), "--endpoint", url, "--rate", "100"]
    code = main([*argv, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_demo_gets_the_expected_links(
    capsys: pytest.CaptureFixture[str], store_dir: Path, endpoint: str
) -> None:
    code, out, err = link(capsys, store_dir, endpoint)
    assert code == 0, err
    assert links_in(store_dir) == expected_links()
    assert "28 links" in out
    store = Store(store_dir, read_only=True)
    # The ambiguous and the namesakes are candidates for a curator, not links.
    candidates = {
        (str(r["s"]), str(r["o"]))
        for r in store.select(
            f"""SELECT ?s ?o WHERE {{ GRAPH <{WIKIDATA_LINKS_GRAPH}> {{
              ?m owl:annotatedSource ?s ; owl:annotatedTarget ?o ; rdfs:comment ?c .
              FILTER(STRSTARTS(?c, "candidate")) }} }}"""
        )
    }
    assert {
        (ID + "org/IBM", WD + "Q900210"),
        (ID + "org/IBM", WD + "Q900211"),
        (ID + "model/Llama-3-8B-Instruct", WD + "Q900114"),
        (ID + "model/Qwen2-7B", WD + "Q900121"),
        (ID + "org/Meta", WD + "Q900208"),
        (ID + "licence/LicenseRef-Llama-3-Community", WD + "Q900406"),
    } <= candidates
    never = {WD + q for q in ("Q900105", "Q900302", "Q900110", "Q900104", "Q900403", "Q900123")}
    assert not {o for _, o in candidates} & never
    # An organisation's GitHub user name (from its models' repositories) is evidence too.
    deepmind = _comment(store_dir, ID + "org/GoogleDeepMind", WD + "Q900209")
    assert "github google-deepmind = wdt:P2037 of wd:Q900209" in deepmind
    assert "home https://deepmind.google = wdt:P856 of wd:Q900209" in deepmind


def test_each_link_has_its_mapping_and_provenance(
    capsys: pytest.CaptureFixture[str], store_dir: Path, endpoint: str
) -> None:
    assert link(capsys, store_dir, endpoint)[0] == 0
    store = Store(store_dir, read_only=True)
    rows = store.select(
        f"""SELECT ?s ?just ?conf ?c ?start ?q WHERE {{ GRAPH <{WIKIDATA_LINKS_GRAPH}> {{
          ?m a owl:Axiom ; owl:annotatedSource ?s ; owl:annotatedTarget wd:Q900402 ;
             owl:annotatedProperty skos:exactMatch ;
             <https://w3id.org/sssom/mapping_justification> ?just ;
             <https://w3id.org/sssom/confidence> ?conf ; rdfs:comment ?c ;
             prov:wasGeneratedBy ?run .
          ?m prov:wasDerivedFrom ?query .
          ?run prov:startedAtTime ?start ; prov:used ?query . ?query prov:value ?q }} }}""".replace(
            "wd:", "<http://www.wikidata.org/entity/"
        ).replace("Q900402 ;", "Q900402> ;")
    )
    assert rows, "the MIT mapping, its run and the query that found it"
    row = rows[0]
    assert str(row["s"]) == "http://spdx.org/licenses/MIT"
    assert str(row["just"]) == "https://w3id.org/semapv/vocab/DatabaseCrossReference"
    assert float(row["conf"]) == 1.0
    assert "spdx MIT = wdt:P2479" in str(row["c"])
    # Two queries found it: the one asking P2479, and the one asking labels.
    queries = sorted(str(r["q"]) for r in rows)
    assert len(queries) == 2
    assert all("VALUES ?value" in q for q in queries)
    assert sum("wdt:P2479" in q for q in queries) == 1
    assert sum("rdfs:label ?value" in q for q in queries) == 1


def test_running_again_updates_and_never_duplicates(
    capsys: pytest.CaptureFixture[str], store_dir: Path, endpoint: str
) -> None:
    assert link(capsys, store_dir, endpoint)[0] == 0
    first = Store(store_dir, read_only=True).graph_size(str(WIKIDATA_LINKS_GRAPH))
    assert link(capsys, store_dir, endpoint)[0] == 0
    store = Store(store_dir, read_only=True)
    assert store.graph_size(str(WIKIDATA_LINKS_GRAPH)) == first
    (count,) = store.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{WIKIDATA_LINKS_GRAPH}> {{ ?m a owl:Axiom }} }}"
    )
    assert int(count["n"]) == 36  # 28 links and 8 candidates, once each


def test_a_dry_run_stores_nothing(
    capsys: pytest.CaptureFixture[str], store_dir: Path, endpoint: str
) -> None:
    code, out, _ = link(capsys, store_dir, endpoint, "--dry-run")
    assert code == 0
    assert f"link\t{ID}org/AllenAI\t{WD}Q900201" in out
    assert "would store" in out
    assert not Store(store_dir, read_only=True).has_graph(str(WIKIDATA_LINKS_GRAPH))


def test_a_curators_rejection_file_is_honoured(
    capsys: pytest.CaptureFixture[str], store_dir: Path, endpoint: str, tmp_path: Path
) -> None:
    rejections = tmp_path / "rejected.sssom.tsv"
    rejections.write_text(
        "# curie_map:\n#   mofkg: https://w3id.org/mofkg/id/\n"
        "#   wikidata: http://www.wikidata.org/entity/\n#   skos: http://www.w3.org/2004/02/skos/core#\n"
        "#   semapv: https://w3id.org/semapv/vocab/\n"
        "subject_id\tpredicate_id\tpredicate_modifier\tobject_id\tmapping_justification\n"
        "mofkg:org/TII\tskos:exactMatch\tNot\twikidata:Q900205\tsemapv:ManualMappingCuration\n"
    )
    code, out, err = link(capsys, store_dir, endpoint, "--rejections", str(rejections))
    assert code == 0, err
    assert "1 rejected kept out" in out
    assert links_in(store_dir) == expected_links() - {(ID + "org/TII", WD + "Q900205")}


def test_the_user_agent_names_mofkg_its_version_and_the_contact(
    capsys: pytest.CaptureFixture[str], store_dir: Path, endpoint: str
) -> None:
    def through(handler: BaseHTTPRequestHandler, n: int) -> None:
        forward(handler, endpoint)

    with misbehaving_server(through) as (url, agents):
        code, _, err = link(capsys, store_dir, url, "--contact", "curator@example.org")
    assert code == 0, err
    assert agents and all(a.startswith("mofkg/0.1.0 (") for a in agents)
    assert all("curator@example.org" in a for a in agents)


def test_429_then_200_is_retried_after_retry_after(
    capsys: pytest.CaptureFixture[str], store_dir: Path, endpoint: str
) -> None:
    def busy_first(handler: BaseHTTPRequestHandler, n: int) -> None:
        if n < 2:
            answer(handler, 429 if n == 0 else 503, b"slow down", Retry_After="1")
        else:
            forward(handler, endpoint)

    with misbehaving_server(busy_first) as (url, agents):
        code, _, err = link(capsys, store_dir, url)
    assert code == 0, err
    assert links_in(store_dir) == expected_links()


def test_429_beyond_the_retries_stops_with_nothing_written(
    capsys: pytest.CaptureFixture[str], store_dir: Path
) -> None:
    def always_busy(handler: BaseHTTPRequestHandler, n: int) -> None:
        answer(handler, 429, b"too many requests", Retry_After="0")

    with misbehaving_server(always_busy) as (url, agents):
        code, _, err = link(capsys, store_dir, url, "--retries", "2")
    assert code == 1
    assert "answered HTTP 429" in err and "after 2 retries" in err
    assert len(agents) == 3
    assert not Store(store_dir, read_only=True).has_graph(str(WIKIDATA_LINKS_GRAPH))


def _malformed(handler: BaseHTTPRequestHandler, n: int) -> None:
    body = b'{"head": {"vars": []}, "results": {"bindings": ['
    answer(handler, 200, body, Content_Type="application/sparql-results+json")


def _not_results(handler: BaseHTTPRequestHandler, n: int) -> None:
    answer(handler, 200, b'{"boolean": true}', Content_Type="application/sparql-results+json")


def _redirect(handler: BaseHTTPRequestHandler, n: int) -> None:
    port = handler.server.server_address[1]
    answer(handler, 307, b"", Location=f"http://localhost:{port}/elsewhere")


def _oversize_declared(handler: BaseHTTPRequestHandler, n: int) -> None:
    answer(handler, 200, b" " * 300_000, Content_Type="application/sparql-results+json")


def _oversize_streamed(handler: BaseHTTPRequestHandler, n: int) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/sparql-results+json")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.close_connection = True
    for _ in range(40):
        handler.wfile.write(b" " * 10_000)


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        (hang, "no answer within 1 s (setting link_timeout)"),
        (_malformed, "the answer is not JSON (line 1, column"),
        (_not_results, "the answer is not SPARQL JSON results"),
        (_redirect, "redirects to another host (http://localhost:"),
        (_oversize_declared, "more than link_max_response (200000)"),
        (_oversize_streamed, "larger than link_max_response (200000 bytes)"),
    ],
    ids=["hangs", "malformed-json", "not-results", "redirect", "oversize", "oversize-streamed"],
)
def test_a_bad_endpoint_ends_in_a_clear_message_and_no_partial_links(
    capsys: pytest.CaptureFixture[str],
    store_dir: Path,
    endpoint: str,
    behaviour: object,
    message: str,
) -> None:
    # Links from an earlier good run stay as they were.
    assert link(capsys, store_dir, endpoint)[0] == 0
    before = Store(store_dir, read_only=True).graph_size(str(WIKIDATA_LINKS_GRAPH))
    with misbehaving_server(behaviour) as (url, _):  # type: ignore[arg-type]
        code, out, err = link(
            capsys, store_dir, url, "--timeout", "1", "--retries", "0",
            "--config", str(_config(store_dir.parent)),
        )  # fmt: skip
    assert code == 1
    assert err.startswith("mofkg link: ") and message in err, err
    assert url in err
    assert links_in(store_dir) == expected_links()
    assert Store(store_dir, read_only=True).graph_size(str(WIKIDATA_LINKS_GRAPH)) == before


def _config(folder: Path) -> Path:
    config = folder / "mofkg.toml"
    config.write_text("link_max_response = 200000\n")
    return config


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--endpoint", "ftp://example.org/"], "link_endpoint must be an http(s) URL"),
        (["--threshold", "1.5"], "link_threshold must be in (0, 1]"),
        (["--rate", "0"], "link_rate must be positive"),
    ],
)
def test_bad_options_are_usage_errors(
    capsys: pytest.CaptureFixture[str], store_dir: Path, argv: list[str], message: str
) -> None:
    code = main(["link", "wikidata", "--store", str(store_dir), *argv])
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err


def test_a_retry_after_beyond_link_max_wait_stops_at_once(
    capsys: pytest.CaptureFixture[str], store_dir: Path, tmp_path: Path
) -> None:
    def far(handler: BaseHTTPRequestHandler, n: int) -> None:
        answer(handler, 503, b"maintenance", Retry_After="3600")

    config = tmp_path / "wait.toml"
    config.write_text("link_max_wait = 5\n")
    with misbehaving_server(far) as (url, agents):
        code, _, err = link(capsys, store_dir, url, "--config", str(config))
    assert code == 1
    assert "asks to wait 3600 s, more than link_max_wait (5 s)" in err
    assert len(agents) == 1


def test_the_rate_limit_spaces_the_requests(endpoint: str) -> None:
    from mofkg.graphstore.linking.client import WikidataClient

    times: list[float] = []

    def timed(handler: BaseHTTPRequestHandler, n: int) -> None:
        times.append(time.monotonic())
        forward(handler, endpoint)

    with misbehaving_server(timed) as (url, _):
        client = WikidataClient(url, "mofkg-test", rate=4.0)
        for _ in range(3):
            assert len(client.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")) == 1
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.24


def test_a_crunchbase_url_the_catalogue_states_links_by_p2088(
    capsys: pytest.CaptureFixture[str], store_dir: Path, endpoint: str
) -> None:
    alibaba = (ID + "org/AlibabaCloud", WD + "Q900214")
    store = Store(store_dir)
    store.update(
        f"INSERT DATA {{ GRAPH <urn:x-test:extra> {{ <{alibaba[0]}> rdfs:seeAlso "
        "<https://www.crunchbase.com/organization/alibaba-cloud> } }"
    )
    store.close()
    code, out, err = link(capsys, store_dir, endpoint)
    assert code == 0, err
    assert links_in(store_dir) == expected_links() | {alibaba}
    assert "crunchbase alibaba-cloud = wdt:P2088" in _comment(store_dir, *alibaba)


def _comment(store_dir: Path, subject: str, obj: str) -> str:
    rows = Store(store_dir, read_only=True).select(
        f"""SELECT ?c WHERE {{ GRAPH <{WIKIDATA_LINKS_GRAPH}> {{
          ?m owl:annotatedSource <{subject}> ; owl:annotatedTarget <{obj}> ;
             rdfs:comment ?c }} }}"""
    )
    return str(rows[0]["c"]) if rows else ""


def test_a_bad_rejections_file_is_a_usage_error_before_any_request(
    capsys: pytest.CaptureFixture[str], store_dir: Path, tmp_path: Path
) -> None:
    rejections = tmp_path / "rejected.tsv"
    rejections.write_text(
        "# curie_map:\n#   wikidata: http://www.wikidata.org/entity/\n"
        "subject_id\tpredicate_id\tpredicate_modifier\tobject_id\n"
        "mofkg:org/TII\tskos:exactMatch\tNot\twikidata:Q900205\n"
    )

    def never(handler: BaseHTTPRequestHandler, n: int) -> None:
        answer(handler, 500, b"should not be asked")

    with misbehaving_server(never) as (url, agents):
        code, _, err = link(capsys, store_dir, url, "--rejections", str(rejections))
    assert code == 2
    assert f"{rejections}:4: prefix 'mofkg' of mofkg:org/TII is not in the curie_map" in err
    assert agents == []


def test_batches_follow_link_batch(
    capsys: pytest.CaptureFixture[str], store_dir: Path, endpoint: str
) -> None:
    from mofkg.graphstore.linking.matching import catalogue_entities

    entities = catalogue_entities(Store(store_dir, read_only=True))
    distinct = [
        {u for e in entities for _, u in e.urls},
        *({v for e in entities for s, v in e.ids if s == k} for k in ("spdx", "github")),
        {e.label for e in entities if e.label},
    ]
    expected = sum(-(-len(values) // 10) for values in distinct)  # no Crunchbase id here
    code, out, err = link(capsys, store_dir, endpoint, "--batch", "10", "--dry-run")
    assert code == 0, err
    assert f"; {expected} queries to" in out
    assert expected > len(distinct)  # several batches of some kind
    assert out.count("\nlink\t") + out.startswith("link\t") == 28
