"""Reading the resource back: the query API the way ZStack's SDK reads, judged, with its fallbacks.

``GET /zstack/v1/ai/model-services?q=uuid=<uuid>`` first (what the SDK sends), then
``GET /zstack/v1/ai/model-services/{uuid}``. "No query API" only when the target clearly has
none (404/405 or a plain-text "no api mapping" on both); then an empty update reads the resource
(oracle.md "Leaving the target as it was found"). A 5xx, a hang or a malformed ``inventories`` is
a ``problem`` the runner judges, never a silent "no query API".

A ``--read-only`` run reads through the query API only: an empty update is a write (it may move
``lastOpDate``: oracle.md lists it "either way"), so :func:`forbid_empty_update_reads` turns that
fallback off for a client and :func:`skipped_reads` says how many read-backs it left undone.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zscontract.core.exchange import Exchange, Response

if TYPE_CHECKING:
    from zscontract.core.client import Client

QUERY = "query"
EMPTY_UPDATE = "empty-update"
UNAVAILABLE = "unavailable"
READ_ONLY_NO_QUERY = ("no query API, and --read-only sends no empty update to read the resource back (an empty "
                      "update is a write)")

# Clients that must never read through an empty update, with the read-backs each left undone. Kept
# here, not on the client: the read path is this module's (the client only calls read_resource).
_NO_EMPTY_UPDATE: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def forbid_empty_update_reads(client: Client) -> None:
    """From now on ``client`` reads only through the query API (``--read-only``)."""
    with _LOCK:
        _NO_EMPTY_UPDATE.setdefault(client, 0)


def skipped_reads(client: Client) -> int:
    """How many read-backs ``client`` did not do because an empty update would have been a write."""
    with _LOCK:
        return _NO_EMPTY_UPDATE.get(client, 0)


@dataclass(frozen=True)
class ReadBack:
    """What a read found: the inventory (or None), how it was read, the query exchange, what was wrong."""

    inventory: dict[str, Any] | None
    via: str  # QUERY, EMPTY_UPDATE or UNAVAILABLE
    exchange: Exchange | None = None  # the query's exchange, for judging
    problem: str | None = None  # why the query answer was unusable (5xx, hang, malformed, several, none)


def query_absent(ex: Exchange) -> bool:
    """The target clearly has no such read API: 404/405, or a plain-text "no api mapping"."""
    resp = ex.response
    if resp is None:
        return False
    if resp.status in (404, 405):
        return True
    return not resp.is_json and b"no api mapping" in resp.body[:4096].lower()


def query_items(response: Response, *, single: bool) -> list[Any] | None:
    """The inventories a read answered: its ``inventories`` list, or None.

    ``single`` (the documented dialect): a read answered in the page's own success shape,
    ``{"inventory": {...}}``, reads the resource too. The page defines no query API, so a server
    following it may read its resource the REST way; ZStack's ``inventories`` list is a node's form
    (requiring the list would fail query_read on every read-back of such a server).
    """
    found = response.inventories()
    if found is None and single and isinstance(response.inventory(), dict):
        return [response.inventory()]
    return found


def judge_query(ex: Exchange, uuid: str, *, single: bool = False) -> tuple[dict[str, Any] | None, str | None]:
    """The one inventory a query answered, or why its answer is unusable (``single``: see query_items)."""
    resp = ex.response
    if resp is None:
        return None, f"the query API did not answer ({ex.error})"
    if resp.status != 200:
        return None, f"the query API answered {resp.status}"
    why = resp.json_problem()
    if why is not None:
        return None, f"the query answer is {why}" if why.startswith("not JSON") else f"the query answer {why}"
    found = query_items(resp, single=single)
    if found is None:
        return None, "the query answer has no inventories list"
    if len(found) != 1:
        return None, f"the query answered {len(found)} inventories for uuid {uuid}, not one"
    inv = found[0]
    if not isinstance(inv, dict):
        return None, "the query answer's inventories[0] is not an object"
    if inv.get("uuid") not in (None, uuid):
        return None, f"the query for uuid {uuid} answered another model service ({inv.get('uuid')!r})"
    return inv, None


def read_resource(client: Client, uuid: str, *, empty_update: bool = True) -> ReadBack:
    if client.has_query_api is not False:
        styles = [client.query_style] if client.query_style else ["q", "path"]
        for style in styles:
            url = client.query_url(uuid) if style == "q" else client.resource_url(uuid)
            ex = client.send("GET", url, headers=client.auth_headers())
            if client.renewed_session(ex):  # the session expired mid-run: read again, as updates do
                ex = client.send("GET", url, headers=client.auth_headers())
            if query_absent(ex) and client.query_style is None:
                continue
            inv, problem = judge_query(ex, uuid, single=client.settings.dialect.name == "documented")
            if ex.response is not None:
                client.query_style = style
            if inv is not None:
                client.query_api = True
                return ReadBack(inv, QUERY, ex, None)
            return ReadBack(None, UNAVAILABLE, ex, problem)
        client.query_api = False  # both forms absent: the target has no query API
    if not empty_update:
        return ReadBack(None, UNAVAILABLE)
    with _LOCK:
        forbidden = client in _NO_EMPTY_UPDATE
        if forbidden:
            _NO_EMPTY_UPDATE[client] += 1
    if forbidden:
        return ReadBack(None, UNAVAILABLE, problem=READ_ONLY_NO_QUERY)
    ex = client.update(uuid, {})
    inv = ex.response.inventory() if ex.response is not None else None
    return ReadBack(inv, EMPTY_UPDATE) if inv is not None else ReadBack(None, UNAVAILABLE)
