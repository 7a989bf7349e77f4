"""``python -m symdiff``: the command line (see ``symdiff.cli``)."""

import sys

from .cli import main

sys.exit(main())
