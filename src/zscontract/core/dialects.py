"""The two dialects a target may speak (zstack-rest-facts.md "Two dialects").

``documented`` reads the page literally: a flat body, errors as 4xx + ``{"error": ErrorCode}``.
``zstack`` is what a real management node does: the body wrapped in ``updateModelService``,
``202`` + ``location`` for async jobs, API errors as ``503``, plain-text ``400``s from the REST layer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from zscontract.core.exchange import Response
from zscontract.errors import UsageError

ACTION_KEY = "updateModelService"  # RestServer.java reads body[<action name, lower-case first letter>]
API_PATH = "/zstack/v1/ai/model-services/{uuid}"
JOB_PATH = "/zstack/v1/api-jobs/{id}"
LOGIN_PATH = "/zstack/v1/accounts/login"
SESSION_PATH = "/zstack/v1/accounts/sessions/{uuid}"

# Kinds of input a released node (5.1.20) answers with a plain-text 500, a defect (zstack-rest-facts.md):
# how a node that fixed it refuses them is unknown, so both the REST layer's plain-text 400 and a 503
# ErrorCode are proper refusals there (oracle.md "Errors"). ``core.cases.either_form_kind`` tells a case's
# kind: a generated case may name it in its label (the kind, or the kind + ``:`` + more); any case is also
# recognised by what it sends.
OUT_OF_RANGE_INTEGER = "integer:out-of-range"      # beyond int32 (requestCpu) / int64 (requestMemory), either
                                                   # side: a JSON number, quoted, or a whole float
NOT_OBJECT_UPDATE = "updateModelService:not-object"  # a string, number, boolean or list under the action key
DUPLICATE_TOP_LEVEL_KEY = "body:duplicate-top-level-key"  # a top-level key repeated (Gson's map adapter throws)
EITHER_FORM_KINDS = (OUT_OF_RANGE_INTEGER, NOT_OBJECT_UPDATE, DUPLICATE_TOP_LEVEL_KEY)


class Outcome(enum.Enum):
    SUCCESS = "success"          # 200 with a JSON body (shape checked separately)
    PENDING = "pending"          # 202 with a location to poll (zstack only)
    API_ERROR = "api_error"      # documented: 4xx; zstack: 503 (JSON ErrorCode expected)
    REST_ERROR = "rest_error"    # zstack: the REST layer's plain-text 400/404
    FAULT = "fault"              # a server fault: any 5xx in documented, 500 (or other 5xx) in zstack
    OTHER = "other"              # anything else (3xx, 2xx other than 200/202, 1xx)


@dataclass(frozen=True)
class Dialect:
    name: str
    wraps_body: bool
    api_error_statuses: frozenset[int]
    rest_error_statuses: frozenset[int]
    # Codes ZStack fixes for a given kind of rejection (oracle.md "Errors"); checked in zstack only.
    fixed_codes: dict[str, str]
    # Kinds of input (``EITHER_FORM_KINDS``) this dialect may refuse in either of its error forms: the
    # REST layer's plain-text 400 as well as the API's error (oracle.md "Errors").
    refused_in_either_form: frozenset[str] = frozenset()

    def refuses_in_either_form(self, kind: str | None) -> bool:
        """True when an input of this kind may be refused in plain text as well as with an ErrorCode.

        >>> ZSTACK.refuses_in_either_form(OUT_OF_RANGE_INTEGER), DOCUMENTED.refuses_in_either_form(OUT_OF_RANGE_INTEGER)
        (True, False)
        """
        return kind is not None and kind in self.refused_in_either_form

    def wrap(self, fields: Any, *, system_tags: list[str] | None = None,
             user_tags: list[str] | None = None) -> Any:
        """The request body for these update fields.

        >>> ZSTACK.wrap({"name": "a"})
        {'updateModelService': {'name': 'a'}}
        >>> DOCUMENTED.wrap({"name": "a"})
        {'name': 'a'}
        """
        if not self.wraps_body:
            return fields
        body: dict[str, Any] = {ACTION_KEY: fields}
        if system_tags is not None:
            body["systemTags"] = system_tags
        if user_tags is not None:
            body["userTags"] = user_tags
        return body

    def unwrap(self, body: Any) -> Any:
        """The update fields inside a request body (the inverse of :meth:`wrap`), or None."""
        if not self.wraps_body:
            return body
        if isinstance(body, dict):
            return body.get(ACTION_KEY)
        return None

    def classify(self, response: Response) -> Outcome:
        status = response.status
        if status == 200:
            return Outcome.SUCCESS
        if status == 202 and self.name == "zstack":
            return Outcome.PENDING
        if status in self.api_error_statuses:
            if self.name == "zstack" and status == 503 and not _has_error_body(response):
                # A 503 without an ErrorCode body is a fault, not an API error (oracle.md "Errors").
                return Outcome.FAULT
            return Outcome.API_ERROR
        if status in self.rest_error_statuses and not response.is_json:
            return Outcome.REST_ERROR
        if status >= 500:
            return Outcome.FAULT
        if 400 <= status < 500 and self.name == "zstack":
            # A JSON 4xx in zstack: not ZStack's convention, but an error all the same; the
            # envelope check decides whether its body is sound.
            return Outcome.API_ERROR
        return Outcome.OTHER


def _has_error_body(response: Response) -> bool:
    body = response.json(default=None)
    return isinstance(body, dict) and body.get("error") is not None


DOCUMENTED = Dialect(
    name="documented",
    wraps_body=False,
    api_error_statuses=frozenset(range(400, 500)),
    rest_error_statuses=frozenset(),
    fixed_codes={},
)

ZSTACK = Dialect(
    name="zstack",
    wraps_body=True,
    api_error_statuses=frozenset({503}),
    rest_error_statuses=frozenset({400, 404}),
    fixed_codes={"session": "ID.1001", "not_found": "SYS.1003", "argument": "SYS.1007"},
    refused_in_either_form=frozenset(EITHER_FORM_KINDS),
)

DIALECTS = {d.name: d for d in (DOCUMENTED, ZSTACK)}


def get_dialect(name: str, *, source: str = "--profile") -> Dialect:
    try:
        return DIALECTS[name]
    except KeyError:
        raise UsageError(
            f"{source}: unknown profile {name!r}; use one of: {', '.join(sorted(DIALECTS))}"
        ) from None
