"""``python -m zscontract.contract``: the ``contract`` subcommands on their own."""

from zscontract.contract.cli import main

raise SystemExit(main())
