"""Hugging Face model and dataset cards (``README.md`` with YAML front matter) as RDF.

A card is read from its file, never fetched: the front matter is parsed (with the line of each
key, for errors) and handed to huggingface_hub's card classes (``ModelCard``/``DatasetCard``,
built from the text, so nothing is downloaded). Each card lands in its own graph,
``graph:source/hf/<model|dataset>/<owner>/<name>``.

The Hub id of a card comes from ``--id`` or from its path (``<owner>/<name>/README.md``).
Licence ids go through the Hub's crosswalk to SPDX (``hf-license-ids-spdx-crosswalk.csv``, read
where it is) and then the licence graph: an SPDX id resolves to its SPDX IRI, a Hub id the
licence graph knows (``mof:huggingFaceLicenceId``, e.g. ``llama3``) to its ``LicenseRef-``
IRI; ``license: other`` with a ``license_name`` gets a ``LicenseRef-<name>`` IRI of its own,
which the licence graph does not know (so it is not open for the MOF). docs/commons.md shows
the shapes.

>>> hub_iri_slug("meta-llama/Llama-3.1-8B")
'hf--meta-llama--Llama-3.1-8B'
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from typing import Literal as Kind
from urllib.parse import quote

import yaml
from huggingface_hub import DatasetCard, ModelCard
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from ..namespaces import DCT, FAIR4ML, MOF, SCHEMA, Ids, slug, source_graph
from .located_yaml import InputError, LocatedDict, load_located

CardKind = Kind["model", "dataset"]

#: base_model_relation -> the property from the model to its base.
RELATIONS: dict[str | None, URIRef] = {
    "finetune": MOF.fineTunedFrom,
    "adapter": MOF.adapterOf,
    "quantized": MOF.quantisedFrom,
    "merge": MOF.mergedFrom,
    None: MOF.derivedFrom,
}
MODEL_KEYS = {"base_model", "base_model_relation", "pipeline_tag", "library_name", "model-index"}
MODEL_KEYS |= {"model_name", "inference", "widget"}
DATASET_KEYS = {"task_categories", "task_ids", "size_categories", "source_datasets"}
DATASET_KEYS |= {"annotations_creators", "language_creators", "multilinguality", "pretty_name"}
DATASET_KEYS |= {"configs", "dataset_info", "paperswithcode_id", "license_details"}
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")
_FRONT = re.compile(r"\A(\s*---[ \t]*(?:\r\n|\r|\n))([\s\S]*?)(?:\r\n|\r|\n)---[ \t]*(?:\r\n|\n|$)")
CROSSWALK_NAME = "hf-license-ids-spdx-crosswalk.csv"
#: Where a source checkout finds the crosswalk (the shared data folder beside the repository).
DEFAULT_CROSSWALK = Path(__file__).resolve().parents[2].parent / "shared/data/hf" / CROSSWALK_NAME

LicenceResolver = Callable[[str], URIRef | None]


def hub_iri_slug(hub_id: str) -> str:
    """The slug of a Hub id in our IRIs: ``hf--<owner>--<name>``."""
    return "hf--" + "--".join(slug(part) for part in hub_id.split("/"))


@dataclass(frozen=True)
class Crosswalk:
    """Hugging Face licence id -> SPDX id (exact, else its non-deprecated form, else by hand)."""

    spdx: dict[str, str]
    known: frozenset[str]


def read_crosswalk(path: Path | None = None) -> Crosswalk:
    """Read the crosswalk CSV (in place: it is shared data, not shipped with mofkg)."""
    path = path or DEFAULT_CROSSWALK
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise InputError(
            str(path),
            None,
            f"cannot read the Hugging Face licence crosswalk ({exc.strerror or exc}); "
            f"give it with --crosswalk FILE ({CROSSWALK_NAME} of the shared data)",
        ) from exc
    spdx: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        hf_id = (row.get("hf_license_id") or "").strip()
        if not hf_id:
            raise InputError(str(path), number, "a row without hf_license_id")
        deprecated = (row.get("spdx_match_deprecated") or "").strip() == "True"
        exact = (row.get("spdx_exact_ci_match") or "").strip()
        chosen = (row.get("spdx_suggested_non_deprecated") or "").strip() if deprecated else exact
        chosen = chosen or (row.get("spdx_manual_candidate") or "").strip()
        if chosen:
            spdx[hf_id] = chosen
    return Crosswalk(spdx, frozenset(r["hf_license_id"].strip() for r in rows))


@dataclass
class CardResult:
    """One card's graph."""

    path: Path
    kind: CardKind
    hub_id: str
    subject: URIRef
    graph_iri: URIRef
    graph: Graph


@dataclass
class CardsResult:
    cards: list[CardResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def graphs(self) -> dict[str, Graph]:
        return {str(c.graph_iri): c.graph for c in self.cards}


def hub_id_of(path: Path) -> str:
    """The Hub id a card's path names: ``.../<owner>/<name>/README.md``."""
    if path.name.lower() != "readme.md" or len(path.resolve().parts) < 3:
        raise InputError(
            str(path), None, "cannot tell the card's Hub id from its path; give --id OWNER/NAME"
        )
    parent = path.resolve().parent
    return f"{parent.parent.name}/{parent.name}"


def _front_matter(text: str, source: str) -> LocatedDict:
    match = _FRONT.match(text)
    if not match:
        raise InputError(source, 1, "no YAML front matter (a card starts with a --- block)")
    first_line = len(match.group(1).splitlines())  # the line of the opening ---
    data = load_located(match.group(2), source, first_line=first_line + 1)
    if data is None:
        data = LocatedDict()
        data.line, data.key_lines = first_line, {}
    if not isinstance(data, LocatedDict):
        raise InputError(source, first_line + 1, "the front matter is not a mapping")
    return data


def _strings(value: Any, source: str, line: int, key: str) -> list[str]:
    """A card field that holds one string or a list of them."""
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    for v in values:
        if not isinstance(v, str | int | float) or isinstance(v, bool) or not str(v).strip():
            raise InputError(source, line, f"{key}: {v!r} is not a non-empty string")
    return [str(v).strip() for v in values]


def _kind_of(path: Path, data: LocatedDict, kind: CardKind | None) -> CardKind:
    if kind is not None:
        return kind
    if "datasets" in path.resolve().parts[:-3]:
        return "dataset"
    model, dataset = bool(MODEL_KEYS & data.keys()), bool(DATASET_KEYS & data.keys())
    if model != dataset:
        return "model" if model else "dataset"
    raise InputError(
        str(path), data.line, "cannot tell a model card from a dataset card; give --card-kind"
    )


class _CardBuilder:
    def __init__(
        self, ids: Ids, crosswalk: Crosswalk, licences: LicenceResolver, hf_ids: dict[str, URIRef]
    ) -> None:
        self.ids, self.crosswalk, self.licences, self.hf_ids = ids, crosswalk, licences, hf_ids
        self.warnings: list[str] = []

    def model_iri(self, hub_id: str) -> URIRef:
        return self.ids.model(hub_iri_slug(hub_id))

    def dataset_iri(self, hub_id: str) -> URIRef:
        return self.ids.dataset(hub_iri_slug(hub_id))

    def stub(self, g: Graph, iri: URIRef, kind: CardKind, hub_id: str) -> None:
        """What any mention of a Hub repository says of it: its id, page and label. Its type
        and name come from its own card only (a base model named in a card is not a model of
        the catalogue until its card, or another source, describes it)."""
        g.add((iri, RDFS.label, Literal(hub_id)))
        g.add((iri, MOF.huggingFaceId, Literal(hub_id)))
        page = "https://huggingface.co/" + ("" if kind == "model" else "datasets/") + hub_id
        g.add((iri, MOF.huggingFacePage, URIRef(page)))

    def licence(self, text: str, data: LocatedDict, source: str) -> URIRef | Literal:
        line = data.line_of("license")
        if text == "other":
            name = data.get("license_name")
            if not isinstance(name, str) or not name.strip():
                raise InputError(source, line, "license: other needs a license_name")
            iri = self.ids.licence_ref(name.strip())
            self.warnings.append(
                f"{source}:{line}: licence {name!r} is not in the licence graph "
                f"(<{iri}>); it does not count as open"
            )
            return iri
        spdx_id = self.crosswalk.spdx.get(text)
        found = self.licences(spdx_id) if spdx_id else None
        found = found or self.hf_ids.get(text)
        if found is not None:
            return found
        if text in self.crosswalk.known:
            why = f"Hub licence id {text!r} names no one licence in the licence graph"
        else:
            why = f"{text!r} is not a Hugging Face licence id"
        self.warnings.append(f"{source}:{line}: {why}; kept as text")
        return Literal(text)

    def build(self, path: Path, text: str, hub_id: str, kind: CardKind | None) -> CardResult:
        source = str(path)
        data = _front_matter(text, source)
        kind = _kind_of(path, data, kind)
        try:
            card = ModelCard(text) if kind == "model" else DatasetCard(text)
        except (ValueError, TypeError, yaml.YAMLError) as exc:
            raise InputError(source, data.line, f"not a valid {kind} card: {exc}") from exc
        meta: dict[str, Any] = card.data.to_dict()  # type: ignore[no-untyped-call]  # untyped in huggingface_hub
        g = Graph()
        subject = self.model_iri(hub_id) if kind == "model" else self.dataset_iri(hub_id)
        self.stub(g, subject, kind, hub_id)
        g.add((subject, RDF.type, MOF.Model if kind == "model" else MOF.Dataset))
        name = meta.get("model_name") if kind == "model" else meta.get("pretty_name")
        if not isinstance(name, str) or not name.strip():
            name = hub_id.rsplit("/", 1)[-1]
        g.add((subject, SCHEMA.name, Literal(name.strip())))
        for language in _strings(
            meta.get("language"), source, data.line_of("language"), "language"
        ):
            g.add((subject, SCHEMA.inLanguage, Literal(language)))
        for text_id in _strings(meta.get("license"), source, data.line_of("license"), "license"):
            licence = self.licence(text_id, data, source)
            if kind == "model":
                prop = MOF.distributionLicence if isinstance(licence, URIRef) else None
                g.add((subject, prop or MOF.distributionLicenceText, licence))
            else:
                g.add(
                    (
                        subject,
                        DCT.license if isinstance(licence, URIRef) else MOF.licenceText,
                        licence,
                    )
                )
        if kind == "model":
            self.model(g, subject, meta, data, source)
        else:
            self.dataset(g, subject, meta, data, source)
        folder = "hf/model/" if kind == "model" else "hf/dataset/"
        graph_iri = source_graph(folder + quote(hub_id, safe="/"))
        return CardResult(path, kind, hub_id, subject, graph_iri, g)

    def model(
        self, g: Graph, m: URIRef, meta: dict[str, Any], data: LocatedDict, source: str
    ) -> None:
        relation = meta.get("base_model_relation")
        if relation not in RELATIONS:
            raise InputError(
                source,
                data.line_of("base_model_relation"),
                f"base_model_relation {relation!r} is none of finetune, adapter, quantized, merge",
            )
        bases = _strings(meta.get("base_model"), source, data.line_of("base_model"), "base_model")
        if relation is not None and not bases:
            raise InputError(
                source, data.line_of("base_model_relation"), "a relation without base_model"
            )
        for base in bases:
            self.hub_id(base, source, data.line_of("base_model"), "base_model")
            iri = self.model_iri(base)
            self.stub(g, iri, "model", base)
            g.add((m, RELATIONS[relation], iri))
        for dataset in _strings(meta.get("datasets"), source, data.line_of("datasets"), "datasets"):
            self.hub_id(dataset, source, data.line_of("datasets"), "datasets")
            iri = self.dataset_iri(dataset)
            self.stub(g, iri, "dataset", dataset)
            g.add((m, MOF.trainedOn, iri))
        tag = meta.get("pipeline_tag")
        if tag is not None:
            g.add(
                (
                    m,
                    FAIR4ML.mlTask,
                    Literal(_strings(tag, source, data.line_of("pipeline_tag"), "pipeline_tag")[0]),
                )
            )
        card = self.ids.component(m, MOF.ModelCard)
        g.add((m, MOF.hasComponent, card))
        g.add((card, RDF.type, MOF.Component))
        g.add((card, MOF.componentType, MOF.ModelCard))
        hub_id = str(g.value(m, MOF.huggingFaceId))
        g.add((card, MOF.location, URIRef(f"https://huggingface.co/{hub_id}/blob/main/README.md")))

    def dataset(
        self, g: Graph, d: URIRef, meta: dict[str, Any], data: LocatedDict, source: str
    ) -> None:
        g.add((d, MOF.hasDataCard, Literal(True)))
        for task in _strings(
            meta.get("task_categories"), source, data.line_of("task_categories"), "task_categories"
        ):
            g.add((d, FAIR4ML.mlTask, Literal(task)))
        for origin in _strings(
            meta.get("source_datasets"), source, data.line_of("source_datasets"), "source_datasets"
        ):
            if origin in ("original", "extended"):
                continue  # the Hub's words for "this dataset itself", not datasets
            origin = origin.removeprefix("extended|")
            self.hub_id(origin, source, data.line_of("source_datasets"), "source_datasets")
            iri = self.dataset_iri(origin)
            self.stub(g, iri, "dataset", origin)
            g.add((d, PROV.wasDerivedFrom, iri))

    @staticmethod
    def hub_id(text: str, source: str, line: int, key: str) -> None:
        if not _HUB_ID.fullmatch(text):
            raise InputError(source, line, f"{key}: {text!r} is not a Hugging Face repository id")


def import_cards(
    paths: Iterable[Path],
    *,
    hub_id: str | None = None,
    kind: CardKind | None = None,
    crosswalk: Crosswalk,
    licence_resolver: LicenceResolver = lambda _text: None,
    hf_licences: dict[str, URIRef] | None = None,
    ids: Ids | None = None,
) -> CardsResult:
    """Read cards (files, or folders searched for ``README.md``) into one graph each; the first
    problem raises :class:`InputError`."""
    paths = [
        p for path in paths for p in (sorted(path.rglob("README.md")) if path.is_dir() else [path])
    ]
    if not paths:
        raise InputError("hf-card", None, "no card found (no README.md in the folders given)")
    if hub_id is not None and len(paths) != 1:
        raise InputError(", ".join(map(str, paths)), None, "--id names the Hub id of one card")
    builder = _CardBuilder(ids or Ids(), crosswalk, licence_resolver, hf_licences or {})
    result = CardsResult()
    seen: dict[URIRef, Path] = {}
    for path in paths:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise InputError(str(path), None, f"cannot read: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise InputError(str(path), None, f"not UTF-8 text: {exc.reason}") from exc
        the_id = hub_id or hub_id_of(path)
        builder.hub_id(the_id, str(path), 1, "the card's Hub id")
        card = builder.build(path, text, the_id, kind)
        if card.graph_iri in seen:
            raise InputError(str(path), None, f"the same card as {seen[card.graph_iri]} ({the_id})")
        seen[card.graph_iri] = path
        result.cards.append(card)
    result.warnings = builder.warnings
    return result
