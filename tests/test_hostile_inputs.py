"""Hostile inputs through every entry point: grammar-based fuzzing with Hypothesis.

Near-valid documents (``tests/hostile_grammar.py``, ``tests/hostile_sparql.py``), mutated,
re-encoded and gzipped, go to ``POST /validate``, ``PUT`` / ``POST /store`` (with and without
the token), ``POST /sparql`` (queries and updates, with and without the token), ``GET
/sparql``, and in-process to ``mofkg validate``, ``mofkg load`` and ``mofkg import mot``; and
well-formed bodies go with hostile headers (``Content-Type``, ``Content-Encoding``, charsets,
``Host``, ``Accept``, ``Authorization``, a ``Content-Length`` that lies). Each HTTP case runs
on a real server on loopback, the app under werkzeug or ``mofkg serve``'s Granian, over a
real on-disk Oxigraph store. What must hold (``tests/hostile_http.py``):

- never a 5xx, except a 503 / 504 with a message; never a traceback;
- an answer within ``ANSWER_TIMEOUT`` seconds;
- a refused request (or one that never writes) leaves the store's quads as they were;
- the server answers ``ASK {}`` afterwards;
- the CLI exits 1 or 2 (never raises) with a message naming the file, and line and column
  for a syntax error (in the formats whose parser gives them);
- an accepted ``PUT /store`` or ``POST /validate`` read all the content the client sent
  (the inside of its gzip wrapper, all its gzip members), and a body that inflates past
  every limit (a gzip bomb, maybe nested in more gzip) is refused for that;
- RDF/XML with a DOCTYPE, wherever it stands, is never read;
- a SPARQL request with a repeated parameter or a charset other than UTF-8 is refused, and
  an update without the right token gets 401 whatever its body.

Besides the generated inputs, every run tries a few explicit ones on each server: nested
gzip, two gzip members, a nested gzip bomb, and a DOCTYPE after a 1.1 MiB comment or in
UTF-16. Every test collects all its problems before it fails, so one run lists each failing input
with its recipe (how it was made) and the answer. The examples are derandomized (the same
inputs every run) and not shrunk. ``MOFKG_FUZZ_EXAMPLES=N`` runs N examples per test instead
of the small defaults that keep this file under a minute.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from mofkg.graphstore.cli.main import main
from mofkg.graphstore.settings import Settings
from mofkg.graphstore.store.embedded import Store
from tests.conftest import SHARED_DATA
from tests.hostile_grammar import EX, Doc, doctype_docs, has_doctype, rdf_docs
from tests.hostile_http import (
    Answer,
    Endpoint,
    exchange,
    judge,
    local_triples,
    path_digest,
    path_graph_size,
    send,
    store_digest,
)
from tests.hostile_mot import mot_docs
from tests.hostile_requests import (
    MEDIA,
    SUFFIX,
    TOKEN,
    framed,
    gzip_store_cases,
    gzip_validate_cases,
    header_cases,
    sparql_requests,
    store_writes,
    validations,
)
from tests.hostile_sparql import SCRATCH, SEED_GRAPH
from tests.server import running_production_server, running_server

MAX_BODY = 1_000_000
SEED = "\n".join(f"<{EX}s{i}> <{EX}p> {i} ; <{EX}q> <{EX}s{i + 1}> ." for i in range(20))
MOT_FOLDER = SHARED_DATA / "mot" / "models"


def examples(default: int) -> int:
    """``default``, or ``MOFKG_FUZZ_EXAMPLES`` when set (for longer local or soak runs)."""
    return int(os.environ.get("MOFKG_FUZZ_EXAMPLES") or default)


def explore(
    strategy: st.SearchStrategy[Any],
    check: Callable[[Any], list[str]],
    n: int,
    explicit: Sequence[Any] = (),
) -> None:
    """Run ``check`` on the ``explicit`` cases and ``n`` derandomized examples; fail once
    with every problem found."""
    problems: list[str] = []

    @settings(
        max_examples=examples(n),
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(case: Any) -> None:
        problems.extend(check(case))

    for case in explicit:
        run = example(case)(run)
    run()
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


# -- servers -----------------------------------------------------------------------------


def _seeded(path: Path) -> Store:
    store = Store(path)
    store.load(SEED.encode(), graph=SEED_GRAPH, format="turtle")
    return store


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Endpoint]]:
    """The app under werkzeug (in-process store) and under `mofkg serve`'s Granian."""
    wz_path = tmp_path_factory.mktemp("fuzz-werkzeug")
    wz_store = _seeded(wz_path)
    settings = Settings(
        store=wz_path, update_token=TOKEN, query_timeout=3, max_body=MAX_BODY, workers=2
    )
    gr_path = tmp_path_factory.mktemp("fuzz-granian")
    _seeded(gr_path).close()
    env = {
        "MOFKG_UPDATE_TOKEN": TOKEN,
        "MOFKG_QUERY_TIMEOUT": "3",
        "MOFKG_MAX_BODY": str(MAX_BODY),
        "MOFKG_PROCESSES": "1",
        "MOFKG_WORKERS": "2",
        "MOFKG_MEMORY_LIMIT": str(MEMORY_LIMIT),
    }
    with (
        running_server(settings, store=wz_store) as wz,
        running_production_server(gr_path, **env) as gr,
    ):
        process = gr.process
        assert process is not None
        found = {
            "werkzeug": Endpoint(
                "werkzeug",
                _port(wz.url),
                lambda: store_digest(wz_store.oxigraph),
                graph_size=lambda graph: wz_store.graph_size(graph),
            ),
            "granian": Endpoint(
                "granian",
                _port(gr.url),
                path_digest(str(gr_path)),
                lambda: process.poll() is None,
                graph_size=path_graph_size(str(gr_path)),
            ),
        }
        yield found
        for endpoint in found.values():
            print(f"\n{endpoint.name}: statuses by entry point {endpoint.seen}")
        peak = max((_peak_kib(pid) for pid in _tree(process.pid)), default=0) * 1024
        print(f"granian: the largest process peaked at {peak / 2**20:.0f} MiB")
        assert peak < MEMORY_CAP, f"a server process peaked at {peak / 2**20:.0f} MiB"


#: Each server process's memory limit (setting memory_limit) in these tests, and the peak
#: resident size no process of `mofkg serve` may reach while it answers every input here.
MEMORY_LIMIT = 2 * 2**30
MEMORY_CAP = 1 * 2**30


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc (psutil is no dependency)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


def _peak_kib(pid: int) -> int:
    """A process's peak resident size (VmHWM, KiB); 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) if found else 0


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


# -- RDF bodies --------------------------------------------------------------------------


#: What a refusal of a body that inflates past the limit may say, when it is a 400.
INFLATED = re.compile(r"gzip|nest|inflat|compress|large|limit", re.I)


def refused_bomb(doc: Doc, answer: Answer) -> list[str]:
    """A body that inflates past every limit (a gzip bomb, maybe nested in more gzip) must
    be refused for that (413, or 400 saying so), not read to its end."""
    if "+bomb" not in doc.recipe or answer.status is None:
        return []
    text = answer.body.decode("utf-8", "replace")
    if answer.status in (401, 406, 413, 415) or (answer.status == 400 and INFLATED.search(text)):
        return []
    return [f"a body that inflates to 64 MiB got {answer.show()}"]


def refused_doctype(doc: Doc, accepted: bool) -> list[str]:
    """RDF/XML with a DOCTYPE anywhere (entities can expand without bound) is never read."""
    if accepted and has_doctype(doc):
        return ["RDF/XML with a DOCTYPE was read, not refused"]
    return []


def stored_whole(doc: Doc, media: str, base: str, got: int, *, verb: str = "stored") -> list[str]:
    """An accepted body was read whole: ``got`` triples is what pyoxigraph reads from the
    content the client meant (the inside of its gzip wrapper), not a part of it. (A bomb's
    content is not the document's: :func:`refused_bomb` judges those.)"""
    if "+bomb" in doc.recipe:
        return []
    expected = local_triples(doc.content, media.split(";")[0].strip(), base)
    if expected is None:
        return [f"{verb} {got} triples of a body that does not parse as {media}"]
    if got != expected:
        return [f"{verb} {got} triples of the {expected} sent"]
    return []


def test_rdf_bodies_to_the_graph_store(endpoints: dict[str, Endpoint]) -> None:
    def check(case: tuple[Any, ...]) -> list[str]:
        server, method, target, headers, body, doc, token = case
        endpoint = endpoints[server]
        before = endpoint.digest()
        answer = send(endpoint, method, target, headers=headers, body=body)
        allowed = (401,) if token != "right" else ()
        found = judge(endpoint, "store", answer, before, may_write=True, allowed=allowed)
        found += refused_bomb(doc, answer)
        found += refused_doctype(doc, answer.status in (201, 204))
        media = dict(headers).get("Content-Type", "")
        if method == "PUT" and target.startswith("/store?graph=") and answer.status in (201, 204):
            if not media.startswith("multipart/"):
                graph = target.split("=", 1)[1]
                found += stored_whole(doc, media, graph, endpoint.graph_size(graph))
        return [f"{server} {method} {target}: {p}\n    input {doc.describe()}" for p in found]

    explore(store_writes(), check, 30, explicit=gzip_store_cases())


def _validate_check(endpoints: dict[str, Endpoint]) -> Callable[[tuple[Any, ...]], list[str]]:
    def check(case: tuple[Any, ...]) -> list[str]:
        server, headers, body, doc = case
        endpoint = endpoints[server]
        before = endpoint.digest()
        answer = send(endpoint, "POST", "/validate", headers=headers, body=body)
        found = judge(endpoint, "validate", answer, before, may_write=False)
        found += refused_bomb(doc, answer)
        found += refused_doctype(doc, answer.status == 200)
        media = dict(headers).get("Content-Type", "").split(";")[0].strip()
        if answer.status == 200 and doc.format != "mot" and media == MEDIA[doc.format]:
            if answer.body.startswith(b"{"):
                read = json.loads(answer.body)["triples"]
                found += stored_whole(doc, media, EX + "base", read, verb="validated")
        return [f"{server} POST /validate: {p}\n    input {doc.describe()}" for p in found]

    return check


def test_rdf_dumps_to_validate(endpoints: dict[str, Endpoint]) -> None:
    explore(validations(rdf_docs()), _validate_check(endpoints), 7, gzip_validate_cases())


def test_mot_records_to_validate(endpoints: dict[str, Endpoint]) -> None:
    explore(validations(mot_docs(MOT_FOLDER)), _validate_check(endpoints), 6)


# -- SPARQL ------------------------------------------------------------------------------


def _sparql_check(endpoints: dict[str, Endpoint], update: bool) -> Callable[..., list[str]]:
    def check(case: tuple[Any, ...]) -> list[str]:
        server, method, target, headers, body, doc, token, kind, strict = case
        endpoint = endpoints[server]
        before = endpoint.digest()
        answer = send(endpoint, method, target, headers=headers, body=body)
        may_write = update and token == "right" and kind != "get"
        allowed: tuple[int, ...] = ()
        if update and token != "right" and kind != "get":
            allowed = (401,)  # the token is checked first, whatever the body or parameters
        elif strict:  # a repeated parameter, a charset other than UTF-8: refused, whatever else
            allowed = tuple(range(400, 500))
        found = judge(endpoint, "sparql", answer, before, may_write=may_write, allowed=allowed)
        shown = f"{server} {method} {target[:200]} {kind} token={token} {headers}"
        if kind == "form":
            shown += f" body ...{body[-90:]!r}"
        return [f"{shown}: {p}\n    input {doc.describe()}" for p in found]

    return check


def test_sparql_queries(endpoints: dict[str, Endpoint]) -> None:
    explore(sparql_requests(False), _sparql_check(endpoints, False), 40)


def test_sparql_updates(endpoints: dict[str, Endpoint]) -> None:
    explore(sparql_requests(True), _sparql_check(endpoints, True), 40)


# -- headers -----------------------------------------------------------------------------


def test_hostile_headers(endpoints: dict[str, Endpoint]) -> None:
    def check(case: tuple[Any, ...]) -> list[str]:
        server, method, target, headers, body, writes, host, length, auth = case
        endpoint = endpoints[server]
        before = endpoint.digest()
        raw, half_close, stall = framed(case, endpoint.port)
        if stall:  # a client that never sends the rest must not hold up the others
            answer = exchange(endpoint.port, raw, timeout=0.3)
            answer = Answer(200, "", b"") if answer.status is None else answer
        else:
            answer = exchange(endpoint.port, raw, half_close=half_close)
        framing = length not in ("auto", "short") or host in (None, "", "a b", "h" * 5000)
        found = judge(
            endpoint,
            "headers",
            answer,
            before,
            may_write=writes and auth in ("right", "twice"),
            no_answer_ok=half_close or framing,
            needs_message=not framing,
        )
        shown = f"{method} {target} host={host!r} length={length} headers={headers}"
        return [f"{server} {shown}: {p}" for p in found]

    explore(header_cases(), check, 40)


# -- the command line --------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store set up with `mofkg init` (the licence graph `import mot` needs)."""
    path = tmp_path_factory.mktemp("fuzz-cli") / "kg"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--store", str(path), "init"]) == 0
    return path


#: Formats whose parsers report where they stopped. pyoxigraph 0.5's RDF/XML and JSON-LD
#: parsers give no line or column for any error (``SyntaxError.lineno`` is None), so errors
#: in those formats are only checked to name the file.
POSITIONED = ("turtle", "nt", "mot")
#: Errors that have no position in the file: they are about the file as a whole.
WHOLE_FILE = re.compile(
    r"gzip|empty|blank|UTF-8|utf-8|decode|encoding|too large|over the limit|inflates|"
    r"DOCTYPE|remote|context|fetch|nothing imported|required field|not a MOT field|"
    r"record|unknown component|schema|format",
    re.I,
)


def run_cli(argv: list[str]) -> tuple[int | None, str]:
    """``mofkg ARGV`` in this process: its exit status (None if it raised) and stderr."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            status = main(argv)
    except BaseException:  # noqa: BLE001 - what a user would see as a traceback
        return None, err.getvalue() + traceback.format_exc()
    return status, err.getvalue()


def _cli_check(store: Path, folder: Path, command: str) -> Callable[[Doc], list[str]]:
    def check(doc: Doc) -> list[str]:
        gz = ".gz" if doc.gzipped and doc.data[:1] == b"\x1f" else ""
        name = f"in{SUFFIX[doc.format]}{gz}"
        path = folder / name
        path.write_bytes(doc.data)
        before = store_digest(ox.Store.read_only(str(store)))
        argv = ["--store", str(store), *command.split(), str(path)]
        if command == "load":
            argv += ["--graph", SCRATCH[0]]
        status, err = run_cli(argv)
        problems = []
        if status is None:
            problems.append(f"raised: {err[-1500:]}")
        elif status != 0:
            if status not in (1, 2):
                problems.append(f"exit status {status}")
            if "Traceback" in err:
                problems.append(f"a traceback: {err[-1500:]}")
            if name not in err:
                problems.append(f"the message does not name the file: {err[:500]!r}")
            elif doc.format in POSITIONED and not (
                WHOLE_FILE.search(err) or re.search(r":\d+:\d+|line \d+", err)
            ):
                problems.append(f"no line and column: {err[:500]!r}")
        read = status == 0 or (command == "validate" and status == 1)
        problems += refused_doctype(doc, read)
        if (status != 0 or command == "validate") and (
            store_digest(ox.Store.read_only(str(store))) != before
        ):
            problems.append("the store changed")
        return [
            f"mofkg {command}: {p} (exit {status})\n    input {doc.describe()}" for p in problems
        ]

    return check


def test_cli_validate(cli_store: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("cli-validate")
    explore(rdf_docs(), _cli_check(cli_store, folder, "validate"), 6, doctype_docs())


def test_cli_load(cli_store: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("cli-load")
    explore(rdf_docs(), _cli_check(cli_store, folder, "load"), 10, doctype_docs())


def test_cli_import_and_validate_mot(
    cli_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("cli-mot")
    importing = _cli_check(cli_store, folder, "import mot")
    validating = _cli_check(cli_store, folder, "validate")
    explore(mot_docs(MOT_FOLDER), lambda doc: importing(doc) + validating(doc), 3)
