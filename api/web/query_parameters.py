"""The query parameters each resource of the site takes; none is ignored in silence.

Every GET resource below is listed with the parameters it reads (:data:`PARAMETERS`). Before
its view runs, a parameter given twice is 400 (they are all single-valued). A parameter the
resource does not take is:

- 400 naming it and those the resource takes, for anything a program reads: RDF and JSON
  documents, the VoID description, the catalogue's DCAT, dumps, badges, the JSON API, the
  validation jobs. A client that misspells ``profile`` must not be served the default profile
  as if it had asked for it.
- for an HTML page (a person's browser, where links often carry tracking parameters such as
  ``utm_source``), not an error: the page is the one without it, and says so. It shows a note
  naming the parameters it did not use, and its ``<link rel="canonical">`` is its URL without
  them, so the page is never silently different from what was asked.

Which of the two a request gets depends on what it is answered with (a resource such as
``/doc/...`` or ``/catalog`` negotiates HTML or RDF), so the decision is taken once the view
has answered (:func:`refuse_unknown_for_programs`). SPARQL (``/sparql``), the Graph Store
(``/store``) and ``POST /validate`` check their own parameters.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, Response, g, request

from ..errors import error_response
from ..protocol.parameters import check_repeats, unknown_error, unknown_parameters

#: Endpoint -> the parameters it takes (each at most once).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "pages.home": ("page", "rows"),
    "pages.query_page": ("query",),
    "pages.document": (),
    "pages.identifier": (),
    "pages.licence": (),
    "pages.focus_area": (),
    "pages.favicon": (),
    "ontology.ontology": (),
    "ontology.ontology_as": (),
    "ontology.ontology_version": (),
    "catalog.catalog": ("profile",),
    "catalog.catalog_as": ("profile",),
    "void.description": ("format",),
    "dumps.index": (),
    "dumps.whole": (),
    "dumps.graph": ("graph",),
    "badges.class_svg": (),
    "badges.overall_svg": (),
    "models_api.models": ("page", "limit"),
    "models_api.model": (),
    "validate.job_status": (),
}


def check_parameters() -> None:
    """Before a listed view: 400 for a repeated parameter; the unknown ones noted in ``g``
    (``g.ignored_parameters``, ``g.canonical_url``) for the page or the refusal."""
    known = PARAMETERS.get(request.endpoint or "")
    if known is None or request.method not in ("GET", "HEAD"):
        return
    params = list(request.args.items(multi=True))
    check_repeats(params, repeatable=())
    unknown = unknown_parameters(params, known=known)
    if unknown:
        kept = [(k, v) for k, v in params if k in known]
        g.ignored_parameters = unknown
        g.known_parameters = known
        g.canonical_url = request.base_url + ("?" + urlencode(kept) if kept else "")


def refuse_unknown_for_programs(response: Response) -> Response:
    """After a listed view: an answer that is not an HTML page, to a request with parameters
    the resource does not take, becomes 400 naming them."""
    unknown: list[str] | None = g.get("ignored_parameters")
    if not unknown or response.mimetype == "text/html" or response.status_code >= 400:
        return response
    response.close()
    known: tuple[str, ...] = g.get("known_parameters", ())
    return error_response(unknown_error(unknown, known=known, where=request.path))


def register_parameter_checks(app: Flask) -> None:
    """Check the parameters of every listed resource of ``app``."""
    app.before_request(check_parameters)
    app.after_request(refuse_unknown_for_programs)


__all__ = ["PARAMETERS", "check_parameters", "register_parameter_checks"]
