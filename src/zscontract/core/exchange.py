"""One HTTP request and its response, as data that checks and reporters can read."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from zscontract.core.redact import REDACTED_SESSION, Redactor

_MISSING: Any = object()


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None = None

    def json(self) -> Any:
        """The body decoded as JSON, or ``None`` when it is absent or not JSON."""
        if self.body is None:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def curl(self, redactor: Redactor | None = None) -> str:
        """A curl line that replays this request, with the session as ``$ZS_SESSION_UUID``.

        >>> Request("PUT", "http://h/x", {"Authorization": "OAuth abc"}, b"{}").curl()
        'curl -X PUT http://h/x -H "Authorization: OAuth $ZS_SESSION_UUID" --data-binary \\'{}\\''
        """
        parts = ["curl", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.headers.items():
            if name.lower() == "authorization" and value.startswith("OAuth "):
                parts += ["-H", f'"{name}: OAuth {REDACTED_SESSION}"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.body is not None:
            parts += ["--data-binary", shlex.quote(self.body.decode("utf-8", "backslashreplace"))]
        line = " ".join(parts)
        return redactor.redact(line) if redactor else line


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float = 0.0

    @property
    def content_type(self) -> str:
        for name, value in self.headers.items():
            if name.lower() == "content-type":
                return value
        return ""

    @property
    def is_json(self) -> bool:
        media = self.content_type.split(";", 1)[0].strip().lower()
        return media == "application/json" or media.endswith("+json")

    def json(self, default: Any = _MISSING) -> Any:
        """The body decoded as JSON; raises ``ValueError`` unless a default is given."""
        try:
            return json.loads(self.body)
        except ValueError:
            if default is _MISSING:
                raise
            return default

    def error_code(self) -> str | None:
        """The ``code`` of a ``{"error": ErrorCode}`` body, or None.

        >>> Response(503, {}, b'{"error": {"code": "ID.1001"}}').error_code()
        'ID.1001'
        """
        body = self.json(default=None)
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        return code if isinstance(code, str) else None

    def text(self, limit: int = 2000) -> str:
        text = self.body.decode("utf-8", "replace")
        return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters]"


@dataclass(frozen=True)
class Exchange:
    """A request and what came of it: a response, or an error (timeout, refused connection).

    For an asynchronous API ``steps`` holds the first 202 and each poll; ``response`` is the final one.
    """

    request: Request
    response: Response | None
    error: str | None = None
    steps: tuple[Response, ...] = field(default_factory=tuple)

    @property
    def status(self) -> int | None:
        return self.response.status if self.response is not None else None
