"""Scaling out with pytest-xdist: each worker owns one model service, tests it and restores it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.servers import ServerFactory, query_inventory, without_last_op_date

pytest_plugins = ["pytester"]

pytest.importorskip("xdist")

# Each test writes "worker uuid" to a file, so the test below can see who tested what.
SUITE = '''
import os
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from zscontract import strategies

OWNERS = Path(os.environ["ZS_TEST_OWNERS_DIR"])


def _record(harness):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (OWNERS / f"{worker}-{harness.uuid}").write_text(harness.uuid)


@pytest.mark.parametrize("n", range(6))
@settings(max_examples=15, deadline=None, database=None)
@given(data=st.data())
def test_round_trip(zs_harness, zs_contract, n, data):
    _record(zs_harness)
    case = data.draw(strategies.must_accept(zs_contract))
    failures = zs_harness.execute(case)
    if failures:
        raise failures[0]
'''


def _args(server: object) -> list[str]:
    uuids = ",".join(server.model_service_uuids)  # type: ignore[attr-defined]
    return ["--zs-target-url", server.url, "--zs-session-uuid", server.session_uuid,  # type: ignore[attr-defined]
            "--zs-model-service-uuid", uuids, "--zs-profile", "documented", "-p", "no:cacheprovider"]


def test_two_workers_each_own_a_resource_and_restore_it(pytester: pytest.Pytester, reference_server: ServerFactory,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    server = reference_server(profile="documented", resources=2)
    uuids = server.model_service_uuids
    assert len(uuids) == 2
    before = {u: without_last_op_date(query_inventory(server, u)) for u in uuids}
    owners = pytester.path / "owners"
    owners.mkdir()
    monkeypatch.setenv("ZS_TEST_OWNERS_DIR", str(owners))
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*_args(server), "-n", "2")
    result.assert_outcomes(passed=6)
    seen = {p.name.split("-", 1)[0]: p.read_text() for p in owners.iterdir()}
    # gw0 owns the first UUID, gw1 the second: never the same resource from two workers.
    assert seen == {"gw0": uuids[0], "gw1": uuids[1]}, seen
    assert {u: without_last_op_date(query_inventory(server, u)) for u in uuids} == before


def test_more_workers_than_resources_is_refused(pytester: pytest.Pytester, reference_server: ServerFactory,
                                                monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    server = reference_server(profile="documented", resources=2)
    monkeypatch.setenv("ZS_TEST_OWNERS_DIR", str(tmp_path))
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*_args(server), "-n", "3")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*3 xdist workers but 2 model service(s) in --zs-model-service-uuid*"])
    assert not any(tmp_path.iterdir())  # nothing ran
