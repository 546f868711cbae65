"""Before any write: does the target answer, is the session accepted, does the resource exist?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zscontract.core.client import Client
from zscontract.core.exchange import Exchange
from zscontract.core.values import unknown_uuid
from zscontract.errors import PreconditionFailed, TargetUnreachable


@dataclass(frozen=True)
class PreflightFacts:
    """What the preflight learned before any write."""

    query_api: bool
    # The resource as found; None when --read-only and there is no query API (the only other read,
    # an empty update, is a write).
    inventory: dict[str, Any] | None
    dialect: str = ""  # the dialect check's note (``check_profile``), once the lifecycle made it


def _error_code(ex: Exchange) -> str | None:
    return ex.response.error_code() if ex.response is not None else None


def _session_refused(ex: Exchange) -> bool:
    code = _error_code(ex)
    return (code is not None and code.startswith("ID.")) or (ex.response is not None and ex.response.status == 401)


def detect_dialect(client: Client, uuid: str) -> tuple[str | None, str]:
    """Which dialect the target seems to speak, from a request that must change nothing.

    A PUT without ``Authorization``: a real ZStack node refuses it in its REST layer with a
    plain-text 400 (zstack-rest-facts.md "Two dialects"); a server that follows the page answers a
    4xx with a JSON ErrorCode. Returns the dialect (or None when the answer says neither) and why.
    """
    ex = client.update(uuid, {}, auth="none", wrap=False)
    resp = ex.response
    if resp is None:
        return None, ex.error or "no answer"
    if resp.status == 400 and not resp.is_json:
        # Exactly ZStack's REST layer; a plain-text 401/403 is just a broken envelope (the checks say so).
        return "zstack", "a request without Authorization got a plain-text 400, as ZStack's REST layer answers"
    if resp.status == 503 and resp.is_json:
        return "zstack", "a request without Authorization got 503 with an ErrorCode"
    if 400 <= resp.status < 500 and resp.is_json:
        return "documented", f"a request without Authorization got a JSON {resp.status}"
    return None, f"a request without Authorization got {resp.status}"


def check_profile(client: Client, uuid: str, profile: str) -> str:
    """Raise PreconditionFailed when the target clearly speaks the other dialect; else a note."""
    seen, why = detect_dialect(client, uuid)
    if seen is not None and seen != profile:
        raise PreconditionFailed(f"the target seems to speak the {seen} dialect ({why}) but --profile is "
                                 f"{profile}; run again with --profile {seen} (if it is meant to speak {profile}, "
                                 f"that answer is itself a contract failure)")
    return f"dialect: {seen or 'undetermined'} ({why})"


def preflight(client: Client, uuid: str, *, read_only: bool = False) -> PreflightFacts:
    """Check the target with reads only where it can; raise a one-line error otherwise.

    Returns whether the query API answered, and the first inventory.
    """
    where = client.base_url
    ex = client.query(uuid)
    if ex.response is None and ex.error_kind == "tls":
        raise TargetUnreachable(f"TLS certificate check failed for {where} ({ex.error}); give the CA with --ca-bundle "
                                "PATH (or REQUESTS_CA_BUNDLE / SSL_CERT_FILE), or --insecure to skip the check")
    if ex.response is None and ex.error_kind in ("too_large", "timeout"):
        # It answered, but not in a way a run can use: "unreachable" would send the user after the URL.
        what = "answered more than --max-body allows" if ex.error_kind == "too_large" else \
            "did not answer completely within --request-timeout"
        raise TargetUnreachable(f"target {where} {what} ({ex.error}); check that --target-url is a ZStack "
                                "management node's API, or raise the limit")
    if ex.response is None:
        raise TargetUnreachable(f"target {where} is unreachable ({ex.error}); check --target-url / "
                                f"ZS_TARGET_URL and that the server is running")
    if _session_refused(ex):
        raise PreconditionFailed(f"the session was refused by {where} (status {ex.response.status}, code "
                                 f"{_error_code(ex) or 'none'}); give a valid --session-uuid or log in again")
    inv = client.learn_query_api(ex)  # the same answer: no second GET
    if inv is not None:
        return PreflightFacts(query_api=True, inventory=inv)
    body = ex.response.json(default=None)
    if ex.response.status == 200 and isinstance(body, dict) and body.get("inventories") == []:
        raise PreconditionFailed(f"model service {uuid} was not found on {where}; give the uuid of an existing "
                                 f"model service with --model-service-uuid")
    if read_only:
        return _read_only_without_query(client, uuid)
    # No query API: an empty update reads the resource (oracle.md "Leaving the target as it was found").
    up = _empty_update(client, uuid)
    assert up.response is not None
    code = _error_code(up)
    if code == "SYS.1003" or (up.response.status == 404 and code is not None):
        raise PreconditionFailed(f"model service {uuid} was not found on {where}; give the uuid of an existing "
                                 f"model service with --model-service-uuid")
    upbody = up.response.json(default=None)
    if up.response.status != 200 or not isinstance(upbody, dict) or not isinstance(upbody.get("inventory"), dict):
        raise PreconditionFailed(f"cannot read model service {uuid} on {where}: no query API and an empty update "
                                 f"answered {up.response.status}; is --profile right?")
    return PreflightFacts(query_api=False, inventory=upbody["inventory"])


def _read_only_without_query(client: Client, uuid: str) -> PreflightFacts:
    """--read-only and no query API: the session checked with a must-reject request, nothing read.

    An empty update would read the resource, but it is a write (it may move lastOpDate, oracle.md
    "Either way"), so the run goes on without a snapshot and says what it could not judge. Whether
    ``uuid`` exists cannot be told without a write either (the run says so).
    """
    # An update of a well-formed uuid no model service has is must-reject (oracle.md "Must reject"), so a
    # --read-only run may send it; the answer shows whether the session is accepted.
    _empty_update(client, unknown_uuid(uuid))
    return PreflightFacts(query_api=False, inventory=None)


def _empty_update(client: Client, uuid: str) -> Exchange:
    """An empty update of ``uuid``, answered and not refused for the session (else the one-line error)."""
    ex = client.update(uuid, {})
    if ex.response is None:
        raise TargetUnreachable(f"target {client.base_url} did not answer an update ({ex.error})")
    if _session_refused(ex):
        raise PreconditionFailed(f"the session was refused by {client.base_url} (status {ex.response.status}, "
                                 f"code {_error_code(ex) or 'none'}); give a valid --session-uuid or log in again")
    return ex
