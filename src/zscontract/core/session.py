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

from zscontract.core.client import Client, RunLimitReached, TargetDown
from zscontract.core.dialects import LOGIN_PATH, SESSION_PATH
from zscontract.errors import PreconditionFailed, TargetUnreachable


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
