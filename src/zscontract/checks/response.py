"""Checks on a single response: shape, error envelope, codes, faults, hangs, accept/reject."""

from __future__ import annotations

import functools
import re
from typing import Any

from jsonschema.exceptions import best_match

from zscontract.checks import names
from zscontract.checks.context import CheckContext, Step, fail
from zscontract.checks.registry import check
from zscontract.core.cases import Case, InputClass, plain_text_allowed
from zscontract.core.dialects import Outcome
from zscontract.core.exchange import Response
from zscontract.core.failures import short
from zscontract.core.values import is_error_code, parse_zstack_date


@check(names.NO_HANG)
def no_hang(ctx: CheckContext, step: Step) -> bool | None:
    """Every request answers within the timeout, and every async job ends."""
    error, error_kind = step.exchange.error or "", step.exchange.error_kind
    if error_kind in ("timeout", "job_timeout"):
        kind = "async job never finished" if error_kind == "job_timeout" else "request timed out"
        raise fail(names.NO_HANG, step, f"{kind} ({step.case.label})", "an answer within the time limit",
                    signature=kind, received=error)
    return True

@check(names.NO_SERVER_FAULT)
def no_server_fault(ctx: CheckContext, step: Step) -> bool | None:
    """No input yields a server fault: any 5xx (documented), a 500 or bare 503 (zstack)."""
    error, error_kind = step.exchange.error or "", step.exchange.error_kind
    if error_kind in ("connection", "too_large"):
        what = "connection dropped" if error_kind == "connection" else "body too large"
        raise fail(names.NO_SERVER_FAULT, step, f"{what} ({step.case.label})",
                    "an HTTP answer", signature=what, received=error)
    if step.outcome is Outcome.FAULT:
        status = step.exchange.status
        raise fail(names.NO_SERVER_FAULT, step, f"server fault {status} on {step.case.label}",
                    "no 5xx" if ctx.dialect.name == "documented" else "no 500, and 503 only with an ErrorCode body",
                    signature=f"status {status} on {_input_kind(step.case)}")
    return True


# The codes the facts list for this API (zstack-rest-facts.md "Codes seen on this API's paths").
KNOWN_CODES = frozenset({"SYS.1000", "SYS.1003", "SYS.1006", "SYS.1007", "ID.1001", "ID.1002"})


def code_kind(code: Any) -> str:
    """An error code as a failure's signature names it: a known one as itself, any other by its shape.

    A target answering each request with a code of its own (a random one, an id in it) would otherwise
    make every failure distinct: thousands of them, gigabytes of reports. The
    title still shows the code itself.

    >>> code_kind("SYS.1007"), code_kind("HOST.4711"), code_kind("x" * 9), code_kind(None)
    ('SYS.1007', 'another code', 'a malformed code', 'no code')
    """
    if code is None:
        return "no code"
    if code in KNOWN_CODES:
        return str(code)
    return "another code" if is_error_code(code) else "a malformed code"


_MEDIA_SHAPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,30}/[a-z0-9][a-z0-9.+-]{0,30}")


def media_kind(content_type: str) -> str:
    """A Content-Type as a signature names it: its media type, lower-cased, or what is wrong with it.

    >>> media_kind("text/plain;charset=UTF-8"), media_kind(""), media_kind("\x1b[31m" + "x" * 99)
    ('text/plain', 'missing', 'malformed')
    """
    media = content_type.split(";")[0].strip().lower()
    if not media:
        return "missing"
    return media if _MEDIA_SHAPE.fullmatch(media) else "malformed"


def _input_kind(case: Case) -> str:
    """The kind of input a failure's signature names: the field and the kind of value (``requestCpu:overflow``,
    ``body:not-json``), so that a baseline accepting one known 500 does not hide a new one on another kind of
    input to the same field; every valid update is one kind; a schemathesis case by its class and reason.

    >>> _input_kind(Case(InputClass.ACCEPT, "valid:name,yaml"))
    'valid update'
    >>> _input_kind(Case(InputClass.REJECT, "requestCpu:overflow"))
    'requestCpu:overflow'
    >>> _input_kind(Case(InputClass.REJECT, "schemathesis:fuzzing", reject_kind="protocol"))
    'schemathesis must-reject protocol'

    Every non-object action value is one kind, and every repeated top-level key: a released node fails
    each the same way (an unchecked cast; Gson's "duplicate key"), one defect each, whatever the value.

    >>> _input_kind(Case(InputClass.REJECT, "updateModelService:not-object:list"))
    'updateModelService:not-object'
    >>> _input_kind(Case(InputClass.EITHER, "body:duplicate-top-level-key:systemTags"))
    'body:duplicate-top-level-key'
    """
    if case.label.startswith(("updateModelService:not-object:", "body:duplicate-top-level-key:")):
        return case.label.rsplit(":", 1)[0]
    if case.label.startswith("valid:"):
        return "valid update"
    if case.label.startswith("schemathesis:"):
        return " ".join(filter(None, ("schemathesis", case.input_class.value, case.reject_kind)))
    return case.label


_MAX_CAUSE_DEPTH = 32  # deeper chains are refused before the (recursive) validator sees them


def _where(base: str, path: Any) -> str:
    return base + "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in path)


def error_code_problems(contract: Any, error: Any) -> list[tuple[str, str]]:
    """What is wrong with an ErrorCode, as (path, keyword) and message pairs, judged by the contract's
    ``ErrorCode.json`` (recursive through ``cause``, oracle.md "Errors"); empty when it is sound."""
    node, depth = error, 0
    while isinstance(node, dict) and isinstance(node.get("cause"), dict):
        node, depth = node["cause"], depth + 1
        if depth > _MAX_CAUSE_DEPTH:
            return [("error.cause depth", f"error.cause nests deeper than {_MAX_CAUSE_DEPTH} levels")]
    problems = []
    for found in sorted(contract.error_validator().iter_errors(error), key=lambda e: list(map(str, e.path))):
        leaf = best_match([found])  # into anyOf (cause: ErrorCode or null) for the real reason
        where = _where("error", leaf.absolute_path)
        problems.append((f"{where} {leaf.validator}", f"{where}: {leaf.message[:120]} ({leaf.validator})"))
    return problems


@check(names.ERROR_ENVELOPE)
def error_envelope(ctx: CheckContext, step: Step) -> bool | None:
    """An error is a proper envelope: JSON ``{"error": ErrorCode}`` valid against the contract's ErrorCode.

    In zstack a plain-text 400/404 passes only where ZStack's REST layer itself answers in plain text
    (:func:`~zscontract.core.cases.plain_text_allowed`: no or another ``Authorization``, a non-integer in
    an int field, a body without ``updateModelService``; 404 for an unmapped path), or for an input the
    dialect may refuse in either form (``Dialect.refused_in_either_form``: an integer beyond its Java type,
    an ``updateModelService`` that is not an object, a repeated top-level key). A bad session, an
    unknown uuid or an argument error of the API answered in plain text fails here, in both dialects.
    """
    response = step.exchange.response
    if step.throttled:
        return None
    if step.outcome is Outcome.REST_ERROR and response is not None:
        if plain_text_allowed(ctx.contract, step.case, response.status):
            return True
        what = step.case.reject_kind or step.case.label.split(":")[0]
        raise fail(names.ERROR_ENVELOPE, step, f"plain-text {response.status} for {step.case.label}",
                    '503 + JSON {"error": ErrorCode}: ZStack\'s REST layer answers in plain text only for a missing'
                    " or non-OAuth Authorization, a non-integer in an int field, a body without"
                    " updateModelService (400) or an unmapped path (404); a plain-text 400 is also proper for"
                    " an integer beyond its Java type, an updateModelService that is not an object and a"
                    " repeated top-level key",
                    signature=f"plain-text {response.status} for {what}")
    if step.outcome is not Outcome.API_ERROR:
        return None
    assert response is not None
    expected = ('a JSON body {"error": ErrorCode} valid against ErrorCode.json'
                f" (status {'4xx' if ctx.dialect.name == 'documented' else '503'})")
    if not response.is_json or _untyped(ctx, response):
        raise fail(names.ERROR_ENVELOPE, step, f"error {response.status} is not JSON "
                    f"({response.content_type or 'no content type'})", expected,
                    signature=f"error not JSON: {response.status} {media_kind(response.content_type)}")
    body = response.json(default=None)
    if not isinstance(body, dict) or "error" not in body:
        raise fail(names.ERROR_ENVELOPE, step, f"error {response.status} has no error envelope", expected,
                    signature=f"no envelope on {response.status}")
    problems = error_code_problems(ctx.contract, body["error"])
    if problems:
        raise fail(names.ERROR_ENVELOPE, step, "malformed ErrorCode: " + "; ".join(m for _, m in problems[:3]),
                    expected, signature="malformed ErrorCode: " + problems[0][0])
    return True

def _untyped(ctx: CheckContext, response: Response) -> bool:
    """No Content-Type: the page's dialect wants ``application/json``; a ZStack node sends none at all
    (RestServer never sets one, see ``Response.is_json``), so in zstack the body decides."""
    return ctx.dialect.name != "zstack" and not response.content_type


@check(names.ZSTACK_CODES)
def zstack_codes(ctx: CheckContext, step: Step) -> bool | None:
    """In the zstack dialect, the codes ZStack fixes: ID.1001, SYS.1003, SYS.1007."""
    wanted = ctx.dialect.fixed_codes.get(step.case.reject_kind or "")
    if not wanted or step.outcome is not Outcome.API_ERROR or step.throttled:
        return None
    code = step.exchange.response.error_code() if step.exchange.response else None
    if code != wanted:
        raise fail(names.ZSTACK_CODES, step, f"{step.case.reject_kind} rejected with code {code!r}",
                    f"code {wanted} for {step.case.reject_kind} ({step.case.label})",
                    signature=f"{step.case.reject_kind} -> {code_kind(code)}")
    return True

@check(names.RESPONSE_SHAPE)
def response_shape(ctx: CheckContext, step: Step) -> bool | None:
    """A success is 200 + JSON ``{"inventory": ...}`` valid against the contract."""
    response = step.exchange.response
    if response is None or step.outcome in (Outcome.FAULT, Outcome.API_ERROR, Outcome.REST_ERROR):
        return None
    expected = "200 application/json with an inventory valid against ModelServiceInventory"
    if step.outcome is Outcome.OTHER or step.outcome is Outcome.PENDING:
        raise fail(names.RESPONSE_SHAPE, step, f"unexpected status {response.status}", expected
                    + (" (or 202 + location in zstack)" if ctx.dialect.name == "zstack" else ""),
                    signature=f"status {response.status}")
    if not response.is_json or _untyped(ctx, response):
        raise fail(names.RESPONSE_SHAPE, step, f"success is not JSON ({response.content_type or 'no content type'})",
                    expected, signature=f"content type {media_kind(response.content_type)}")
    body = response.json(default=None)
    if body is None and (problem := response.json_problem()) is not None:
        # e.g. "nests deeper than 256 levels": a failure of the target, never a crash of ours
        raise fail(names.RESPONSE_SHAPE, step, f"success body {problem[:120]}", expected,
                    signature="success body not JSON" if problem.startswith("not JSON") else "success body too deep")
    if not isinstance(body, dict) or not isinstance(body.get("inventory"), dict):
        raise fail(names.RESPONSE_SHAPE, step, "success without an inventory object", expected,
                    signature="no inventory")
    if body.get("success", True) is not True and body.get("success") is not None:
        raise fail(names.RESPONSE_SHAPE, step, f"200 says success={short(body['success'])}",
                    "success absent, true or null", signature="success flag false")
    if body.get("error") is not None:
        raise fail(names.RESPONSE_SHAPE, step, "200 carries an error", "error absent or null",
                    signature="error on success")
    if not _fast_valid(ctx.contract, body["inventory"]):
        errors = sorted(ctx.contract.inventory_validator().iter_errors(body["inventory"]),
                        key=lambda e: list(map(str, e.absolute_path)))
        if errors:
            first = errors[0]
            where = "inventory" + "".join(f"[{p!r}]" for p in first.absolute_path)
            raise fail(names.RESPONSE_SHAPE, step, f"{where}: {first.message[:160]}",
                        f"{where} to match the contract ({'/'.join(map(str, first.absolute_schema_path))})",
                        signature=f"{where}: {first.validator}")
    for where, value in _dates(_date_paths(ctx.contract), body["inventory"]):
        if value is not None and parse_zstack_date(value) is None:
            raise fail(names.RESPONSE_SHAPE, step, f"{where} is {short(value, 60)}, not a real date and time",
                        f"{where}: a ZStack date that exists (day in its month; JDK 8, 9-19, 20+ or RFC 3339)",
                        signature=f"{where}: date")
    return True


@functools.cache
def _date_paths(contract: Any) -> tuple[tuple[str, ...], ...]:
    """Paths of the inventory's ZStackDate fields (``("createDate",)``, ``("modelServiceImages", "*",
    "createDate")``): a pattern cannot say that Feb 30 does not exist, so Python checks them."""
    schema = contract.inventory_schema
    found: list[tuple[str, ...]] = []

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        if node.get("$ref") == "#/$defs/ZStackDate" or any(
                isinstance(b, dict) and b.get("$ref") == "#/$defs/ZStackDate" for b in node.get("anyOf", ())):
            found.append(path)
            return
        for key, sub in (node.get("properties") or {}).items():
            walk(sub, (*path, key))
        walk(node.get("items"), (*path, "*"))

    walk(schema, ())
    return tuple(found)


def _dates(paths: tuple[tuple[str, ...], ...], inventory: Any) -> list[tuple[str, Any]]:
    """The values at those paths in one inventory, with where they are."""
    out: list[tuple[str, Any]] = []

    def take(node: Any, path: tuple[str, ...], where: str) -> None:
        if not path:
            out.append((where, node))
        elif path[0] == "*" and isinstance(node, list):
            for i, item in enumerate(node):
                take(item, path[1:], f"{where}[{i}]")
        elif isinstance(node, dict) and path[0] in node:
            take(node[path[0]], path[1:], f"{where}[{path[0]!r}]")

    for path in paths:
        take(inventory, path, "inventory")
    return out

@functools.cache
def _fast_validator(contract: Any) -> Any:
    """jsonschema_rs's validator of an inventory, or None when it is not installed."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    # Formats are annotations here, as for the jsonschema validator (no format checker).
    return jsonschema_rs.validator_for(contract.inventory_schema, validate_formats=False)


def _fast_valid(contract: Any, inventory: Any) -> bool:
    """True when jsonschema_rs finds the inventory valid (a hundred times faster than jsonschema).

    Only a "valid" answer is trusted; anything else goes to jsonschema, whose errors name the
    path and the keyword that failed, so a failure reads the same either way.
    """
    fast = _fast_validator(contract)
    if fast is None:
        return False
    try:
        return bool(fast.is_valid(inventory))
    except (ValueError, OverflowError, TypeError):  # e.g. an integer wider than 64 bits
        return False


@check(names.ACCEPTS_VALID)
def accepts_valid(ctx: CheckContext, step: Step) -> bool | None:
    """A must-accept input (the conservative domain) succeeds: 200 (oracle.md "Must accept": expect success).

    A refusal, a server fault or any other status fails; the shape of a success is response_shape's.
    No answer (a timeout, a dropped connection), a job that never ended and a 429 judge nothing here.
    """
    response = step.exchange.response
    if step.case.input_class is not InputClass.ACCEPT or response is None or step.throttled:
        return None
    if step.outcome is Outcome.SUCCESS:
        return True
    if step.outcome is Outcome.PENDING:
        return None  # still 202 when polling stopped: no_hang's (a job timeout) or the budget's
    code = response.error_code() if step.rejected else None
    what = "rejected" if step.rejected else "answered"
    # One signature per kind of answer, not per field combination: the title says which fields.
    raise fail(names.ACCEPTS_VALID, step, f"valid update {what} ({step.case.label}): {response.status}"
                f"{' ' + str(code) if code else ''}",
                "success (200): every documented field here is inside the conservative domain",
                signature=f"valid update {what} with {response.status} {code_kind(code) if code else ''}".strip())


@check(names.REJECTS_INVALID)
def rejects_invalid(ctx: CheckContext, step: Step) -> bool | None:
    """A must-reject input (types, protocol, auth, unknown or malformed uuid) is refused: an error answer.

    A success (200, or another 2xx) fails. A server fault judges nothing here (no_server_fault reports
    it; whether it changed anything is rejected_unchanged's), nor does no answer, a redirect or a 429.
    """
    response = step.exchange.response
    if step.case.input_class is not InputClass.REJECT or response is None or step.throttled:
        return None
    if step.rejected:
        return True
    if step.outcome is Outcome.SUCCESS or (step.outcome is Outcome.OTHER and 200 <= response.status < 300):
        raise fail(names.REJECTS_INVALID, step, f"invalid request accepted ({step.case.label}): {response.status}",
                    "an error response" + (" (4xx + ErrorCode)" if ctx.dialect.name == "documented"
                                           else " (503 + ErrorCode or plain-text 400)"),
                    signature=f"accepted {step.case.label}")
    return None
