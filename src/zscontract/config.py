"""Run settings, and the checks of the values a user gives them (the options: :mod:`zscontract.options`).

Every bad value becomes a :class:`~zscontract.errors.UsageError` that names the value, where it
came from, and what would be accepted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from zscontract.core.dialects import get_dialect
from zscontract.core.values import UUID_RE
from zscontract.errors import UsageError

T = TypeVar("T")


@dataclass(frozen=True)
class RunSettings:
    """Everything a run needs, validated."""

    target_url: str | None = None
    session_uuid: str | None = None
    model_service_uuids: tuple[str, ...] = ()
    profile: str = "documented"
    report_dir: Path = Path("reports")
    max_time: float = 60.0
    max_examples: int = 2000
    seed: int | None = None
    request_timeout: float = 10.0
    max_body: int = 8 * 2**20  # bytes a response body may have (on the wire and decoded)
    job_timeout: float = 30.0
    checks: tuple[str, ...] = ()
    include_example_fields: bool = False
    read_only: bool = False
    rate_limit: float | None = None
    max_requests: int | None = None
    server_async: bool | None = None    # embedded server only: async jobs (None: the profile's default)
    server_faults: tuple[str, ...] = ()  # embedded server only
    server_variants: tuple[str, ...] = ()
    schemathesis: bool = True
    stop_on: tuple[str, ...] = ()       # stop the run at the first failure of any of these checks
    phases: tuple[str, ...] = ("corpus", "scenarios", "boundaries", "properties", "schemathesis")
    corpus_dir: Path | None = None      # default: <report_dir>/corpus
    save_corpus: bool = True
    account: str | None = None          # log in with this account (password from ZS_PASSWORD)
    password: str | None = None         # never from a flag; redacted everywhere
    password_hashed: bool = False       # the password is already ZStack's SHA-512 hex digest
    ca_bundle: str | None = None        # CA certificates for https targets (else the client's defaults)
    insecure: bool = False              # do not verify TLS certificates (warned about everywhere)
    discard_snapshot: Path | None = None  # an earlier run's pending snapshot to give up on
    # The schemathesis phase's own bounds (API only, no flag): a breadth phase inside a 60 s run.
    schemathesis_max_time: float = 15.0
    schemathesis_max_examples: int = 10  # per operation and generation phase

    @property
    def model_service_uuid(self) -> str | None:
        return self.model_service_uuids[0] if self.model_service_uuids else None


def check_url(value: str, source: str) -> str:
    """An http(s) base URL with a valid port, no credentials and no query (refused without echoing them).

    >>> check_url("http://zs.example:8080/", "--target-url")
    'http://zs.example:8080'
    >>> shown_url(" http:/admin:S3cret@zs.example?token=abc")
    ' http:/***@zs.example?***'
    """
    if "@" in value.split("?", 1)[0].split("#", 1)[0]:  # userinfo, however the URL around it is malformed
        raise UsageError(f"{source}: credentials in the URL are refused (they would end up in logs and "
                         "reports); give the session with --session-uuid or log in with --account and ZS_PASSWORD")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise UsageError(f"{source}: {shown_url(value)!r} is not an http(s) URL; expected e.g. http://zstack.example:8080")
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise UsageError(f"{source}: {shown_url(value)!r} has a query or fragment; give the base URL only, "
                         "e.g. http://zstack.example:8080 (a token in a URL would end up in logs and reports)")
    try:
        parts.port  # noqa: B018  (urllib checks the port range when it is read)
    except ValueError:
        raise UsageError(f"{source}: {shown_url(value)!r} has an impossible port; a port is 1-65535") from None
    if parts.port == 0:
        raise UsageError(f"{source}: {shown_url(value)!r} has an impossible port; a port is 1-65535")
    return value.rstrip("/")


def shown_url(value: str) -> str:
    """A URL as an error message may show it: userinfo and query masked."""
    value = re.sub(r"[^/\s@]*@", "***@", value)
    return re.sub(r"([?#]).*$", r"\1***", value)


def check_uuids(value: str | list[str] | tuple[str, ...], source: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    uuids = tuple(v.strip() for v in items if v.strip())
    for u in uuids:
        if not UUID_RE.match(u):
            raise UsageError(f"{source}: {u!r} is not a ZStack UUID (32 lower-case hex digits, no dashes)")
    if len(set(uuids)) != len(uuids):
        raise UsageError(f"{source}: the same model service is listed twice")
    return uuids


def check_session(value: str, source: str) -> str:
    if not re.fullmatch(r"[0-9a-zA-Z-]{8,64}", value):
        raise UsageError(f"{source}: the session is not a UUID-like token (letters, digits, dashes; 8-64 long)")
    return value


def check_profile(value: str, source: str) -> str:
    return get_dialect(value, source=source).name  # the one validation of a profile name


def writable_dir(path: Path, source: str) -> Path:
    """A directory the run can write into (created when missing); anything else is a usage error."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{source}: {str(path)!r} is not a directory; give a directory for the reports")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".zscontract-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"{source}: cannot write into {str(path)!r} ({exc.strerror or exc})") from None
    return path


def readable_file(path: Path, source: str) -> Path:
    """An existing, readable regular file."""
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist or is not a regular file"
        raise UsageError(f"{source}: {str(path)!r} {what}")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise UsageError(f"{source}: cannot read {str(path)!r} ({exc.strerror or exc})") from None
    return path


def positive(value: Any, source: str, kind: Callable[[Any], T] = float) -> T:  # type: ignore[assignment]
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise UsageError(f"{source}: {value!r} is not a number; expected a positive {kind.__name__}") from None
    if not number > 0:  # type: ignore[operator]
        raise UsageError(f"{source}: {value!r} must be greater than 0")
    if isinstance(number, float) and not number <= MAX_SECONDS:  # inf, or past what a clock or a join takes
        raise UsageError(f"{source}: {value!r} is too large; at most {MAX_SECONDS:g}")
    return number


MAX_SECONDS = 1e6  # the largest time (and rate) an option takes: 11.5 days


_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}


def size(value: Any, source: str) -> int:
    """A byte count such as ``8M``, ``512K`` or ``1048576`` (binary units).

    >>> size("8M", "--max-body"), size("4096", "--max-body")
    (8388608, 4096)
    """
    text = str(value).strip().upper().removesuffix("IB").removesuffix("B")
    unit = text[-1:] if text[-1:] in _UNITS and text[-1:] else ""
    try:
        number = float(text[: len(text) - len(unit)] if unit else text)
    except ValueError:
        raise UsageError(f"{source}: {value!r} is not a size; expected e.g. 8M, 512K or a number of bytes") from None
    if number == number and not number * _UNITS[unit] <= 2**40:  # inf, or over 1 TiB
        raise UsageError(f"{source}: {value!r} is too large; at most 1T (1 TiB)")
    total = int(number * _UNITS[unit]) if number == number else 0  # NaN: refused below
    if total < 1024:
        raise UsageError(f"{source}: {value!r} is under 1 KiB; no honest inventory fits (try 8M, the default)")
    return total


def boolean(value: Any, source: str) -> bool:
    """A switch from a flag (True), an environment variable or an ini key (1/0, true/false, yes/no, on/off)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"{source}: {value!r} is not a switch; expected 1 or 0 (true/false, yes/no, on/off)")


def names(value: Any, source: str) -> tuple[str, ...]:
    """A comma-separated list (check names; validated against the registry by the adapters)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(c.strip() for c in items if c.strip())


def corpus_dir(value: Any, source: str) -> Path:
    corpus = Path(str(value))
    if corpus.exists() and not corpus.is_dir():
        raise UsageError(f"{source}: {str(value)!r} is not a directory; give the directory of saved cases")
    if corpus.exists() and not os.access(corpus, os.R_OK | os.X_OK):
        raise UsageError(f"{source}: cannot read the directory {str(value)!r}")
    return corpus


