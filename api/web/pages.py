"""The human face of mofkg: the home page, the query page and the linked-data pages.

Linked data follows one rule. ``/id/<path>`` names a thing (``<base_iri>id/<path>``); it
answers **303 See Other** to ``/doc/<path>.<ext>``, the document in the format the
``Accept`` header prefers (``html``, ``ttl``, ``nt``, ``jsonld``, ``rdf``), 406 when none
fits and 404 when the store holds no triple about the thing. ``/doc/<path>`` without an
extension negotiates in place. Licences on the SPDX list are not ours to name: they have
the page ``/licence/<id>``, negotiated the same way. A document holds the concise bounded
description of the thing; a model's also holds its assessments.

The blueprint reads ``current_app.extensions["mofkg"]`` (see :mod:`mofkg.api.web.views`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from werkzeug.wrappers import Response as BaseResponse

from mofkg.graphstore.catalogue import views as catalogue
from mofkg.graphstore.catalogue.assessment_view import assessment_view
from mofkg.graphstore.catalogue.labels import labels, local_name
from mofkg.graphstore.catalogue.openness import percent_text
from mofkg.graphstore.catalogue.referrers import Referrers, referrer_groups
from mofkg.graphstore.errors import NotFoundError
from mofkg.graphstore.frameworks.explain import framework_summaries
from mofkg.graphstore.frameworks.registry import all_frameworks
from mofkg.graphstore.namespaces import MOF, ONTOLOGY_IRI, SPDX_LICENCE
from mofkg.graphstore.rdfio.serialising import serialise

from ..errors import NotAcceptableError
from ..protocol.negotiation import (
    DocumentFormat,
    content_type,
    document_format_for_extension,
    document_formats,
    negotiate_document,
)
from . import STATIC, TEMPLATES
from .commons_queries import commons_queries
from .commons_view import commons_glance, commons_panel, model_index_grades
from .query_examples import example_queries
from .views import curie, ids, local_path, positive_argument, state

blueprint = Blueprint("pages", __name__, template_folder=TEMPLATES, static_folder=STATIC)
blueprint.add_app_template_filter(percent_text, "percent")

CHART_BAR_HEIGHT = 26
CHART_WIDTH = 560
CHART_LABEL_WIDTH = 220
#: Rows of the models x components grid per page of the home page, by default and at most.
GRID_ROWS = 100
MAX_GRID_ROWS = 1000


@dataclass(frozen=True)
class Bar:
    """One bar of the models-per-class chart, laid out in SVG user units."""

    label: str
    count: int
    y: int
    width: int
    css: str


def class_chart(histogram: list[tuple[str, int]]) -> list[Bar]:
    """Bars for ``(label, count)`` pairs, scaled to the widest.

    >>> [b.width for b in class_chart([("Class I", 2), ("Unclassified", 4), ("None", 0)])]
    [150, 300, 0]
    """
    top = max((n for _, n in histogram), default=0) or 1
    span = CHART_WIDTH - CHART_LABEL_WIDTH - 40
    return [
        Bar(label, n, i * CHART_BAR_HEIGHT, round(span * n / top), f"bar-{i}")
        for i, (label, n) in enumerate(histogram)
    ]


@dataclass(frozen=True)
class GridPage:
    """Which rows of the grid a page shows: ``first`` to ``last`` (from 1) of ``total``."""

    number: int
    pages: int
    first: int
    last: int
    total: int
    size: int


@blueprint.route("/")
def home() -> str:
    """What the catalogue holds, models per class, and one page of the models x components
    grid (``?page=``, ``?rows=``: a catalogue of thousands of models is not one table)."""
    catalogue_state = state()
    store = catalogue_state.store
    fw = catalogue.framework()
    # Every model's class and progress, for the chart and the grid's order; kept until the
    # next write. Component statuses are read for the shown page only.
    ranking = catalogue_state.remember(
        "home-ranking", lambda: catalogue.model_rows(store, framework_key=fw.key, statuses=False)
    )
    size = positive_argument("rows", GRID_ROWS, maximum=MAX_GRID_ROWS)
    pages = max(1, -(-len(ranking) // size))
    # A page past the end (the README's ?page=2&rows=50 on a small catalogue) shows an empty
    # grid with a note and a link back to the last page; only a page that is no page is 400.
    number = positive_argument("page", 1)
    shown = ranking[(number - 1) * size : number * size]
    rows = catalogue.model_rows(store, framework_key=fw.key, models=[str(r.iri) for r in shown])
    histogram = catalogue.class_histogram(ranking, fw)
    first = (number - 1) * size + 1 if shown else 0
    return render_template(
        "home.html",
        counts=catalogue_state.remember("counts", lambda: catalogue.catalogue_counts(store)),
        bars=class_chart(histogram),
        chart_height=len(histogram) * CHART_BAR_HEIGHT,
        chart_width=CHART_WIDTH,
        label_width=CHART_LABEL_WIDTH,
        rows=rows,
        grid=GridPage(number, pages, first, first + len(shown) - 1, len(ranking), size),
        types=catalogue.component_types(fw, store),
        status_labels=catalogue.STATUS_LABELS,
        framework=fw,
        row_href=lambda iri: local_path(str(iri), state().settings.base_iri) or str(iri),
        glance=catalogue_state.remember("commons-glance", lambda: commons_glance(store)),
    )


@blueprint.route("/favicon.ico")
def favicon() -> Response:
    """The site's icon (an SVG, which browsers take at the old name too)."""
    return send_from_directory(STATIC, "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@blueprint.route("/query")
def query_page() -> str:
    """An editor, example queries, a results table filled from /sparql, and downloads."""
    examples = example_queries(ids()) + commons_queries(ids())
    chosen = request.args.get("query") or examples[0].query
    return render_template(
        "query.html",
        examples=examples,
        query=chosen,
        id_base=str(ids().id),
        ontology_base=str(ONTOLOGY_IRI),
    )


@blueprint.route("/focus-area/<name>")
def focus_area(name: str) -> str:
    """A focus area of the Commons (``mof:<name>``, a concept of ``mof:FocusAreas``): its
    hosted projects and the landscape categories mapped to it."""
    iri = str(MOF[name]) if re.fullmatch(r"[A-Za-z]+", name) else ""
    store = state().store
    names = labels(store, [iri]) if iri else {}
    panel = commons_panel(store, iri, {str(MOF.FocusArea)}) if iri else None
    if panel is None or iri not in names or not store.ask(f"ASK {{ <{iri}> a <{MOF.FocusArea}> }}"):
        raise NotFoundError(f"no focus area {name!r}")
    return render_template(
        "focus_area.html",
        title=names[iri],
        iri=iri,
        commons=panel,
        href=lambda node: local_path(str(node), state().settings.base_iri) or str(node),
    )


@blueprint.route("/id/<path:path>")
def identifier(path: str) -> BaseResponse:
    """303 See Other to the document about the thing, in the negotiated format."""
    iri = str(ids().id[path])
    if not catalogue.has_description(state().store, iri):
        raise NotFoundError(f"nothing is known about <{iri}>")
    fmt = negotiated_format()
    response = redirect(url_for("pages.document", path=f"{path}.{fmt.extension}"), code=303)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/doc/<path:path>")
def document(path: str) -> Response:
    """The document about ``<base>id/<path>``; an extension picks the format."""
    store = state().store
    stem, _, extension = path.rpartition(".")
    fmt = document_format_for_extension(extension) if stem else None
    iri = str(ids().id[stem if fmt is not None else path])
    if fmt is None or not catalogue.has_description(store, iri):
        iri, fmt = str(ids().id[path]), None
    if not catalogue.has_description(store, iri):
        raise NotFoundError(f"nothing is known about <{iri}>")
    return _serve(iri, fmt, doc_path=path if fmt is None else stem)


#: What an SPDX licence id (or our LicenseRef- ids) is made of.
LICENCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")


@blueprint.route("/licence/<licence_id>")
def licence(licence_id: str) -> Response:
    """A licence on the SPDX list, as our licence graph describes it."""
    stem, _, extension = licence_id.rpartition(".")
    fmt = document_format_for_extension(extension) if stem else None
    key = stem if fmt is not None else licence_id
    if not LICENCE_ID.fullmatch(key):  # before rdflib sees it (it logs what no IRI holds)
        raise NotFoundError(f"no licence {licence_id!r} in the licence graph")
    iri = str(SPDX_LICENCE[key])
    if not catalogue.has_description(state().store, iri):
        raise NotFoundError(f"no licence {licence_id!r} in the licence graph")
    return _serve(iri, fmt, doc_path=None)


def negotiated_format() -> DocumentFormat:
    accept = request.headers.get("Accept")
    fmt = negotiate_document(accept)
    if fmt is None:
        offered = ", ".join(f.media_type for f in document_formats())
        raise NotAcceptableError(f"Accept {accept!r} matches none of: {offered}")
    return fmt


def _serve(iri: str, fmt: DocumentFormat | None, *, doc_path: str | None) -> Response:
    negotiated = fmt is None
    chosen = fmt if fmt is not None else negotiated_format()
    store = state().store
    is_model = catalogue.is_model(store, iri)
    graph = catalogue.describe_model(store, iri) if is_model else catalogue.describe(store, iri)
    if chosen.rdf is not None:
        body = serialise(graph, chosen.rdf)
        response = Response(body, content_type=content_type(chosen.rdf.media_type))
    else:
        html = render_template(
            "resource.html", **_resource_context(iri, graph, is_model, doc_path=doc_path)
        )
        response = Response(html, content_type="text/html; charset=utf-8")
    if negotiated:
        response.headers["Vary"] = "Accept"
    return response


def _link(node: Any, base_iri: str, names: dict[str, str]) -> dict[str, Any]:
    """How a node reads: a name where one exists, the IRI then only as ``iri`` (shown
    small, to copy); an IRI without a name reads as its prefixed name or itself."""
    if isinstance(node, URIRef):
        name = names.get(str(node))
        href = local_path(str(node), base_iri) or str(node)
        return {"text": name or curie(str(node)), "href": href, "iri": str(node) if name else None}
    if isinstance(node, BNode):
        return {"text": f"_:{node}", "href": None, "iri": None}
    assert isinstance(node, Literal)
    return {"text": catalogue.literal_text(node), "href": None, "iri": None}


def _resource_context(
    iri: str, graph: Graph, is_model: bool, *, doc_path: str | None
) -> dict[str, Any]:
    store = state().store
    base = state().settings.base_iri
    subject = URIRef(iri)
    objects = [o for _, _, o in graph.triples((subject, None, None)) if isinstance(o, URIRef)]
    referrers = referrer_groups(store, iri)
    assessment = (
        assessment_view(store, iri) if (subject, RDF.type, MOF.Assessment) in graph else None
    )
    predicates = {str(p) for _, p, _ in graph.triples((subject, None, None))}
    named = [iri, *objects, *predicates, *_referrer_iris(referrers)]
    if assessment is not None:
        named += [assessment.model, assessment.framework.iri]
    names = labels(store, named)  # every name the page shows, in one query
    properties: dict[str, dict[str, Any]] = {}
    for _, p, o in sorted(graph.triples((subject, None, None))):
        key, name = str(p), names.get(str(p))  # a label, its prefixed name beside it
        href = local_path(key, base) or key
        entry = properties.setdefault(
            key, {"name": name or curie(key), "href": href, "iri": key, "values": []}
        )
        entry["curie"] = curie(key) if name else None
        entry["values"].append(_link(o, base, names))
    types = [_link(t, base, names) for t in graph.objects(subject, RDF.type)]
    alternates = [
        {
            "label": f.rdf.label,
            "media_type": f.media_type,
            "href": _alternate(iri, doc_path, f.extension),
        }
        for f in document_formats()
        if f.rdf is not None
    ]
    context: dict[str, Any] = {
        "iri": iri,
        "title": names.get(iri) or local_name(iri),
        "types": types,
        "properties": sorted(properties.values(), key=lambda e: str(e["name"]).lower()),
        "alternates": alternates,
        "referrers": referrers,
        "link": lambda node: _link(node, base, names),
        "detail": None,
        "assessment": assessment,
        "status_labels": catalogue.STATUS_LABELS,
        "licence_href": lambda lic: local_path(str(lic), base) or str(lic),
    }
    if assessment is not None:
        model = names.get(str(assessment.model)) or local_name(assessment.model)
        framework_name = names.get(str(assessment.framework.iri)) or local_name(
            assessment.framework.iri
        )
        context["title"] = f"The assessment of {model} under {framework_name}"
    context["href"] = lambda node: local_path(str(node), base) or str(node)
    context["commons"] = commons_panel(
        store, iri, {str(t) for t in graph.objects(subject, RDF.type)}
    )
    context["index"] = model_index_grades(store, iri) if is_model else None
    if is_model:
        detail = catalogue.model_detail(store, iri)
        context["detail"] = detail
        context["notations"] = {
            c.number: c.notation or str(c.number) for c in catalogue.framework().classes
        }
        context["frameworks"] = framework_summaries(
            store, iri, all_frameworks(state().settings.frameworks)
        )
        context["component_href"] = lambda c: local_path(str(c), base) if c else None
    return context


def _referrer_iris(referrers: Referrers) -> list[str]:
    return [str(i) for g in referrers.groups for i in (g.owner, *g.members)]


def _alternate(iri: str, doc_path: str | None, extension: str) -> str:
    if doc_path is not None:
        return url_for("pages.document", path=f"{doc_path}.{extension}")
    licence_id = iri[len(str(SPDX_LICENCE)) :]
    return url_for("pages.licence", licence_id=f"{licence_id}.{extension}")
