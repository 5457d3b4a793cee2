"""SHACL validation inside Oxigraph: shapes compiled to set-based SPARQL.

- :mod:`.reading`: a shapes graph read into :class:`Shape` objects (targets, paths, constraints);
- :mod:`.engine`: the compiled shapes run against a store (:func:`validate_store`);
- :mod:`.results`: result records, the outcome and its report graph, the pySHACL fallback.
"""

from .engine import validate_store
from .reading import ShapesError, ShapesModel, compile_path, read_shapes
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
