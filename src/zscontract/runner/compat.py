"""The client features the runner relies on, with stand-ins until the transport branch lands.

Every stand-in here is marked ``# integration:``: once ``core/client.py`` has the field or the
exception, the native one is used and the stand-in is dead code to delete.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zscontract.core import client as _client
from zscontract.core.client import Client, ClientSettings, RequestBudgetExceeded
from zscontract.core.exchange import Exchange

# integration: core.client gains RunLimitReached, BudgetSpent and TargetDown (team brief); until then
# the runner's own classes stand in, raised by the Watchdog below.
RunLimitReached: type[Exception] = getattr(_client, "RunLimitReached", RequestBudgetExceeded)


class _BudgetSpent(Exception):
    """The run's time budget is spent: no request may start after the deadline."""


class _TargetDown(Exception):
    """The target stopped answering: several transport failures in a row."""


BudgetSpent: type[Exception] = getattr(_client, "BudgetSpent", _BudgetSpent)
TargetDown: type[Exception] = getattr(_client, "TargetDown", _TargetDown)
# What ends generation early without being a bug: --max-requests, the time budget, a dead target.
LIMITS: tuple[type[BaseException], ...] = tuple({RequestBudgetExceeded, RunLimitReached, BudgetSpent})
# What ends the property phase's generation: a run limit, the target down (run.py then says which).
HALTS: tuple[type[BaseException], ...] = (*LIMITS, TargetDown)
TRANSPORT_KINDS = frozenset({"connection", "timeout", "tls"})
DOWN_AFTER = 5  # consecutive transport failures that mean the target is down (team brief)

_FIELDS = {f.name for f in dataclasses.fields(ClientSettings)}
NATIVE_DEADLINE = "deadline" in _FIELDS and "down_after" in _FIELDS


def error_kind(ex: Exchange) -> str | None:
    """The kind of transport failure of an exchange (None when a response came)."""
    if ex.response is not None:
        return None
    kind = getattr(ex, "error_kind", "?")
    if kind != "?":
        return kind
    # integration: Exchange.error_kind replaces this reading of the sentence.
    error = (ex.error or "").lower()
    if error.startswith("async job"):
        return "job_timeout"
    if error.startswith("timeout"):
        return "timeout"
    if "ssl" in error or "certificate" in error:
        return "tls"
    return "connection"


def client_settings(**values: Any) -> ClientSettings:
    """ClientSettings from the values this client version knows; the others are kept as attributes."""
    known = {k: v for k, v in values.items() if k in _FIELDS}
    settings = ClientSettings(**known)
    for key, value in values.items():
        if key not in _FIELDS:
            # integration: ca_bundle/insecure/deadline/down_after become real fields of ClientSettings.
            object.__setattr__(settings, key, value)
    return settings


NATIVE_TLS = "ca_bundle" in _FIELDS and "insecure" in _FIELDS


class _TlsClient(Client):
    """integration: until ClientSettings has ca_bundle/insecure, https sessions get them here."""

    def _http(self) -> Any:
        sess = super()._http()
        if not getattr(self._local, "tls_set", False):
            ca = getattr(self.settings, "ca_bundle", None)
            env = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE")
            sess.verify = False if getattr(self.settings, "insecure", False) else (ca or env or True)
            self._local.tls_set = True
        return sess


def make_client(settings: ClientSettings, on_exchange: Callable[[Exchange], None]) -> Client:
    """A client for these settings (with the TLS options honoured even before the client knows them)."""
    if NATIVE_TLS:
        return Client(settings, on_exchange=on_exchange)
    if getattr(settings, "insecure", False):
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # warned once, loudly, by the run
    return _TlsClient(settings, on_exchange=on_exchange)


class Watchdog:
    """Sees every exchange: counts it, and enforces the deadline and target-down rule for old clients."""

    def __init__(self, count: Callable[[Exchange], None]) -> None:
        self.count = count
        self.deadline: float | None = None
        self.down_after: int | None = DOWN_AFTER
        self.consecutive = 0
        self.last_error = ""

    def arm(self, client: Client, *, deadline: float | None, down_after: int | None = DOWN_AFTER) -> None:
        """Set the limits for what follows (phases, then the restore's own slice)."""
        self.deadline, self.down_after, self.consecutive = deadline, down_after, 0
        if NATIVE_DEADLINE:
            client.settings.deadline = deadline  # type: ignore[attr-defined]
            client.settings.down_after = down_after  # type: ignore[attr-defined]

    def __call__(self, ex: Exchange) -> None:
        self.count(ex)
        if NATIVE_DEADLINE:
            return
        # integration: the client itself raises TargetDown / BudgetSpent once it has down_after/deadline.
        kind = error_kind(ex)
        if kind in TRANSPORT_KINDS:
            self.consecutive += 1
            self.last_error = ex.error or kind or ""
        elif ex.response is not None:
            self.consecutive = 0
        if self.down_after is not None and self.consecutive >= self.down_after:
            raise TargetDown(f"the target stopped answering: {self.consecutive} requests in a row failed "
                             f"(last: {self.last_error})")
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise BudgetSpent("the time budget (--max-time) was spent")


@dataclass(frozen=True)
class ReadResult:
    """The resource read back, as ``Client.read`` returns it (``ReadBack``)."""

    inventory: dict[str, Any] | None
    via: str
    exchange: Exchange | None = None
    problem: str | None = None


def read(client: Client, uuid: str) -> ReadResult:
    """Read the resource; the query exchange comes back too, for the ``query_read`` check."""
    native = getattr(client, "read", None)
    if native is not None:
        rb = native(uuid)
        return ReadResult(rb.inventory, rb.via, rb.exchange, rb.problem)
    # integration: Client.read() -> ReadBack replaces the rest of this function.
    query: Exchange | None = None
    if client.has_query_api is not False:
        query = client.query(uuid)
        if query.response is None and error_kind(query) == "connection":
            query = client.query(uuid)  # a keep-alive socket closed under us: once more, as urllib3 does for a GET
        if client._session_expired(query) and client.on_session_expired is not None:
            fresh = client.on_session_expired()  # the session expired (ID.1001): log in again, as updates do
            if fresh:
                client.settings.session_uuid = fresh
                query = client.query(uuid)
        inv = client.learn_query_api(query)
        if inv is not None:
            return ReadResult(inv, "query", query)
        if not client.has_query_api:
            query = None  # the first answer said there is no query API: nothing to judge
    up = client.update(uuid, {})
    if up.response is not None and up.response.status == 200:
        body = up.response.json(default=None)
        if isinstance(body, dict) and isinstance(body.get("inventory"), dict):
            return ReadResult(body["inventory"], "empty-update", query)
    return ReadResult(None, "unavailable", query)
