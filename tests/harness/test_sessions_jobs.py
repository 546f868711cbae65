"""Sessions that expire mid-run and jobs whose polling goes wrong.

Real HTTP against scripted servers on 127.0.0.1 (tests/fixtures/hostile.py) and the reference server;
times asserted with generous bounds only.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.hostile import Hostile, Seen, answer_json, respond
from zscontract.checks import names
from zscontract.config import RunSettings
from zscontract.contract import load_contract
from zscontract.core.cases import Case, InputClass
from zscontract.core.client import AUTH_UNKNOWN, Client, ClientSettings, Limits
from zscontract.core.dialects import DOCUMENTED, ZSTACK
from zscontract.core.jobs import poll_url
from zscontract.core.limits import BudgetSpent, TargetDown
from zscontract.core.redact import Redactor
from zscontract.core.session import relogin_once
from zscontract.runner.engine import Harness
from zscontract.runner.restore import restore
from zscontract.runner.results import RunResult

OLD, NEW = "5e55105e55105e55105e55105e551050", "7e55107e55107e55107e55107e551070"
UUID = "a" * 32
INVENTORY = {"uuid": UUID, "name": "m", "description": "d"}
EXPIRED = {"error": {"code": "ID.1001", "description": "the session is invalid or has expired"}}


def _client(url: str, dialect: Any = ZSTACK, limits: Limits | None = None, **kwargs: Any) -> Client:
    return Client(ClientSettings(base_url=url, session_uuid=OLD, dialect=dialect, **kwargs), limits=limits)


def _expiring(*, login_status: int = 200, login_delay: float = 0.0, answers_before: int = 1,
              refusal: int = 503) -> Any:
    """A node whose first session works for ``answers_before`` requests, then is refused (``refusal``
    + ID.1001: 503 in zstack, 401 in documented); a login issues NEW (after ``login_delay``), or is
    refused with ``login_status``."""
    state = {"served": 0}
    lock = threading.Lock()

    def handler(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        if seen.path.endswith("/accounts/login"):
            time.sleep(login_delay)
            if login_status != 200:
                return answer_json(conn, login_status, {"error": {"code": "SYS.1000", "description": "busy"}})
            return answer_json(conn, 200, {"inventory": {"uuid": NEW}})
        session = seen.headers.get("authorization", "").removeprefix("OAuth ")
        with lock:
            state["served"] += 1
            live = session == NEW or (session == OLD and state["served"] <= answers_before)
        if not live:
            return answer_json(conn, refusal, EXPIRED)
        if seen.method == "GET":
            return answer_json(conn, 200, {"inventories": [INVENTORY]})
        return answer_json(conn, 200, {"inventory": INVENTORY})
    return handler


# -- a --session-uuid session that expires is not the target's fault -------------------------------
@pytest.mark.parametrize(("dialect", "refusal"), [(ZSTACK, 503), (DOCUMENTED, 401)])
def test_an_accepted_session_refused_later_stops_the_run_instead_of_failing_the_case(dialect: Any,
                                                                                    refusal: int) -> None:
    with Hostile(_expiring(refusal=refusal)) as server:
        client = _client(server.url, dialect)
        assert client.query(UUID).status == 200  # the session is accepted...
        with pytest.raises(TargetDown, match=r"session expired mid-run.*--account"):
            client.update(UUID, {"name": "x"})  # ... then refused: not judged as rejecting valid input


def test_a_probe_with_an_unknown_session_and_a_never_accepted_session_are_answers_not_stops() -> None:
    with Hostile(_expiring(answers_before=1)) as server:
        client = _client(server.url)
        assert client.query(UUID).status == 200
        probe = client.update(UUID, {"name": "x"}, auth=AUTH_UNKNOWN)  # a must-reject case: judged as usual
        assert probe.status == 503
    with Hostile(_expiring(answers_before=0)) as server:
        refused = _client(server.url).update(UUID, {"name": "x"})  # never accepted: the preflight's to judge
    assert refused.status == 503


def test_a_run_whose_session_expires_ends_as_session_expired_exit_3(tmp_path: Path) -> None:
    from zscontract.runner.run import run_harness
    from zscontract.server.process import ReferenceServer

    with ReferenceServer("zstack", async_=False, extra_args=["--session-ttl", "4"]) as server:
        settings = RunSettings(target_url=server.url, session_uuid=server.session_uuid,
                               model_service_uuids=tuple(server.model_service_uuids), profile="zstack",
                               report_dir=tmp_path, max_time=12, seed=1, save_corpus=False)
        result = run_harness(settings)
    assert result.exit_code == 3, result.to_json()["failures"]
    assert not [f for f in result.failures.values() if "ID.1001" in json.dumps(f.to_json())]
    assert "session expired" in (result.stopped or "")


# -- a concurrent burst refused at once logs in once, every thread then uses the new session --------
def test_threads_refused_together_all_retry_with_the_one_fresh_session() -> None:
    with Hostile(_expiring(login_delay=0.3)) as server:
        client = _client(server.url)
        client.on_session_expired = relogin_once(client, "admin", "x" * 128, lambda s: None)
        assert client.query(UUID).status == 200
        answers: list[Any] = [None] * 5
        barrier = threading.Barrier(5)

        def write(i: int) -> None:
            barrier.wait(5)
            answers[i] = client.update(UUID, {"name": f"n{i}"})

        threads = [threading.Thread(target=write, args=(i,)) for i in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    assert [a.status for a in answers] == [200] * 5
    assert sum(s.path.endswith("/accounts/login") for s in server.seen) == 1


# -- a refused re-login is a precondition now failing, never a harness error ------------------------
def test_a_refused_relogin_stops_the_run_and_the_restore_reports_why() -> None:
    with Hostile(_expiring(login_status=503)) as server:
        client = _client(server.url)
        client.on_session_expired = relogin_once(client, "admin", "x" * 128, lambda s: None)
        assert client.query(UUID).status == 200
        with pytest.raises(TargetDown, match="logging in again was refused"):
            client.update(UUID, {"name": "x"})
        outcome = restore(client, load_contract("zstack"), UUID, dict(INVENTORY, name="m0"),
                          include_example_fields=False)
    assert outcome.restored is False and "logging in again was refused" in outcome.why


# -- polls on the target's base URL; a lost job result is not the update's answer ------------------
def test_a_location_is_rebased_onto_the_target_base_path() -> None:
    assert poll_url("http://gw:81/mn", "http://10.1.2.3:8080/zstack/v1/api-jobs/X") == (
        "http://gw:81/mn/zstack/v1/api-jobs/X", "http://10.1.2.3:8080")
    assert poll_url("http://gw:81/mn/", "/zstack/v1/api-jobs/X")[0] == "http://gw:81/mn/zstack/v1/api-jobs/X"
    assert poll_url("http://gw:81/mn", "http://gw:81/mn/zstack/v1/api-jobs/X") == (
        "http://gw:81/mn/zstack/v1/api-jobs/X", None)


def _prefixed_job_node(*, lost: bool = False) -> Any:
    def handler(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        if seen.method == "PUT" and seen.path.startswith("/mn/zstack/v1/ai/model-services/"):
            return answer_json(conn, 202, {"location": "http://10.1.2.3:8080/zstack/v1/api-jobs/J1"})
        if seen.path == "/mn/zstack/v1/api-jobs/J1" and not lost:
            return answer_json(conn, 200, {"inventory": INVENTORY})
        if seen.method == "GET" and "model-services" in seen.path:
            return answer_json(conn, 200, {"inventories": [INVENTORY]})
        return respond(conn, 404, b"the job has been expired", {"Content-Type": "text/plain"})
    return handler


def test_a_job_behind_a_path_prefix_is_polled_under_the_prefix_without_the_session() -> None:
    with Hostile(_prefixed_job_node()) as server:
        ex = _client(server.url + "/mn").update(UUID, {"name": "m"})
    assert ex.status == 200 and ex.response is not None and ex.response.inventory() == INVENTORY
    poll = server.seen[1]
    assert poll.path == "/mn/zstack/v1/api-jobs/J1" and "authorization" not in poll.headers


def test_a_poll_answered_404_is_a_lost_result_not_a_rejection() -> None:
    with Hostile(_prefixed_job_node(lost=True)) as server:
        client = _client(server.url + "/mn")
        result = RunResult("zstack", server.url, UUID, Redactor([OLD]))
        harness = Harness(load_contract("zstack"), ZSTACK, client, UUID, result)
        harness.state = dict(INVENTORY)
        ex = client.update(UUID, {"name": "m"})
        assert ex.response is None and ex.error_kind == "job_lost" and "404" in (ex.error or "")
        harness.execute(Case(InputClass.ACCEPT, "name", fields={"name": "zz"}))
        harness.flush_held()
    judged = {c: t.judged for c, t in result.tallies.items()}
    assert result.failures == {}, list(result.failures)
    assert judged.get(names.ACCEPTS_VALID, 0) == 0 and judged.get(names.ERROR_ENVELOPE, 0) == 0
    assert any("job's result was lost" in n for n in result.notes)


# -- writes that hang only when concurrent are no_hang failures, not a dead target ------------------
def test_a_hang_only_on_concurrent_writes_is_a_no_hang_failure() -> None:
    def handler(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        if seen.method == "PUT":
            time.sleep(2.5)  # past the request timeout: every write of the burst hangs
            return False
        return answer_json(conn, 200, {"inventories": [INVENTORY]})

    with Hostile(handler) as server:
        client = _client(server.url, dialect=DOCUMENTED, request_timeout=1, limits=Limits(down_after=3))
        result = RunResult("documented", server.url, UUID, Redactor([OLD]))
        harness = Harness(load_contract("documented"), DOCUMENTED, client, UUID, result)
        harness.state = dict(INVENTORY)
        failures = harness.concurrent_writes([{"name": "a"}, {"description": "b"}, {"name": "c"},
                                              {"description": "e"}, {"name": "f"}])
    assert {f.check for f in failures} == {names.NO_HANG}
    assert len(failures) == 5
    assert result.tallies[names.NO_HANG].failed == 5  # recorded: the read after the burst was answered


# -- a job cut by the time budget leaves no_hang not fully judged ------------------------------------
def test_a_job_still_running_at_the_deadline_makes_no_hang_incomplete() -> None:
    def handler(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        return answer_json(conn, 202, {"location": "/zstack/v1/api-jobs/forever"})

    with Hostile(handler) as server:
        client = _client(server.url, job_timeout=30, limits=Limits(deadline=time.monotonic() + 1.5))
        result = RunResult("zstack", server.url, UUID, Redactor([OLD]))
        harness = Harness(load_contract("zstack"), ZSTACK, client, UUID, result, checks=[names.NO_HANG])
        result.passed(names.NO_HANG)  # judged other cases before
        with pytest.raises(BudgetSpent):
            harness.execute(Case(InputClass.ACCEPT, "name", fields={"name": "zz"}))
    assert names.NO_HANG in result.incomplete_checks()
    assert result.verdict == "incomplete"
    assert "still running when the time budget ended" in result.checks_json()[names.NO_HANG]["reason"]


def test_a_job_cut_after_others_ended_is_not_judged_and_the_run_is_not_incomplete() -> None:
    # The budget ending during one more job (a loaded machine) says nothing about the target: that
    # case is not judged, said in a note, and the run stays judgeable.
    from zscontract.core.client import Stats
    from zscontract.runner import accounting

    result = RunResult("zstack", "http://x", UUID, Redactor([OLD]))
    result.selected = (names.NO_HANG,)
    result.passed(names.NO_HANG)
    accounting.job_cut(result, Stats(async_jobs=40, jobs_cut=1), "an async job (j) was still running")
    assert names.NO_HANG not in result.incomplete_checks() and result.verdict == "passed"
    assert any("neither done nor hung, so no_hang did not judge it; 39 other jobs" in n for n in result.notes)
    alone = RunResult("zstack", "http://x", UUID, Redactor([OLD]))
    alone.selected = (names.NO_HANG,)
    alone.passed(names.NO_HANG)
    accounting.job_cut(alone, Stats(async_jobs=1, jobs_cut=1), "an async job (j) was still running")
    assert alone.verdict == "incomplete"  # no job of the run ever ended: no_hang has seen nothing end
