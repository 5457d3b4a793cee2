"""SVG badges of a model's openness, to embed in a README, as the reference tool has them.

- ``/badge/<model-key>/class-<I|II|III>.svg``: "Qualified" when the class is reached,
  "In progress (N%)" on the way (N as
  :func:`mofkg.graphstore.catalogue.openness.percent_text` rounds
  it), "Not met" at 0%.
- ``/badge/<model-key>.svg``: the class reached ("Class II - Open Tooling Model",
  "Unclassified", or "Not assessed").

The model key is the last segment of the model's IRI under the base IRI
(``<base>id/model/<key>``). Badges are ``image/svg+xml``, cacheable for five minutes, with
an ETag; the text is XML-escaped by the template. The blueprint reads
``current_app.extensions["mofkg"]`` (see :mod:`mofkg.api.web.views`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from mofkg.graphstore.catalogue import views as catalogue
from mofkg.graphstore.catalogue.openness import percent_text
from mofkg.graphstore.catalogue.views import ModelRow
from mofkg.graphstore.errors import NotFoundError

from . import TEMPLATES
from .views import ids, state

blueprint = Blueprint("badges", __name__, template_folder=TEMPLATES)

MAX_AGE = 300
GREEN, ORANGE, RED, GREY = "#2e8b57", "#e08a1e", "#c9453d", "#8a8f98"


@dataclass(frozen=True)
class Badge:
    """A two-part badge: the grey left text and the coloured right text."""

    left: str
    right: str
    colour: str

    @staticmethod
    def text_width(text: str) -> int:
        """An estimate of the text's width in Verdana 11px, plus padding."""
        return int(len(text) * 6.8) + 12

    @property
    def left_width(self) -> int:
        return self.text_width(self.left)

    @property
    def right_width(self) -> int:
        return self.text_width(self.right)

    @property
    def width(self) -> int:
        return self.left_width + self.right_width


def class_badge(row: ModelRow, number: int, numeral: str) -> Badge:
    """The badge of one class for one model.

    >>> row = ModelRow(iri=None, key="m", name="m", class_number=2,  # type: ignore[arg-type]
    ...                class_label="Class II", progress={1: 84.6, 2: 100.0, 3: 100.0})
    >>> class_badge(row, 1, "I").right, class_badge(row, 2, "II").right
    ('In progress (84.6%)', 'Qualified')
    """
    left = f"MOF Class {numeral}"
    if not row.assessed:
        return Badge(left, "Not assessed", GREY)
    value = row.progress.get(number, 0.0)
    if value >= 100.0:
        return Badge(left, "Qualified", GREEN)
    if value <= 0.0:
        return Badge(left, "Not met", RED)
    return Badge(left, f"In progress ({percent_text(value)})", ORANGE)


def overall_badge(row: ModelRow) -> Badge:
    """The badge of the class a model reached."""
    if not row.assessed:
        return Badge("MOF", "Not assessed", GREY)
    if not row.class_number:
        return Badge("MOF", row.class_label or "Unclassified", RED)
    return Badge("MOF", row.class_label or f"Class {row.class_number}", GREEN)


def _row(key: str) -> ModelRow:
    iri = str(ids().id[f"model/{key}"])
    store = state().store
    if "/" in key or not catalogue.is_model(store, iri):
        raise NotFoundError(f"no model {key!r} in the catalogue")
    return catalogue.model_row(store, iri)


def _svg(badge: Badge) -> BaseResponse:
    body = render_template("badge.svg", b=badge)
    response = Response(body, content_type="image/svg+xml; charset=utf-8")
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.add_etag()
    return response.make_conditional(request)


@blueprint.route("/badge/<key>/class-<numeral>.svg")
def class_svg(key: str, numeral: str) -> BaseResponse:
    """One class's badge for a model."""
    numerals = {c.notation or str(c.number): c.number for c in catalogue.framework().classes}
    if numeral not in numerals:
        known = ", ".join(f"class-{n}" for n in sorted(numerals, key=numerals.__getitem__))
        raise NotFoundError(f"no class {numeral!r}: use one of {known}")
    return _svg(class_badge(_row(key), numerals[numeral], numeral))


@blueprint.route("/badge/<key>.svg")
def overall_svg(key: str) -> BaseResponse:
    """The badge of the class a model reached."""
    return _svg(overall_badge(_row(key)))
