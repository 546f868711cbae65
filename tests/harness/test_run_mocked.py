"""A whole run against a target mocked with ``responses``: a sound mock passes; a wrong-typed
inventory field, a dropped write and a malformed error body each make the run fail."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import responses

from tests.fixtures.scripted import BASE, SESSION, page_inventory, scripted_client
from zscontract.api import execute_run
from zscontract.checks import names
from zscontract.config import RunSettings
from zscontract.contract import load_contract
from zscontract.core.values import INT32_MAX, INT64_MAX
from zscontract.reporting.terminal import Terminal

INT_LIMITS = {"requestCpu": INT32_MAX, "requestMemory": INT64_MAX}


class MockTarget:
    """An in-memory UpdateModelService (documented dialect) behind ``responses`` callbacks."""

    def __init__(self, breakage: str | None = None) -> None:
        self.inventory = page_inventory(load_contract("documented"))
        self.breakage = breakage

    def _error(self, status: int, code: str) -> tuple[int, dict[str, str], str]:
        body: Any = {"error": {"code": code, "description": "refused", "details": code}}
        if self.breakage == "malformed-error":
            body = {"error": {"code": "bad code", "message": "refused"}}
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    def put(self, request: Any) -> tuple[int, dict[str, str], str]:
        if request.headers.get("Authorization") != f"OAuth {SESSION}":
            return self._error(401, "ID.1001")
        if not request.url.endswith(self.inventory["uuid"]):
            return self._error(404, "SYS.1003")
        try:
            fields = json.loads(request.body or b"")
        except ValueError:
            return self._error(400, "SYS.1007")
        if not isinstance(fields, dict):
            return self._error(400, "SYS.1007")
        for name, limit in INT_LIMITS.items():
            value = fields.get(name)
            if value is not None and (type(value) is not int or not 1 <= value <= limit):
                return self._error(400, "SYS.1007")
        for name in ("name", "description", "yaml"):
            if name in fields and fields[name] is not None and not isinstance(fields[name], str):
                return self._error(400, "SYS.1007")
        if "name" in fields and (not fields["name"] or fields["name"].isspace() or len(fields["name"]) > 255):
            return self._error(400, "SYS.1007")
        if len(fields.get("description") or "") > 2048:
            return self._error(400, "SYS.1007")
        for name in ("name", "description", "yaml", "requestCpu", "requestMemory"):
            if fields.get(name) is not None and not (self.breakage == "dropped-write" and name == "name"):
                self.inventory[name] = fields[name]
        answer = copy.deepcopy(self.inventory)
        if self.breakage == "wrong-type":
            answer["requestMemory"] = str(answer["requestMemory"])
        return 200, {"Content-Type": "application/json"}, json.dumps({"inventory": answer})

    def get(self, request: Any) -> tuple[int, dict[str, str], str]:
        if request.headers.get("Authorization") != f"OAuth {SESSION}":
            return self._error(401, "ID.1001")
        found = [self.inventory] if request.url.endswith(self.inventory["uuid"]) else []
        return 200, {"Content-Type": "application/json"}, json.dumps({"inventories": found})


def run_against(target: MockTarget, tmp_path: Path) -> Any:
    settings = RunSettings(target_url=BASE, session_uuid=SESSION, model_service_uuids=(target.inventory["uuid"],),
                           report_dir=tmp_path, max_examples=60, seed=1, phases=("properties",),
                           schemathesis=False, save_corpus=False)
    pattern = re.compile(re.escape(BASE) + r"/zstack/v1/ai/model-services[/?].*")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.PUT, pattern, callback=target.put)
        mock.add_callback(responses.GET, pattern, callback=target.get)
        return execute_run(settings, Terminal(quiet=True))


@pytest.mark.usefixtures("scripted_sends")
def test_a_sound_mock_passes(tmp_path: Path) -> None:
    result = run_against(MockTarget(), tmp_path)
    assert result.ok, [f.title for f in result.failures.values()]
    assert result.restore.restored


@pytest.mark.parametrize(("breakage", "check"), [
    ("wrong-type", names.RESPONSE_SHAPE),
    ("dropped-write", names.ROUND_TRIP),
    ("malformed-error", names.ERROR_ENVELOPE),
])
@pytest.mark.usefixtures("scripted_sends")
def test_a_broken_mock_fails_the_run(tmp_path: Path, breakage: str, check: str) -> None:
    result = run_against(MockTarget(breakage), tmp_path)
    assert not result.ok
    assert check in result.failed_checks()
    assert (tmp_path / "latest" / "junit.xml").exists()


@pytest.mark.usefixtures("scripted_sends")
def test_failing_cases_are_minimized_before_they_are_reported(tmp_path: Path) -> None:
    result = run_against(MockTarget("dropped-write"), tmp_path)
    [record] = [r for r in result.failures.values() if r.check == names.ROUND_TRIP]
    assert record.case is not None
    assert list(record.case["fields"]) == ["name"]  # every other field dropped
    assert len(record.case["fields"]["name"]) <= 8
    assert record.curl.endswith(json.dumps(record.case["fields"], ensure_ascii=False) + "'")


def test_minimize_drops_fields_and_shortens_strings_keeping_the_class() -> None:
    import time

    from zscontract.core.cases import Case, InputClass
    from zscontract.core.client import ClientSettings
    from zscontract.core.dialects import DOCUMENTED
    from zscontract.core.redact import Redactor
    from zscontract.runner.engine import Harness
    from zscontract.runner.minimize import minimize_case
    from zscontract.runner.results import RunResult

    target = MockTarget("dropped-write")
    uuid = target.inventory["uuid"]
    client = scripted_client(ClientSettings(base_url=BASE, session_uuid=SESSION, dialect=DOCUMENTED))
    harness = Harness(load_contract("documented"), DOCUMENTED, client, uuid,
                      RunResult("documented", BASE, uuid, Redactor([SESSION])))
    pattern = re.compile(re.escape(BASE) + r"/zstack/v1/ai/model-services[/?].*")
    big = Case(InputClass.ACCEPT, "valid", fields={"name": "模型服务" * 10, "description": "d" * 50, "requestCpu": 7})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.PUT, pattern, callback=target.put)
        mock.add_callback(responses.GET, pattern, callback=target.get)
        harness.state = client.read(uuid).inventory
        found = minimize_case(harness, big, names.ROUND_TRIP, time.monotonic() + 10)
    assert found is not None
    small, failure = found
    assert failure.check == names.ROUND_TRIP
    assert list(small.fields or {}) == ["name"] and 0 < len((small.fields or {})["name"]) <= 8
    assert harness.result.failures == {} and harness.result.total_cases == 0  # tries are not tallied


@pytest.mark.usefixtures("scripted_sends")
def test_a_crash_of_the_harness_is_a_harness_error_and_the_target_is_still_restored(tmp_path: Path) -> None:
    from zscontract.core.cases import Case, InputClass
    from zscontract.reporting.files import ReportFiles
    from zscontract.runner.run import run_harness

    def broken_phase(ctx: Any) -> None:
        ctx.harness.execute(Case(InputClass.ACCEPT, "name", fields={"name": "changed by the run"}))
        raise RuntimeError("a bug in a phase")

    target = MockTarget()
    before = copy.deepcopy(target.inventory)
    settings = RunSettings(target_url=BASE, session_uuid=SESSION, model_service_uuids=(target.inventory["uuid"],),
                           report_dir=tmp_path, phases=("boom",), schemathesis=False, save_corpus=False)
    pattern = re.compile(re.escape(BASE) + r"/zstack/v1/ai/model-services[/?].*")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.PUT, pattern, callback=target.put)
        mock.add_callback(responses.GET, pattern, callback=target.get)
        result = run_harness(settings, [ReportFiles()], phases={"boom": broken_phase})
    assert result.verdict == "harness_error" and result.exit_code == 6 and not result.failures
    assert result.restore.restored and target.inventory["name"] == before["name"]
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text(encoding="utf-8"))
    assert "RuntimeError: a bug in a phase" in summary["harness_errors"][0]["traceback"]
