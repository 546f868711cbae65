"""One HTTP request and its response, as data that checks and reporters can read."""

from __future__ import annotations

import functools
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from zscontract.core.redact import REDACTED_SESSION, Redactor

_MISSING: Any = object()

# Deeper JSON is not an answer a sound target gives; json.loads would recurse in C towards a
# RecursionError (a 100,000-deep answer would crash the run), so it is refused unparsed.
MAX_JSON_DEPTH = 256
_TOKEN = re.compile(rb'\\.|["\[\]{}]', re.DOTALL)  # an escape, a quote or a bracket


@functools.lru_cache(maxsize=16)  # checks parse one answer several times; bytes hash once
def json_depth_problem(body: bytes) -> str | None:
    """Why ``body`` must not be parsed (it nests deeper than MAX_JSON_DEPTH), or None.

    One linear pass over quotes, escapes and brackets (a regex over strings would be quadratic
    on a hostile body of unterminated ones).

    >>> json_depth_problem(b"[" * 300 + b"]" * 300)
    'nests deeper than 256 levels'
    >>> json_depth_problem(b'{"a": "[[[[\\\\", "b": [1]}' + b" " * 300 + b"[]" * 300) is None
    True
    """
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return None  # cannot nest deeper: the common case costs two C-speed counts
    depth = 0
    in_string = False
    for match in _TOKEN.finditer(body):
        token = match.group()
        if token == b'"':
            in_string = not in_string
        elif in_string or len(token) == 2:
            continue
        elif token in b"[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return f"nests deeper than {MAX_JSON_DEPTH} levels"
        else:
            depth -= 1
    return None


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
        """A JSON media type; or, with no Content-Type at all, a body that is a JSON object or list.

        ZStack's RestServer writes every answer (JSON or plain text) without setting a Content-Type
        (zstackio/zstack 5a29293 ``rest/.../RestServer.java`` ``sendResponse``: ``setStatus`` then
        ``getWriter().write``), so on a real node only the body tells them apart.

        >>> Response(200, {}, b'{"inventory": {}}').is_json, Response(400, {}, b"missing header").is_json
        (True, False)
        >>> Response(200, {"Content-Type": "text/plain"}, b"{}").is_json
        False
        """
        media = self.content_type.split(";", 1)[0].strip().lower()
        if not media:
            return self._json_body
        return media == "application/json" or media.endswith("+json")

    @functools.cached_property
    def _json_body(self) -> bool:
        return self.body.lstrip()[:1] in (b"{", b"[") and self.json(default=None) is not None

    def json(self, default: Any = _MISSING) -> Any:
        """The body decoded as JSON; raises ``ValueError`` unless a default is given.

        A body nesting deeper than MAX_JSON_DEPTH is not JSON here (see json_problem).
        """
        try:
            problem = json_depth_problem(self.body)
            if problem is not None:
                raise ValueError(f"the body {problem}")
            return json.loads(self.body)
        except ValueError:
            if default is _MISSING:
                raise
            return default

    def json_problem(self) -> str | None:
        """Why the body is not usable JSON, or None when it parses.

        >>> Response(200, {}, b"[" * 1000).json_problem()
        'nests deeper than 256 levels'
        """
        problem = json_depth_problem(self.body)
        if problem is not None:
            return problem
        try:
            json.loads(self.body)
        except ValueError as exc:
            return f"not JSON ({exc})"
        return None

    def inventory(self) -> dict[str, Any] | None:
        """The ``inventory`` object of a 200 body (an update's answer), or None: the one extractor."""
        if self.status != 200:
            return None
        body = self.json(default=None)
        inv = body.get("inventory") if isinstance(body, dict) else None
        return inv if isinstance(inv, dict) else None

    def inventories(self) -> list[Any] | None:
        """The ``inventories`` list of a 200 query answer, or None when there is no such list."""
        if self.status != 200:
            return None
        body = self.json(default=None)
        found = body.get("inventories") if isinstance(body, dict) else None
        return found if isinstance(found, list) else None

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


# Exchange.error_kind values: checks key on these, never on the sentence in Exchange.error.
TIMEOUT = "timeout"          # no complete answer within the request's total deadline
CONNECTION = "connection"    # refused, reset or dropped
TLS = "tls"                  # certificate or TLS failure
TOO_LARGE = "too_large"      # body over the limit (after decompression)
JOB_TIMEOUT = "job_timeout"  # an async job still 202 after the job timeout
JOB_LOST = "job_lost"        # a poll answered neither 202 nor the job's result (404 "the job has been expired")
ERROR_KINDS = (TIMEOUT, CONNECTION, TLS, TOO_LARGE, JOB_TIMEOUT, JOB_LOST)
# For an Exchange built with a sentence only (older callers): its kind, from how the client words it.
_KIND_OF_SENTENCE = (("timeout", TIMEOUT), ("connection failed", CONNECTION), ("TLS", TLS),
                     ("body too large", TOO_LARGE), ("async job", JOB_TIMEOUT), ("the job's result", JOB_LOST))


@dataclass(frozen=True)
class Exchange:
    """A request and what came of it: a response, or an error (timeout, refused connection).

    For an asynchronous API ``steps`` holds the first 202 and polls (the first and the last
    ones when there were many); ``response`` is the final one. ``error_kind`` is one of
    ERROR_KINDS when no response came, None otherwise.
    """

    request: Request
    response: Response | None
    error: str | None = None
    steps: tuple[Response, ...] = field(default_factory=tuple)
    error_kind: str | None = None

    def __post_init__(self) -> None:
        if self.error_kind is None and self.error is not None and self.response is None:
            kind = next((k for prefix, k in _KIND_OF_SENTENCE if self.error.startswith(prefix)), CONNECTION)
            object.__setattr__(self, "error_kind", kind)

    @property
    def status(self) -> int | None:
        return self.response.status if self.response is not None else None
