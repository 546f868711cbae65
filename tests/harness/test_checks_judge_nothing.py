"""A check judges only what its answer can tell: no pass counted on an answer that says
nothing about the property, no failure on what the facts leave open.

Each test shows a broken or uninformative answer and what the check makes of it; the sound answers are in
test_checks.py (``test_a_sound_answer_passes_each_check``).
"""

from __future__ import annotations

import re

import pytest
import responses

from tests.fixtures.scripted import Scripted
from tests.harness.test_checks import accept, api_error_status, reject, run, updated
from zscontract.checks import names
from zscontract.checks.state import same
from zscontract.core.cases import Case, InputClass


def _tally(s: Scripted, check: str) -> tuple[int, int]:
    t = s.result.tallies[check]
    return t.passed, t.failed


@pytest.mark.parametrize(("status", "raw"), [(500, b"java.lang.NullPointerException"), (302, b""), (204, b"")])
def test_a_valid_update_answered_with_a_fault_a_redirect_or_no_content_fails_accepts_valid(
        scripted: Scripted, status: int, raw: bytes) -> None:
    scripted.put(status, raw=raw, content_type="text/plain")
    scripted.get(scripted.inventory)
    assert names.ACCEPTS_VALID in run(scripted, accept(name="n"))
    assert _tally(scripted, names.ACCEPTS_VALID) == (0, 1)


def test_an_invalid_request_answered_with_a_fault_is_not_a_pass_of_rejects_invalid(scripted: Scripted) -> None:
    scripted.put(500, raw=b"java.lang.NullPointerException", content_type="text/plain")
    scripted.get(scripted.inventory)
    failed = run(scripted, reject(requestCpu="x"))
    assert names.NO_SERVER_FAULT in failed and names.REJECTS_INVALID not in failed
    assert _tally(scripted, names.REJECTS_INVALID) == (0, 0)


def test_an_invalid_request_answered_204_is_accepted(scripted: Scripted) -> None:
    scripted.put(204, raw=b"", content_type=None)
    scripted.get(scripted.inventory)
    assert names.REJECTS_INVALID in run(scripted, reject(requestCpu="x"))


@pytest.mark.parametrize("klass", ["accept", "reject"])
def test_a_429_judges_no_answer_check(scripted: Scripted, klass: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda s: None)  # the client's one wait for Retry-After
    scripted.put(429, raw=b"Too Many Requests", content_type="text/plain")
    scripted.get(scripted.inventory)
    case = accept(name="n") if klass == "accept" else reject(requestCpu="x")
    failed = run(scripted, case)
    for check in (names.ACCEPTS_VALID, names.REJECTS_INVALID, names.ERROR_ENVELOPE, names.ZSTACK_CODES):
        assert check not in failed
        assert _tally(scripted, check)[0] == 0, f"{check} counted a 429 as a pass"


def test_round_trip_judges_nothing_when_no_sent_field_comes_back(scripted: Scripted) -> None:
    scripted.ok(updated(scripted))
    run(scripted, Case(InputClass.EITHER, "invented-field", fields={"zsInvented": 1}))
    run(scripted, Case(InputClass.EITHER, "empty-update", fields={}))
    assert _tally(scripted, names.ROUND_TRIP) == (0, 0)
    scripted.ok(updated(scripted, name="n"))
    run(scripted, accept(name="n"))
    assert _tally(scripted, names.ROUND_TRIP) == (1, 0)


def test_no_lost_update_judges_nothing_when_no_concurrent_write_was_accepted(scripted: Scripted) -> None:
    scripted.put(500, raw=b"java.lang.NullPointerException", content_type="text/plain")
    scripted.get(scripted.inventory)
    scripted.harness.concurrent_writes([{"name": "a"}, {"description": "b"}])
    assert _tally(scripted, names.NO_LOST_UPDATE) == (0, 0)


def test_a_reordered_list_is_not_a_change(scripted: Scripted) -> None:
    images = [{"uuid": "a" * 32, "name": "one"}, {"uuid": "b" * 32, "name": "two"}]
    scripted.harness.state = {**scripted.harness.state, "modelServiceImages": images}
    reordered = updated(scripted, name="n", modelServiceImages=list(reversed(images)))
    scripted.ok(reordered)
    assert run(scripted, accept(name="n")) == set()
    assert not same([1, 2], [1, 3]) and not same([1], [1, 1])


def test_a_zoned_and_a_zoneless_date_are_not_ordered_not_a_crash(scripted: Scripted) -> None:
    inventory = updated(scripted, name="n")
    inventory["createDate"] = "2025-11-26T09:00:00Z"  # RFC 3339; lastOpDate stays a Gson date
    scripted.harness.state = {**scripted.harness.state, "createDate": inventory["createDate"]}
    scripted.ok(inventory)
    assert names.INVARIANTS not in run(scripted, accept(name="n"))
    tally = scripted.result.tallies[names.INVARIANTS]
    assert (tally.errors, tally.passed) == (0, 1), "the check crashed on the two date styles"


def test_a_fault_signature_names_the_kind_of_input(scripted: Scripted) -> None:
    scripted.put(500, raw=b"boom", content_type="text/plain")
    scripted.get(scripted.inventory)
    run(scripted, Case(InputClass.REJECT, "requestCpu:overflow", fields={"requestCpu": 2**40},
                       reject_kind="argument"))
    run(scripted, Case(InputClass.REJECT, "requestCpu:non-positive", fields={"requestCpu": 0},
                       reject_kind="argument"))
    signatures = {f.signature for f in scripted.result.failures.values() if f.check == names.NO_SERVER_FAULT}
    assert signatures == {"status 500 on requestCpu:overflow", "status 500 on requestCpu:non-positive"}
    assert api_error_status(scripted) in (400, 503)


def test_a_code_of_its_own_on_every_answer_is_one_failure_not_thousands(scripted: Scripted) -> None:
    for i in range(20):  # answers are used in order
        scripted.put(api_error_status(scripted), {"error": {"code": f"RAND.{1000 + i}", "description": "x"}})
    scripted.get(scripted.inventory)
    for i in range(20):
        run(scripted, accept(name=f"n{i}"))
    failures = [f for f in scripted.result.failures.values() if f.check == names.ACCEPTS_VALID]
    assert scripted.result.tallies[names.ACCEPTS_VALID].failed == 20
    assert {f.signature for f in failures} == {f"valid update rejected with {api_error_status(scripted)} another code"}
    assert "RAND.1000" in failures[0].title  # the title still names the code


def test_the_resource_uuid_in_capitals_is_either_way_not_must_reject(scripted: Scripted) -> None:
    # A MySQL node (case-insensitive collation) may find the resource by it and apply the update.
    scripted.ok(updated(scripted, name="n"))
    upper = scripted.inventory["uuid"].upper()
    scripted.mock.add("PUT", scripted.url.replace(scripted.inventory["uuid"], upper),
                      json={"inventory": updated(scripted, name="n")}, status=200)
    failed = run(scripted, Case(InputClass.REJECT, "uuid:malformed", fields={"name": "n"}, uuid=upper,
                                reject_kind="bad-uuid"))
    assert names.REJECTS_INVALID not in failed
    assert scripted.result.cases.get("either-way") == 1


def test_a_rest_read_in_the_pages_own_shape_reads_the_resource_in_documented_only(scripted: Scripted) -> None:
    # The page defines no query API; a server following it may answer GET /{uuid} with
    # {"inventory": ...}. In zstack a node's query answers {"inventories": [...]}: anything else fails.
    inventory = updated(scripted, name="n")
    scripted.put(200, {"inventory": inventory})
    either = r"(/|\?q=uuid=)" + scripted.inventory["uuid"]
    scripted.mock.add(responses.GET, re.compile(r".*/zstack/v1/ai/model-services" + either + "$"),
                      json={"inventory": inventory})
    failed = run(scripted, accept(name="n"))
    if scripted.profile == "documented":
        assert names.QUERY_READ not in failed and _tally(scripted, names.QUERY_READ)[0] >= 1
        assert _tally(scripted, names.READ_AFTER_WRITE)[0] == 1  # the read was used
    else:
        assert names.QUERY_READ in failed


def test_a_field_one_view_leaves_out_is_not_a_change(scripted: Scripted) -> None:
    # The state known from an update answer (with cpuArchitectures), the read after a
    # rejected request from a query view without it: nothing changed. A writable field left out still is.
    status = 400 if scripted.profile == "documented" else 503
    answer = updated(scripted, cpuArchitectures=["x86_64"])
    view = {k: v for k, v in answer.items() if k != "cpuArchitectures"}
    scripted.harness.state = dict(answer)
    scripted.error(status, "SYS.1007", reread=view)
    assert names.REJECTED_UNCHANGED not in run(scripted, reject(requestCpu="x"))
    assert names.REJECTED_UNCHANGED not in scripted.failed_checks()
    scripted.harness.state = dict(answer)
    scripted.mock.reset()
    scripted.error(status, "SYS.1007", reread={k: v for k, v in view.items() if k != "description"})
    assert names.REJECTED_UNCHANGED in run(scripted, reject(requestCpu="x"))
