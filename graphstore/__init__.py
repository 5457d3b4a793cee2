"""mofkg's core: the RDF store, loading, importers, assessment and the ``mofkg`` CLI.

This package never imports Flask; :mod:`api` is a thin layer over it.
"""

__version__ = "0.1.0"
