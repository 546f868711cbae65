"""The ``zscontract`` command: run, fuzz, replay, restore, serve, report diff, contract build/diff.

Exit codes: 0 PASSED; 1 FAILED (the target broke the contract); 2 usage error; 3 the target is
unreachable, a precondition failed or the target stopped answering; 4 the resource could not be
restored; 5 INCOMPLETE; 6 HARNESS ERROR (a bug of ours); 130 INTERRUPTED.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

from zscontract.cli.parser import build_parser
from zscontract.errors import ZsContractError


def _code(name: str) -> int:
    """A verdict's exit code (imported only when needed: runner.results is not light)."""
    from zscontract.runner.results import Verdict

    return Verdict[name].exit_code


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return int(args.handler(args))
    except ZsContractError as exc:
        print(f"zscontract: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("zscontract: INTERRUPTED", file=sys.stderr)
        return _code("INTERRUPTED")
    except Exception:  # a bug of ours, never a verdict on the target
        from zscontract.runner.stops import stopped_by

        if stopped_by():  # a signal that a library turned into another exception: still a stop
            print(f"zscontract: INTERRUPTED ({stopped_by()})", file=sys.stderr)
            return _code("INTERRUPTED")
        print("zscontract: HARNESS ERROR: a bug in zscontract, not in the target; please report it with this "
              "traceback:", file=sys.stderr)
        traceback.print_exc()
        return _code("HARNESS_ERROR")


__all__ = ["build_parser", "main"]
