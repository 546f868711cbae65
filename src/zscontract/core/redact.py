"""Keep sessions and passwords out of everything the tool writes."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED_SESSION = "$ZS_SESSION_UUID"
REDACTED = "[REDACTED]"


class Redactor:
    """Replaces every known secret in a text.

    >>> Redactor(["0123abcd"]).redact("OAuth 0123abcd")
    'OAuth $ZS_SESSION_UUID'
    """

    def __init__(self, sessions: Iterable[str] = (), passwords: Iterable[str] = ()) -> None:
        self._sessions: set[str] = {s for s in sessions if s}
        self._passwords: set[str] = {p for p in passwords if p}

    def add_session(self, session: str) -> None:
        if session:
            self._sessions.add(session)

    def add_password(self, password: str) -> None:
        if password:
            self._passwords.add(password)

    def redact(self, text: str) -> str:
        for secret in sorted(self._passwords, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        for secret in sorted(self._sessions, key=len, reverse=True):
            # Case-insensitive: a UUID may come back upper-cased in an error message.
            text = re.sub(re.escape(secret), REDACTED_SESSION, text, flags=re.IGNORECASE)
        return text

    def redact_obj(self, obj: object) -> object:
        """Redact every string inside a JSON-like value."""
        if isinstance(obj, str):
            return self.redact(obj)
        if isinstance(obj, dict):
            return {self.redact(str(k)): self.redact_obj(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.redact_obj(v) for v in obj]
        return obj
