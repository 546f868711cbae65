"""The zstack dialect's REST layer: paths, headers and the plain-text refusals RestServer answers itself.

Everything here happens before an API message exists (zstackio/zstack branch 5.1.20,
``rest/src/main/java/org/zstack/rest/RestServer.java``, ``handleApi``): the ``Authorization`` header,
the body's action key, the int/long text check (``parsing.rest_type_error``) and the ``X-Job-UUID``
header. Their texts are RestServer's, word for word (facts, "Exact texts").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zscontract.server.hooks import FaultSet
from zscontract.server.parsing import json_type
from zscontract.server.values import java_trim

CONTEXT = "/zstack"                      # the servlet's context path; RestServer's messages leave it out
API_PATH = "/zstack/v1/ai/model-services/{uuid}"
COLLECTION_PATH = "/zstack/v1/ai/model-services"
JOB_PATH = "/zstack/v1/api-jobs/{id}"
LOGIN_PATH = "/zstack/v1/accounts/login"
SESSION_PATH = "/zstack/v1/accounts/sessions/{uuid}"
ACTION_KEY = "updateModelService"        # RestServer reads body[<action name, lower-case first letter>]
JOB_UUID_HEADER = "X-Job-UUID"
JSON_SCHEMA_HEADER = "x-json-schema"
DEFAULT_API_TIMEOUT_MS = 1800000


class RestError(Exception):
    """A plain-text refusal of the REST layer (``RestException``)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def servlet_path(path: str) -> str:
    """The path as RestServer's messages show it: without the ``/zstack`` context.

    >>> servlet_path("/zstack/v1/nowhere")
    '/v1/nowhere'
    """
    return path[len(CONTEXT):] if path.startswith(CONTEXT + "/") else path


def zstack_session(headers: Mapping[str, str]) -> str | None:
    """The session named by ``Authorization`` (RestServer.handleApi); raise the REST layer's 400.

    The header is trimmed; ``OAuth`` must start it (the rest, trimmed, is the session: an unknown one is
    the API's ID.1001 later, AccountManagerImpl.doAuth); ``ZStack`` starts the access-key scheme, which
    needs a ``Date`` header. This server has no access keys: such a request has no valid session.

    >>> zstack_session({"authorization": " OAuth  abc "})
    'abc'
    """
    header = headers.get("authorization")
    if header is None:
        raise RestError(400, "missing header 'Authorization'")
    auth = java_trim(header)
    if auth.startswith("OAuth"):
        return java_trim(auth.replace("OAuth", "", 1))
    if auth.startswith("ZStack"):
        if headers.get("date") is None:
            raise RestError(400, "'Date' must be incuded in request header")
        return None
    raise RestError(400, "Authorization type must be 'OAuth'")


def documented_session(headers: Mapping[str, str]) -> str | None:
    """documented: ``Authorization: OAuth <uuid>``, anything else is simply no session (401 ID.1001)."""
    parts = (headers.get("authorization") or "").split()
    return parts[1] if len(parts) == 2 and parts[0] == "OAuth" else None


def job_uuid(headers: Mapping[str, str]) -> str | None:
    """The ``X-Job-UUID`` a client chose, or ``None``; RestServer only checks its length.

    >>> job_uuid({"x-job-uuid": "a" * 32}) == "a" * 32
    True
    """
    value = headers.get(JOB_UUID_HEADER.lower())
    if value is not None and len(value) != 32:
        raise RestError(400, f"Invalid header[{JOB_UUID_HEADER}], it must be a UUID with '-' stripped")
    return value


def duplicate_job(job_id: str) -> RestError:
    return RestError(400, f"Duplicate job uuid[{job_id}]")


def api_timeout_ms(headers: Mapping[str, str]) -> int:
    """``apiTimeout`` of a 202: ``X-API-Timeout`` (seconds) when given, else the default."""
    value = headers.get("x-api-timeout", "")
    return int(value) * 1000 if value.isdigit() else DEFAULT_API_TIMEOUT_MS


def wants_schema(headers: Mapping[str, str]) -> bool:
    """RestServer.writeResponse tests the header's presence, not its value."""
    return JSON_SCHEMA_HEADER in headers


def no_action_key(path: str) -> RestError:
    return RestError(400, f"the body doesn't contain action mapping to the URL[{servlet_path(path)}]")


def action_not_object(key: str, value: Any, faults: FaultSet) -> RestError:
    """The refusal of an action value that is not an object (a string, a number, a boolean, a list).

    A node casts it to a ``Map`` unchecked (zstack-rest-facts.md "An action value that is not an
    object"): a ``ClassCastException`` and the catch-all's plain-text 500, which ``action-not-object-500``
    models; a sound server refuses it in the REST layer's own form.
    """
    if faults.on("action-not-object-500"):
        java = {"string": "java.lang.String", "number": "java.lang.Long", "boolean": "java.lang.Boolean",
                "array": "java.util.ArrayList"}.get(json_type(value), "java.lang.Object")
        return RestError(500, f"java.lang.ClassCastException: {java} cannot be cast to java.util.Map")
    return RestError(400, f"the value of [{key}] must be a JSON object, but was a JSON {json_type(value)}")


def repeated_top_level_key(repeated: Mapping[str, list[Any]], faults: FaultSet) -> None:
    """What a repeated top-level key does: by default the last one wins (as Python's json reads it);
    raise the refusal of ``refuse-repeated-keys`` or the plain-text 500 of ``duplicate-top-level-key-500``.

    A node reads the body's own map with Gson's ``MapTypeAdapterFactory``, which throws ``duplicate key``
    when a key repeats and the value it replaces is not null (zstack-rest-facts.md "Repeated keys").
    """
    for key, values in repeated.items():
        if faults.on("duplicate-top-level-key-500") and any(v is not None for v in values[:-1]):
            raise RestError(500, f"com.google.gson.JsonSyntaxException: duplicate key: {key}")
        if faults.on("refuse-repeated-keys"):
            raise RestError(400, f"the body repeats the key [{key}]")
