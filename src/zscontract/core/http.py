"""The one HTTP path: requests over urllib3's keep-alive pool, with bounded reads.

Every request has a TOTAL deadline (connect, headers and body together): socket timeouts are set
to the time left, and a watchdog thread shuts the socket down when the deadline passes, so a
target dripping a byte a second cannot stretch a request (issue 12: it hung 97 s under a 3 s
timeout, the old timeout being per socket read). Bodies are streamed and refused past
``max_body`` bytes, on the wire and after gzip/deflate decoding (a gzip bomb stops at the cap).

``requests`` is kept (not bare urllib3) because the checks' unit tests script targets with the
``responses`` library, which intercepts ``HTTPAdapter.send``: those tests then run this very
module's streaming, decoding and error mapping, not a second code path.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import re
import socket
import threading
import time
import zlib
from typing import Any

import requests
import requests.adapters
import urllib3
import urllib3.connection
import urllib3.exceptions

from zscontract.core.exchange import CONNECTION, TIMEOUT, TLS, TOO_LARGE, Response

MIB = 1024 * 1024
DEFAULT_MAX_BODY = 8 * MIB  # an honest inventory is a few KB; a query answer with many, well under 1 MiB
POOL_SIZE = 8               # the concurrent-writes scenario's threads share one pool
_CHUNK = 64 * 1024
# requests' own defaults, but only the encodings this module decodes itself (with a cap).
_DEFAULT_HEADERS = {"User-Agent": f"python-requests/{getattr(requests, '__version__', '2')}",
                    "Accept-Encoding": "gzip, deflate", "Accept": "*/*", "Connection": "keep-alive"}

Outcome = tuple[Response | None, str | None, str | None]  # (response, error sentence, error kind)


class _Watchdog:
    """One daemon thread that shuts down the sockets of requests past their deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[list[Any]] = []  # [deadline, seq, socket | None]; None = disarmed
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: float, sock: socket.socket) -> list[Any]:
        entry = [deadline, next(self._seq), sock]
        with self._cond:
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="zscontract-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0] is entry:
                self._cond.notify()
        return entry

    def disarm(self, entry: list[Any]) -> None:
        with self._cond:
            entry[2] = None

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2] is None:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                sock = heapq.heappop(self._heap)[2]
                # The base-class shutdown: SSLSocket's own would drop its TLS state under the reader.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


_WATCHDOG = _Watchdog()
_current = threading.local()  # this thread's request deadline, read when its socket is known


def _arm(sock: Any) -> None:
    deadline = getattr(_current, "deadline", None)
    if deadline is not None and isinstance(sock, socket.socket) and getattr(_current, "entry", None) is None:
        _current.entry = _WATCHDOG.arm(deadline, sock)


class _Watched:
    """Arms the watchdog once a request is sent; notes whether the connection was a reused one."""

    sock: Any
    _used_sock: Any = None  # the socket the previous request went out on

    def request(self, *args: Any, **kwargs: Any) -> None:
        # The socket of an earlier request still open: a keep-alive connection from the pool.
        _current.reused = self.sock is not None and self.sock is self._used_sock
        try:
            super().request(*args, **kwargs)  # type: ignore[misc]
        finally:
            self._used_sock = self.sock

    def getresponse(self) -> Any:  # the request is sent: from here on the deadline is the watchdog's
        _arm(self.sock)
        return super().getresponse()  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    pass


class _Pool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _TLSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _Adapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}


def verify_setting(ca_bundle: str | None, insecure: bool) -> bool | str:
    """What to verify TLS against: off, an explicit CA file, the standard variables, or the default.

    Proxies stay ignored (trust_env off: loopback and staging), but the CA variables are honoured.
    """
    if insecure:
        return False
    if ca_bundle:
        return ca_bundle
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        if os.environ.get(name):
            return os.environ[name]
    return True


class _TooLarge(Exception):
    pass


class _Inflater:
    """gzip/deflate decoded chunk by chunk, never past ``limit`` bytes of output."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            out = self._obj.decompress(data, room + 1)
        except zlib.error:
            if self.encoding != "deflate" or self._started:
                raise
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" sent raw, as some servers do
            out = self._obj.decompress(data, room + 1)
        self._started = True
        return out


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def read_body(raw: Any, headers: dict[str, str], deadline: float, limit: int) -> bytes:
    """The body, decoded; _TooLarge past ``limit`` (wire or decoded), TimeoutError past the deadline."""
    length = _header(headers, "content-length")
    if length is not None and length.strip().isdigit() and int(length) > limit:
        raise _TooLarge(f"body too large: more than {limit} bytes (Content-Length: {int(length)})")
    encoding = (_header(headers, "content-encoding") or "").strip().lower()
    inflater = _Inflater(encoding) if encoding in ("gzip", "deflate") else None
    wire: list[bytes] = []
    decoded: list[bytes] = []
    got = out = 0
    while True:
        chunk = raw.read(_CHUNK, decode_content=False)
        if time.monotonic() > deadline:
            raise TimeoutError
        if not chunk:
            break
        got += len(chunk)
        if got > limit:
            raise _TooLarge(f"body too large: more than {limit} bytes on the wire (streamed, cut there)")
        wire.append(chunk)
        if inflater is not None:
            try:
                piece = inflater.feed(chunk, limit - out)
            except zlib.error:
                inflater = None  # not really compressed: keep the bytes as sent (as requests does)
                continue
            out += len(piece)
            if out > limit:
                raise _TooLarge(f"body too large: more than {limit} bytes after {encoding} decoding "
                                f"({got} bytes on the wire)")
            decoded.append(piece)
    return b"".join(decoded if inflater is not None else wire)


_CERT_REASON = re.compile(r"certificate verify failed: ([^(')\"]+)")


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, without the pool's boilerplate."""
    inner: Any = exc.args[0] if isinstance(exc, requests.RequestException) and exc.args else exc
    if isinstance(inner, urllib3.exceptions.MaxRetryError) and inner.reason is not None:
        inner = inner.reason
    return f"{type(inner).__name__}: {inner}"


def tls_sentence(exc: BaseException) -> str:
    """A certificate failure said as such, with the way out; never "unreachable" (issue 12)."""
    found = _CERT_REASON.search(str(exc))
    if found is None and "certificate" not in str(exc).lower():
        return (f"TLS handshake failed ({_reason(exc)}): check that the target speaks HTTPS on that port "
                f"(or give an http:// URL)")
    why = f"certificate verify failed: {found.group(1).strip()}" if found else _reason(exc)
    return (f"TLS certificate problem ({why}): the target's certificate is not trusted; pass its CA with "
            f"--ca-bundle PATH (or REQUESTS_CA_BUNDLE / SSL_CERT_FILE), or --insecure to skip verification")


class Transport:
    """Sends requests through one keep-alive pool shared by threads (urllib3 pools are thread-safe)."""

    def __init__(self, *, ca_bundle: str | None = None, insecure: bool = False) -> None:
        self.verify = verify_setting(ca_bundle, insecure)
        self.adapter = _Adapter(pool_connections=4, pool_maxsize=POOL_SIZE)
        if insecure:  # the user asked; the runner says so loudly, once, instead of a warning per request
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def close(self) -> None:
        self.adapter.close()

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
        prepared = requests.PreparedRequest()
        _current.deadline, _current.entry, _current.reused = deadline, None, False
        raw: Any = None
        try:
            prepared.prepare(method=method, url=url, headers={**_DEFAULT_HEADERS, **headers}, data=body)
            answer = self.adapter.send(prepared, stream=True, timeout=(seconds, seconds), verify=self.verify,
                                       cert=None, proxies={})
            raw = answer.raw
            got_headers = dict(raw.headers.items())  # repeated headers joined with ", " as requests does
            content = read_body(raw, got_headers, deadline, limit)
            return (Response(answer.status_code, got_headers, content, time.monotonic() - started), None, None), False
        except _TooLarge as exc:
            return (None, str(exc), TOO_LARGE), False
        except requests.exceptions.SSLError as exc:
            return (None, tls_sentence(exc), TLS), False
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            if isinstance(exc, requests.Timeout | TimeoutError) or time.monotonic() >= deadline:
                return (None, f"timeout: no complete answer within {seconds:g} s", TIMEOUT), False
            stale = raw is None and bool(getattr(_current, "reused", False))
            return (None, f"connection failed: {_reason(exc)}", CONNECTION), stale
        finally:
            entry, _current.deadline, _current.entry = getattr(_current, "entry", None), None, None
            if entry is not None:
                _WATCHDOG.disarm(entry)
            _release(raw)


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
