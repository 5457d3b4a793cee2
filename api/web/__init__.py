"""The human side of the site: HTML pages, badges, the JSON API, ontology pages, and
POST /validate with its background jobs.

Templates and static files live in the ``templates`` and ``static`` folders of
:mod:`mofkg.api` (:data:`TEMPLATES`, :data:`STATIC`).
"""

from pathlib import Path

#: The folders of the site's templates and static files.
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
STATIC = Path(__file__).resolve().parents[1] / "static"
