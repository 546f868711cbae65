"""Command-line options of the reference server, resolved into one frozen :class:`ServerConfig`.

``add_serve_arguments`` lets the main CLI mount the same options as ``zscontract serve``.
"""

from __future__ import annotations

import argparse
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from zscontract.errors import UsageError
from zscontract.server import faults as catalogue
from zscontract.server.values import DATE_STYLES


@dataclass(frozen=True)
class ServerConfig:
    """Everything a server run needs, validated."""

    profile: str = "documented"
    async_: bool = False                 # resolved: zstack answers with API jobs unless --sync
    host: str = "127.0.0.1"
    port: int = 0
    db: str | None = None
    resources: int = 1
    faults: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    session_ttl: float | None = None
    job_delay: float = 0.0
    base_url: str | None = None          # origin written into job locations; None: where it listens
    date_style: str = "jdk8"
    max_jobs: int = 10000
    extra_resources: int = 2
    exit_with_parent: bool = False       # embedded servers: stop when the process that started them is gone

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
    parser.add_argument("--profile", choices=("documented", "zstack"), default=None,
                        help="the dialect to speak (see zstack-rest-facts.md); default: documented, or zstack "
                             "with a release variant such as zstack-5.1.20")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--async", dest="async_", action="store_const", const=True, default=None,
                      help="zstack: answer updates with 202 + an API job location (the default in zstack)")
    mode.add_argument("--sync", dest="async_", action="store_const", const=False,
                      help="zstack: answer updates directly (the page's literal 'Synchronous')")
    parser.add_argument("--base-url", default=None, metavar="URL",
                        help="zstack: the origin written into job locations, e.g. http://node:8080; "
                             "default: the address it listens on")
    parser.add_argument("--date-style", choices=DATE_STYLES, default="jdk8",
                        help="how dates are written: Gson on JDK 8 (default), JDK 9-19 or JDK 20+")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on; default: 127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="port; 0 (default) picks a free one")
    parser.add_argument("--db", default=None, metavar="PATH",
                        help="SQLite file to keep; default: a temporary file deleted at exit")
    parser.add_argument("--resources", type=int, default=1, metavar="N",
                        help="model services to seed and list (>= 1)")
    parser.add_argument("--extra-resources", type=int, default=2, metavar="N",
                        help="other model services in the database, not listed (default 2): a query "
                             "must filter them out")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME",
                        help="switch on a seeded fault (repeatable; see --list-faults)")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME",
                        help="switch on a sound variant (repeatable; see --list-faults)")
    parser.add_argument("--list-faults", action="store_true", help="print the fault catalogue and exit")
    parser.add_argument("--json", action="store_true", help="with --list-faults: print JSON")
    parser.add_argument("--session-ttl", type=float, default=None, metavar="SECONDS",
                        help="sessions expire after this many seconds; default: never")
    parser.add_argument("--job-delay", type=float, default=0.0, metavar="SECONDS",
                        help="zstack async: how long an API job runs; default 0 (done when the 202 leaves)")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the process that started the server is gone (embedded servers: a "
                             "harness killed with SIGKILL leaves no server behind)")
    parser.add_argument("--max-jobs", type=int, default=10000, metavar="N",
                        help="zstack async: jobs kept for polling; older ones answer 'the job has been expired'")
    return parser


def config_from_args(ns: argparse.Namespace) -> ServerConfig:
    """Validate parsed options; raise :class:`UsageError` naming the flag and what is accepted."""
    if ns.profile is None:
        ns.profile = implied_profile(ns.variant) or "documented"
    if ns.async_ and ns.profile != "zstack":
        raise UsageError("--async needs --profile zstack (the documented dialect never answers 202)")
    async_ = ns.profile == "zstack" if ns.async_ is None else bool(ns.async_)
    base_url = _base_url(ns.base_url)
    if ns.extra_resources < 0:
        raise UsageError(f"--extra-resources {ns.extra_resources}: use 0 or more")
    if ns.max_jobs < 1:
        raise UsageError(f"--max-jobs {ns.max_jobs}: use 1 or more")
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
    faults = catalogue.resolve(ns.fault, kind="fault", profile=ns.profile, async_=async_)
    variants = catalogue.resolve(ns.variant, kind="variant", profile=ns.profile, async_=async_)
    return ServerConfig(
        profile=ns.profile, async_=async_, host=ns.host, port=ns.port, db=ns.db, resources=ns.resources,
        faults=tuple(f.name for f in faults), variants=tuple(v.name for v in variants),
        session_ttl=ns.session_ttl, job_delay=ns.job_delay, base_url=base_url, date_style=ns.date_style,
        max_jobs=ns.max_jobs, extra_resources=ns.extra_resources, exit_with_parent=ns.exit_with_parent,
    )


def implied_profile(variants: tuple[str, ...] | list[str]) -> str | None:
    """The profile a release variant implies (``zstack-5.1.20``: zstack), when no profile is given.

    >>> implied_profile(["zstack-5.1.20"]), implied_profile(["java-trim"])
    ('zstack', None)
    """
    for name in variants:
        entry = catalogue.BY_NAME.get(name)
        if entry is not None and entry.kind == "release" and len(entry.dialects) == 1:
            return next(iter(entry.dialects))
    return None


def _base_url(text: str | None) -> str | None:
    """``--base-url``: an absolute http(s) URL without query or fragment; the trailing ``/`` dropped."""
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UsageError(f"--base-url {text!r}: use an absolute http(s) URL such as http://node.example:8080")
    return text.rstrip("/")
