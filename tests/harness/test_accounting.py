"""Honest accounting inside the harness: what counts as judged, what a dead target may not pass,
how the query API is judged on every read-back, and which reasons keep a run green."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from tests.fixtures.scripted import BASE, SESSION, Scripted, scripted  # noqa: F401  (the fixture)
from zscontract.checks import names
from zscontract.config import RunSettings
from zscontract.contract import load_contract
from zscontract.core.cases import REJECT_ARGUMENT, Case, InputClass
from zscontract.core.client import Client, ClientSettings, Limits
from zscontract.core.dialects import DOCUMENTED
from zscontract.core.redact import Redactor
from zscontract.reporting.verdict import headline
from zscontract.runner.accounting import NEEDS_QUERY_API, explain_unjudged
from zscontract.runner.engine import Harness
from zscontract.runner.restore import differences, restorable_fields, trimmed
from zscontract.runner.results import CheckTally, RunResult

UUID = "c" * 32


def _harness_on_a_closed_port() -> tuple[Harness, RunResult]:
    """A harness whose every request is refused (port 1), held failures kept (no TargetDown)."""
    client = Client(ClientSettings(base_url="http://127.0.0.1:1", session_uuid=SESSION, dialect=DOCUMENTED,
                                   request_timeout=2), limits=Limits(down_after=None))
    result = RunResult("documented", "http://127.0.0.1:1", UUID, Redactor([SESSION]))
    client.query_api = False  # no read-backs: only the updates' own exchanges are judged
    return Harness(load_contract("documented"), DOCUMENTED, client, UUID, result), result


def test_nothing_passes_against_a_target_that_does_not_answer() -> None:
    harness, result = _harness_on_a_closed_port()
    for _ in range(3):
        harness.execute(Case(InputClass.REJECT, "requestCpu", fields={"requestCpu": "x"},
                             reject_kind=REJECT_ARGUMENT))
    assert all(t.passed == 0 for t in result.tallies.values()), result.tallies
    assert result.tallies[names.REJECTS_INVALID].not_applicable == 3
    assert result.failures == {}  # the dropped connections are held: is the target down, or did it crash?
    assert harness.drop_held() > 0  # down: not contract failures
    harness.flush_held()
    assert result.failures == {}


def test_a_held_transport_failure_counts_once_the_target_answers_again() -> None:
    harness, result = _harness_on_a_closed_port()
    harness.execute(Case(InputClass.ACCEPT, "name", fields={"name": "x"}))
    harness.flush_held()  # the run ended with the target answering: the dropped connection is a fault
    assert names.NO_SERVER_FAULT in result.failed_checks()


def test_query_read_fails_a_query_api_answering_500(scripted: Scripted) -> None:  # noqa: F811
    s = scripted
    s.put(200, {"inventory": s.inventory})
    s.get(None, status=500)
    s.harness.execute(Case(InputClass.ACCEPT, "name", fields={"name": s.inventory["name"]}))
    assert names.QUERY_READ in s.failed_checks()


def test_query_read_fails_an_unfiltered_query_and_passes_a_sound_one(scripted: Scripted) -> None:  # noqa: F811
    s = scripted
    other = {**copy.deepcopy(s.inventory), "uuid": "d" * 32}
    s.put(200, {"inventory": s.inventory})
    # Both read forms (?q=uuid= as ZStack's SDK reads, and /{uuid}) answer with two model services.
    either = re.escape(s.url.rsplit("/", 1)[0]) + r"(/|\?q=uuid=)" + re.escape(s.inventory["uuid"]) + "$"
    s.mock.add("GET", re.compile(either), json={"inventories": [s.inventory, other]})
    s.harness.execute(Case(InputClass.ACCEPT, "name", fields={"name": s.inventory["name"]}))
    titles = [f.title for f in s.result.failures.values() if f.check == names.QUERY_READ]
    assert titles and "returned 2 inventories" in titles[0], titles  # not filtered, not a dropped connection


def test_query_read_passes_a_sound_query(scripted: Scripted) -> None:  # noqa: F811
    s = scripted
    s.ok(s.inventory)
    s.harness.execute(Case(InputClass.ACCEPT, "name", fields={"name": s.inventory["name"]}))
    assert names.QUERY_READ not in s.failed_checks()
    assert s.result.tallies[names.QUERY_READ].passed >= 1


def test_concurrent_writes_are_judged_one_by_one(scripted: Scripted) -> None:  # noqa: F811
    s = scripted
    s.put(500, {"error": {"code": "SYS.1000", "description": "boom"}})
    s.get(s.inventory)
    s.harness.concurrent_writes([{"name": "a"}, {"description": "b"}])
    assert names.NO_SERVER_FAULT in s.failed_checks()  # a 500 among concurrent writes is reported


@pytest.mark.parametrize(("settings", "query_api", "check", "user_chosen"), [
    (RunSettings(read_only=True), True, names.ROUND_TRIP, True),
    (RunSettings(), True, names.ZSTACK_CODES, True),
    (RunSettings(phases=("properties",)), True, names.NO_LOST_UPDATE, True),
])
def test_reasons_for_judging_nothing(settings: RunSettings, query_api: bool, check: str, user_chosen: bool) -> None:
    result = RunResult("documented", BASE, UUID, Redactor())
    result.selected = tuple(names.ALL)
    explain_unjudged(result, settings, query_api=query_api, phases_run=set(settings.phases))
    assert result.unjudged[check].user_chosen is user_chosen
    assert (check in result.incomplete_checks()) is not user_chosen
    assert result.verdict == "incomplete"  # other checks judged nothing either, for no chosen reason


def _all_judged_but(*unjudged: str) -> RunResult:
    result = RunResult("documented", BASE, UUID, Redactor())
    result.selected = tuple(n for n in names.ALL if n != names.ZSTACK_CODES)
    result.tallies = {n: CheckTally(passed=1) for n in result.selected if n not in unjudged}
    return result


def test_checks_that_need_a_query_api_do_not_apply_to_a_target_without_one() -> None:
    # oracle.md "Round-trip": the query API is another API; its checks are not applicable, not a gap.
    result = _all_judged_but(*NEEDS_QUERY_API)
    explain_unjudged(result, RunSettings(), query_api=False, phases_run={"properties", "scenarios"})
    assert result.verdict == "passed" and result.exit_code == 0, result.unjudged
    assert result.not_applicable_checks() == [names.READ_AFTER_WRITE, names.QUERY_READ]
    why = result.unjudged[names.READ_AFTER_WRITE]
    assert (why.reason, why.applicable, why.user_chosen) == ("the target has no query API", False, False)
    summary = result.to_json()
    assert summary["checks"][names.QUERY_READ]["applicable"] is False
    assert summary["not_applicable_checks"] == [names.READ_AFTER_WRITE, names.QUERY_READ]
    assert headline(summary) == ("PASSED: the target conforms (not applicable: read_after_write, query_read: "
                                 "the target has no query API)")


def test_a_check_that_could_apply_and_judged_nothing_stays_incomplete() -> None:
    # "Not applicable" is only the query API's absence: another check that judged nothing is a gap.
    result = _all_judged_but(*NEEDS_QUERY_API, names.IDEMPOTENCE)
    explain_unjudged(result, RunSettings(), query_api=False, phases_run={"properties", "scenarios"})
    assert result.verdict == "incomplete" and result.incomplete_checks() == [names.IDEMPOTENCE]
    assert headline(result.to_json()).startswith("INCOMPLETE: 1 check judged nothing: idempotence")
    # With a query API, read_after_write judging nothing is a gap too.
    result = _all_judged_but(names.READ_AFTER_WRITE)
    explain_unjudged(result, RunSettings(), query_api=True, phases_run={"properties", "scenarios"})
    assert result.incomplete_checks() == [names.READ_AFTER_WRITE] and result.unjudged[names.READ_AFTER_WRITE].applicable


@pytest.mark.parametrize("query_read_passed", [0, 1])
def test_checks_left_without_a_usable_read_say_so(query_read_passed: int) -> None:
    # Every read-back failed query_read (a query API answering 500): the comparing checks say why they
    # judged nothing; one usable read and the old reason stands (nothing blames the query API then).
    result = RunResult("documented", BASE, UUID, Redactor())
    result.selected = (names.READ_AFTER_WRITE, names.REJECTED_UNCHANGED, names.QUERY_READ)
    result.tallies[names.QUERY_READ] = CheckTally(passed=query_read_passed, failed=7)
    explain_unjudged(result, RunSettings(), query_api=True, phases_run={"properties"})
    for check in (names.READ_AFTER_WRITE, names.REJECTED_UNCHANGED):
        reason = result.unjudged[check]
        blames_reads = "no read-back was usable: all 7 reads failed query_read" in reason.reason
        assert blames_reads is (query_read_passed == 0), reason.reason
        assert not reason.user_chosen
    assert names.QUERY_READ not in result.unjudged


def test_a_check_that_met_cases_before_the_budget_ended_says_both() -> None:
    result = RunResult("zstack", BASE, UUID, Redactor())
    result.selected = (names.ZSTACK_CODES,)
    result.tallies[names.ZSTACK_CODES] = CheckTally(not_applicable=1200)
    result.incomplete = "the run's time budget (--max-time) ran out during a request"
    explain_unjudged(result, RunSettings(profile="zstack"), query_api=True, phases_run={"properties"})
    reason = result.unjudged[names.ZSTACK_CODES].reason
    assert reason.startswith("none of the 1200 cases it saw gave it anything to judge") and "ran out" in reason


def test_a_budget_spent_is_not_a_reason_the_user_chose() -> None:
    result = RunResult("documented", BASE, UUID, Redactor())
    result.selected = (names.IDEMPOTENCE,)
    result.incomplete = "--max-requests 1 reached"
    explain_unjudged(result, RunSettings(), query_api=True, phases_run={"properties"})
    assert result.verdict == "incomplete" and result.exit_code == 5
    assert "--max-requests 1 reached" in result.unjudged[names.IDEMPOTENCE].reason


def test_restore_writes_each_field_in_the_contracts_type(tmp_path: Path) -> None:
    contract = load_contract("documented")
    snapshot = {"uuid": UUID, "name": "n", "requestCpu": "8", "requestMemory": "1024"}
    fields = restorable_fields(contract, snapshot, include_example_fields=False)
    assert fields["requestCpu"] == 8 and fields["requestMemory"] == 1024 and fields["name"] == "n"
    lost, _ = differences(contract, snapshot, {**snapshot, "requestCpu": 8, "requestMemory": 1024},
                          include_example_fields=False)
    assert lost == []
    lost, _ = differences(contract, snapshot, {**snapshot, "requestCpu": 9}, include_example_fields=False)
    assert lost == ["requestCpu"]


def test_a_restore_back_byte_for_byte_or_as_a_node_trims_counts_and_says_which() -> None:
    # zstack: the node's Java trim of the snapshot, or the snapshot itself (a target that does not trim
    # has restored it too: no NOT RESTORED on top of its round_trip failure); the trimmed ones are named.
    contract = load_contract("zstack")
    snap = {"yaml": "a: 1\n", "name": " n ", "description": "d"}
    assert differences(contract, snap, dict(snap), include_example_fields=False) == ([], [])
    trimmed_back = {"yaml": "a: 1", "name": "n", "description": "d"}
    assert differences(contract, snap, trimmed_back, include_example_fields=False) == ([], [])
    assert trimmed(contract, snap, trimmed_back) == ["name", "yaml"]
    assert trimmed(contract, snap, dict(snap)) == []
    lost = {"yaml": "a: 2", "name": "n", "description": "d"}
    assert differences(contract, snap, lost, include_example_fields=False)[0] == ["yaml"]
