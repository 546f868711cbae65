"""The client for one target: authentication, dialect wrapping, budgets, async jobs, read-backs.

Every request, answered or not, comes back as an :class:`~zscontract.core.exchange.Exchange`;
the client raises only for limits (``RunLimitReached``: --max-requests, the run's deadline) and
for a target that stopped answering (``TargetDown``), never for what one answer holds.
Transport (bounded reads, total deadlines, TLS) is :mod:`zscontract.core.http`; job polling is
:mod:`zscontract.core.jobs`.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from zscontract.core import jobs
from zscontract.core.dialects import API_PATH, Dialect
from zscontract.core.exchange import CONNECTION, TIMEOUT, TLS, Exchange, Request, Response
from zscontract.core.http import DEFAULT_MAX_BODY, Transport
from zscontract.core.limits import (
    BudgetSpent,
    Limits,
    RequestBudgetExceeded,
    RunLimitReached,
    ScopedLimits,
    TargetDown,
    WritesInFlight,
    retry_after,
)
from zscontract.core.reads import ReadBack, query_absent, read_resource
from zscontract.core.session import UNKNOWN_SESSION, SessionExpired, Sessions, with_session

__all__ = [
    "AUTH_DEFAULT", "AUTH_NONE", "AUTH_SCHEME", "AUTH_UNKNOWN", "UNKNOWN_SESSION",
    "Client", "ClientSettings", "Limits", "Stats", "ReadBack",
    "RunLimitReached", "RequestBudgetExceeded", "BudgetSpent", "TargetDown", "SessionExpired",
]

AUTH_DEFAULT = "default"   # "OAuth <session>"
AUTH_NONE = "none"         # no Authorization header
AUTH_SCHEME = "scheme"     # a scheme other than OAuth
AUTH_UNKNOWN = "unknown"   # a well-formed session nobody issued

_DOWN_KINDS = (CONNECTION, TIMEOUT, TLS)  # what counts towards TargetDown (a huge body is an answer)
MAX_RETRY_AFTER = 30.0
_MODEL_SERVICES = API_PATH.rsplit("/", 1)[0] + "/"
MAX_RENEWALS = 2  # a request re-sent with a fresh session at most this often (a new one may expire too)


@dataclass
class ClientSettings:
    base_url: str
    session_uuid: str
    dialect: Dialect
    request_timeout: float = 10.0      # total per request: connect + headers + body
    job_timeout: float = 30.0
    poll_interval: float = 0.05        # the first back-off between polls; doubles up to 1 s
    max_body: int = DEFAULT_MAX_BODY   # bytes, on the wire and decoded
    ca_bundle: str | None = None
    insecure: bool = False


@dataclass
class Stats:
    requests: int = 0
    async_jobs: int = 0  # 202 + location answers followed
    foreign_locations: set[str] = field(default_factory=set)  # job origins that were not the target's
    failures_in_a_row: int = 0
    jobs_cut: int = 0  # jobs still running when the run's deadline stopped their polling
    # Updates answered 200 (their job's end, when async): the resource may differ from what a read shows
    # (runner.restore writes the snapshot back whatever a read says once one was).
    writes_accepted: int = 0


class Client:
    """Talks to one target. Thread-safe: one keep-alive pool shared by every thread.

    Its :class:`Limits` are one immutable value, swapped whole: :meth:`limits` for a block,
    :meth:`set_limits` for what follows. Each request reads the value once, as it is admitted, and
    holds to it to its end (pacing, deadline, what counts towards TargetDown).
    """

    def __init__(self, settings: ClientSettings, *, limits: Limits | None = None,
                 on_exchange: Callable[[Exchange], None] | None = None,
                 on_session_expired: Callable[[], str | None] | None = None,
                 transport: Transport | None = None) -> None:
        # on_session_expired: called once a request is refused with ID.1001; returns a fresh session
        # (see zscontract.core.session.relogin_once) or None to give up. transport: how requests are
        # sent (default: urllib3's pool, with the settings' TLS verification); a test may script one.
        self.settings = settings
        self.stats = Stats()
        self.lock = threading.Lock()
        self._on_exchange = on_exchange
        self.on_session_expired = on_session_expired
        self._limits = ScopedLimits(limits or Limits())
        self.writes = WritesInFlight()  # every update under way, on any thread: the restore waits for them
        self._transport = transport or Transport(ca_bundle=settings.ca_bundle, insecure=settings.insecure)
        self.query_api: bool | None = None  # None until a read settles whether the target has one
        self.query_style: str | None = None  # "q" or "path" once a read found which the target has
        self.on_job_cut: Callable[[str], None] | None = None  # told when the deadline cuts a job's polling
        self.sessions = Sessions()

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.settings.base_url.rstrip("/")

    def close(self) -> None:
        self._transport.close()

    # -- limits -----------------------------------------------------------------------------
    @property
    def current_limits(self) -> Limits:
        return self._limits.value

    def set_limits(self, **changes: Any) -> Limits:
        """Change some limits for every request from now on (fields of :class:`Limits`); the value before."""
        return self._limits.set(**changes)

    def limits(self, **changes: Any) -> contextlib.AbstractContextManager[Limits]:
        """Narrow or lift some limits for a block: ``with client.limits(rate=None): ...`` (see ScopedLimits)."""
        return self._limits.scope(**changes)

    def auth_headers(self, auth: str = AUTH_DEFAULT) -> dict[str, str]:
        if auth == AUTH_NONE:
            return {}
        if auth == AUTH_SCHEME:
            return {"Authorization": f"Bearer {self.settings.session_uuid}"}
        if auth == AUTH_UNKNOWN:
            return {"Authorization": f"OAuth {UNKNOWN_SESSION}"}
        return {"Authorization": f"OAuth {self.settings.session_uuid}"}

    def _admit(self) -> Limits:
        """Count the request against the budgets, then wait for its rate-limit slot (no lock held).

        The limits it was admitted under, read once: they hold for the whole request.
        """
        limits = self._limits.value
        deadline = limits.deadline
        if deadline is not None and time.monotonic() >= deadline:
            raise BudgetSpent("the run's time budget (--max-time) is spent")
        with self.lock:
            limit = limits.max_requests
            if limit is not None and self.stats.requests >= limit:
                raise RequestBudgetExceeded(f"--max-requests {limit} reached")
            self.stats.requests += 1
        if limits.rate:
            self._limits.pacer(limits.rate).wait(deadline)
        return limits

    def _after(self, ex: Exchange, down: int | None) -> None:
        """Record the exchange; TargetDown once too many transport failures came in a row."""
        with self.lock:
            failed = ex.error_kind in _DOWN_KINDS
            self.stats.failures_in_a_row = self.stats.failures_in_a_row + 1 if failed else 0
            count = self.stats.failures_in_a_row
        if self._on_exchange is not None:
            self._on_exchange(ex)
        if failed and down is not None and count >= down:
            raise TargetDown(f"the target stopped answering: {count} requests in a row failed "
                             f"(last: {ex.error})")

    def send(self, method: str, url: str, *, body: bytes | None = None,
             headers: dict[str, str] | None = None, timeout: float | None = None,
             renew: bool = True) -> Exchange:
        """Send one request; a timeout, a dropped connection or a huge body becomes ``Exchange.error``.

        Sent with one of the run's own sessions and refused with ID.1001, it is sent again with the
        live session (renewed once when ``--account`` allows it); ``renew=False`` (a job poll, whose
        ID.1001 is the job's result; a logout) returns the answer as it came.
        """
        ex = self._send_once(method, url, body=body, headers=headers, timeout=timeout)
        for _ in range(MAX_RENEWALS if renew else 0):
            live = self.session_retry(ex)
            if live is None:
                break
            ex = self._send_once(method, url, body=body, headers=with_session(ex.request.headers, live),
                                 timeout=timeout)
        return ex

    def _send_once(self, method: str, url: str, *, body: bytes | None = None,
                   headers: dict[str, str] | None = None, timeout: float | None = None,
                   _retried: bool = False) -> Exchange:
        hdrs = dict(headers or {})
        if body is not None:
            hdrs.setdefault("Content-Type", "application/json;charset=UTF-8")
        request = Request(method, url, hdrs, body)
        limits = self._admit()
        own = time.monotonic() + (timeout or self.settings.request_timeout)
        run_deadline = limits.deadline
        capped = run_deadline is not None and run_deadline < own
        until = run_deadline if run_deadline is not None and capped else own
        try:
            response, error, kind = self._transport.fetch(method, url, body, hdrs, until, self.settings.max_body)
        except KeyboardInterrupt:  # a signal stopped the run mid-request
            self._cut(request, "cut short by a signal: no answer awaited")
            raise
        if kind == TIMEOUT and capped:
            self._cut(request, error)
            raise BudgetSpent("the run's time budget (--max-time) ran out during a request")
        if response is not None and response.status == 429 and not _retried:
            delay = self._retry_delay(response)
            if delay is not None:
                time.sleep(delay)
                return self._send_once(method, url, body=body, headers=headers, timeout=timeout, _retried=True)
        ex = Exchange(request, response, error=error, error_kind=kind)
        self._after(ex, limits.down_after)
        return ex

    def _cut(self, request: Request, error: str | None) -> None:
        """A request we stopped waiting for: it may have been sent, so it is counted, and a write may
        still land on the target (the restore waits for it, as for one that timed out)."""
        if self._on_exchange is not None:
            self._on_exchange(Exchange(request, None, error=error, error_kind=TIMEOUT))

    def _retry_delay(self, response: Response) -> float | None:
        """Retry-After honoured once (RFC 9110 §10.2.3), when short and within the run's deadline."""
        delay = retry_after(next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None))
        if delay is None or delay > MAX_RETRY_AFTER:
            return None
        deadline = self._limits.value.deadline
        if deadline is not None and time.monotonic() + delay >= deadline:
            return None
        return delay

    # -- the API ----------------------------------------------------------------------------
    def resource_url(self, uuid: str) -> str:
        return self.base_url + API_PATH.format(uuid=uuid)

    def query_url(self, uuid: str) -> str:
        """The SDK's read: ``GET /zstack/v1/ai/model-services?q=uuid=<uuid>``."""
        return self.base_url + API_PATH.rsplit("/", 1)[0] + f"?q=uuid={uuid}"

    def update(self, uuid: str, fields: Any = None, *, raw_body: bytes | None = None, wrap: bool = True,
               auth: str = AUTH_DEFAULT, extra_headers: dict[str, str] | None = None) -> Exchange:
        """PUT an update and, for a 202, follow the job to its end.

        ``fields`` are wrapped for the dialect unless ``wrap`` is False; ``raw_body`` is sent as is.
        """
        if raw_body is None:
            payload = self.settings.dialect.wrap(fields) if wrap else fields
            raw_body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        with self.writes.writing():
            for _ in range(MAX_RENEWALS + 1):
                headers = {**self.auth_headers(auth), **(extra_headers or {})}
                sent = self.send("PUT", self.resource_url(uuid), body=raw_body, headers=headers)
                ex = self.follow_job(sent, sent.request.headers)  # polled with the session the PUT went with
                # A zstack job delivers the session's ID.1001 through the poll: the whole update goes again.
                if auth != AUTH_DEFAULT or self.session_retry(ex) is None:
                    break
        return ex

    def renewed_session(self, ex: Exchange) -> bool:
        """True when ``ex`` was refused for one of the run's sessions (ID.1001) and a live one replaces it."""
        return self.session_retry(ex) is not None

    def session_retry(self, ex: Exchange) -> str | None:
        """The session to send ``ex``'s request again with, or None when it was not refused for ours.

        Raises SessionExpired when the run's session, accepted before, is refused for good (see
        :class:`zscontract.core.session.Sessions`).
        """
        session = self.sessions.own(ex.request.headers, self.settings.session_uuid)
        if session is None or ex.response is None:
            return None
        if not self._session_expired(ex):
            if ex.response.status == 200 or ex.response.error_code() is not None:
                self.sessions.accept(session)  # the target's API read the session and went on
            return None
        return self.sessions.replace(self, session, f"status {ex.response.status}")

    def follow_job(self, ex: Exchange, headers: dict[str, str]) -> Exchange:
        """For a zstack 202 + location, poll the job until it ends (see zscontract.core.jobs).

        Every update's answer passes here (this client's and schemathesis's): an accepted one is counted.
        """
        done = jobs.follow_job(self, ex, headers)
        if done.request.method == "PUT" and done.response is not None and done.response.status == 200 \
                and _MODEL_SERVICES in urlsplit(done.request.url).path:  # a login is a PUT too
            with self.lock:
                self.stats.writes_accepted += 1
        return done

    def _session_expired(self, ex: Exchange) -> bool:
        return ex.response is not None and ex.response.status >= 400 and ex.response.error_code() == "ID.1001"

    def read(self, uuid: str) -> ReadBack:
        """The resource as it stands, through the query API (or an empty update when there is none)."""
        return read_resource(self, uuid)

    def read_state(self, uuid: str) -> tuple[dict[str, Any] | None, str]:
        """The resource as it stands and how it was read: ``query``, ``empty-update`` or ``unavailable``."""
        back = self.read(uuid)
        return back.inventory, back.via

    def query(self, uuid: str, auth: str = AUTH_DEFAULT) -> Exchange:
        """GET the query API for one model service (the SDK's ``?q=uuid=`` form unless only ``/{uuid}`` works)."""
        url = self.resource_url(uuid) if self.query_style == "path" else self.query_url(uuid)
        return self.send("GET", url, headers=self.auth_headers(auth))

    def query_inventory(self, uuid: str) -> dict[str, Any] | None:
        """The inventory from the query API, or None when the target has no usable query API."""
        if self.query_api is False:
            return None
        back = read_resource(self, uuid, empty_update=False)
        return back.inventory if back.via == "query" else None

    def learn_query_api(self, ex: Exchange) -> dict[str, Any] | None:
        """The inventory a query answered; the first answer also settles whether the API is usable."""
        if query_absent(ex) and self.query_style is None:  # the SDK's form is absent: try /{uuid}
            ex = self.send("GET", self.resource_url(uuid_of(ex)), headers=ex.request.headers)
            if query_absent(ex):
                self.query_api = False
                return None
            self.query_style = "path"
        elif ex.response is not None and self.query_style is None:
            self.query_style = "q"
        inv = ex.response.inventories() if ex.response is not None else None
        found = inv[0] if inv is not None and len(inv) == 1 and isinstance(inv[0], dict) else None
        if found is not None:
            self.query_api = True
        return found

    @property
    def has_query_api(self) -> bool | None:
        return self.query_api


def uuid_of(ex: Exchange) -> str:
    """The uuid a query asked for (``?q=uuid=<uuid>`` or ``/{uuid}``)."""
    url = ex.request.url
    return url.rsplit("uuid=", 1)[1] if "?q=uuid=" in url else url.rsplit("/", 1)[-1]
