"""``contract build`` and ``contract diff``: argparse subcommands the top-level CLI mounts.

Exit codes: 0 ok (``diff``: no breaking change, only ``info`` ones), 1 ``diff`` found a breaking
change (level ``error`` or ``warning``, as oasdiff classifies it; ``--fail-on error`` ignores
warnings), 2 an unreadable page, overlay or option (one line on stderr naming the file, line and
what was expected).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from zscontract.contract.build import build, write_atomically
from zscontract.contract.changes import LEVELS
from zscontract.contract.diff import diff_pages, render_json, render_markdown, render_text
from zscontract.contract.files import OVERLAY, contracts_dir
from zscontract.contract.page import parse_page_file
from zscontract.errors import ZsContractError

Handler = Callable[[argparse.Namespace], int]

_RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
_DIFF_HELP = """\
Classify each change between two versions of the API page as oasdiff classifies a change of an
OpenAPI document: an oasdiff-style id, a level, whom it breaks (clients, clients and servers, or none)
and why. error: a definite break (a removed response field, a retyped field, a request field made
required, a request limit tightened); warning: a probable one (a removed request field, a new
value in a response enum); info: not breaking (a new optional request field, a new response
field, a limit loosened, a wording change).

exit 0: nothing breaking (only info changes, or none); 1: a breaking change (error or warning;
with --fail-on error, errors only); 2: an unreadable page or a bad option.
"""


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``contract build`` and ``contract diff`` to an argparse subparsers object.

    Each leaf parser sets ``handler`` (a function of the parsed namespace returning the exit code).

    >>> parser = argparse.ArgumentParser(prog="zscontract")
    >>> _ = register(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["contract", "diff", "a.txt", "b.txt"]).format
    'text'
    """
    contract = subparsers.add_parser(
        "contract", help="build the contract from the API page, or diff two pages"
    )
    sub = contract.add_subparsers(dest="contract_command", required=True)

    b = sub.add_parser("build", help="generate openapi/*.json and schemas/*.json from a page and the overlay")
    b.add_argument("page", type=Path, metavar="PAGE.txt", help="the API page as copied from the docs site")
    b.add_argument(
        "--overlay",
        type=Path,
        default=None,
        help=f"overlay file (default: the installed contracts/{OVERLAY})",
    )
    b.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="directory receiving openapi/ and schemas/ (written atomically)",
    )
    b.set_defaults(handler=_build)

    d = sub.add_parser(
        "diff",
        help="classify the changes between two versions of a page (exit 1 only for breaking ones)",
        description=_DIFF_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("old", type=Path, metavar="OLD.txt", help="the page the contract was built from")
    d.add_argument("new", type=Path, metavar="NEW.txt", help="the new version of the page")
    d.add_argument("--format", choices=tuple(_RENDERERS), default="text",
                   help="text (one line a change), markdown (a table for a pull request) or json"
                        " (a list of {id, level, for, text, ...}); default: text")
    d.add_argument("--fail-on", choices=("warning", "error"), default="warning",
                   help="the least severe level that makes the exit code 1 (default: warning)")
    d.set_defaults(handler=_diff)
    parser: argparse.ArgumentParser = contract
    return parser


def _build(args: argparse.Namespace) -> int:
    overlay = args.overlay if args.overlay is not None else contracts_dir() / OVERLAY
    files = build(args.page, overlay)
    write_atomically(files, args.out)
    for rel in files:
        print(f"wrote {args.out / rel}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    changes = diff_pages(parse_page_file(args.old), parse_page_file(args.new))
    sys.stdout.write(_RENDERERS[args.format](changes))
    worst = LEVELS.index(args.fail_on)
    return 1 if any(LEVELS.index(c.level) <= worst for c in changes) else 0


def run(args: argparse.Namespace) -> int:
    """Call the handler; a ZsContractError becomes one line on stderr and its exit code."""
    handler: Handler = args.handler
    try:
        return handler(args)
    except ZsContractError as exc:
        print(f"zscontract: error: {exc}", file=sys.stderr)
        return exc.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m zscontract.contract build|diff ...`` (the same as ``zscontract contract ...``)."""
    parser = argparse.ArgumentParser(prog="python -m zscontract.contract")
    register(parser.add_subparsers(dest="command"))
    # Accept both "python -m zscontract.contract diff ..." and "... contract diff ...".
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "contract":
        argv = ["contract", *argv]
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage line; bad option -> 2
        return int(exc.code or 0)
    return run(args)
