"""The HTTP client for a target: authentication, dialect wrapping, async jobs, timeouts.

Every request, answered or not, comes back as an :class:`~zscontract.core.exchange.Exchange`;
the client never raises for what a target does, only for misuse.
"""

from __future__ import annotations

import http.client
import json
import re
import select
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import requests.adapters

from zscontract.core.dialects import API_PATH, Dialect, Outcome
from zscontract.core.exchange import Exchange, Request, Response

AUTH_DEFAULT = "default"   # "OAuth <session>"
AUTH_NONE = "none"         # no Authorization header
AUTH_SCHEME = "scheme"     # a scheme other than OAuth
AUTH_UNKNOWN = "unknown"   # a well-formed session nobody issued

UNKNOWN_SESSION = "0" * 31 + "1"


@dataclass
class ClientSettings:
    base_url: str
    session_uuid: str
    dialect: Dialect
    request_timeout: float = 10.0
    job_timeout: float = 30.0
    poll_interval: float = 0.02
    max_requests: int | None = None
    rate_limit: float | None = None  # requests per second


# The plain-http fast path (see _FastHTTP) is taken only for URLs http.client sends verbatim,
# exactly as requests would (requests would percent-encode anything else).
_PLAIN_HTTP_URL = re.compile(r"^http://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?$")
# requests' own default headers, so a target sees the same request on either path.
_DEFAULT_HEADERS = {"User-Agent": f"python-requests/{getattr(requests, '__version__', '2')}",
                    "Accept-Encoding": "gzip, deflate",
                    "Accept": "*/*", "Connection": "keep-alive"}
# What requests.adapters.HTTPAdapter.send is when nobody intercepts requests (responses, unittest.mock).
_ADAPTER_SEND = requests.adapters.HTTPAdapter.send


class _FastHTTP:
    """One keep-alive ``http.client`` connection: the same request as ``requests``, at a third of its cost.

    Profiling the property phase showed ``requests`` spending about 0.4 ms of CPU per request
    on top of http.client (session merging, hooks, urllib3's pool), a sixth of a run's time
    (benchmarks/README.md). Like urllib3, an idle connection the server has closed is replaced
    before reuse; a failure while sending or reading is reported, never retried.
    """

    def __init__(self) -> None:
        self.conn: http.client.HTTPConnection | None = None
        self.netloc = ""

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
                timeout: float) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        conn = self.conn
        if conn is not None and (self.netloc != parts.netloc or _dropped(conn)):
            conn.close()
            conn = None
        if conn is None:
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
            self.conn, self.netloc = conn, parts.netloc
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request(method, target, body=body, headers={**_DEFAULT_HEADERS, **headers})
            raw = conn.getresponse()
            content = raw.read()
        except BaseException:
            conn.close()
            self.conn = None
            raise
        if raw.will_close:
            conn.close()
            self.conn = None
        merged: dict[str, str] = {}
        for name, value in raw.getheaders():  # repeated headers joined as requests does
            merged[name] = f"{merged[name]}, {value}" if name in merged else value
        return raw.status, merged, _decode(content, raw.getheader("Content-Encoding"))


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """An idle keep-alive socket that is readable was closed by the server (urllib3's test too)."""
    if conn.sock is None:
        return True
    try:
        return bool(select.select([conn.sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _decode(content: bytes, encoding: str | None) -> bytes:
    """Undo gzip/deflate as requests does (it asks for both); anything else is kept as sent."""
    enc = (encoding or "").strip().lower()
    if not content or enc not in ("gzip", "deflate"):
        return content
    try:
        if enc == "gzip":
            return zlib.decompress(content, 16 + zlib.MAX_WBITS)
        try:
            return zlib.decompress(content)
        except zlib.error:
            return zlib.decompress(content, -zlib.MAX_WBITS)
    except zlib.error:
        return content


class RequestBudgetExceeded(Exception):
    """--max-requests was reached; the runner stops generating and restores."""


@dataclass
class Stats:
    requests: int = 0
    async_jobs: int = 0  # 202 + location answers followed


class Client:
    """Talks to one target. Thread-safe: each thread gets its own keep-alive session."""

    def __init__(self, settings: ClientSettings, *, on_exchange: Callable[[Exchange], None] | None = None,
                 on_session_expired: Callable[[], str | None] | None = None) -> None:
        # on_session_expired: called once a request is refused with ID.1001; returns a fresh session
        # (see zscontract.core.session.relogin_once) or None to give up.
        self.settings = settings
        self.stats = Stats()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._on_exchange = on_exchange
        self.on_session_expired = on_session_expired
        self._last_request_at = 0.0
        self._query_api: bool | None = None

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.settings.base_url.rstrip("/")

    def _fast(self, url: str) -> _FastHTTP | None:
        """This thread's fast connection, or None: https, an unusual URL, or requests intercepted."""
        if requests.adapters.HTTPAdapter.send is not _ADAPTER_SEND or not _PLAIN_HTTP_URL.match(url):
            return None  # responses/mocks patch requests: honour them; TLS stays with requests
        fast = getattr(self._local, "fast", None)
        if fast is None:
            fast = self._local.fast = _FastHTTP()
        return fast

    def _http(self) -> requests.Session:
        sess = getattr(self._local, "session", None)
        if sess is None:
            sess = requests.Session()
            sess.trust_env = False  # loopback and staging targets: never route through a proxy
            self._local.session = sess
        return sess

    def auth_headers(self, auth: str = AUTH_DEFAULT) -> dict[str, str]:
        if auth == AUTH_NONE:
            return {}
        if auth == AUTH_SCHEME:
            return {"Authorization": f"Bearer {self.settings.session_uuid}"}
        if auth == AUTH_UNKNOWN:
            return {"Authorization": f"OAuth {UNKNOWN_SESSION}"}
        return {"Authorization": f"OAuth {self.settings.session_uuid}"}

    def _throttle(self) -> None:
        with self._lock:
            limit = self.settings.max_requests
            if limit is not None and self.stats.requests >= limit:
                raise RequestBudgetExceeded(f"--max-requests {limit} reached")
            self.stats.requests += 1
            if self.settings.rate_limit:
                gap = 1.0 / self.settings.rate_limit
                wait = self._last_request_at + gap - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                self._last_request_at = time.monotonic()

    def send(self, method: str, url: str, *, body: bytes | None = None,
             headers: dict[str, str] | None = None, timeout: float | None = None,
             _retried: bool = False) -> Exchange:
        """Send one request; a timeout or connection error becomes ``Exchange.error``."""
        hdrs = dict(headers or {})
        if body is not None:
            hdrs.setdefault("Content-Type", "application/json;charset=UTF-8")
        request = Request(method, url, hdrs, body)
        self._throttle()
        started = time.monotonic()
        limit = timeout or self.settings.request_timeout
        fast = self._fast(url)
        try:
            if fast is not None:
                status, got_headers, content = fast.request(method, url, body, hdrs, limit)
            else:
                raw = self._http().request(method, url, data=body, headers=hdrs, timeout=limit,
                                           allow_redirects=False)
                status, got_headers, content = raw.status_code, dict(raw.headers), raw.content
        except (requests.Timeout, TimeoutError):
            ex = Exchange(request, None, error=f"timeout: no answer within {limit:g} s")
        except (requests.RequestException, http.client.HTTPException, OSError) as exc:
            ex = Exchange(request, None, error=f"connection failed: {type(exc).__name__}: {exc}")
        else:
            response = Response(status, got_headers, content, time.monotonic() - started)
            if status == 429 and not _retried:
                # Honour Retry-After once (RFC 9110 §10.2.3), then report what came back.
                retry = next((v for k, v in got_headers.items() if k.lower() == "retry-after"), None)
                delay = _retry_after(retry)
                if delay is not None and delay <= 30:
                    time.sleep(delay)
                    return self.send(method, url, body=body, headers=headers, timeout=timeout, _retried=True)
            ex = Exchange(request, response)
        if self._on_exchange is not None:
            self._on_exchange(ex)
        return ex

    # -- the API ----------------------------------------------------------------------------
    def resource_url(self, uuid: str) -> str:
        return self.base_url + API_PATH.format(uuid=uuid)

    def update(self, uuid: str, fields: Any = None, *, raw_body: bytes | None = None, wrap: bool = True,
               auth: str = AUTH_DEFAULT, extra_headers: dict[str, str] | None = None) -> Exchange:
        """PUT an update and, for a 202, follow the job to its end.

        ``fields`` are wrapped for the dialect unless ``wrap`` is False; ``raw_body`` is sent as is.
        """
        if raw_body is None:
            payload = self.settings.dialect.wrap(fields) if wrap else fields
            raw_body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {**self.auth_headers(auth), **(extra_headers or {})}
        ex = self.send("PUT", self.resource_url(uuid), body=raw_body, headers=headers)
        ex = self.follow_job(ex, headers)
        if auth == AUTH_DEFAULT and self.on_session_expired is not None and self._session_expired(ex):
            fresh = self.on_session_expired()
            if fresh:
                self.settings.session_uuid = fresh
                return self.update(uuid, fields, raw_body=raw_body, wrap=wrap, auth=auth,
                                   extra_headers=extra_headers)
        return ex

    def follow_job(self, ex: Exchange, headers: dict[str, str]) -> Exchange:
        """For a zstack 202 + location, poll the job until it ends (or the job timeout passes)."""
        resp = ex.response
        if resp is None or self.settings.dialect.classify(resp) is not Outcome.PENDING:
            return ex
        body = resp.json(default=None)
        location = body.get("location") if isinstance(body, dict) else None
        if not isinstance(location, str) or not location:
            location = resp.headers.get("Location") or resp.headers.get("location")
        if not location:
            return ex  # a 202 without a location: the shape check reports it
        url = urljoin(self.base_url + "/", location)
        self.stats.async_jobs += 1
        steps = [resp]
        deadline = time.monotonic() + self.settings.job_timeout
        while True:
            poll = self.send("GET", url, headers={k: v for k, v in headers.items() if k == "Authorization"})
            if poll.response is None:
                return Exchange(ex.request, None, error=poll.error, steps=tuple(steps))
            if poll.response.status != 202:
                return Exchange(ex.request, poll.response, steps=tuple(steps))
            steps.append(poll.response)
            if time.monotonic() >= deadline:
                return Exchange(ex.request, None, steps=tuple(steps),
                                error=f"async job at {location} did not finish within "
                                      f"{self.settings.job_timeout:g} s ({len(steps)} polls, all 202)")
            time.sleep(self.settings.poll_interval)

    def _session_expired(self, ex: Exchange) -> bool:
        return ex.response is not None and ex.response.status >= 400 and ex.response.error_code() == "ID.1001"

    def query(self, uuid: str, auth: str = AUTH_DEFAULT) -> Exchange:
        """GET the query API for one model service."""
        return self.send("GET", self.resource_url(uuid), headers=self.auth_headers(auth))

    def query_inventory(self, uuid: str) -> dict[str, Any] | None:
        """The inventory from the query API, or None when the target has no usable query API."""
        if self._query_api is False:
            return None
        return self.learn_query_api(self.query(uuid))

    def learn_query_api(self, ex: Exchange) -> dict[str, Any] | None:
        """The inventory a query answered; the first answer also settles whether the API is usable."""
        inv = _inventory_from_query(ex)
        if self._query_api is None:
            self._query_api = inv is not None
        return inv

    @property
    def has_query_api(self) -> bool | None:
        return self._query_api

    def read_state(self, uuid: str) -> tuple[dict[str, Any] | None, str]:
        """The resource as it stands and how it was read: ``query`` or ``empty-update``."""
        inv = self.query_inventory(uuid)
        if inv is not None:
            return inv, "query"
        ex = self.update(uuid, {})
        if ex.response is not None and ex.response.status == 200:
            body = ex.response.json(default=None)
            if isinstance(body, dict) and isinstance(body.get("inventory"), dict):
                return body["inventory"], "empty-update"
        return None, "unavailable"


def _inventory_from_query(ex: Exchange) -> dict[str, Any] | None:
    if ex.response is None or ex.response.status != 200:
        return None
    body = ex.response.json(default=None)
    if not isinstance(body, dict):
        return None
    inventories = body.get("inventories")
    if isinstance(inventories, list) and len(inventories) == 1 and isinstance(inventories[0], dict):
        return inventories[0]
    return None


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
