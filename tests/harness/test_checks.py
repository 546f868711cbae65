"""Each check, against a target scripted with ``responses``: a broken answer fails it, a sound one passes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.fixtures.scripted import Scripted
from zscontract.checks import names
from zscontract.core.cases import REJECT_ARGUMENT, REJECT_NOT_FOUND, REJECT_SESSION, Case, InputClass


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


# -- sound answers pass every check ---------------------------------------------------------------

def test_sound_success_passes_every_check(scripted: Scripted) -> None:
    scripted.ok(updated(scripted, name="模型 服务 "))
    assert run(scripted, accept(name="模型 服务 ")) == set()
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


# -- round_trip / unchanged_unsent / invariants ----------------------------------------------------

def test_round_trip_fails_on_a_dropped_write(scripted: Scripted) -> None:
    scripted.ok(updated(scripted))  # the write is silently ignored
    assert run(scripted, accept(description="新的描述\n")) >= {names.ROUND_TRIP}


@pytest.mark.parametrize(("sent", "got"), [(" a ", "a"), ("x\n", "x"), (2**53 + 1, float(2**53)),
                                           (2**31 + 5, 2**31 + 5 - 2**32)])
def test_round_trip_fails_on_mangled_values(scripted: Scripted, sent: Any, got: Any) -> None:
    field = "name" if isinstance(sent, str) else "requestMemory"
    scripted.ok(updated(scripted, **{field: got}))
    assert names.ROUND_TRIP in run(scripted, accept(**{field: sent}))


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
    scripted.harness.client._query_api = False
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


def test_no_lost_update_fails_when_a_concurrent_write_is_lost(scripted: Scripted) -> None:
    only_name = updated(scripted, name="a")  # the description write was overwritten
    scripted.put(200, {"inventory": only_name})
    scripted.get(only_name)
    scripted.harness.concurrent_writes([{"name": "a"}, {"description": "b"}])
    assert names.NO_LOST_UPDATE in scripted.failed_checks()
