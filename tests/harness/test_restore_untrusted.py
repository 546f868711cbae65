"""A restore trusts neither a read it cannot trust nor a combined write that did not take.

A run whose writes were accepted writes the snapshot back whatever a read shows, and verifies by the
write's own answer, then a read: against a query API serving a stale copy, reading first found
"nothing differs", wrote nothing and said "Resource restored" while five fields stayed changed. A
target that writes one column from another when both are sent is restored one field at a time.
The target's real state is read from the reference server's database, not through the fault.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.fixtures.memory_target import MemoryHandler
from tests.fixtures.servers import ServerFactory, zscontract
from zscontract.config import RunSettings
from zscontract.contract import load_contract
from zscontract.core.client import Client, ClientSettings
from zscontract.core.dialects import DOCUMENTED
from zscontract.runner.restore import restore
from zscontract.runner.restore_cmd import restore_snapshot
from zscontract.runner.snapshot import load_snapshot, save_snapshot
from zscontract.server.store import Store

pytest_plugins = ["pytester"]

UUID = "6c1a5f6167944aa1886294842075279f"
SESSION = "5e55105e55105e55105e55105e551050"
FOUND = {"uuid": UUID, "name": "as found", "description": "found too", "yaml": "a: 1", "requestCpu": 2,
         "requestMemory": 4, "createDate": "Nov 1, 2026 1:00:00 PM", "lastOpDate": "Nov 1, 2026 1:00:00 PM"}


def stored(db: str, uuid: str) -> dict[str, Any]:
    """The row as the server stores it, read from its database (no query API, no fault in the way)."""
    row = Store(db).get(uuid)
    assert row is not None
    return {k: v for k, v in row.items() if k != "lastOpDate"}


@pytest.mark.parametrize("profile", ["documented", "zstack"])  # zstack async: the answer is the finished job's
def test_a_run_against_a_stale_query_api_leaves_the_resource_as_found(reference_server: ServerFactory,
                                                                      tmp_path: Path, profile: str) -> None:
    db = str(tmp_path / "db.sqlite")
    server = reference_server(profile=profile, faults=["stale-query-cache"], db=db)
    uuid = server.model_service_uuids[0]
    before = stored(db, uuid)
    proc = zscontract("run", "--target-url", server.url, "--session-uuid", server.session_uuid,
                      "--model-service-uuid", uuid, "--profile", profile, "--max-time", "6", "--seed", "1",
                      "--no-corpus", "--no-schemathesis", "--report-dir", str(tmp_path / "reports"))
    assert proc.returncode == 1, proc.stdout + proc.stderr  # FAILED (read_after_write), not NOT RESTORED
    assert stored(db, uuid) == before, "the run left the resource changed"
    run_dir = tmp_path / "reports" / "latest"
    report = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["restore"]
    assert report["restored"] is True and report["written_back"] is True
    assert "which this run found stale" in report["caveat"], report
    summary = (run_dir / "summary.md").read_text(encoding="utf-8")
    assert "Resource restored." not in summary and "written back; the write's answer shows the snapshot" in summary
    assert "which this run found stale" in proc.stdout  # the terminal says it too


def test_zscontract_restore_writes_back_what_a_stale_read_shows_unchanged(reference_server: ServerFactory,
                                                                          tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite")
    server = reference_server(profile="documented", faults=["stale-query-cache"], db=db)
    uuid = server.model_service_uuids[0]
    before = stored(db, uuid)
    session = {"Authorization": f"OAuth {server.session_uuid}"}
    url = f"{server.url}/zstack/v1/ai/model-services"
    found = requests.get(f"{url}?q=uuid={uuid}", headers=session, timeout=10).json()["inventories"][0]
    path = save_snapshot(tmp_path / "run" / "snapshot.json", uuid, found, target_url=server.url, profile="documented")
    assert requests.put(f"{url}/{uuid}", json={"name": "changed", "requestCpu": 7}, headers=session,
                        timeout=10).status_code == 200  # a killed run's last write; the query API still shows found
    said: list[str] = []
    req = RunSettings(target_url=server.url, session_uuid=server.session_uuid, profile="documented",
                      request_timeout=5, job_timeout=5)
    assert restore_snapshot(req, load_snapshot(path.parent), dry_run=True, say=said.append) == 0
    assert stored(db, uuid)["name"] == "changed"  # a dry run writes nothing
    assert restore_snapshot(req, load_snapshot(path.parent), say=said.append) == 0, said
    assert stored(db, uuid) == before
    assert "a restore would write back" in said[0], said  # not "nothing would be written": it writes


class ColumnCopier(ThreadingHTTPServer):
    """A documented-dialect target that, when an update sends both, stores ``description`` as ``name``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.state: dict[str, Any] = dict(FOUND)
        self.updates: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(MemoryHandler):
    server: ColumnCopier

    def do_PUT(self) -> None:
        body = self._body()
        with self.server.lock:
            self.server.updates.append(body)
            self.server.state.update(body)
            if "name" in body and "description" in body:
                self.server.state["description"] = body["name"]
            self._json(200, {"inventory": dict(self.server.state)})


@pytest.fixture
def copier() -> Iterator[ColumnCopier]:
    server = ColumnCopier()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_combined_write_that_does_not_take_is_retried_one_field_at_a_time(copier: ColumnCopier) -> None:
    copier.state.update(name="changed", description="changed too")
    client = Client(ClientSettings(base_url=copier.url, session_uuid=SESSION, dialect=DOCUMENTED, request_timeout=5))
    report = restore(client, load_contract("documented"), UUID, dict(FOUND))
    assert copier.state == FOUND
    assert report.restored is True and report.caveat is None, report
    assert copier.updates[-1] == {"description": FOUND["description"]}  # the field the combined write lost


def test_zscontract_restore_writes_one_field_at_a_time_too(copier: ColumnCopier, tmp_path: Path) -> None:
    path = save_snapshot(tmp_path / "run" / "snapshot.json", UUID, dict(FOUND), target_url=copier.url,
                         profile="documented")
    copier.state.update(name="changed", description="changed too")
    said: list[str] = []
    req = RunSettings(target_url=copier.url, session_uuid=SESSION, profile="documented", request_timeout=5,
                      job_timeout=5)
    assert restore_snapshot(req, load_snapshot(path.parent), say=said.append) == 0, said
    assert copier.state == FOUND and said[-1].startswith("restored: "), said


def test_the_answer_and_a_read_that_disagree_are_said_never_a_bare_restored(copier: ColumnCopier) -> None:
    # A read that keeps showing another name: the write's answer shows the snapshot, the read does not.
    client = Client(ClientSettings(base_url=copier.url, session_uuid=SESSION, dialect=DOCUMENTED, request_timeout=5))
    original = client.read

    def stale_read(uuid: str) -> Any:
        back = original(uuid)
        inventory = None if back.inventory is None else {**back.inventory, "name": "a stale name"}
        return type(back)(inventory, back.via, back.exchange, back.problem)

    client.read = stale_read  # type: ignore[method-assign]
    report = restore(client, load_contract("documented"), UUID, dict(FOUND), write_back=True,
                     doubt="which this run found stale (3 read_after_write failures)")
    assert copier.updates, "written back although a read is not trusted"
    assert report.restored is True
    assert report.caveat == ("written back; the write's answer shows the snapshot; the query API, which this run "
                             "found stale (3 read_after_write failures), disagrees (name): check the resource")


def test_a_run_without_an_accepted_write_reads_first_and_writes_nothing(copier: ColumnCopier) -> None:
    client = Client(ClientSettings(base_url=copier.url, session_uuid=SESSION, dialect=DOCUMENTED, request_timeout=5))
    report = restore(client, load_contract("documented"), UUID, dict(FOUND), write_back=False)
    assert report.restored is True and not report.attempts and not copier.updates
    assert report.caveat is None


def test_accepted_writes_are_counted_for_the_restore(copier: ColumnCopier) -> None:
    client = Client(ClientSettings(base_url=copier.url, session_uuid=SESSION, dialect=DOCUMENTED, request_timeout=5))
    client.read(UUID)
    assert client.stats.writes_accepted == 0  # a read is no write
    client.update(UUID, {"name": "x"})
    assert client.stats.writes_accepted == 1


def test_the_pytest_route_against_a_stale_query_api_leaves_the_resource_as_found(
        pytester: pytest.Pytester, reference_server: ServerFactory, tmp_path: Path) -> None:
    from tests.harness.test_plugin import SUITE

    db = str(tmp_path / "db.sqlite")
    server = reference_server(profile="documented", faults=["stale-query-cache"], db=db)
    uuid = server.model_service_uuids[0]
    before = stored(db, uuid)
    pytester.makepyfile(test_suite=SUITE.replace("max_examples=40", "max_examples=10"))
    result = pytester.runpytest_subprocess("--zs-target-url", server.url, "--zs-session-uuid", server.session_uuid,
                                           "--zs-model-service-uuid", uuid, "--zs-profile", "documented",
                                           "-p", "no:cacheprovider", "-s")
    assert stored(db, uuid) == before, result.stdout.str()[-2000:]


def test_every_report_shows_the_caveat_in_place_of_restored() -> None:
    from zscontract.core.redact import Redactor
    from zscontract.reporting.html import render_html
    from zscontract.reporting.summary import render_markdown
    from zscontract.runner.restore_report import RestoreReport
    from zscontract.runner.results import RunResult

    caveat = "written back; the write's answer shows the snapshot; the query API disagrees (name): check the resource"
    result = RunResult("documented", "http://t", "a" * 32, Redactor())
    result.restore = RestoreReport(True, caveat=caveat, snapshot="r/snapshot.json")
    summary = result.to_json()
    assert summary["restore"]["caveat"] == caveat and "unanswered_writes" not in summary["restore"]
    assert f"Resource {caveat}." in render_markdown(result)
    page = render_html(summary)
    assert "the query API disagrees (name)" in page and ">restored<" not in page


def test_a_field_null_in_the_snapshot_is_not_written_one_at_a_time_either(copier: ColumnCopier) -> None:
    # No request sets a field back to null: it stays a difference, said, not a crash of the restore.
    snapshot = {**FOUND, "description": None}
    copier.state.update(name="changed", description="set by someone")
    client = Client(ClientSettings(base_url=copier.url, session_uuid=SESSION, dialect=DOCUMENTED, request_timeout=5))
    report = restore(client, load_contract("documented"), UUID, snapshot, write_back=True)
    assert copier.state["name"] == FOUND["name"] and copier.updates == [{k: v for k, v in FOUND.items()
                                                                         if k in ("name", "yaml", "requestCpu",
                                                                                  "requestMemory")}]
    assert report.restored is False and report.why == "fields still differ after restore: description"
