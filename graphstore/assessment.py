"""Kept for existing imports: this name is :mod:`mofkg.graphstore.frameworks.assessment`."""

import sys

from .frameworks import assessment as _module

sys.modules[__name__] = _module
