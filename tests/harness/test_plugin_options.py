"""The CLI run's options that the pytest route has through the run lifecycle, tested as a user meets them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.fixtures.servers import query_inventory
from zscontract.server.process import ReferenceServer

pytest_plugins = ["pytester"]

SUITE = '''
import time

from hypothesis import HealthCheck, given, settings, strategies as st
from zscontract import strategies

@settings(max_examples=8, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_writes(zs_harness, zs_contract, data):
    failures = zs_harness.execute(data.draw(strategies.must_accept(zs_contract)))
    if failures:
        raise failures[0]

@settings(max_examples=8, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_rejects(zs_harness, zs_contract, data):
    failures = zs_harness.execute(data.draw(strategies.must_reject(zs_contract, wraps_body=True)))
    if failures:
        raise failures[0]

def test_selected(zs_harness):
    print("SELECTED", ",".join(zs_harness.result.selected))
'''


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """`-v` cuts a skip reason at the terminal's width: 80 columns in a subprocess without one."""
    monkeypatch.setenv("COLUMNS", "400")


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    """Every test leaves the resource as found, so they share one server."""
    with ReferenceServer(profile="zstack") as started:
        yield started


@pytest.fixture(scope="module")
def faulty() -> Iterator[ReferenceServer]:
    with ReferenceServer(profile="zstack", faults=["latin1-replace"]) as started:
        yield started


def _args(server: ReferenceServer, *more: str) -> list[str]:
    return ["--zs-target-url", server.url, "--zs-session-uuid", server.session_uuid,
            "--zs-model-service-uuid", server.model_service_uuids[0], "--zs-profile", "zstack",
            "-p", "no:cacheprovider", "-p", "no:randomly", "-s", *more]


def test_read_only_sends_only_must_reject_requests(pytester: pytest.Pytester, server: ReferenceServer) -> None:
    """As `zscontract run --read-only`: a test that writes is skipped, one that must be refused runs, and
    the resource is not touched (lastOpDate included)."""
    before = query_inventory(server)
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*_args(server, "--zs-read-only", "-v"))
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*::test_writes* SKIPPED (zscontract: --zs-read-only: this test writes*"])
    assert query_inventory(server) == before


def test_read_only_from_the_environment(pytester: pytest.Pytester, server: ReferenceServer,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZS_READ_ONLY", "1")
    pytester.makepyfile(test_suite=SUITE)
    pytester.runpytest_subprocess(*_args(server)).assert_outcomes(passed=2, skipped=1)


def test_checks_selects_what_judges(pytester: pytest.Pytester, faulty: ReferenceServer) -> None:
    """`round_trip` catches the latin1 fault; with only `response_shape` selected the same session is green."""
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*_args(faulty, "--zs-checks", "response_shape,rejects_invalid"))
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*SELECTED response_shape,rejects_invalid"])


def test_an_unknown_check_is_one_line(pytester: pytest.Pytester, server: ReferenceServer) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*_args(server, "--zs-checks", "round_trip,nonsense"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*zscontract: --zs-checks: unknown check(s) nonsense; known: *"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


READS = '''
import time

def test_reads(zs_client, zs_snapshot):
    uuid = zs_snapshot["uuid"]
    start = time.monotonic()
    for _ in range(7):
        zs_client.query(uuid)
    print("ELAPSED %.2f" % (time.monotonic() - start))
'''


@pytest.mark.parametrize(("limit", "at_least"), [("4/s", 1.4), (None, 0.0)])
def test_rate_limit_paces_the_requests(pytester: pytest.Pytester, server: ReferenceServer, limit: str | None,
                                       at_least: float) -> None:
    """Seven reads at 4 per second take at least 6/4 s (less a little for the first); without a limit,
    no floor (this shows the floor is the option's, not the machine's)."""
    pytester.makepyfile(test_suite=READS)
    result = pytester.runpytest_subprocess(*_args(server, *(("--zs-rate-limit", limit) if limit else ())))
    result.assert_outcomes(passed=1)
    elapsed = float(re.findall(r"ELAPSED ([\d.]+)", result.stdout.str())[0])
    assert elapsed >= at_least
    if limit is None:
        assert elapsed < 1.4  # seven reads of a local server


BUDGET = '''
import time

from zscontract.core.cases import Case, InputClass

def test_first(zs_harness):
    time.sleep(11)
    zs_harness.execute(Case(InputClass.ACCEPT, "name", fields={"name": "after the budget"}))

def test_second(zs_harness):
    raise AssertionError("never runs: the budget is spent")

def test_unrelated():
    pass
'''


def test_max_time_ends_the_session_s_tests_on_the_target(pytester: pytest.Pytester, server: ReferenceServer) -> None:
    """Past --zs-max-time a request is refused and its test skipped, later tests on the target are not run,
    the resource is still restored, and the summary says the budget was spent (a CLI run: INCOMPLETE)."""
    before = query_inventory(server)
    pytester.makepyfile(test_suite=BUDGET)
    result = pytester.runpytest_subprocess(*_args(server, "--zs-max-time", "10", "-v"))
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*::test_first* SKIPPED (zscontract: --zs-max-time 10 s spent)*"])
    result.stdout.fnmatch_lines(["*::test_second* SKIPPED (zscontract: --zs-max-time 10 s spent)*"])
    result.stdout.fnmatch_lines(["zscontract: --zs-max-time 10 s spent: the tests after it were skipped*"])
    assert query_inventory(server) == before
