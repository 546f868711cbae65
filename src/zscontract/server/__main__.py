"""``python -m zscontract.server``: see :mod:`zscontract.server.cli`."""

import sys

from zscontract.server.cli import main

sys.exit(main())
