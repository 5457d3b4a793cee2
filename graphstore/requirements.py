"""Kept for existing imports: see :mod:`mofkg.graphstore.frameworks.definition`."""

from .frameworks.definition import *  # noqa: F403
from .frameworks.definition import __all__  # noqa: F401
