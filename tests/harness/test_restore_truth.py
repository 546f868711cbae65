""""Restored" is said only when it is true: writes that went unanswered, example-only fields.

Concurrent PUTs that hang past the request timeout may be applied after the restore verified, so it
verifies again once they could have landed; ``zscontract restore`` covers the example-only fields an
``--include-example-fields`` run wrote before it says "matches again".
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.fixtures.memory_target import MemoryHandler
from tests.fixtures.servers import SoundServerFactory, query_inventory
from zscontract.config import RunSettings
from zscontract.contract import load_contract
from zscontract.core.client import Client, ClientSettings, Limits
from zscontract.core.dialects import get_dialect
from zscontract.runner.restore_cmd import restore_snapshot
from zscontract.runner.snapshot import load_snapshot, save_snapshot

UUID = "6c1a5f6167944aa1886294842075279f"
SESSION = "5e55105e55105e55105e55105e551050"
LATE = "a write that lands late"


class LateTarget(ThreadingHTTPServer):
    """A documented-dialect target whose PUT of ``name == LATE`` hangs, then is applied ``late`` seconds later.

    As a deadlocked node does: the client gives up at its timeout; the write lands after.
    """

    daemon_threads = True

    def __init__(self, late: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.late = late
        self.lock = threading.Lock()
        self.state: dict[str, Any] = {"uuid": UUID, "name": "as found", "description": "d", "yaml": "a: 1",
                                      "requestCpu": 2, "requestMemory": 4, "createDate": "Nov 1, 2026 1:00:00 PM",
                                      "lastOpDate": "Nov 1, 2026 1:00:00 PM"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def apply(self, fields: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.state.update(fields)
            return dict(self.state)


class _Handler(MemoryHandler):
    server: LateTarget

    def do_PUT(self) -> None:
        body = self._body()
        if self.headers.get("Authorization") != f"OAuth {SESSION}":
            self._json(401, {"error": {"code": "ID.1001", "description": "bad session"}})
            return
        if body.get("name") == LATE:
            timer = threading.Timer(self.server.late, self.server.apply, args=(body,))
            timer.daemon = True
            timer.start()
            time.sleep(self.server.late + 1)  # never answered in time: the client has given up
            return
        self._json(200, {"inventory": self.server.apply(body)})


@pytest.fixture
def late_target() -> Iterator[LateTarget]:
    server = LateTarget(late=1.5)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_timed_out_write_that_lands_after_the_restore_is_written_back(late_target: LateTarget,
                                                                        tmp_path: Path) -> None:
    # End to end: the write times out (1 s), lands 0.5 s later, after the restore's first read.
    from zscontract.runner.run import run_harness

    as_found = dict(late_target.state)

    def hanging_write(ctx: Any) -> None:
        ex = ctx.harness.client.update(UUID, {"name": LATE})
        assert ex.response is None  # timed out: the target may still apply it

    settings = RunSettings(target_url=late_target.url, session_uuid=SESSION, model_service_uuids=(UUID,),
                           report_dir=tmp_path, max_time=8, request_timeout=1, job_timeout=4, save_corpus=False,
                           phases=("corpus",))
    result = run_harness(settings, phases={"corpus": hanging_write})
    time.sleep(late_target.late + 0.5)  # long after the late write could land
    assert late_target.state["name"] == as_found["name"], "the late write was left on the target"
    assert result.restore.restored is True and result.restore.unanswered_writes == 1
    assert result.restore.landed_late is True and result.restore.settled is True
    assert any("went unanswered" in note for note in result.notes)


def test_restored_carries_a_warning_when_the_slice_ends_before_unanswered_writes_could_land(
        late_target: LateTarget) -> None:
    from zscontract.runner.restore import Unanswered, settled_restore

    # The restore's slice (the README's grace) is too short to wait the whole request + job timeout:
    # it does not say a plain "restored".
    unanswered = Unanswered(late_target.url)
    client = Client(ClientSettings(base_url=late_target.url, session_uuid=SESSION, dialect=get_dialect("documented"),
                                   request_timeout=1, job_timeout=1), limits=Limits(down_after=None),
                    on_exchange=unanswered.exchange)
    snapshot = dict(late_target.state)
    assert client.update(UUID, {"name": LATE}).response is None
    started = time.monotonic()
    report = settled_restore(client, load_contract("documented"), UUID, snapshot, unanswered,
                             deadline=started + 4, settle=60)
    assert time.monotonic() - started < 4 + 2  # the budget promise: within the slice (generous)
    assert report.restored is True and report.settled is False
    assert report.caveat.startswith("restored, but 1 write went unanswered: check the resource")


def test_nothing_unanswered_nothing_waited(late_target: LateTarget) -> None:
    from zscontract.runner.restore import Unanswered, settled_restore

    unanswered = Unanswered(late_target.url)
    client = Client(ClientSettings(base_url=late_target.url, session_uuid=SESSION, dialect=get_dialect("documented"),
                                   request_timeout=1, job_timeout=1), limits=Limits(down_after=None),
                    on_exchange=unanswered.exchange)
    started = time.monotonic()
    report = settled_restore(client, load_contract("documented"), UUID, dict(late_target.state), unanswered,
                             deadline=started + 30, settle=30)
    assert time.monotonic() - started < 5 and report.restored is True and report.unanswered_writes is None


def test_zscontract_restore_writes_back_the_example_only_fields_the_run_wrote(sound_server: SoundServerFactory,
                                                                             tmp_path: Path) -> None:
    # A killed --include-example-fields run left pythonVersion changed: `zscontract restore` must not say
    # "matches again" and exit 0.
    server = sound_server(profile="documented")
    uuid = server.model_service_uuids[0]
    before = query_inventory(server)
    path = save_snapshot(tmp_path / "run" / "snapshot.json", uuid, before, target_url=server.url, profile="documented")
    doc = json.loads(path.read_text(encoding="utf-8"))  # as an --include-example-fields run writes it
    path.write_text(json.dumps({**doc, "include_example_fields": True}), encoding="utf-8")
    changed = requests.put(f"{server.url}/zstack/v1/ai/model-services/{uuid}", json={"pythonVersion": "9.9"},
                           headers={"Authorization": f"OAuth {server.session_uuid}"}, timeout=10)
    assert changed.status_code == 200 and before["pythonVersion"] != "9.9"
    said: list[str] = []
    settings = RunSettings(target_url=server.url, session_uuid=server.session_uuid, request_timeout=5, job_timeout=5)
    assert restore_snapshot(settings, load_snapshot(path.parent), say=said.append) == 0, said
    assert query_inventory(server)["pythonVersion"] == before["pythonVersion"]
    assert json.loads(path.read_text(encoding="utf-8"))["restored"] is True


def test_a_run_records_in_its_snapshot_that_it_wrote_example_only_fields(tmp_path: Path) -> None:
    from zscontract.api import execute_run

    execute_run(RunSettings(report_dir=tmp_path, max_time=3, seed=1, max_examples=20, include_example_fields=True,
                            save_corpus=False, schemathesis=False, phases=("properties",)))
    doc = json.loads((tmp_path / "latest" / "snapshot.json").read_text(encoding="utf-8"))
    assert doc["include_example_fields"] is True and doc["restored"] is True
    assert load_snapshot(tmp_path / "latest").include_example_fields is True


def test_a_job_still_running_at_the_restore_leaves_restored_with_its_caveat(tmp_path: Path) -> None:
    # An async job that never ended may still apply its write: asked once more, not waited for (it had its
    # --job-timeout), and "restored" says so.
    from zscontract.api import execute_run

    result = execute_run(RunSettings(profile="zstack", server_async=True, server_faults=("async-job-never-ends",),
                                     report_dir=tmp_path, max_time=4, request_timeout=1, job_timeout=1, seed=1,
                                     save_corpus=False, schemathesis=False, phases=("properties",)))
    assert result.restore.restored is True and result.restore.settled is False
    assert "async job of theirs still runs" in result.restore.caveat
    assert any(w.startswith("restored, but") for w in result.warnings)


def test_a_restore_write_whose_job_never_ends_is_still_verified_by_a_read() -> None:
    # The node applies the write but its job never says so; the writes must not take the whole slice,
    # or no read is left and the run says NOT RESTORED (and the next run refuses).
    from tests.fixtures.hostile import Hostile, Seen, answer_json
    from zscontract.core.dialects import ZSTACK
    from zscontract.runner.restore import restore

    contract = load_contract("zstack")
    found = {"uuid": UUID, "name": "as found", "description": "d", "yaml": "a: 1", "requestCpu": 2,
             "requestMemory": 4, "createDate": "Nov 1, 2026 1:00:00 PM", "lastOpDate": "Nov 1, 2026 1:00:00 PM"}
    state = {**found, "name": "changed by the run"}

    def handler(server: Hostile, conn: Any, seen: Seen) -> bool:
        if seen.method == "PUT":
            state.update(json.loads(seen.body)["updateModelService"])  # applied at once...
            return answer_json(conn, 202, {"location": "/zstack/v1/api-jobs/forever"})
        if "api-jobs" in seen.path:
            return answer_json(conn, 202, {"location": "/zstack/v1/api-jobs/forever"})  # ...never reported
        return answer_json(conn, 200, {"inventories": [dict(state)]})

    with Hostile(handler) as server:
        client = Client(ClientSettings(base_url=server.url, session_uuid=SESSION, dialect=ZSTACK,
                                       request_timeout=1, job_timeout=30))
        client.query_api = True
        client.set_limits(deadline=time.monotonic() + 4)
        started = time.monotonic()
        report = restore(client, contract, UUID, found)
    assert report.restored is True, report
    assert time.monotonic() - started < 8


def test_a_job_location_that_is_no_url_is_not_waited_for_and_crashes_nothing() -> None:
    from zscontract.core.exchange import Exchange, Request, Response
    from zscontract.runner.restore import Unanswered

    unanswered = Unanswered("http://127.0.0.1:1")
    for location in ("http://[::1/zstack/v1/api-jobs/x", "javascript:alert(1)"):
        put = Request("PUT", "http://127.0.0.1:1/zstack/v1/ai/model-services/" + UUID, {}, b"{}")
        unanswered.exchange(Exchange(put, Response(202, {}, json.dumps({"location": location}).encode())))
    assert unanswered.count == 0



def test_a_write_cut_by_the_run_deadline_is_counted_as_unanswered() -> None:
    # It was sent: the target may apply it after the restore looked.
    from tests.fixtures.hostile import Hostile, Seen
    from zscontract.core.client import BudgetSpent
    from zscontract.core.dialects import DOCUMENTED
    from zscontract.runner.restore import Unanswered

    def hang(server: Hostile, conn: Any, seen: Seen) -> bool:
        server.stop.wait(10)
        return False

    with Hostile(hang) as server:
        unanswered = Unanswered(server.url)
        client = Client(ClientSettings(base_url=server.url, session_uuid=SESSION, dialect=DOCUMENTED,
                                       request_timeout=5), on_exchange=unanswered.exchange)
        client.set_limits(deadline=time.monotonic() + 0.5)
        with pytest.raises(BudgetSpent):
            client.update(UUID, {"name": "cut"})
    assert unanswered.count == 1
