"""Each check, against a target scripted with ``responses``: a broken answer fails it, a sound one passes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.fixtures.scripted import Scripted
from zscontract.checks import names
from zscontract.core.cases import (
    REJECT_ARGUMENT,
    REJECT_NO_AUTH,
    REJECT_NOT_FOUND,
    REJECT_PROTOCOL,
    REJECT_SESSION,
    Case,
    InputClass,
)
from zscontract.core.values import stored_strings


def accept(**fields: Any) -> Case:
    return Case(InputClass.ACCEPT, "valid:" + ",".join(fields), fields=fields)


def reject(kind: str = REJECT_ARGUMENT, **fields: Any) -> Case:
    return Case(InputClass.REJECT, f"test:{kind}", fields=fields, reject_kind=kind)


def updated(s: Scripted, **fields: Any) -> dict[str, Any]:
    inv = copy.deepcopy(s.inventory)
    inv.update(fields)
    inv["lastOpDate"] = "Nov 26, 2025 9:00:00 AM"
    return inv


def api_error_status(s: Scripted) -> int:
    return 400 if s.profile == "documented" else 503


def run(s: Scripted, case: Case) -> set[str]:
    s.harness.execute(case)
    return s.failed_checks()


def either(**fields: Any) -> Case:
    return Case(InputClass.EITHER, "test:" + ",".join(fields), fields=fields)


def trimmed(s: Scripted, text: str) -> str:
    """What a sound target of this dialect may store for ``text``: its Java trim is sound in both."""
    return stored_strings(text, s.profile)[-1]


def titles(s: Scripted, check: str) -> list[str]:
    return [f.title for f in s.result.failures.values() if f.check == check]


# -- sound answers pass every check ---------------------------------------------------------------

def test_sound_success_passes_every_check(scripted: Scripted) -> None:
    scripted.ok(updated(scripted, name="模型 服务"))  # Java's trim of the name sent
    assert run(scripted, accept(name=" 模型 服务 ")) == set()
    assert scripted.result.tallies[names.ROUND_TRIP].passed == 1
    assert scripted.result.tallies[names.IDEMPOTENCE].passed == 1


def test_sound_rejection_passes_every_check(scripted: Scripted) -> None:
    scripted.error(api_error_status(scripted), "SYS.1007")
    assert run(scripted, reject(requestCpu="1", name="x")) == set()
    assert scripted.result.tallies[names.REJECTED_UNCHANGED].passed == 1


def test_zstack_plain_text_400_is_a_rejection(scripted: Scripted) -> None:
    if scripted.profile != "zstack":
        pytest.skip("plain-text 400s are the zstack REST layer's")
    scripted.put(400, raw=b"the body doesn't contain action mapping to the URL", content_type="text/plain")
    scripted.get(scripted.inventory)
    assert run(scripted, Case(InputClass.REJECT, "body:no-action-key", fields={"name": "a"}, wrap=False)) == set()


# -- response_shape -------------------------------------------------------------------------------

@pytest.mark.parametrize("breakage", ["retyped", "dropped", "epoch-date", "text-plain", "no-inventory",
                                      "success-false", "bad-uuid"])
def test_response_shape_fails_on_broken_inventory(scripted: Scripted, breakage: str) -> None:
    inv = updated(scripted, name="n")
    content_type = "application/json"
    body: Any = {"inventory": inv}
    if breakage == "retyped":
        inv["requestMemory"] = str(inv["requestMemory"])
    elif breakage == "dropped":
        del inv["createDate"]
    elif breakage == "epoch-date":
        inv["lastOpDate"] = 1764071510000
    elif breakage == "text-plain":
        content_type = "text/plain"
    elif breakage == "no-inventory":
        body = {"inventories": [inv]}
    elif breakage == "success-false":
        body["success"] = False
    elif breakage == "bad-uuid":
        inv["uuid"] = inv["uuid"].upper()
    scripted.put(200, body, content_type=content_type)
    scripted.get(inv)
    assert names.RESPONSE_SHAPE in run(scripted, accept(name="n"))


def test_json_without_a_content_type_passes_in_zstack_only(scripted: Scripted) -> None:
    # A ZStack node sends no Content-Type at all (RestServer.sendResponse never sets one): its JSON
    # answers pass in zstack; the page's dialect keeps the oracle's application/json.
    inv = updated(scripted, name="n")
    scripted.put(200, {"inventory": inv}, content_type=None)
    scripted.get(inv)
    failed = run(scripted, accept(name="n"))
    assert (names.RESPONSE_SHAPE in failed) is (scripted.profile == "documented"), failed


@pytest.mark.parametrize(("field", "value", "sound"), [
    ("createDate", "Feb 30, 2025 1:00:00 PM", False),
    ("lastOpDate", "Feb 99, 2025 99:99:99 PM", False),
    ("lastOpDate", "Nov 26, 2025 9:00:00 AM\n", False),
    ("uuid", None, False),  # the page's uuid with a trailing newline
    ("lastOpDate", "Nov 26, 2025, 9:00:00 AM", True),        # JDK 9-19
    ("lastOpDate", "Nov 26, 2025, 9:00:00\u202fAM", True),   # JDK 20+
    ("lastOpDate", "2025-11-26T09:00:00Z", True),             # RFC 3339
])
def test_response_shape_wants_real_dates_and_anchored_patterns(scripted: Scripted, field: str, value: Any,
                                                               sound: bool) -> None:
    inv = updated(scripted, name="n")
    inv[field] = inv["uuid"] + "\n" if field == "uuid" else value
    scripted.put(200, {"inventory": inv})
    scripted.get(inv)
    assert (names.RESPONSE_SHAPE in run(scripted, accept(name="n"))) is not sound


# -- round_trip / unchanged_unsent / invariants ----------------------------------------------------

def test_round_trip_fails_on_a_dropped_write(scripted: Scripted) -> None:
    scripted.ok(updated(scripted))  # the write is silently ignored
    assert run(scripted, accept(description="新的描述\n")) >= {names.ROUND_TRIP}


@pytest.mark.parametrize(("sent", "got"), [(2**53 + 1, float(2**53)), (2**31 + 5, 2**31 + 5 - 2**32),
                                           ("abcdef", "abc"), (" a\n", " a"), ("a b", "a  b")])
def test_round_trip_fails_on_mangled_values(scripted: Scripted, sent: Any, got: Any) -> None:
    field = "description" if isinstance(sent, str) else "requestMemory"
    scripted.ok(updated(scripted, **{field: got}))
    assert names.ROUND_TRIP in run(scripted, accept(**{field: sent}))


# Strings come back as ZStack stores them (zstack-rest-facts.md, "Strings are trimmed by the server"):
# zstack: exactly Java's trim; documented: as sent or Java's trim; never Python's strip().
@pytest.mark.parametrize(("sent", "got", "documented_ok", "zstack_ok"), [
    (" a\n", "a", True, True),                       # Java's trim
    (" a\n", " a\n", True, False),                   # not trimmed: zstack trims, always
    (" a\n", " a", False, False),                     # only the trailing newline dropped
    ("a\n\n", "a\n", False, False),                   # one newline of two dropped
    ("\x00a\x1f", "a", True, True),                   # NUL and U+001F are <= U+0020: Java trims them
    ("\x00a\x1f", "\x00a\x1f", True, False),
    ("a\u00a0", "a", False, False),                   # Python's strip(): U+00A0 is not Java's whitespace
    ("\u3000a ", "a", False, False),                  # Python's strip(): U+3000 neither
    ("\u3000a ", "\u3000a", True, True),
    ("a\u2028", "a", False, False),
    (" \u0085a", "a", False, False),
])
def test_round_trip_predicts_java_trim(scripted: Scripted, sent: str, got: str, documented_ok: bool,
                                       zstack_ok: bool) -> None:
    scripted.ok(updated(scripted, description=got))
    failed = names.ROUND_TRIP in run(scripted, either(description=sent))
    assert failed is not (documented_ok if scripted.profile == "documented" else zstack_ok)


def test_round_trip_names_python_strip_in_its_signature(scripted: Scripted) -> None:
    scripted.ok(updated(scripted, description="a"))
    run(scripted, either(description=" a\u00a0"))
    assert any("Python's strip()" in f.signature for f in scripted.result.failures.values())


@pytest.mark.parametrize(("sent", "stored", "sound"), [("2", 2, True), ("2", "2", False), (" 7", 7, True),
                                                       ("2.0", 2, True), (2.0, 2, True), ("2", None, False)])
def test_zstack_quoted_integer_is_stored_as_the_number(scripted: Scripted, sent: Any, stored: Any,
                                                       sound: bool) -> None:
    if scripted.profile != "zstack":
        pytest.skip("a quoted integer is must-reject in documented")
    previous = scripted.inventory["requestCpu"]
    assert previous not in (2, 7)
    scripted.ok(updated(scripted, requestCpu=previous if stored is None else stored))
    assert (names.ROUND_TRIP in run(scripted, either(requestCpu=sent))) is not sound


def test_zstack_refusing_a_quoted_integer_is_sound(scripted: Scripted) -> None:
    if scripted.profile != "zstack":
        pytest.skip("zstack only")
    scripted.put(400, raw=b"[requestCpu] field is excepted an int or long, but was [2].", content_type="text/plain")
    scripted.get(scripted.inventory)
    assert run(scripted, either(requestCpu="2")) == set()


@pytest.mark.parametrize(("stored", "sound"), [("123", True), (123, True), ("123.0", False), (" 123", False)])
def test_a_number_in_a_string_field_may_come_back_as_its_json_text(scripted: Scripted, stored: Any,
                                                                   sound: bool) -> None:
    scripted.ok(updated(scripted, description=stored))
    assert (names.ROUND_TRIP in run(scripted, either(description=123))) is not sound


def test_no_body_is_either_way(scripted: Scripted) -> None:
    scripted.ok(updated(scripted))  # read as an empty update
    assert run(scripted, Case(InputClass.EITHER, "body:none", raw_body=b"")) == set()


def test_no_body_that_changes_a_field_fails(scripted: Scripted) -> None:
    scripted.ok(updated(scripted, description="changed by nothing"))
    assert names.UNCHANGED_UNSENT in run(scripted, Case(InputClass.EITHER, "body:none", raw_body=b""))


def test_no_body_answered_with_a_plain_text_500_is_a_fault(scripted: Scripted) -> None:
    # zstack-rest-facts.md, "Bodies the REST layer cannot read": a real node's defect, reported.
    scripted.put(500, raw=b"java.lang.NullPointerException", content_type="text/plain")
    scripted.get(scripted.inventory)
    assert names.NO_SERVER_FAULT in run(scripted, Case(InputClass.EITHER, "body:none", raw_body=b""))


def test_round_trip_allows_previous_value_for_either_way_input(scripted: Scripted) -> None:
    scripted.ok(updated(scripted))
    case = Case(InputClass.EITHER, "name:null", fields={"name": None})
    assert names.ROUND_TRIP not in run(scripted, case)


def test_round_trip_rejects_none_text_for_null(scripted: Scripted) -> None:
    scripted.ok(updated(scripted, name="None"))
    case = Case(InputClass.EITHER, "name:null", fields={"name": None})
    assert names.ROUND_TRIP in run(scripted, case)


def test_unchanged_unsent_fails_when_another_field_is_reset(scripted: Scripted) -> None:
    scripted.ok(updated(scripted, name="n", description=""))
    assert names.UNCHANGED_UNSENT in run(scripted, accept(name="n"))


@pytest.mark.parametrize("breakage", ["uuid", "createDate", "backwards"])
def test_invariants(scripted: Scripted, breakage: str) -> None:
    inv = updated(scripted, name="n")
    if breakage == "uuid":
        inv["uuid"] = "0123456789abcdef0123456789abcdef"
    elif breakage == "createDate":
        inv["createDate"] = "Nov 26, 2025 9:00:00 AM"
    else:
        inv["lastOpDate"] = "Nov 24, 2025 9:00:00 AM"
    scripted.ok(inv)
    assert names.INVARIANTS in run(scripted, accept(name="n"))


# -- idempotence / read_after_write ---------------------------------------------------------------

def test_idempotence_fails_when_a_repeat_differs(scripted: Scripted) -> None:
    first = updated(scripted, name="n")
    second = updated(scripted, name="n", requestMemory=first["requestMemory"] + 1)
    scripted.put(200, {"inventory": first})
    scripted.put(200, {"inventory": second})
    scripted.get(second)
    assert names.IDEMPOTENCE in run(scripted, accept(name="n"))


def test_read_after_write_fails_on_a_stale_read(scripted: Scripted) -> None:
    scripted.put(200, {"inventory": updated(scripted, name="n")})
    scripted.get(scripted.inventory)
    assert names.READ_AFTER_WRITE in run(scripted, accept(name="n"))


def test_no_query_api_is_not_a_fault(scripted: Scripted) -> None:
    scripted.harness.client.query_api = False
    inv = updated(scripted, name="n")
    scripted.put(200, {"inventory": inv})
    assert run(scripted, accept(name="n")) == set()


# -- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [{"message": "bad"}, {"error": "SYS.1007"},
                                  {"error": {"code": "SYS1007", "description": "x"}},
                                  {"error": {"code": "SYS.1007", "description": "x", "cause": {"code": 5}}},
                                  {"error": {"code": "SYS.1007"}}])
def test_error_envelope_fails_on_malformed_errors(scripted: Scripted, body: Any) -> None:
    scripted.put(api_error_status(scripted), body)
    scripted.get(scripted.inventory)
    failed = run(scripted, reject(requestCpu=True))
    if scripted.profile == "zstack" and "error" not in body:
        # A 503 without an ErrorCode body is a server fault in zstack (oracle.md "Errors").
        assert names.NO_SERVER_FAULT in failed
    else:
        assert names.ERROR_ENVELOPE in failed


@pytest.mark.parametrize(("error", "where"), [
    ({"code": "SYS.1007\n", "description": "x"}, "error.code: "),
    ({"code": "SYS.1007", "description": "x", "cause": {"code": "SYS.1000", "description": 5}},
     "error.cause.description: "),
    ({"code": "SYS.1007", "description": "x", "cause": {"code": "S.1", "description": "d",
                                                         "cause": {"code": "bad", "description": "d"}}},
     "error.cause.cause.code: "),
    ({"code": "SYS.1007", "description": "x", "opaque": "text"}, "error.opaque: "),
    ({"code": "SYS.1007", "description": "x", "details": 5}, "error.details: "),
])
def test_error_envelope_judges_with_the_contract_schema_and_names_the_path(scripted: Scripted, error: Any,
                                                                           where: str) -> None:
    scripted.put(api_error_status(scripted), {"error": error})
    scripted.get(scripted.inventory)
    assert names.ERROR_ENVELOPE in run(scripted, reject(requestCpu=True))
    assert any(where in t for t in titles(scripted, names.ERROR_ENVELOPE)), titles(scripted, names.ERROR_ENVELOPE)


def test_error_envelope_refuses_a_cause_chain_too_deep_to_judge(scripted: Scripted) -> None:
    error: dict[str, Any] = {"code": "SYS.1000", "description": "root"}
    for _ in range(40):
        error = {"code": "SYS.1000", "description": "wrapper", "cause": error}
    scripted.put(api_error_status(scripted), {"error": error})
    scripted.get(scripted.inventory)
    assert names.ERROR_ENVELOPE in run(scripted, reject(requestCpu=True))


# Plain text only where ZStack's REST layer itself answers in plain text (zstack-rest-facts.md "Two
# dialects", "Exact texts"); the case, the status and whether a zstack target may answer so.
PLAIN_TEXT_CASES = [
    (Case(InputClass.REJECT, "auth:none", fields={"name": "a"}, auth="none", reject_kind=REJECT_NO_AUTH), 400, True),
    (Case(InputClass.REJECT, "auth:scheme", fields={"name": "a"}, auth="scheme", reject_kind=REJECT_NO_AUTH),
     400, True),
    (Case(InputClass.REJECT, "body:no-action-key", fields={"name": "a"}, wrap=False, reject_kind=REJECT_PROTOCOL),
     400, True),
    (reject(requestCpu=True), 400, True),
    (reject(requestCpu=2.5), 400, True),
    (reject(requestCpu="abc"), 400, True),
    (reject(requestCpu={"v": 1}), 400, True),
    (reject(requestCpu=[1]), 400, True),
    # Beyond the Java type: a 500 on a 5.1.20 node, so either form is proper (oracle.md "Errors").
    (reject(requestCpu=2**31), 400, True),
    (reject(requestCpu=-2**31 - 1), 400, True),
    (reject(requestMemory=2**63), 400, True),
    (reject(requestMemory=-2**63 - 1), 400, True),
    (reject(requestCpu="2147483648"), 400, True),
    (reject(requestCpu=2147483648.0), 400, True),
    (Case(InputClass.REJECT, "schemathesis:fuzzing", raw_body=b'{"updateModelService": {"requestCpu": 2147483648}}',
          reject_kind=REJECT_ARGUMENT), 400, True),     # found by its body, whatever its label
    (Case(InputClass.REJECT, "updateModelService:not-object", raw_body=b'{"updateModelService": "name"}',
          reject_kind=REJECT_PROTOCOL), 400, True),
    (Case(InputClass.REJECT, "schemathesis:fuzzing", raw_body=b'{"updateModelService": [1]}'), 400, True),
    (Case(InputClass.EITHER, "body:duplicate-top-level-key", fields={"name": "b"},
          alternatives={"name": ("a", "b")}), 400, True),
    (Case(InputClass.EITHER, "schemathesis:fuzzing",
          raw_body=b'{"updateModelService": {"name": "a"}, "updateModelService": {"name": "b"}}'), 400, True),
    (Case(InputClass.EITHER, "name:duplicate-key", fields={"name": "b"},
          alternatives={"name": ("a", "b")}), 400, False),  # a repeated inner key: the API's refusal, 503
    (reject(requestCpu=2**31 - 1, name=True), 400, False),  # in range (a bad name is the API's argument error)
    (Case(InputClass.REJECT, "auth:unknown-session", fields={"name": "a"}, auth="unknown",
          reject_kind=REJECT_SESSION), 400, False),     # must be 503 ID.1001
    (Case(InputClass.REJECT, "uuid:unknown", fields={"name": "a"}, uuid="0" * 31 + "2",
          reject_kind=REJECT_NOT_FOUND), 400, False),   # must be 503 SYS.1003
    (Case(InputClass.REJECT, "uuid:unknown", fields={"name": "a"}, uuid="0" * 31 + "2",
          reject_kind=REJECT_NOT_FOUND), 404, False),   # the path is mapped: not "no api mapping"
    (Case(InputClass.REJECT, "uuid:malformed", fields={"name": "a"}, uuid="a/b",
          reject_kind="bad-uuid"), 404, True),           # no API mapped to that path: "no api mapping"
    (either(name=""), 400, False),                       # an argument error of the API: 503 SYS.1007
    (Case(InputClass.EITHER, "body:none", raw_body=b""), 400, True),
]


@pytest.mark.parametrize(("case", "status", "zstack_ok"), PLAIN_TEXT_CASES,
                         ids=[f"{c.label}-{st}" for c, st, _ in PLAIN_TEXT_CASES])
def test_plain_text_errors_only_where_the_rest_layer_sends_them(scripted: Scripted, case: Case, status: int,
                                                               zstack_ok: bool) -> None:
    scripted.put(status, raw=b"refused", content_type="text/plain")
    scripted.get(scripted.inventory)
    failed = names.ERROR_ENVELOPE in run(scripted, case)
    assert failed is not (zstack_ok and scripted.profile == "zstack")


@pytest.mark.parametrize("case", [reject(requestCpu=2**31), reject(requestMemory="-9223372036854775809"),
                                  Case(InputClass.REJECT, "updateModelService:not-object",
                                       raw_body=b'{"updateModelService": 1}', reject_kind=REJECT_PROTOCOL)],
                         ids=["int", "quoted", "not-object"])
def test_a_plain_text_500_for_an_either_form_input_stays_a_fault(scripted: Scripted, case: Case) -> None:
    # zstack-rest-facts.md: a 5.1.20 node's plain-text 500 here is a defect, reported, in both dialects.
    scripted.put(500, raw=b"java.lang.NumberFormatException: Expected an int", content_type="text/plain")
    scripted.get(scripted.inventory)
    assert names.NO_SERVER_FAULT in run(scripted, case)


def test_a_503_errorcode_for_an_out_of_range_integer_is_sound(scripted: Scripted) -> None:
    scripted.error(api_error_status(scripted), "SYS.1007")
    assert run(scripted, reject(requestCpu=2**31)) == set()


def test_error_envelope_accepts_nested_causes(scripted: Scripted) -> None:
    cause = {"code": "SYS.1000", "description": "inner", "details": None, "opaque": None}
    scripted.put(api_error_status(scripted),
                 {"error": {"code": "SYS.1007", "description": "outer", "cause": cause, "opaque": {}}})
    scripted.get(scripted.inventory)
    assert names.ERROR_ENVELOPE not in run(scripted, reject(requestCpu=True))


def test_error_envelope_fails_on_plain_text_in_documented(scripted: Scripted) -> None:
    if scripted.profile != "documented":
        pytest.skip("zstack allows plain-text 400s")
    scripted.put(400, raw=b"bad request", content_type="text/plain")
    scripted.get(scripted.inventory)
    assert names.ERROR_ENVELOPE in run(scripted, reject(requestCpu=True))


@pytest.mark.parametrize(("kind", "wanted"), [(REJECT_SESSION, "ID.1001"), (REJECT_NOT_FOUND, "SYS.1003"),
                                              (REJECT_ARGUMENT, "SYS.1007")])
def test_zstack_codes(scripted: Scripted, kind: str, wanted: str) -> None:
    scripted.error(api_error_status(scripted), "SYS.1000")
    failed = run(scripted, reject(kind, requestCpu=True))
    # Only the zstack dialect fixes codes; in documented any well-formed code passes.
    assert (names.ZSTACK_CODES in failed) == (scripted.profile == "zstack")


def test_zstack_codes_pass_with_the_right_code(scripted: Scripted) -> None:
    scripted.error(api_error_status(scripted), "ID.1001")
    assert names.ZSTACK_CODES not in run(scripted, reject(REJECT_SESSION, name="a"))


def test_rejected_unchanged_fails_on_partial_apply(scripted: Scripted) -> None:
    scripted.error(api_error_status(scripted), "SYS.1007", reread=updated(scripted, name="half"))
    assert names.REJECTED_UNCHANGED in run(scripted, reject(name="half", requestCpu="x"))


def test_rejects_invalid_fails_when_accepted(scripted: Scripted) -> None:
    scripted.ok(updated(scripted, requestCpu=1))
    assert names.REJECTS_INVALID in run(scripted, reject(requestCpu=1.5))


def test_accepts_valid_fails_when_rejected(scripted: Scripted) -> None:
    scripted.error(api_error_status(scripted), "SYS.1007")
    assert names.ACCEPTS_VALID in run(scripted, accept(requestCpu=2**31 - 1))


# -- faults and hangs -----------------------------------------------------------------------------

def test_no_server_fault_on_500(scripted: Scripted) -> None:
    scripted.put(500, raw=b"<html>Internal Server Error</html>", content_type="text/html")
    scripted.get(scripted.inventory)
    assert names.NO_SERVER_FAULT in run(scripted, accept(name="x"))


def test_bare_503_is_a_fault_in_both_dialects(scripted: Scripted) -> None:
    # documented: any 5xx is a fault; zstack: a 503 without an ErrorCode body (oracle.md "Errors").
    scripted.put(503, raw=b"", content_type="text/plain")
    scripted.get(scripted.inventory)
    assert names.NO_SERVER_FAULT in run(scripted, reject(requestCpu="x"))


def test_503_with_errorcode_is_not_a_fault_in_zstack(scripted: Scripted) -> None:
    if scripted.profile != "zstack":
        pytest.skip("503 is the API-error status of zstack only")
    scripted.error(503, "SYS.1007")
    assert names.NO_SERVER_FAULT not in run(scripted, reject(requestCpu="x"))


def test_no_hang_on_timeout(scripted: Scripted) -> None:
    import requests

    scripted.mock.add(scripted.mock.PUT, scripted.url, body=requests.ReadTimeout("read timed out"))
    scripted.get(scripted.inventory)
    assert names.NO_HANG in run(scripted, accept(name="x"))


# -- every check, one by one: a sound answer passes it (and the check really judged it) ------------

def _sound_scenario(s: Scripted, check: str) -> None:
    status = api_error_status(s)
    if check == names.NO_LOST_UPDATE:
        merged = updated(s, name="a", description="b")
        s.put(200, {"inventory": merged})
        s.get(merged)
        s.harness.concurrent_writes([{"name": "a"}, {"description": "b"}])
    elif check in (names.ERROR_ENVELOPE, names.REJECTED_UNCHANGED, names.REJECTS_INVALID):
        s.error(status, "SYS.1007")
        s.harness.execute(reject(requestCpu="1", name="x"))
    elif check == names.ZSTACK_CODES:
        s.error(status, "ID.1001")
        s.harness.execute(reject(REJECT_SESSION, name="x"))
    else:
        s.ok(updated(s, name="n", requestMemory=2**53 + 1))
        s.harness.execute(accept(name="n", requestMemory=2**53 + 1))


@pytest.mark.parametrize("check", sorted(names.ALL))
def test_a_sound_answer_passes_each_check(scripted: Scripted, check: str) -> None:
    if check == names.ZSTACK_CODES and scripted.profile != "zstack":
        pytest.skip("codes are fixed in the zstack dialect only")
    _sound_scenario(scripted, check)
    assert scripted.failed_checks() == set()
    assert scripted.result.tallies[check].passed >= 1, f"{check} never judged the sound answer"


def test_no_lost_update_compares_what_the_target_stores(scripted: Scripted) -> None:
    merged = updated(scripted, name="a", description=trimmed(scripted, " b\n"))
    scripted.put(200, {"inventory": merged})
    scripted.get(merged)
    scripted.harness.concurrent_writes([{"name": " a "}, {"description": " b\n"}])
    assert names.NO_LOST_UPDATE not in scripted.failed_checks()
    assert scripted.result.tallies[names.NO_LOST_UPDATE].passed == 1


def test_no_lost_update_fails_when_a_trimmed_write_is_lost(scripted: Scripted) -> None:
    only_name = updated(scripted, name="a")
    scripted.put(200, {"inventory": only_name})
    scripted.get(only_name)
    scripted.harness.concurrent_writes([{"name": " a "}, {"description": " b\n"}])
    assert names.NO_LOST_UPDATE in scripted.failed_checks()


def test_no_lost_update_fails_when_a_concurrent_write_is_lost(scripted: Scripted) -> None:
    only_name = updated(scripted, name="a")  # the description write was overwritten
    scripted.put(200, {"inventory": only_name})
    scripted.get(only_name)
    scripted.harness.concurrent_writes([{"name": "a"}, {"description": "b"}])
    assert names.NO_LOST_UPDATE in scripted.failed_checks()


# A number in a string field on a node: Gson reads the body's numbers as long or double
# (JSONObjectUtil's ToNumberPolicy.LONG_OR_DOUBLE), so a float comes back as Java's Double.toString.
@pytest.mark.parametrize(("stored", "failing"), [
    ("-6.270879406245449E16", set()),            # Gson's text of the double
    ("-6.270879406245449e+16", set()),           # its JSON text, as sent
    ("-6.27E16", {names.ROUND_TRIP}),            # neither: digits lost
])
def test_a_float_in_a_string_field_may_come_back_as_gsons_text(scripted: Scripted, stored: str,
                                                                failing: set[str]) -> None:
    from zscontract.core.cases import Case, InputClass

    inventory = {**scripted.inventory, "name": stored}
    scripted.ok(inventory)
    scripted.harness.execute(Case(InputClass.EITHER, "name:number", fields={"name": -6.270879406245449e16}))
    assert scripted.failed_checks() == failing
