"""How answers look in each dialect: success bodies, ErrorCode envelopes, plain-text REST errors.

documented (the page read literally): API errors are a ``4xx`` + ``{"error": ErrorCode}``.
zstack (RestServer.java, zstack-rest-facts.md "Two dialects"): API errors are ``503`` + the same body; the
REST layer's own refusals are plain-text ``400``/``404``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import PlainTextResponse, Response

from zscontract.server.hooks import FaultSet
from zscontract.server.inventory import gson_dates, render
from zscontract.server.jobs import Outcome
from zscontract.server.service import ApiError
from zscontract.server.store import Row

JSON_TYPE = "application/json;charset=UTF-8"  # what RestServer.java sends

# Descriptions from the node's conf/errorCodes/sys.xml and identity.xml (facts, "Exact texts").
_ARGUMENT = ("SYS.1007", "One or more API argument is invalid")
_CODES: dict[str, tuple[str, str]] = {
    "session": ("ID.1001", "The session is invalid, either wrong session id or the session has been expired"),
    "login": ("ID.1000", "Unable to authenticate a user"),
    "argument": _ARGUMENT,
    "body": _ARGUMENT,
    "malformed": _ARGUMENT,
    "not_found": ("SYS.1003", "A resource can not be found"),
    "internal": ("SYS.1000", "An internal error happened in system"),
}
# JsonSchemaBuilder writes the node's own class names; the SDK maps them with SourceClassMap
# (zstackio/zstack sdk/src/main/java/SourceClassMap.java: org.zstack.ai.entity.ModelServiceInventory ->
# org.zstack.sdk.ModelServiceInventory). The image class is not public: a name the SDK does not map,
# which it skips, as it skips any class it does not know.
INVENTORY_CLASS = "org.zstack.ai.entity.ModelServiceInventory"
_NESTED = {"modelServiceRefs": "org.zstack.ai.entity.ModelServiceRefInventory",
           "modelServiceImages": "org.zstack.ai.entity.ModelServiceImageInventory"}
SESSION_CLASS = "org.zstack.header.identity.SessionInventory"


def schema_of(body: dict[str, Any], cls: str = INVENTORY_CLASS) -> dict[str, str]:
    """JsonSchemaBuilder's ``schema`` of an answer: JSON path -> Java class, parents first.

    >>> schema_of({"inventories": [{"uuid": "a"}], "total": 1})
    {'inventories[0]': 'org.zstack.ai.entity.ModelServiceInventory'}
    """
    entries: list[tuple[str, str]] = []  # in the builder's order: children, then their parent
    for key, value in body.items():
        objects = [(f"{key}[{i}]", v) for i, v in enumerate(value)] if isinstance(value, list) else \
            [(key, value)] if isinstance(value, dict) else []
        for path, obj in objects:
            if not isinstance(obj, dict):
                continue
            for name, nested_cls in _NESTED.items():
                for i, item in enumerate(obj.get(name) or []):
                    if isinstance(item, dict):
                        entries.append((f"{path}.{name}[{i}]", nested_cls))
            entries.append((path, cls))
    return dict(reversed(entries))
_DOCUMENTED_STATUS = {"session": 401, "login": 401, "argument": 400, "body": 400, "malformed": 400,
                      "not_found": 404, "internal": 500}


def json_bytes(body: Any) -> bytes:
    """UTF-8 JSON, as Gson writes it (non-ASCII kept as is)."""
    try:
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate echoed in an error's details: escape it
        return json.dumps(body).encode("ascii")


class Renderer:
    """Turns rows and :class:`ApiError` into HTTP answers for one profile and fault set."""

    def __init__(self, profile: str, faults: FaultSet, date_style: str = "jdk8") -> None:
        self.profile = profile
        self.faults = faults
        style = "jdk20" if faults.on("jdk20-dates") else "jdk9" if faults.on("jdk9-dates") else date_style
        self.dates = (lambda seconds: seconds * 1000) if faults.on("epoch-dates") else gson_dates(style)

    def inventory(self, row: Row) -> dict[str, Any]:
        """The inventory JSON object of a row, after the response faults."""
        return self.faults.inventory(render(row, self.dates, explicit_nulls=self.faults.on("explicit-nulls")))

    def json(self, status: int, body: Any, media_type: str = JSON_TYPE) -> Response:
        return Response(json_bytes(body), status_code=status, media_type=media_type)

    def updated(self, row: Row) -> Outcome:
        """A successful update: ``200 {"inventory": ...}`` (its schema kept aside for X-JSON-Schema)."""
        media_type = "text/plain;charset=UTF-8" if self.faults.on("success-text-plain") else JSON_TYPE
        body = self.faults.success_body(self.inventory(row))
        return Outcome(200, json_bytes(body), media_type, schema_of(body) if self.profile == "zstack" else None)

    def inventories(self, rows: list[Row] | None, total: int | None, fields: list[str] | None) -> Response:
        """A query's answer: ``200 {"inventories": [...]}``, ``total`` when asked, and in zstack the
        ``schema`` RestServer adds to every query answer."""
        body: dict[str, Any] = {}
        if rows is not None:
            inventories = [self.inventory(row) for row in rows]
            if fields is not None:
                inventories = [{k: v for k, v in inv.items() if k in fields} for inv in inventories]
            body["inventories"] = inventories
        if total is not None:
            body["total"] = total
        if self.faults.on("success-keys"):
            body = {"success": True, "error": None, **body}
        if self.profile == "zstack":
            body["schema"] = schema_of(body)
        return self.json(200, body)

    def error_code(self, error: ApiError) -> dict[str, Any]:
        """The ErrorCode object (Gson: null fields dropped unless ``explicit-nulls``)."""
        kind = error.kind
        if kind == "malformed" and self.profile == "zstack":
            kind = "not_found"  # ZStack looks the uuid up: a malformed one is simply not found
        code, description = _CODES[kind]
        body: dict[str, Any] = {"code": self.faults.error_code(kind, code), "description": description,
                                "details": error.details}
        if self.faults.on("explicit-nulls"):
            body.update({"elaboration": None, "opaque": None, "cause": None})
        return self.faults.error_code_body(body)

    def status(self, error: ApiError) -> int:
        """The HTTP status of an API error in this profile."""
        if error.kind == "internal":
            return 500
        if self.profile == "zstack":
            return 503
        if error.kind == "argument" and self.faults.on("status-422"):
            return 422
        return _DOCUMENTED_STATUS[error.kind]

    def api_error_outcome(self, error: ApiError) -> Outcome:
        status = self.status(error)
        if self.profile == "zstack" and status == 503 and self.faults.on("bare-503"):
            return Outcome(503, b"Service Unavailable", "text/plain;charset=UTF-8")
        if self.faults.on("message-envelope"):
            return Outcome(status, json_bytes({"message": error.details}), JSON_TYPE)
        return Outcome(status, json_bytes({"error": self.error_code(error)}), JSON_TYPE)

    def api_error(self, error: ApiError) -> Response:
        """An API error as an HTTP response."""
        return to_response(self.api_error_outcome(error))

    @staticmethod
    def rest_error(status: int, text: str) -> Response:
        """One of the REST layer's plain-text errors (zstack: 400 and 404)."""
        return PlainTextResponse(text, status_code=status)


def to_response(outcome: Outcome, *, schema: bool = False) -> Response:
    """An HTTP response of a finished outcome; with ``schema`` (X-JSON-Schema) its schema is added."""
    body = outcome.body
    if schema and outcome.schema is not None:
        body = body.rstrip()[:-1] + b', "schema": ' + json_bytes(outcome.schema) + b"}"
    return Response(body, status_code=outcome.status, media_type=outcome.media_type)


class NoContentType:
    """ASGI middleware of the ``no-content-type`` variant: every answer without a Content-Type header.

    What a ZStack node does: RestServer's ``sendResponse`` sets the status and writes the body, and
    never a Content-Type (zstackio/zstack 5a29293 ``rest/.../RestServer.java``).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def untyped(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-type"]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, untyped)
