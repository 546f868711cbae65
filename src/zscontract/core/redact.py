"""Keep sessions and passwords out of everything the tool writes."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED_SESSION = "$ZS_SESSION_UUID"
REDACTED = "[REDACTED]"


class Redactor:
    """Replaces every known secret in a text.

    A hex secret (a session UUID, a password's SHA-512 digest) is matched in either letter case, and a
    32-hex UUID also in its dashed 8-4-4-4-12 form: a target echoing it back (an error message, a Java
    ``UUID.toString()``) may write it either way.

    >>> Redactor(["0123abcd"]).redact("OAuth 0123abcd")
    'OAuth $ZS_SESSION_UUID'
    >>> Redactor(["0123456789abcdef0123456789abcdef"]).redact("session 01234567-89AB-CDEF-0123-456789ABCDEF expired")
    'session $ZS_SESSION_UUID expired'
    >>> Redactor(passwords=["ab" * 64]).redact("digest " + "AB" * 64)
    'digest [REDACTED]'
    """

    def __init__(self, sessions: Iterable[str] = (), passwords: Iterable[str] = ()) -> None:
        self._sessions: set[str] = {s for s in sessions if s}
        self._passwords: set[str] = {p for p in passwords if p}
        self._compiled: re.Pattern[str] | None = None
        self._is_session: dict[str, bool] = {}

    def add_session(self, session: str) -> None:
        if session:
            self._sessions.add(session)
            self._compiled = None

    def add_password(self, password: str) -> None:
        if password:
            self._passwords.add(password)
            self._compiled = None

    def _pattern(self) -> re.Pattern[str] | None:
        if self._compiled is None and (self._sessions or self._passwords):
            # Longest first, so that a secret containing another is replaced whole.
            secrets = sorted(self._passwords | self._sessions, key=len, reverse=True)
            self._compiled = re.compile("|".join(f"(?P<s{i}>{_shape(s)})" for i, s in enumerate(secrets)))
            self._is_session = {f"s{i}": s in self._sessions and s not in self._passwords
                                for i, s in enumerate(secrets)}
        return self._compiled

    def redact(self, text: str) -> str:
        pattern = self._pattern()
        if pattern is None:
            return text
        return pattern.sub(lambda m: REDACTED_SESSION if self._is_session[m.lastgroup or ""] else REDACTED, text)

    def redact_obj(self, obj: object) -> object:
        """Redact every string inside a JSON-like value."""
        if isinstance(obj, str):
            return self.redact(obj)
        if isinstance(obj, dict):
            return {self.redact(str(k)): self.redact_obj(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.redact_obj(v) for v in obj]
        return obj


_HEX = re.compile(r"[0-9a-fA-F]+")


def _shape(secret: str) -> str:
    """The pattern of one secret: a hex one in either case (a UUID with or without its dashes), another exact."""
    if not _HEX.fullmatch(secret):
        return re.escape(secret)
    if len(secret) == 32:
        parts = (secret[:8], secret[8:12], secret[12:16], secret[16:20], secret[20:])
        return "(?i:" + "-?".join(parts) + ")"
    return f"(?i:{secret})"

