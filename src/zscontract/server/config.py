"""Command-line options of the reference server, resolved into one frozen :class:`ServerConfig`.

``add_serve_arguments`` lets the main CLI mount the same options as ``zscontract serve``.
"""

from __future__ import annotations

import argparse
import ipaddress
from dataclasses import dataclass

from zscontract.errors import UsageError
from zscontract.server import faults as catalogue


@dataclass(frozen=True)
class ServerConfig:
    """Everything a server run needs, validated."""

    profile: str = "documented"
    async_: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    db: str | None = None
    resources: int = 1
    faults: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    session_ttl: float | None = None
    job_delay: float = 0.02

    @property
    def switched_on(self) -> tuple[str, ...]:
        """The names of every switched-on fault and variant."""
        return self.faults + self.variants


def add_serve_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the server's options to ``parser`` (``python -m zscontract.server`` or ``zscontract serve``).

    >>> ns = add_serve_arguments(argparse.ArgumentParser()).parse_args(["--profile", "zstack"])
    >>> config_from_args(ns).profile
    'zstack'
    """
    parser.add_argument("--profile", choices=("documented", "zstack"), default="documented",
                        help="the dialect to speak (see zstack-rest-facts.md); default: documented")
    parser.add_argument("--async", dest="async_", action="store_true",
                        help="zstack only: answer updates with 202 + an API job location")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on; default: 127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="port; 0 (default) picks a free one")
    parser.add_argument("--db", default=None, metavar="PATH",
                        help="SQLite file to keep; default: a temporary file deleted at exit")
    parser.add_argument("--resources", type=int, default=1, metavar="N", help="model services to seed (>= 1)")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME",
                        help="switch on a seeded fault (repeatable; see --list-faults)")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME",
                        help="switch on a sound variant (repeatable; see --list-faults)")
    parser.add_argument("--list-faults", action="store_true", help="print the fault catalogue and exit")
    parser.add_argument("--json", action="store_true", help="with --list-faults: print JSON")
    parser.add_argument("--session-ttl", type=float, default=None, metavar="SECONDS",
                        help="sessions expire after this many seconds; default: never")
    parser.add_argument("--job-delay", type=float, default=0.02, metavar="SECONDS",
                        help="with --async: how long an API job runs; default: 0.02")
    return parser


def config_from_args(ns: argparse.Namespace) -> ServerConfig:
    """Validate parsed options; raise :class:`UsageError` naming the flag and what is accepted."""
    if ns.async_ and ns.profile != "zstack":
        raise UsageError("--async needs --profile zstack (the documented dialect never answers 202)")
    if not 0 <= ns.port <= 65535:
        raise UsageError(f"--port {ns.port}: use 0 (pick a free port) or 1..65535")
    if ns.resources < 1:
        raise UsageError(f"--resources {ns.resources}: use 1 or more")
    if ns.session_ttl is not None and ns.session_ttl <= 0:
        raise UsageError(f"--session-ttl {ns.session_ttl}: use a positive number of seconds")
    if ns.job_delay < 0:
        raise UsageError(f"--job-delay {ns.job_delay}: use 0 or more seconds")
    if ns.host != "localhost":
        try:
            ipaddress.ip_address(ns.host)
        except ValueError:
            raise UsageError(f"--host {ns.host!r}: use an IP address such as 127.0.0.1") from None
    faults = catalogue.resolve(ns.fault, kind="fault", profile=ns.profile, async_=ns.async_)
    variants = catalogue.resolve(ns.variant, kind="variant", profile=ns.profile, async_=ns.async_)
    return ServerConfig(
        profile=ns.profile, async_=ns.async_, host=ns.host, port=ns.port, db=ns.db, resources=ns.resources,
        faults=tuple(f.name for f in faults), variants=tuple(v.name for v in variants),
        session_ttl=ns.session_ttl, job_delay=ns.job_delay,
    )
