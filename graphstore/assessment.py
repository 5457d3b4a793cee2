"""Kept for existing imports: see :mod:`mofkg.graphstore.frameworks.assessment`."""

from .frameworks.assessment import *  # noqa: F403
from .frameworks.assessment import __all__  # noqa: F401
