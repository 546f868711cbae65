"""``python -m zscontract`` is the ``zscontract`` command."""

import sys

from zscontract.cli import main

sys.exit(main())
