"""Honest verdicts end to end: real ``zscontract`` subprocesses against real reference servers.

A check that judged nothing makes the run INCOMPLETE (5) and is a skipped JUnit test case with its
reason; one that cannot apply to the target (no query API) keeps it PASSED and every report says why;
a check that crashes is a HARNESS ERROR (6), never a contract failure (1); a replay says FIXED only
when the saved case's check judged it again.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.fixtures.servers import ServerFactory, SoundServerFactory, zscontract
from zscontract.core.cases import Case, InputClass


def target_args(server: object) -> list[str]:
    return ["--target-url", server.url, "--model-service-uuid", server.model_service_uuids[0],  # type: ignore[attr-defined]
            "--session-uuid", server.session_uuid]  # type: ignore[attr-defined]


def summary(report_dir: Path) -> dict[str, object]:
    return json.loads((report_dir / "latest" / "summary.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_a_target_without_a_query_api_passes_and_every_report_says_what_did_not_apply(
        reference_server: ServerFactory, tmp_path: Path) -> None:
    # oracle.md "Round-trip": the query API is another API; its checks are not applicable there.
    server = reference_server(profile="documented", variants=["no-query-api"])
    proc = zscontract("run", *target_args(server), "--max-time", "8", "--no-corpus", "--no-schemathesis",
                      "--report-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = "not applicable: read_after_write, query_read: the target has no query API"
    assert f"PASSED: the target conforms ({said})" in proc.stdout
    assert re.search(r"n/a  read_after_write .*\(not applicable: the target has no query API\)", proc.stdout)
    s = summary(tmp_path)
    assert s["verdict"] == "passed" and s["ok"] is True and s["incomplete_checks"] == []
    assert s["not_applicable_checks"] == ["read_after_write", "query_read"]
    checks = s["checks"]
    assert checks["read_after_write"]["judged"] == 0  # type: ignore[index]
    assert checks["read_after_write"]["reason"] == "the target has no query API"  # type: ignore[index]
    assert checks["read_after_write"]["applicable"] is False  # type: ignore[index]
    assert checks["round_trip"]["judged"] > 0 and "applicable" not in checks["round_trip"]  # type: ignore[index]
    suite = ET.parse(tmp_path / "latest" / "junit.xml").getroot()
    skipped = {tc.get("name"): tc.find("skipped") for tc in suite.iter("testcase")}
    assert skipped["read_after_write"] is not None
    assert skipped["read_after_write"].get("message") == "not applicable: the target has no query API"
    assert skipped["round_trip"] is None
    assert suite.find("testcase[@name='zscontract.verdict']") is None  # green: no verdict error
    markdown = (tmp_path / "latest" / "summary.md").read_text(encoding="utf-8")
    assert said in markdown and "| not applicable: the target has no query API |" in markdown
    html = (tmp_path / "latest" / "report.html").read_text(encoding="utf-8")
    assert "not applicable: the target has no query API" in html and "NOT JUDGED" not in html


def test_a_check_that_judged_nothing_makes_the_run_incomplete(reference_server: ServerFactory,
                                                              tmp_path: Path) -> None:
    server = reference_server(profile="documented")
    proc = zscontract("run", *target_args(server), "--max-requests", "4", "--no-corpus", "--no-schemathesis",
                      "--report-dir", str(tmp_path))
    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert "INCOMPLETE" in proc.stdout
    s = summary(tmp_path)
    assert s["verdict"] == "incomplete" and s["ok"] is False and s["not_applicable_checks"] == []
    [name, *_] = s["incomplete_checks"]  # type: ignore[misc]
    suite = ET.parse(tmp_path / "latest" / "junit.xml").getroot()
    skipped = {tc.get("name"): tc.find("skipped") for tc in suite.iter("testcase")}
    assert skipped[name] is not None and not skipped[name].get("message", "").startswith("not applicable")
    assert "INCOMPLETE" in (tmp_path / "latest" / "summary.md").read_text(encoding="utf-8")
    assert "NOT JUDGED" in (tmp_path / "latest" / "report.html").read_text(encoding="utf-8")


def test_checks_left_out_by_the_user_keep_the_run_green(sound_server: SoundServerFactory, tmp_path: Path) -> None:
    server = sound_server(profile="documented")
    proc = zscontract("run", *target_args(server), "--max-time", "6", "--no-corpus", "--no-schemathesis",
                      "--checks", "round_trip,no_server_fault", "--report-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checks = summary(tmp_path)["checks"]
    assert checks["idempotence"]["reason"] == "not selected (--checks)"  # type: ignore[index]


CRASHING_RUN = textwrap.dedent("""
    import sys
    from zscontract.checks.registry import check

    @check("crashes_on_purpose")
    def crashes_on_purpose(ctx, step):
        '''A check with a bug: it always raises.'''
        raise ZeroDivisionError("a bug in a check")

    from zscontract.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_a_crashing_check_is_a_harness_error_not_a_contract_failure(sound_server: SoundServerFactory,
                                                                    tmp_path: Path) -> None:
    server = sound_server(profile="documented")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZS_")}
    proc = subprocess.run([sys.executable, "-c", CRASHING_RUN, "run", *target_args(server), "--max-time", "5",
                           "--no-corpus", "--no-schemathesis", "--report-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 6, proc.stdout + proc.stderr
    assert "HARNESS ERROR" in proc.stdout
    s = summary(tmp_path)
    assert s["verdict"] == "harness_error" and s["failures"] == []
    errors = s["harness_errors"]
    assert errors and "ZeroDivisionError: a bug in a check" in errors[0]["traceback"]  # type: ignore[index]
    suite = ET.parse(tmp_path / "latest" / "junit.xml").getroot()
    [case] = [tc for tc in suite.iter("testcase") if tc.get("name") == "crashes_on_purpose"]
    assert case.find("error") is not None and case.find("failure") is None


def _save_case(corpus: Path, check: str, case: Case) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    doc = {"zscontract_corpus": 1, "key": f"{check}:000000000001", "check": check, "signature": "saved",
           "title": f"saved {check} case", "profile": "documented", "case": case.to_json()}
    (corpus / f"{check}-000000000001.json").write_text(json.dumps(doc), encoding="utf-8")


def test_replay_says_fixed_only_when_the_check_judged_the_case(reference_server: ServerFactory,
                                                               sound_server: SoundServerFactory,
                                                                tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    accepted = Case(InputClass.ACCEPT, "name", fields={"name": "replayed name"})
    _save_case(corpus, "idempotence", accepted)       # judged only when the repeat is sent
    _save_case(corpus, "read_after_write", accepted)  # judged only when the resource is read back
    sound = sound_server(profile="documented")
    proc = zscontract("replay", *target_args(sound), "--report-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("FIXED") == 2 and "NOT JUDGED" not in proc.stdout
    no_query = reference_server(profile="documented", variants=["no-query-api"])
    proc = zscontract("replay", *target_args(no_query), "--report-dir", str(tmp_path))
    assert proc.returncode == 5, proc.stdout + proc.stderr
    [line] = [ln for ln in proc.stdout.splitlines() if ln.startswith("NOT JUDGED")]
    assert "read_after_write" in line and "nothing to judge" in line
    proc = zscontract("replay", *target_args(sound), "--checks", "round_trip", "--report-dir", str(tmp_path))
    assert proc.returncode == 5 and proc.stdout.count("NOT JUDGED") == 2, proc.stdout
    assert "not among the selected checks" in proc.stdout


def test_every_zstack_run_judges_the_fixed_codes_even_a_short_one(reference_server: ServerFactory,
                                                                  sound_server: SoundServerFactory,
                                                                   tmp_path: Path) -> None:
    # One case of generation: the property phase alone would rarely draw an unknown session or uuid.
    sound = sound_server(profile="zstack")
    proc = zscontract("run", *target_args(sound), "--profile", "zstack", "--max-examples", "1", "--no-corpus",
                      "--no-schemathesis", "--checks", "zstack_codes", "--report-dir", str(tmp_path / "sound"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert summary(tmp_path / "sound")["checks"]["zstack_codes"]["judged"] >= 2  # type: ignore[index]
    faulty = reference_server(profile="zstack", faults=["notfound-code-sys1007"])
    proc = zscontract("run", *target_args(faulty), "--profile", "zstack", "--max-examples", "1", "--no-corpus",
                      "--no-schemathesis", "--checks", "zstack_codes", "--report-dir", str(tmp_path / "faulty"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
