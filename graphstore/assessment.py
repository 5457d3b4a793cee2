"""Kept for existing imports: this name is :mod:`mofkg.graphstore.frameworks.assessment`."""

import sys

from .frameworks import assessment as _module
from .frameworks.assessment import *  # noqa: F403  (the names, for type checkers)

sys.modules[__name__] = _module
