"""The schemathesis phase: how it classifies what schemathesis sends, what it refuses to send, and
whole runs of ``execute_run`` restricted to it against the real reference server (sound, and with
faults that breadth finds).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from schemathesis.core.errors import HookExecutionError

from zscontract.api import execute_run
from zscontract.config import RunSettings
from zscontract.contract import load_contract
from zscontract.core.client import Client, ClientSettings
from zscontract.core.dialects import API_PATH, get_dialect
from zscontract.core.exchange import Request
from zscontract.core.redact import Redactor
from zscontract.runner import st_phase
from zscontract.runner.engine import Harness
from zscontract.runner.results import RunResult
from zscontract.runner.run import BUILTIN_PHASES, EXTRA_PHASES

SESSION = "5" * 32
UUID = "a" * 32
OURS = f"OAuth {SESSION}"
UNKNOWN = "OAuth " + "0" * 32
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, so nothing could be written


def _judge(profile: str) -> st_phase.StJudge:
    client = Client(ClientSettings(base_url=NOWHERE, session_uuid=SESSION, dialect=get_dialect(profile)))
    result = RunResult(profile, NOWHERE, UUID, Redactor([SESSION]))
    return st_phase.StJudge(Harness(load_contract(profile), get_dialect(profile), client, UUID, result))


def _put(body: Any, *, auth: str | None = OURS, media: str = "application/json",
         raw: bytes | None = None) -> Request:
    headers = {"Content-Type": media} | ({"Authorization": auth} if auth is not None else {})
    return Request("PUT", NOWHERE + API_PATH.format(uuid=UUID), headers,
                   raw if raw is not None else json.dumps(body).encode())


@pytest.mark.parametrize(("profile", "request_", "expected", "kind"), [
    ("documented", _put({"name": "模型", "requestCpu": 2}), "must-accept", None),
    ("zstack", _put({"updateModelService": {"name": "模型"}}), "must-accept", None),
    ("zstack", _put({"name": "模型"}), "must-reject", "protocol"),              # no action key
    ("zstack", _put({"updateModelService": None}), "either-way", None),        # a node: an empty update
    ("zstack", _put({"updateModelService": "x"}), "must-reject", "protocol"),
    ("zstack", _put([1]), "must-reject", "protocol"),                           # not an object
    ("documented", _put(None, raw=b"{not json"), "must-reject", "protocol"),
    ("documented", Request("PUT", NOWHERE, {"Authorization": OURS}, None), "either-way", None),  # no body (oracle)
    ("documented", Request("PUT", NOWHERE, {}, None), "must-reject", "no-auth"),  # no body, no session
    ("documented", _put({"requestCpu": "1"}), "must-reject", "argument"),
    ("documented", _put({"name": "a"}, auth=None), "must-reject", "no-auth"),
    ("documented", _put({"name": "a"}, auth="Bearer " + SESSION), "must-reject", "no-auth"),
    ("zstack", _put({"updateModelService": {"name": "a"}}, auth=UNKNOWN), "must-reject", "session"),
    ("zstack", _put({"updateModelService": {"requestCpu": "x"}}, auth=UNKNOWN), "must-reject", None),
    ("documented", _put({"name": "a"}, auth="oauth  " + SESSION), "either-way", None),  # the facts are silent
    ("zstack", _put({"updateModelService": {"name": "a"}, "invented": 1}), "either-way", None),
    ("documented", _put({"name": "a"}, media="text/plain"), "either-way", None),
    ("documented", _put({"name": "a", "invented": 1}), "either-way", None),
])
def test_classify(profile: str, request_: Request, expected: str, kind: str | None) -> None:
    case = _judge(profile).classify(request_, "schemathesis:test")
    assert (case.input_class.value, case.reject_kind) == (expected, kind)
    assert case.raw_body == (request_.body or b"")  # a corpus replay sends exactly what schemathesis sent


@pytest.mark.parametrize(("method", "uuid"), [("DELETE", UUID), ("POST", UUID), ("PUT", "b" * 32)])
def test_the_guard_refuses_other_methods_and_resources_before_sending(method: str, uuid: str) -> None:
    judge = _judge("zstack")
    config = st_phase.st_config(base_url=NOWHERE, session=SESSION, uuid=UUID, seed=1, max_examples=1,
                                request_timeout=2)
    try:
        operation = judge.schema(load_contract("zstack"), config)[API_PATH]["PUT"]
        case = operation.Case(method=method, path_parameters={"uuid": uuid}, body={"updateModelService": {}})
        with pytest.raises(HookExecutionError) as info:
            case.call()
        assert isinstance(info.value.__cause__, st_phase.UnsafeRequest)
        assert judge.judged == 0
    finally:
        judge.close()


@pytest.mark.parametrize(("profile", "kept"), [
    ("zstack", {"updateModelService", "systemTags"}),
    ("documented", {"updateModelService", "systemTags", "deployModelService", "x-schemathesis-unknown-property"}),
])
def test_no_invented_top_level_key_reaches_a_zstack_node(profile: str, kept: set[str]) -> None:
    # zstack-rest-facts.md: a top-level key is an action on a real node (deployModelService deploys).
    judge = _judge(profile)
    config = st_phase.st_config(base_url=NOWHERE, session=SESSION, uuid=UUID, seed=1, max_examples=1,
                                request_timeout=2)
    try:
        operation = judge.schema(load_contract(profile), config)[API_PATH]["PUT"]
        body = {"updateModelService": {"name": "a"}, "systemTags": [], "deployModelService": {},
                "x-schemathesis-unknown-property": 42}
        case = operation.Case(method="PUT", path_parameters={"uuid": UUID}, body=body)
        with contextlib.suppress(Exception):  # nothing listens at NOWHERE: only what was built matters
            case.call()
        assert set(case.body) == kept
    finally:
        judge.close()


def test_the_phase_is_registered_under_its_settings_name() -> None:
    assert "schemathesis" in BUILTIN_PHASES and "schemathesis" not in EXTRA_PHASES
    assert "schemathesis" in RunSettings().phases


def _run(tmp_path: Path, profile: str, *, faults: tuple[str, ...] = (), async_: bool = False) -> RunResult:
    return execute_run(RunSettings(profile=profile, report_dir=tmp_path, max_time=40, seed=1,
                                   phases=("schemathesis",), server_faults=faults, server_async=async_,
                                   save_corpus=False))


@pytest.mark.slow
@pytest.mark.parametrize(("profile", "async_"), [("documented", False), ("zstack", False), ("zstack", True)])
def test_clean_on_the_sound_server(tmp_path: Path, profile: str, async_: bool) -> None:
    result = _run(tmp_path, profile, async_=async_)
    assert result.ok, "\n\n".join(f.render() for f in result.failures.values())
    assert {"schemathesis:examples", "schemathesis:coverage", "schemathesis:fuzzing"} <= set(result.labels)
    assert result.cases["must-accept"] > 0 and result.cases["must-reject"] > 0
    assert result.phases["schemathesis"] < 20  # a breadth phase, not the run
    assert result.restore.restored


@pytest.mark.slow
def test_stops_at_its_time_budget(tmp_path: Path) -> None:
    result = execute_run(RunSettings(profile="zstack", report_dir=tmp_path, max_time=40, save_corpus=False,
                                     phases=("schemathesis",), schemathesis_max_time=0.2))
    assert result.ok and any("stopped at its time budget" in note for note in result.notes), result.notes
    assert result.restore.restored


@pytest.mark.slow
@pytest.mark.parametrize(("profile", "fault", "check"), [
    ("zstack", "cjk-name-500", "no_server_fault"),        # a 500 on some input
    ("zstack", "bare-503", "no_server_fault"),            # a 503 without an ErrorCode
    ("documented", "message-envelope", "error_envelope"),  # an error body without the envelope
    ("documented", "no-auth", "rejects_invalid"),         # coverage drops the Authorization header
])
def test_catches_what_breadth_finds(tmp_path: Path, profile: str, fault: str, check: str) -> None:
    result = _run(tmp_path, profile, faults=(fault,))
    assert check in result.failed_checks(), result.failed_checks()
    assert result.restore.restored


@pytest.mark.slow
def test_a_session_expiring_during_the_phase_is_renewed_not_blamed(tmp_path: Path, reference_server: Any) -> None:
    # Schemathesis's headers are fixed for its run: requests sent with the expired session are sent
    # again with the new one. Before, the first one after an expiry failed accepts_valid (401 ID.1001).
    server = reference_server(profile="documented", extra_args=("--session-ttl", "2"))
    result = execute_run(RunSettings(
        profile="documented", target_url=server.url, model_service_uuids=(server.model_service_uuids[0],),
        account=server.info["account"], password=server.info["password"], report_dir=tmp_path, max_time=30,
        seed=1, phases=("schemathesis",), save_corpus=False,
        schemathesis_max_time=6, schemathesis_max_examples=1000))
    assert result.phases["schemathesis"] > 4.5  # several sessions lived and died inside the phase
    assert result.ok, "\n\n".join(f.render() for f in result.failures.values())
    assert result.cases["must-accept"] > 0
