"""``--read-only`` sends only requests that must change nothing, and says only what it verified.

A saved corpus's writes are listed, not replayed; a faulty target that changes the resource on a
rejected request is restored, never ``"restored": true`` unrestored; without a query API no read-back
is an authenticated empty update (a write). Real reference servers; the run
in-process (``execute_run``), the resource read by the test's own client.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.servers import ServerFactory, SoundServerFactory, query_inventory, without_last_op_date
from zscontract.api import execute_run
from zscontract.checks import names
from zscontract.config import RunSettings
from zscontract.core.cases import Case, InputClass
from zscontract.core.failures import CheckFailed
from zscontract.core.redact import Redactor
from zscontract.corpus import NOT_JUDGED, save_failures
from zscontract.errors import UsageError
from zscontract.runner.results import RunResult
from zscontract.runner.snapshot import load_snapshot, pending, save_snapshot


def _settings(server: object, tmp_path: Path, **kw: object) -> RunSettings:
    base = {"target_url": server.url, "session_uuid": server.session_uuid,  # type: ignore[attr-defined]
            "model_service_uuids": (server.model_service_uuids[0],),  # type: ignore[attr-defined]
            "report_dir": tmp_path, "max_time": 6, "seed": 1, "read_only": True, "save_corpus": False}
    return RunSettings(**{**base, **kw})  # type: ignore[arg-type]


def _snapshot_doc(tmp_path: Path) -> dict[str, object]:
    return json.loads((tmp_path / "latest" / "snapshot.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _corpus(tmp_path: Path, profile: str, uuid: str) -> Path:
    """A saved corpus as a normal run leaves it: a must-accept and an either-way case (writes), a must-reject one."""
    result = RunResult(profile=profile, target_url="http://t", model_service_uuid=uuid, redactor=Redactor())
    cases = [(names.ROUND_TRIP, Case(InputClass.ACCEPT, "name/plain", fields={"name": "from the corpus"})),
             (names.ROUND_TRIP, Case(InputClass.EITHER, "name/empty", fields={"name": ""})),
             (names.REJECTS_INVALID, Case(InputClass.REJECT, "requestCpu/bool", fields={"requestCpu": True}))]
    for check, case in cases:
        result.failed(CheckFailed(check, f"{case.label} failed", expected="x", signature=case.label,
                                  input_class=case.input_class.value, case=case.to_json()))
    corpus = tmp_path / "corpus"
    save_failures(corpus, result.to_json()["failures"], profile=profile)
    return corpus


def test_a_saved_corpus_writes_nothing_under_read_only(sound_server: SoundServerFactory, tmp_path: Path) -> None:
    # Otherwise the corpus phase would send its saved must-accept / either-way cases (writes) under --read-only,
    # leave the resource changed, and snapshot.json say "restored": true.
    server = sound_server(profile="documented")
    before = query_inventory(server)
    corpus = _corpus(tmp_path, "documented", server.model_service_uuids[0])
    result = execute_run(_settings(server, tmp_path / "reports", corpus_dir=corpus, phases=("corpus",)))
    assert query_inventory(server) == before  # lastOpDate included: nothing was written
    verdicts = {entry["title"]: entry for entry in result.corpus}
    for title in ("name/plain failed", "name/empty failed"):
        assert verdicts[title]["verdict"] == NOT_JUDGED
        assert "--read-only" in verdicts[title]["why"] and "not sent" in verdicts[title]["why"]
    assert verdicts["requestCpu/bool failed"]["verdict"] != NOT_JUDGED  # must-reject: sent and judged
    assert set(result.cases) == {InputClass.REJECT.value}
    assert result.restore.restored is True and not result.restore.attempts  # verified, nothing written
    assert _snapshot_doc(tmp_path / "reports")["restored"] is True


@pytest.mark.parametrize("fault", ["partial-apply", "rejected-bumps-lastopdate"])
def test_a_target_that_changes_the_resource_under_read_only_is_caught_restored_and_said(
        reference_server: ServerFactory, tmp_path: Path, fault: str) -> None:
    # Reporting the failure is not enough: the resource must be restored before "restored": true.
    server = reference_server(profile="documented", faults=[fault])
    before = query_inventory(server)
    result = execute_run(_settings(server, tmp_path, checks=(names.REJECTED_UNCHANGED, names.REJECTS_INVALID)))
    assert names.REJECTED_UNCHANGED in result.failed_checks() and result.exit_code == 1
    assert result.restore.restored is True
    assert without_last_op_date(query_inventory(server)) == without_last_op_date(before)
    assert _snapshot_doc(tmp_path)["restored"] is True
    said = " ".join(result.warnings)
    if fault == "partial-apply":  # it wrote back what the target changed, and says so
        assert result.restore.attempts and result.restore.changed
        assert "--read-only: the target changed" in said and "written back" in said
    else:  # only lastOpDate moved: nothing can set it back, and the run says so
        assert not result.restore.attempts
        assert "moved lastOpDate" in said


def test_read_only_without_a_query_api_sends_no_empty_update(reference_server: ServerFactory, tmp_path: Path) -> None:
    # An authenticated empty update is a write (it may move lastOpDate): no read-back may use one.
    server = reference_server(profile="documented", variants=["no-query-api"])
    result = execute_run(_settings(server, tmp_path))
    # Every request of a sound server's read-only run is refused: a 200 is an empty update answered.
    assert 200 not in result.statuses, result.statuses
    assert result.total_cases > 20
    for name in (names.REJECTED_UNCHANGED, names.INVARIANTS):
        assert "no query API" in result.unjudged[name].reason and "--read-only" in result.unjudged[name].reason
    assert result.verdict == "incomplete" and result.exit_code == 5  # README: no query API is INCOMPLETE
    assert any("nor that the target left it as found is verified" in w for w in result.warnings)
    assert result.restore is None  # nothing verified, nothing claimed
    doc = _snapshot_doc(tmp_path)
    assert doc["restored"] is None and doc["inventory"] is None and doc["read_only"] is True
    assert pending(tmp_path, server.url, server.model_service_uuids[0]) == []  # blocks no later run
    with pytest.raises(UsageError, match="--read-only run that could not read"):
        load_snapshot(tmp_path / "latest")


def test_read_only_still_refuses_a_bad_session_without_a_query_api(reference_server: ServerFactory,
                                                                    tmp_path: Path) -> None:
    from zscontract.errors import PreconditionFailed

    server = reference_server(profile="zstack", variants=["no-query-api"])
    with pytest.raises(PreconditionFailed, match="session was refused"):
        execute_run(_settings(server, tmp_path, profile="zstack", session_uuid="0" * 31 + "9"))


def test_a_read_only_snapshot_is_pending_until_verified(tmp_path: Path) -> None:
    # Written before the first request: a read-only run killed before its verification blocks the next run.
    path = save_snapshot(tmp_path / "run" / "snapshot.json", "u" * 32, {"name": "n"}, target_url="http://t",
                         read_only=True)
    assert pending(tmp_path, "http://t", "u" * 32) == [path]
