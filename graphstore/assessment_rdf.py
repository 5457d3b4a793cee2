"""Kept for existing imports: see :mod:`mofkg.graphstore.frameworks.writing`."""

from .frameworks.writing import *  # noqa: F403
from .frameworks.writing import __all__  # noqa: F401
