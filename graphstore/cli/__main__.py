"""``python -m mofkg.graphstore.cli``: the ``mofkg`` command."""

import sys

from .main import main

sys.exit(main())
