"""SHACL validation inside Oxigraph: shapes compiled to set-based SPARQL.

- :mod:`.model`: the shape model, :class:`Shape` objects (targets, paths, constraints);
- :mod:`.reading`: a shapes graph read into that model;
- :mod:`.components`: the constraint components, in one table keyed by parameter;
- :mod:`.engine`: the compiled shapes run against a store (:func:`validate_store`);
- :mod:`.results`: result records, the outcome and its report graph, the pySHACL fallback.
"""

from .engine import validate_store
from .model import ShapesError, ShapesModel
from .reading import compile_path, read_shapes
from .results import (
    CountedValues,
    ValidationOutcome,
    ValidationResultRecord,
    counted_values,
    pyshacl_results,
)

__all__ = [
    "CountedValues",
    "ShapesError",
    "ShapesModel",
    "ValidationOutcome",
    "ValidationResultRecord",
    "compile_path",
    "counted_values",
    "pyshacl_results",
    "read_shapes",
    "validate_store",
]
