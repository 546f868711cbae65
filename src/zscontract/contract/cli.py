"""``contract build`` and ``contract diff``: argparse subcommands the top-level CLI mounts.

Exit codes: 0 ok (no breaking change), 1 a breaking change was found, 2 an unreadable page,
overlay or option (one line on stderr naming the file, line and what was expected).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from zscontract.contract.build import build, write_atomically
from zscontract.contract.diff import diff_pages, render_markdown, render_text
from zscontract.contract.files import OVERLAY, contracts_dir
from zscontract.contract.page import parse_page_file
from zscontract.errors import ZsContractError

Handler = Callable[[argparse.Namespace], int]


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

    d = sub.add_parser("diff", help="classify the changes between two versions of a page")
    d.add_argument("old", type=Path, metavar="OLD.txt")
    d.add_argument("new", type=Path, metavar="NEW.txt")
    d.add_argument("--format", choices=("text", "markdown"), default="text")
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
    render = render_markdown if args.format == "markdown" else render_text
    sys.stdout.write(render(changes))
    return 1 if any(c.breaking for c in changes) else 0


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
