"""Kept for existing imports: this name is :mod:`mofkg.graphstore.frameworks.writing`."""

import sys

from .frameworks import writing as _module

sys.modules[__name__] = _module
