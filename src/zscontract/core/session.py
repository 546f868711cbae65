"""Logging in and out the way ZStack's clients do.

``PUT /zstack/v1/accounts/login`` with ``{"logInByAccount": {"accountName", "password"}}``,
the password sent as its SHA-512 hex digest (as ZStack's UI and SDKs send it); logout is
``DELETE /zstack/v1/accounts/sessions/{uuid}``. The password never leaves this module except
hashed in a request body, and the caller registers both with the Redactor.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from zscontract.core.dialects import LOGIN_PATH, SESSION_PATH
from zscontract.core.limits import RunLimitReached, TargetDown
from zscontract.errors import PreconditionFailed, TargetUnreachable, ZsContractError

if TYPE_CHECKING:
    from zscontract.core.client import Client

UNKNOWN_SESSION = "0" * 31 + "1"  # a well-formed session nobody issued (the must-reject probe's)


class SessionExpired(TargetDown):
    """The run's own session, accepted before, is now refused (ID.1001) and cannot be renewed.

    Not the target's fault and not a verdict on the request: the run stops (exit 3, as for a session
    refused at the start), the step unjudged. A ``TargetDown`` so every halt handles it alike.
    """


class Sessions:
    """The run's own sessions: those sent, those the target accepted, one renewal at a time.

    Of the threads refused at once (a concurrent burst), one logs in again and the others, finding
    their session replaced, use the new one (each logging in again would be refused by the re-login's
    1-second rule, and their ID.1001 judged a rejection of valid input). A session the target accepted before
    and now refuses for good stops the run (an expired --session-uuid is not the
    target's fault); a login refused meanwhile says so and is not tried again (a precondition
    failing, not a bug of ours).
    """

    def __init__(self) -> None:
        self._sent: set[str] = set()
        self._accepted: set[str] = set()
        self._lock = threading.Lock()
        self._renewing = threading.Lock()
        self.refused: str | None = None  # why logging in again failed

    def own(self, headers: dict[str, str], live: str) -> str | None:
        """The session of ``OAuth <session>`` when it is one of the run's own (never a probe's)."""
        sent = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, session = sent.partition(" ")
        if scheme != "OAuth" or not session or session == UNKNOWN_SESSION:
            return None
        with self._lock:
            if session == live:
                self._sent.add(live)  # the runner may set a logged-in session directly
            return session if session in self._sent else None

    def accept(self, session: str) -> None:
        with self._lock:
            self._accepted.add(session)

    def replace(self, client: Client, session: str, answer: str) -> str | None:
        """The live session to send again with; None when ``session`` was never accepted (the
        preflight judges that); SessionExpired when it was and no fresh one can be had."""
        with self._renewing:
            live = client.settings.session_uuid
            if session != live:
                return live or None
            fresh = self._renew(client)
            if fresh:
                return fresh
        with self._lock:
            if session not in self._accepted:
                return None
        advice = ("" if client.on_session_expired is not None else " Pass --account (password in ZS_PASSWORD) so "
                  "the run logs in again, or a session that lives longer than --max-time")
        how = (f"logging in again was refused ({self.refused})" if self.refused else
               "the run cannot log in again without --account" if client.on_session_expired is None else
               "a fresh session was refused at once")
        raise SessionExpired(f"the session expired mid-run: the target refused the run's session (ID.1001, "
                             f"{answer}) after accepting it, and {how}; the request is not judged.{advice}")

    def _renew(self, client: Client) -> str | None:
        if client.on_session_expired is None or self.refused is not None:
            return None
        try:
            fresh = client.on_session_expired()
        except ZsContractError as exc:  # refused or unanswered: a precondition failing now, not a bug
            self.refused = str(exc)
            return None
        if fresh:
            client.settings.session_uuid = fresh
            with self._lock:
                self._sent.add(fresh)
        return fresh


def with_session(headers: dict[str, str], session: str) -> dict[str, str]:
    """``headers`` with ``Authorization: OAuth <session>`` instead of whatever they carried."""
    kept = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    return {**kept, "Authorization": f"OAuth {session}"}


def hash_password(password: str) -> str:
    """ZStack's password digest.

    >>> hash_password("password")[:16]
    'b109f3bbbc244eb8'
    """
    return hashlib.sha512(password.encode("utf-8")).hexdigest()


def login(client: Client, account: str, password_digest: str) -> str:
    """Log in and return the new session UUID; a refusal is a PreconditionFailed (exit 3)."""
    body = json.dumps({"logInByAccount": {"accountName": account, "password": password_digest}}).encode()
    ex = client.follow_job(client.send("PUT", client.base_url + LOGIN_PATH, body=body), {})
    if ex.response is None:
        raise TargetUnreachable(f"target {client.base_url} did not answer the login ({ex.error})")
    payload = ex.response.json(default=None)
    inventory = payload.get("inventory") if isinstance(payload, dict) else None
    session = inventory.get("uuid") if isinstance(inventory, dict) else None
    if ex.response.status != 200 or not isinstance(session, str) or not session:
        code = ex.response.error_code()
        raise PreconditionFailed(f"login as {account!r} was refused (status {ex.response.status}, code "
                                 f"{code or 'none'}); check --account and the ZS_PASSWORD environment variable")
    return session


def logout(client: Client, session: str) -> bool:
    """Log the session out; True when the target said yes.

    Best effort: a run past its budget or a target that stopped answering does not stop the
    clean-up that follows (the session expires on its own).
    """
    try:
        ex = client.send("DELETE", client.base_url + SESSION_PATH.format(uuid=session),
                         headers={"Authorization": f"OAuth {session}"}, renew=False)
    except (RunLimitReached, TargetDown):
        return False
    return ex.response is not None and ex.response.status in (200, 202, 204)


def relogin_once(client: Client, account: str, password_digest: str,
                 on_session: Callable[[str], None], *, min_interval: float = 1.0) -> Callable[[], str | None]:
    """A callback for ``Client``: log in again when the session expires (ID.1001).

    Once per expiry: a session that is refused again less than ``min_interval`` seconds after it
    was issued is not renewed (the target refuses fresh sessions; looping would not help).
    """
    lock = threading.Lock()
    last = 0.0

    def again() -> str | None:
        nonlocal last
        with lock:
            now = time.monotonic()
            if now - last < min_interval:
                return None
            last = now
            session = login(client, account, password_digest)
            on_session(session)
            return session

    return again
