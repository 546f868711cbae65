"""The one HTTP path: urllib3's keep-alive connection pool, with bounded reads and a total deadline.

Every request has a TOTAL deadline (connect, headers and body together): socket timeouts are set
to the time left, and the watchdog (:mod:`zscontract.core.watchdog`) shuts the socket down when the
deadline passes, so a dripping target cannot stretch a request. Bodies are streamed and
capped on the wire and after decoding (:mod:`zscontract.core.body`).

Requests go to urllib3's pool directly: ``requests``' request preparation, adapter and response
building cost about 0.15 ms of CPU a request and did nothing this module needs. What sends a
request is a :class:`Sender` (:class:`PoolSender` by default); a :class:`Transport` given another one
(a test's scripted target) still applies the same headers, body bounds, deadline and error handling
to what it answers. The pool path itself is tested against real servers (tests/harness/test_hostile.py,
test_tls.py, test_hostile_runs.py).
"""

from __future__ import annotations

import os
import re
import time
from typing import Any, Protocol

import requests
import requests.utils
import urllib3
import urllib3.exceptions

from zscontract.core.body import TooLarge, read_body
from zscontract.core.exchange import CONNECTION, TIMEOUT, TLS, TOO_LARGE, Response
from zscontract.core.watchdog import CURRENT, POOL_CLASSES

MIB = 1024 * 1024
DEFAULT_MAX_BODY = 8 * MIB  # an honest inventory is a few KB; a query answer with many, well under 1 MiB
POOL_SIZE = 8               # the concurrent-writes scenario's threads share one pool
# requests' own defaults (what targets have always seen), but only the encodings decoded here (with a cap).
_DEFAULT_HEADERS = {"User-Agent": f"python-requests/{getattr(requests, '__version__', '2')}",
                    "Accept-Encoding": "gzip, deflate", "Accept": "*/*", "Connection": "keep-alive"}
_DEFAULT_NAMES = {name.lower() for name in _DEFAULT_HEADERS}
_REMEMBERED = 16  # origins whose pool is remembered (the target's, and a job's at another origin)
_ORIGIN = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)")

Outcome = tuple[Response | None, str | None, str | None]  # (response, error sentence, error kind)


def verify_setting(ca_bundle: str | None, insecure: bool) -> bool | str:
    """What to verify TLS against: off, an explicit CA file, the standard variables, or the default.

    Proxies stay ignored (loopback and staging), but the CA variables are honoured as requests did.
    """
    if insecure:
        return False
    if ca_bundle:
        return ca_bundle
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        if os.environ.get(name):
            return os.environ[name]
    return True


def _tls_kwargs(verify: bool | str) -> dict[str, Any]:
    """urllib3 pool settings for ``verify``: requests' own mapping (certifi's bundle by default)."""
    if verify is False:
        return {"cert_reqs": "CERT_NONE"}
    where = requests.utils.DEFAULT_CA_BUNDLE_PATH if verify is True else verify
    return {"cert_reqs": "CERT_REQUIRED", ("ca_cert_dir" if os.path.isdir(where) else "ca_certs"): where}


_CERT_REASON = re.compile(r"certificate verify failed: ([^(')\"]+)")


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, without the pool's boilerplate."""
    inner: Any = exc.args[0] if isinstance(exc, requests.RequestException) and exc.args else exc
    if isinstance(inner, urllib3.exceptions.MaxRetryError) and inner.reason is not None:
        inner = inner.reason
    return f"{type(inner).__name__}: {inner}"


def tls_sentence(exc: BaseException) -> str:
    """A certificate failure said as such, with the way out; never "unreachable": the target was reached."""
    found = _CERT_REASON.search(str(exc))
    if found is None and "certificate" not in str(exc).lower():
        return (f"TLS handshake failed ({_reason(exc)}): check that the target speaks HTTPS on that port "
                f"(or give an http:// URL)")
    why = f"certificate verify failed: {found.group(1).strip()}" if found else _reason(exc)
    return (f"TLS certificate problem ({why}): the target's certificate is not trusted; pass its CA with "
            f"--ca-bundle PATH (or REQUESTS_CA_BUNDLE / SSL_CERT_FILE), or --insecure to skip verification")


class Sender(Protocol):
    """Sends one request and returns urllib3's response with its body not read yet.

    It may raise what urllib3 or requests raise, or an ``OSError``: :class:`Transport` turns those into
    a timeout, a refused connection or a TLS failure.
    """

    def send(self, method: str, url: str, body: bytes | None, headers: dict[str, str], seconds: float) -> Any:
        """``seconds``: the time left for the request (connect and each read)."""

    def close(self) -> None:
        """Release the connections."""


class PoolSender:
    """Sends through one keep-alive pool shared by threads (urllib3 pools are thread-safe)."""

    def __init__(self, verify: bool | str) -> None:
        self.verify = verify
        self._pools = urllib3.PoolManager(num_pools=4, maxsize=POOL_SIZE, **_tls_kwargs(verify))
        self._pools.pool_classes_by_scheme = POOL_CLASSES
        self._by_origin: dict[str, Any] = {}

    def close(self) -> None:
        self._by_origin.clear()
        self._pools.clear()

    def send(self, method: str, url: str, body: bytes | None, headers: dict[str, str], seconds: float) -> Any:
        origin = _ORIGIN.match(url)
        if origin is None:
            raise ValueError(f"not an absolute http(s) URL: {url!r}")
        if url[:6].lower() == "https:" and isinstance(self.verify, str) and not os.path.exists(self.verify):
            raise OSError(f"Could not find a suitable TLS CA certificate bundle, invalid path: {self.verify}")
        pool = self._pool(origin.group(1))
        target = url[origin.end():]
        target = target if target.startswith("/") else "/" + target
        return pool.urlopen(method, target, body=body, headers=headers, retries=False, redirect=False,
                            assert_same_host=False, preload_content=False,
                            decode_content=False, timeout=urllib3.Timeout(connect=seconds, read=seconds))

    def _pool(self, origin: str) -> Any:
        """The pool for ``scheme://host:port``, remembered (parsing the URL each time was 7% of a request)."""
        pool = self._by_origin.get(origin)
        if pool is None or pool.pool is None:  # new, or closed by the manager making room for another
            pool = self._pools.connection_from_url(origin)
            if len(self._by_origin) >= _REMEMBERED:
                self._by_origin.clear()
            self._by_origin[origin] = pool
        return pool


class Transport:
    """Sends requests with a total deadline and bounded bodies, through ``sender`` (default: a :class:`PoolSender`).

    >>> Transport(ca_bundle="/etc/zs/ca.pem").verify
    '/etc/zs/ca.pem'
    """

    def __init__(self, *, ca_bundle: str | None = None, insecure: bool = False, sender: Sender | None = None) -> None:
        self.verify = verify_setting(ca_bundle, insecure)
        self._sender: Sender = sender if sender is not None else PoolSender(self.verify)
        if insecure:  # the user asked; the runner says so loudly, once, instead of a warning per request
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def close(self) -> None:
        self._sender.close()

    def fetch(self, method: str, url: str, body: bytes | None, headers: dict[str, str], deadline: float,
              limit: int) -> Outcome:
        """One request, answered or not; never raises for what the target does.

        A GET or HEAD whose reused keep-alive connection fails before any answer is sent once more on
        a new one (the server closed the idle socket as we wrote; urllib3 retries these too). A write is
        never repeated: the target may have applied it.
        """
        outcome, stale = self._attempt(method, url, body, headers, deadline, limit)
        if stale and method in ("GET", "HEAD") and time.monotonic() < deadline:
            outcome, _ = self._attempt(method, url, body, headers, deadline, limit)
        return outcome

    def _attempt(self, method: str, url: str, body: bytes | None, headers: dict[str, str], deadline: float,
                 limit: int) -> tuple[Outcome, bool]:
        started = time.monotonic()
        seconds = deadline - started
        if seconds <= 0:
            return (None, "timeout: no time left for the request", TIMEOUT), False
        CURRENT.start(deadline)
        raw: Any = None
        try:
            raw = self._sender.send(method, url, body, _with_defaults(headers), seconds)
            got_headers = dict(raw.headers.items())  # repeated headers joined with ", " as requests does
            content = read_body(raw, got_headers, deadline, limit)
            return (Response(raw.status, got_headers, content, time.monotonic() - started), None, None), False
        except TooLarge as exc:
            return (None, str(exc), TOO_LARGE), False
        except (requests.exceptions.SSLError, urllib3.exceptions.SSLError) as exc:
            return (None, tls_sentence(exc), TLS), False
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            timed_out = _timed_out(exc)
            if timed_out or time.monotonic() >= deadline:
                return (None, f"timeout: no complete answer within {round(seconds, 2):g} s", TIMEOUT), False
            stale = raw is None and CURRENT.reused
            return (None, f"connection failed: {_reason(exc)}", CONNECTION), stale
        finally:
            CURRENT.stop()
            _release(raw)


def _timed_out(exc: BaseException) -> bool:
    """A timeout, as requests told them apart: urllib3's refused connection is a "connect timeout" too."""
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return False
    return isinstance(exc, requests.Timeout | TimeoutError | urllib3.exceptions.TimeoutError)


def _with_defaults(headers: dict[str, str]) -> dict[str, str]:
    """requests' default headers under the caller's (names compared without case, as requests does)."""
    if not any(name.lower() in _DEFAULT_NAMES for name in headers):
        return {**_DEFAULT_HEADERS, **headers}
    given = {name.lower() for name in headers}
    return {**{k: v for k, v in _DEFAULT_HEADERS.items() if k.lower() not in given}, **headers}


def _release(raw: Any) -> None:
    """Back to the pool when read to its end; otherwise the connection is closed, never reused."""
    if raw is None:
        return
    try:
        if not raw.closed and not _at_end(raw):
            raw.close()
        raw.release_conn()
    except (OSError, AttributeError, urllib3.exceptions.HTTPError):
        pass


def _at_end(raw: Any) -> bool:
    fp = getattr(raw, "_fp", None)
    return fp is None or getattr(fp, "fp", None) is None
