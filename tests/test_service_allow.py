"""Federated queries a user allows: ``SERVICE <endpoint>`` on ``service_allow`` joins the
catalogue with the remote graph (the Wikidata-model fixture under `oxigraph serve`), through
HTTP /sparql and `mofkg query`, bounded by the timeout (and, on HTTP, the row cap); any
other endpoint stays refused with a message naming it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from mofkg.graphstore.settings import load_settings
from tests import wikidata_servers
from tests.server import get, running_server
from tests.wikidata_servers import hang, misbehaving_server

#: The fixtures shared with the other linking and federation tests: the demo store (a
#: fresh copy per test) and the Wikidata-model endpoint.
demo_template = wikidata_servers.demo_template
store_dir = wikidata_servers.store_dir
endpoint = wikidata_servers.endpoint

ID = "https://w3id.org/mofkg/id/model/"
#: The demo's models whose Hugging Face page is an item's official website in the fixture.
JOINED = {
    (ID + "OLMo-7B", "OLMo-7B"),
    (ID + "BLOOM", "BLOOM"),
    (ID + "Falcon-40B", "Falcon 40B"),
    (ID + "Llama-3-8B", "Meta-Llama-3-8B"),
    (ID + "StarCoder2-15B", "StarCoder2-15B"),
    (ID + "Phi-3-mini-4k-instruct", "Phi-3"),
}


def join_query(endpoint: str) -> str:
    return f"""SELECT ?m ?label WHERE {{
      ?m a mof:Model ; mof:huggingFacePage ?page .
      SERVICE <{endpoint}> {{
        ?item <http://www.wikidata.org/prop/direct/P856> ?page ; rdfs:label ?label }}
    }}"""


def ask(url: str, query: str) -> tuple[int, str, dict[str, str], float]:
    started = time.monotonic()
    reply = get(url, params={"query": query}, headers={"Accept": "text/csv"})
    headers = {k.lower(): v for k, v in reply.headers.items()}
    return reply.status_code, reply.text, headers, time.monotonic() - started


def rows(csv_text: str) -> set[tuple[str, ...]]:
    lines = [line for line in csv_text.replace("\r\n", "\n").split("\n")[1:] if line]
    return {tuple(line.split(",")) for line in lines}


def test_http_joins_the_catalogue_with_an_allowed_endpoint(store_dir: Path, endpoint: str) -> None:
    settings = load_settings(environ={}, store=store_dir, service_allow=endpoint)
    with running_server(settings) as server:
        status, text, _, _ = ask(server.sparql, join_query(endpoint))
    assert status == 200, text
    assert rows(text) == JOINED


def test_http_caps_the_rows_of_a_federated_query(store_dir: Path, endpoint: str) -> None:
    settings = load_settings(environ={}, store=store_dir, service_allow=endpoint, max_rows=2)
    with running_server(settings) as server:
        status, text, headers, _ = ask(server.sparql, join_query(endpoint))
    assert status == 200
    assert len(rows(text)) == 2 and rows(text) <= JOINED
    assert headers.get("x-mofkg-truncated") == "true"


def test_http_refuses_an_endpoint_not_on_the_list(store_dir: Path, endpoint: str) -> None:
    other = endpoint.replace("/query", "/other")
    settings = load_settings(environ={}, store=store_dir, service_allow=endpoint)
    with misbehaving_server(hang) as (never, seen):
        with running_server(settings) as server:
            status, text, _, _ = ask(server.sparql, join_query(other))
            status2, text2, _, _ = ask(server.sparql, join_query(never))
    assert status == 403 and f"SERVICE <{other}> is refused" in text
    assert status2 == 403 and f"SERVICE <{never}> is refused" in text2
    assert seen == []  # never contacted


def test_http_stops_a_federated_query_at_the_timeout(store_dir: Path) -> None:
    with misbehaving_server(hang) as (url, seen):
        settings = load_settings(environ={}, store=store_dir, service_allow=url, query_timeout=2)
        with running_server(settings) as server:
            status, text, _, took = ask(server.sparql, join_query(url))
    assert status == 504, text
    assert "timeout" in text
    assert took < 10
    assert len(seen) == 1


def mofkg_query(store_dir: Path, query: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **{f"MOFKG_{k.upper()}": v for k, v in env.items()}}
    return subprocess.run(
        [sys.executable, "-m", "mofkg.graphstore.cli", "query", "--store", str(store_dir),
         "--format", "csv", query],
        env=environ, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_mofkg_query_joins_with_an_allowed_endpoint(store_dir: Path, endpoint: str) -> None:
    done = mofkg_query(store_dir, join_query(endpoint), service_allow=endpoint)
    assert done.returncode == 0, done.stderr
    assert rows(done.stdout) == JOINED


def test_mofkg_query_refuses_an_endpoint_not_on_the_list(store_dir: Path, endpoint: str) -> None:
    with misbehaving_server(hang) as (url, seen):
        done = mofkg_query(store_dir, join_query(url), service_allow=endpoint)
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"mofkg query: SERVICE <{url}> is refused" in done.stderr
    assert seen == []


def test_mofkg_query_refuses_service_by_default(store_dir: Path, endpoint: str) -> None:
    done = mofkg_query(store_dir, join_query(endpoint))
    assert done.returncode == 1
    assert f"SERVICE <{endpoint}> is refused" in done.stderr


def test_mofkg_query_stops_a_federated_query_at_the_timeout(store_dir: Path) -> None:
    with misbehaving_server(hang) as (url, seen):
        started = time.monotonic()
        done = mofkg_query(store_dir, join_query(url), service_allow=url, query_timeout="2")
        took = time.monotonic() - started
    assert done.returncode == 1
    assert "ran longer than 2 s (setting query_timeout) and was stopped" in done.stderr
    assert done.stdout == ""
    assert took < 15
    assert len(seen) == 1


def test_mofkg_query_reports_a_failing_endpoint_in_one_line(store_dir: Path) -> None:
    url = "http://127.0.0.1:1/query"
    done = mofkg_query(store_dir, join_query(url), service_allow=url)
    assert done.returncode == 1
    assert done.stderr.startswith("mofkg query: query failed:")
    assert "Traceback" not in done.stderr


def test_mofkg_query_caps_the_rows_of_a_federated_query(store_dir: Path, endpoint: str) -> None:
    done = mofkg_query(store_dir, join_query(endpoint), service_allow=endpoint, max_rows="2")
    assert done.returncode == 0, done.stderr
    assert len(rows(done.stdout)) == 2 and rows(done.stdout) <= JOINED
    assert "mofkg query: cut to the first 2 rows (setting max_rows)" in done.stderr
