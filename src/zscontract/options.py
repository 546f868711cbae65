"""Every option, declared once: the CLI's parser, the pytest plugin's options and the README's table come from it.

Precedence: an explicit option, then the environment variable, then the ini key, then the
default. Every bad value becomes a :class:`~zscontract.errors.UsageError` that names the
value, where it came from, and what would be accepted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zscontract.config import (
    RunSettings,
    boolean,
    check_profile,
    check_session,
    check_url,
    check_uuids,
    corpus_dir,
    names,
    positive,
    readable_file,
    size,
)
from zscontract.errors import UsageError


@dataclass(frozen=True)
class Option:
    """One option, declared once: the CLI's parser, the pytest plugin's options and the README's table agree.

    Precedence: the flag, then the environment variable ``env``, then the ini key ``ini`` (pytest),
    then ``default`` (as a user would type it); ``check`` turns the raw value, with where it came
    from, into the setting or a one-line usage error.
    """

    name: str            # the parser's dest
    flag: str            # the CLI's; the plugin's is the same with "--zs-" (``plugin``)
    help: str
    env: str | None = None
    ini: str | None = None
    default: str | None = None
    check: Callable[[Any, str], Any] | None = None
    kind: str = "value"  # "value"; "switch" (no value); "list" (repeatable); "pair" (``flag`` on, ``off`` off)
    into: str | None = ""  # the RunSettings field ("": ``name``; None: the CLI's own, not a setting)
    connection: bool = False  # how to reach a target: also an option of `zscontract restore`
    plugin: bool = False      # also a pytest option
    short: str | None = None
    off: str | None = None    # kind "pair": the flag that turns it off, and what it does
    off_help: str = ""


def _rate(value: Any, source: str) -> float:
    return positive(str(value).removesuffix("/s"), source)


def _int(value: Any, source: str) -> int:
    return positive(value, source, int)


def _file(value: Any, source: str) -> Path:
    return readable_file(Path(str(value)), source)


OPTIONS: dict[str, Option] = {o.name: o for o in (
    Option("target_url", "--target-url", "base URL of the server to test; without it the embedded reference server "
           "is started", "ZS_TARGET_URL", "zs_target_url", check=lambda v, s: check_url(str(v), s), connection=True,
           plugin=True),
    Option("session_uuid", "--session-uuid", "session UUID sent as 'Authorization: OAuth <session>'",
           "ZS_SESSION_UUID", "zs_session_uuid", check=lambda v, s: check_session(str(v), s), connection=True,
           plugin=True),
    Option("model_service_uuid", "--model-service-uuid", "the model service the run may change (several, "
           "comma-separated, for xdist workers)", "ZS_MODEL_SERVICE_UUID", "zs_model_service_uuid",
           check=check_uuids, into="model_service_uuids", connection=True, plugin=True),
    Option("profile", "--profile", "dialect: documented or zstack", "ZS_PROFILE", "zs_profile",
           check=lambda v, s: check_profile(str(v), s), connection=True, plugin=True),
    Option("report_dir", "--report-dir", "where reports go", "ZS_REPORT_DIR", "zs_report_dir",
           check=lambda v, s: Path(str(v)), connection=True, plugin=True),
    Option("request_timeout", "--request-timeout", "seconds before a request counts as a hang", default="10",
           check=positive, connection=True),
    Option("max_body", "--max-body", "largest response body accepted, on the wire and decoded (e.g. 8M, 512K); a "
           "bigger one is a failure of the target, read no further", default="8M", check=size, connection=True),
    Option("job_timeout", "--job-timeout", "seconds an async job may run before it counts as a hang", default="30",
           check=positive, connection=True),
    Option("account", "--account", "log in as this account instead of --session-uuid, again when the session "
           "expires; the password comes from the environment variable ZS_PASSWORD (never a flag)", ini="zs_account",
           connection=True, plugin=True),
    Option("password_hashed", "--password-hashed", "ZS_PASSWORD already holds ZStack's SHA-512 hex digest of the "
           "password", kind="switch", check=boolean, connection=True),
    Option("ca_bundle", "--ca-bundle", "CA certificates (PEM) to verify an https target with; REQUESTS_CA_BUNDLE "
           "and SSL_CERT_FILE are honoured too", check=lambda v, s: str(_file(v, s)), connection=True),
    Option("insecure", "--insecure", "do NOT verify TLS certificates (loudly warned about in the terminal and every "
           "report)", kind="switch", check=boolean, connection=True),
    Option("quiet", "--quiet", "print only the verdict", kind="switch", into=None, connection=True, short="-q"),
    Option("max_time", "--max-time", "time budget in seconds (with pytest: of the session; tests after it are "
           "skipped)", "ZS_MAX_TIME", "zs_max_time", default="60", check=positive, plugin=True),
    Option("max_examples", "--max-examples", "generated cases at most", default="2000", check=_int),
    Option("seed", "--seed", "seed for reproducible generation", check=_int),
    Option("checks", "--checks", "comma-separated check names (default: all)", "ZS_CHECKS", "zs_checks",
           check=names, plugin=True),
    Option("include_example_fields", "--include-example-fields", "also send the page's example-only fields (off: "
           "they may touch other objects)", kind="switch", check=boolean),
    Option("read_only", "--read-only", "only requests that must change nothing (must-reject inputs and auth "
           "checks)", "ZS_READ_ONLY", "zs_read_only", kind="switch", check=boolean, plugin=True),
    Option("rate_limit", "--rate-limit", "requests per second at most, e.g. 20 or 20/s (the concurrent-writes "
           "burst is sent at once)", "ZS_RATE_LIMIT", "zs_rate_limit", check=_rate, plugin=True),
    Option("max_requests", "--max-requests", "stop generating after this many requests (the run is then "
           "INCOMPLETE if a check judged nothing)", check=_int),
    Option("no_schemathesis", "--no-schemathesis", "skip the schemathesis breadth phase", kind="switch",
           check=lambda v, s: not boolean(v, s), into="schemathesis"),
    Option("stop_on", "--stop-on", "comma-separated checks: stop the run at the first failure of any of them",
           check=names),
    Option("fail_fast", "--fail-fast", "stop the run at the first failure", kind="switch", into=None, short="-x"),
    Option("server_async", "--async", "embedded server only: answer with async jobs (zstack profile)", kind="pair",
           off="--sync", off_help="embedded server only: answer synchronously"),
    Option("server_fault", "--server-fault", "embedded server only: switch on a fault from its catalogue "
           "(repeatable)", kind="list", check=lambda v, s: tuple(v), into="server_faults"),
    Option("server_variant", "--server-variant", "embedded server only: a sound variant, or a release with its known "
           "defects such as zstack-5.1.20 (which implies --profile zstack) (repeatable)", kind="list",
           check=lambda v, s: tuple(v), into="server_variants"),
    Option("corpus", "--corpus", "regression corpus directory (default: REPORT_DIR/corpus)", check=corpus_dir,
           into="corpus_dir"),
    Option("no_corpus", "--no-corpus", "neither replay nor extend the corpus", kind="switch", into=None),
    Option("baseline", "--baseline", "YAML file of accepted known failures, or the name of a shipped one (e.g. "
           "zstack-5.1.20, see `zscontract baseline list`): exit 1 only for failures not in it",
           into=None),
    Option("baseline_update", "--baseline-update", "write the run's failures into --baseline (keeping reasons) and "
           "exit 0", kind="switch", into=None),
    Option("discard_snapshot", "--discard-snapshot", "give up on an earlier run's snapshot that was never restored "
           "(the run refuses to start while one exists for the same target and resource)", check=_file),
)}


def pick(name: str, flag_value: Any, environ: Mapping[str, str] | None = None,
         ini: Callable[[str], Any] | None = None, flag_prefix: str = "--") -> tuple[Any, str]:
    """The raw value of a setting and where it came from (for error messages); None when nothing gives one."""
    opt = OPTIONS[name]
    flag = flag_prefix + opt.flag.removeprefix("--")
    if flag_value not in (None, "", []):
        return flag_value, flag
    env = os.environ if environ is None else environ
    if opt.env and env.get(opt.env):
        return env[opt.env], f"environment variable {opt.env}"
    if ini is not None and opt.ini:
        value = ini(opt.ini)
        if value not in (None, "", []):
            return value, f"ini key {opt.ini}"
    return None, flag


def value_of(name: str, flag_value: Any, environ: Mapping[str, str] | None = None,
             ini: Callable[[str], Any] | None = None, flag_prefix: str = "--") -> Any:
    """The checked value of one option (its default when nothing gives one; None without a default)."""
    opt = OPTIONS[name]
    raw, source = pick(name, flag_value, environ, ini, flag_prefix)
    if raw is None:
        raw = opt.default
    if raw is None or opt.check is None:
        return raw
    return opt.check(raw, source)


def resolve(flags: Mapping[str, Any], environ: Mapping[str, str] | None = None,
            ini: Callable[[str], Any] | None = None, *, flag_prefix: str = "--", **overrides: Any) -> RunSettings:
    """Build :class:`RunSettings` from the options a route offers (``flags``: name to value, None = not
    given) plus their environment variables, ini keys and defaults; ``overrides`` win.

    >>> resolve({"profile": "zstack"}, environ={}).profile
    'zstack'
    """
    values: dict[str, Any] = {}
    for name in flags:
        opt = OPTIONS[name]
        if opt.into is not None:
            value = value_of(name, flags[name], environ, ini, flag_prefix)
            if value is not None:
                values[opt.into or name] = value
    values.update(overrides)
    if values.get("target_url") and not values.get("model_service_uuids"):
        raise UsageError("--target-url is set but no model service is: give --model-service-uuid "
                         "(or ZS_MODEL_SERVICE_UUID), the one resource the run may change")
    if values.get("target_url") and not values.get("session_uuid") and not values.get("account"):
        raise UsageError("--target-url is set but no session is: give --session-uuid (or ZS_SESSION_UUID), "
                         "or --account with the password in ZS_PASSWORD")
    return RunSettings(**values)
