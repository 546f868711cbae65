"""Every report tells the outcome the process returns.

JUnit is red exactly when the exit code is not 0; a run cut by its budget says so in every report;
the minimizer never reports another failure's reproduction under a signature.
"""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.fixtures.servers import ServerFactory
from zscontract.checks import names
from zscontract.contract import load_contract
from zscontract.core.cases import Case, classify_fields
from zscontract.core.client import Client, ClientSettings
from zscontract.core.dialects import get_dialect
from zscontract.core.failures import CheckFailed
from zscontract.core.redact import Redactor
from zscontract.reporting.junit import render_junit
from zscontract.reporting.summary import render_markdown
from zscontract.reporting.terminal import Terminal
from zscontract.runner.engine import Harness
from zscontract.runner.minimize import minimize_failures
from zscontract.runner.restore_report import RestoreReport
from zscontract.runner.results import RunResult

CHECKS = ("response_shape", "round_trip")


def result_of(**state: Any) -> RunResult:
    """A finished run: both checks judged and passed, then ``state`` (interrupted=..., restore=...)."""
    result = RunResult(profile="documented", target_url="http://t", model_service_uuid="u" * 32,
                       redactor=Redactor(), selected=CHECKS)
    for check in CHECKS:
        result.passed(check)
    result.restore = RestoreReport(True, snapshot="/r/snapshot.json")
    for key, value in state.items():
        setattr(result, key, value)
    return result


def junit(result: RunResult) -> ET.Element:
    suite = ET.fromstring(render_junit(result)).find("testsuite")
    assert suite is not None
    return suite


def red(suite: ET.Element) -> bool:
    """What a CI test-report gate reads: a failure or an error, counted and present."""
    counted = int(suite.get("failures", "0")) + int(suite.get("errors", "0"))
    return counted > 0 and bool(suite.findall("testcase/failure") + suite.findall("testcase/error"))


# -- JUnit is never green for a run that is not a verdict on the target ---------------------------

@pytest.mark.parametrize(("state", "verdict", "needle"), [
    ({"interrupted": "SIGINT"}, "interrupted", "INTERRUPTED by SIGINT"),
    ({"restore": RestoreReport(False, why="fields still differ: name", snapshot="/r/snapshot.json")},
     "not_restored", "NOT RESTORED: fields still differ: name"),
    ({"stopped": "5 transport failures in a row"}, "target_down", "TARGET DOWN"),
    ({"selected": (*CHECKS, "read_after_write")}, "incomplete", "INCOMPLETE: 1 check judged nothing"),
])
def test_junit_is_red_for_a_run_that_is_not_a_verdict(state: dict[str, Any], verdict: str, needle: str) -> None:
    result = result_of(**state)
    assert result.verdict == verdict and result.exit_code not in (0, 1)
    suite = junit(result)
    assert red(suite)
    [case] = [c for c in suite.iter("testcase") if c.get("name") == "zscontract.verdict"]
    error = case.find("error")
    assert error is not None and error.get("type") == verdict and needle in error.get("message", "")
    assert f"exit {result.exit_code}" in (error.text or "")


def test_junit_of_a_failed_run_that_was_not_restored_says_so_too() -> None:
    result = result_of(restore=RestoreReport(False, why="the target went away", snapshot="/s.json"),
                       stopped="5 transport failures in a row")
    result.failed(CheckFailed("round_trip", "name changed", expected="x", signature="name: text changed"))
    assert result.verdict == "failed"
    [case] = [c for c in junit(result).iter("testcase") if c.get("name") == "zscontract.verdict"]
    text = case.find("error").get("message", "") + (case.find("error").text or "")  # type: ignore[union-attr]
    assert "stopped answering" in text and "NOT restored" in text and "/s.json" in text


def test_junit_of_a_passed_run_stays_green_even_when_cut_by_its_budget() -> None:
    for result in (result_of(), result_of(incomplete="--max-requests 200 reached")):
        suite = junit(result)
        assert suite.get("failures") == "0" and suite.get("errors") == "0" and suite.get("skipped") == "0"
        assert not any(c.get("name") == "zscontract.verdict" for c in suite.iter("testcase"))
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["incomplete"] == "--max-requests 200 reached" and props["exit_code"] == "0"
    assert "cut short: --max-requests 200 reached" in props["headline"]


# -- a run cut by its budget says so in the Markdown and on the terminal ----------------------------

def test_a_cut_run_says_so_in_the_markdown_and_the_terminal_verdict() -> None:
    result = result_of(incomplete="--max-requests 200 reached", requests=204)
    assert result.verdict == "passed"
    md = render_markdown(result)
    first = md.splitlines()[0]
    assert first.startswith("## zscontract: PASSED") and "cut short: --max-requests 200 reached" in first
    assert "the restore's own requests are never refused" in md and "204 requests" in md
    stream = io.StringIO()
    Terminal(stream=stream, every=0).summary(result)
    lines = stream.getvalue().strip().splitlines()
    assert "cut short: --max-requests 200 reached" in lines[-1] and lines[-1].startswith("PASSED")
    assert any("login and preflight included" in line for line in lines)


# -- the minimizer keeps the failure it minimizes -------------------------------------------------

def test_minimizing_never_swaps_in_another_failure_of_the_same_check(reference_server: ServerFactory) -> None:
    # truncate-name-64 cuts the name, ignore-description drops the description: the case fails
    # round_trip on the name, and its first smaller case (the name dropped) fails it on the description.
    server = reference_server(profile="documented", faults=["truncate-name-64", "ignore-description"])
    dialect, contract = get_dialect("documented"), load_contract("documented")
    uuid = server.model_service_uuids[0]
    client = Client(ClientSettings(base_url=server.url, session_uuid=server.session_uuid, dialect=dialect))
    result = RunResult("documented", server.url, uuid, Redactor([server.session_uuid]))
    harness = Harness(contract, dialect, client, uuid, result)
    harness.state = client.read(uuid).inventory
    fields = {"name": "n" * 100, "description": "a description the target drops"}
    klass, _ = classify_fields(contract, fields)
    found = [f for f in harness.execute(Case(klass, "demo", fields=fields)) if f.check == names.ROUND_TRIP]
    assert [f.signature for f in found] == ["name: truncated"]
    assert minimize_failures(harness, time.monotonic() + 20) == 1
    [record] = [r for r in result.failures.values() if r.check == names.ROUND_TRIP]
    assert record.signature == "name: truncated"
    assert record.title.startswith("name:"), record.title  # not "description: sent ..."
    assert record.case is not None and list(record.case["fields"]) == ["name"]
    assert '"name": "nnnn' in record.curl and "description" not in record.curl
