"""What schemathesis is given to run our oracle: a check, two hooks, and the marks they act on.

A schema built by :class:`zscontract.runner.st_phase.StJudge` carries ``TOKEN_KEY``; the check and the
hooks act on no other schema, so registering them (once, when a run first builds a schema, never at
import) leaves an unrelated project's schemathesis runs as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests
import schemathesis

from zscontract.core.dialects import ACTION_KEY, API_PATH
from zscontract.errors import ZsContractError

if TYPE_CHECKING:
    from zscontract.runner.st_phase import StJudge

StCase = schemathesis.Case[Any]
TOKEN_KEY = "x-zs-st-token"  # marks a schema built here: the guard and the oracle act on no other
UUID_KEY = "x-zs-st-uuid"    # the one resource schemathesis may touch
WRAPS_KEY = "x-zs-st-wraps"  # zstack: the body's top-level keys are actions (see before_call)
# zstack-rest-facts.md "Top-level keys are actions: never send another one": RestServer runs the API
# whose key a PUT body holds (deployModelService deploys), so only these may be sent at the top.
TOP_LEVEL_KEYS = frozenset({ACTION_KEY, "systemTags", "userTags"})
JUDGES: dict[str, StJudge] = {}  # token -> the judge of the schema carrying it


class UnsafeRequest(ZsContractError):
    """Schemathesis was about to send something other than a PUT to the resource under test."""


def judge_for(case: StCase) -> StJudge | None:
    token = case.operation.schema.raw_schema.get(TOKEN_KEY)
    return JUDGES.get(token) if isinstance(token, str) else None


def zscontract_oracle(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                      case: StCase) -> bool | None:
    """The harness's checks on a schemathesis exchange (a no-op for schemas not built here)."""
    judge = judge_for(case)
    if judge is not None:
        judge.response(response, case)  # failures go to the run's result, deduplicated there
    return None


def before_call(context: schemathesis.HookContext, case: StCase, kwargs: dict[str, Any]) -> None:
    """Refuse, before it is sent, anything but a PUT to the resource under test (oracle.md, end)."""
    raw = case.operation.schema.raw_schema
    if TOKEN_KEY not in raw:
        return
    uuid = (case.path_parameters or {}).get("uuid")
    if case.method.upper() != "PUT" or case.operation.path != API_PATH or uuid != raw[UUID_KEY]:
        raise UnsafeRequest(f"schemathesis tried {case.method} {case.formatted_path}; only a PUT to "
                            f"model service {raw[UUID_KEY]} is allowed")
    if raw.get(WRAPS_KEY) and isinstance(case.body, dict):
        # An invented top-level key (schemathesis adds "x-schemathesis-unknown-property") could name
        # another API on a real node: invented keys go inside the wrapper only.
        for key in [k for k in case.body if k not in TOP_LEVEL_KEYS]:
            del case.body[key]


def after_network_error(context: schemathesis.HookContext, case: StCase,
                        request: requests.PreparedRequest) -> None:
    """A request without an answer is judged too (``no_hang``, ``no_server_fault``)."""
    judge = judge_for(case)
    if judge is not None:
        judge.network_error(case, request)


_REGISTERED: list[bool] = []


def register() -> None:
    """Register our check and hooks with schemathesis, once, when a run first builds a schema.

    Not at import: importing zscontract (the pytest plugin does) must not change an unrelated
    project's schemathesis runs. Both act only on schemas built here (``TOKEN_KEY``).
    """
    if not _REGISTERED:
        schemathesis.check(zscontract_oracle)
        schemathesis.hook(before_call)
        schemathesis.hook(after_network_error)
        _REGISTERED.append(True)


__all__ = ["JUDGES", "TOKEN_KEY", "TOP_LEVEL_KEYS", "UUID_KEY", "WRAPS_KEY", "UnsafeRequest", "after_network_error",
           "before_call", "judge_for", "register", "zscontract_oracle"]
