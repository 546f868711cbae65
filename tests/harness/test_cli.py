"""The ``zscontract`` command end to end: real subprocesses against real reference servers.

Exit codes, one-line errors, leaving the target as found (also on SIGINT), secrets kept out of
every file a run writes, baseline gating and the regression corpus.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.servers import (
    ServerFactory,
    SoundServerFactory,
    query_inventory,
    without_last_op_date,
    zscontract,
    zscontract_in_process,
)
from zscontract.core.session import hash_password
from zscontract.runner.budget import REPORT_SECONDS, grace


def target_args(server: object, *, session: bool = True) -> list[str]:
    args = ["--target-url", server.url, "--model-service-uuid", server.model_service_uuids[0]]  # type: ignore[attr-defined]
    if session:
        args += ["--session-uuid", server.session_uuid]  # type: ignore[attr-defined]
    return args


# -- exit codes and one-line errors ---------------------------------------------------------------

def test_unreachable_target_exits_3_fast_with_one_line(tmp_path: Path) -> None:
    started = time.monotonic()
    proc = zscontract("run", "--target-url", "http://127.0.0.1:1", "--session-uuid", "a" * 32,
                      "--model-service-uuid", "b" * 32, "--report-dir", str(tmp_path))
    assert proc.returncode == 3, proc.stderr
    assert time.monotonic() - started < 10
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "unreachable" in lines[0] and "--target-url" in lines[0]


def test_wrong_session_exits_3_and_says_so(sound_server: SoundServerFactory, tmp_path: Path) -> None:
    server = sound_server(profile="zstack")
    before = query_inventory(server)
    proc = zscontract("run", *target_args(server, session=False), "--session-uuid", "c" * 32,
                      "--profile", "zstack", "--report-dir", str(tmp_path))
    assert proc.returncode == 3
    assert "session was refused" in proc.stderr
    assert query_inventory(server) == before


def test_unknown_resource_exits_3(sound_server: SoundServerFactory, tmp_path: Path) -> None:
    server = sound_server(profile="documented")
    proc = zscontract("run", "--target-url", server.url, "--session-uuid", server.session_uuid,
                      "--model-service-uuid", "d" * 32, "--report-dir", str(tmp_path))
    assert proc.returncode == 3
    assert "not found" in proc.stderr


@pytest.mark.parametrize(("args", "needle"), [
    (["--profile", "soap"], "unknown profile 'soap'"),
    (["--max-time", "soon"], "--max-time"),
    (["--checks", "round_trip,nonsense"], "unknown check(s) nonsense"),
    (["--target-url", "ftp://x"], "not an http(s) URL"),
    (["--target-url", "http://127.0.0.1:1", "--session-uuid", "a" * 32], "no model service"),
    (["--target-url", "http://127.0.0.1:1", "--model-service-uuid", "NOT-A-UUID", "--session-uuid", "a" * 32],
     "not a ZStack UUID"),
    (["--account", "admin"], "ZS_PASSWORD"),
])
def test_usage_errors_exit_2_with_one_line(args: list[str], needle: str, tmp_path: Path) -> None:
    proc = zscontract_in_process("run", *args, "--report-dir", str(tmp_path))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]


def test_environment_variable_errors_name_the_variable(tmp_path: Path) -> None:
    proc = zscontract_in_process("run", "--report-dir", str(tmp_path), env={"ZS_PROFILE": "soap"})
    assert proc.returncode == 2
    assert "environment variable ZS_PROFILE" in proc.stderr


# -- leaving the target as found ------------------------------------------------------------------

def test_sigint_mid_run_leaves_the_resource_as_found(sound_server: SoundServerFactory, tmp_path: Path) -> None:
    server = sound_server(profile="documented")
    before = query_inventory(server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZS_")}
    proc = subprocess.Popen([sys.executable, "-m", "zscontract", "run", *target_args(server), "--max-time", "60",
                             "--max-examples", "100000", "--report-dir", str(tmp_path), "--no-corpus"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # wait until the run has really changed the resource
        time.sleep(0.3)
        if without_last_op_date(query_inventory(server)) != without_last_op_date(before):
            break
    else:
        proc.kill()
        pytest.fail("the run never changed the resource")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "restoring" in out
    assert without_last_op_date(query_inventory(server)) == without_last_op_date(before)


def test_sigterm_restores_too(sound_server: SoundServerFactory, tmp_path: Path) -> None:
    server = sound_server(profile="zstack", async_=True)
    before = query_inventory(server)
    proc = subprocess.Popen([sys.executable, "-m", "zscontract", "run", *target_args(server), "--profile", "zstack",
                             "--max-time", "60", "--max-examples", "100000", "--report-dir", str(tmp_path),
                             "--no-corpus"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    proc.send_signal(signal.SIGTERM)
    # The stated bound after a stop: the restore's grace (30 s with the defaults) and 5 s of reports.
    out, err = proc.communicate(timeout=grace(10.0, 30.0) + REPORT_SECONDS + 15)
    assert proc.returncode == 130, out + err
    assert "INTERRUPTED" in out + err
    assert without_last_op_date(query_inventory(server)) == without_last_op_date(before)


def test_restore_refused_is_loud_keeps_the_snapshot_and_exits_4(reference_server: ServerFactory,
                                                                 tmp_path: Path) -> None:
    server = reference_server(profile="documented", faults=["lock-after-writes"])
    before = query_inventory(server)
    proc = zscontract("run", *target_args(server), "--max-time", "20", "--report-dir", str(tmp_path),
                      "--no-corpus")
    assert proc.returncode == 4
    assert "RESTORE FAILED" in proc.stderr
    snapshot = Path(proc.stderr.split("saved at ")[1].split(":")[0])
    assert json.loads(snapshot.read_text())["inventory"] == before


# -- secrets --------------------------------------------------------------------------------------

def _all_output(tmp_path: Path, proc: subprocess.CompletedProcess[str]) -> str:
    texts = [proc.stdout, proc.stderr]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def test_no_file_or_output_contains_the_session(reference_server: ServerFactory, tmp_path: Path) -> None:
    # A fault makes the run fail, so failures, curl lines, corpus and cassettes are all written.
    server = reference_server(profile="zstack", faults=["python-strip"])
    proc = zscontract("run", *target_args(server), "--profile", "zstack", "--max-time", "8",
                      "--report-dir", str(tmp_path))
    assert proc.returncode == 1
    everything = _all_output(tmp_path, proc)
    assert "$ZS_SESSION_UUID" in everything  # the curl lines are there, redacted
    assert server.session_uuid not in everything
    assert server.session_uuid.upper() not in everything


def test_login_password_and_session_stay_secret(reference_server: ServerFactory, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    password = "Zs-S3cret&<pw>"
    monkeypatch.setenv("ZSCONTRACT_SERVER_PASSWORD", password)
    server = reference_server(profile="documented", faults=["python-strip"])
    assert server.info["password"] == password
    proc = zscontract("run", *target_args(server, session=False), "--account", server.info["account"],
                      "--max-time", "8", "--report-dir", str(tmp_path), env={"ZS_PASSWORD": password})
    assert proc.returncode == 1, proc.stderr
    everything = _all_output(tmp_path, proc)
    assert password not in everything
    assert hash_password(password) not in everything
    assert "OAuth $ZS_SESSION_UUID" in everything


def test_wrong_password_exits_3(sound_server: SoundServerFactory, tmp_path: Path) -> None:
    server = sound_server(profile="zstack")
    proc = zscontract("run", *target_args(server, session=False), "--account", "admin", "--profile", "zstack",
                      "--report-dir", str(tmp_path), env={"ZS_PASSWORD": "Not-The-Pw-4711"})
    assert proc.returncode == 3
    assert "login as 'admin' was refused" in proc.stderr
    assert "Not-The-Pw-4711" not in proc.stderr + proc.stdout


def test_session_expiring_mid_run_logs_in_again(reference_server: ServerFactory, tmp_path: Path) -> None:
    server = reference_server(profile="documented", extra_args=("--session-ttl", "2"))
    proc = zscontract("run", *target_args(server, session=False), "--account", "admin", "--max-time", "8",
                      "--report-dir", str(tmp_path), "--no-corpus", env={"ZS_PASSWORD": server.info["password"]})
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text())
    # Sessions lived 2 s and the run lasted longer: every expiry was met by a new login, so no check
    # failed (a busy machine may leave a check unjudged in 8 s: INCOMPLETE, never FAILED).
    assert summary["duration_seconds"] > 2
    assert summary["failures"] == [] and proc.returncode in (0, 5), proc.stdout + proc.stderr


# -- baseline and corpus --------------------------------------------------------------------------

def test_baseline_turns_a_known_failure_green_and_a_new_one_red(reference_server: ServerFactory,
                                                                 tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    known = reference_server(profile="documented", faults=["python-strip"])
    common = ["--max-time", "8", "--max-examples", "150", "--no-schemathesis", "--seed", "3", "--no-corpus",
              "--checks", "round_trip,error_envelope"]
    proc = zscontract("run", *target_args(known), *common, "--report-dir", str(tmp_path / "r1"),
                      "--baseline", str(baseline), "--baseline-update")
    assert proc.returncode == 0 and baseline.exists(), proc.stderr
    proc = zscontract("run", *target_args(known), *common, "--report-dir", str(tmp_path / "r2"),
                      "--baseline", str(baseline))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    worse = reference_server(profile="documented", faults=["python-strip", "cause-string"])
    proc = zscontract("run", *target_args(worse), *common, "--report-dir", str(tmp_path / "r3"),
                      "--baseline", str(baseline))
    assert proc.returncode == 1
    assert "error_envelope" in proc.stdout


def test_corpus_replay_says_fixed_once_the_fault_is_gone(reference_server: ServerFactory,
                                                         sound_server: SoundServerFactory, tmp_path: Path) -> None:
    faulty = reference_server(profile="documented", faults=["memory-float64"])
    proc = zscontract("run", *target_args(faulty), "--max-time", "8", "--report-dir", str(tmp_path))
    assert proc.returncode == 1
    assert list((tmp_path / "corpus").glob("*.json"))
    proc = zscontract("replay", *target_args(faulty), "--report-dir", str(tmp_path))
    assert proc.returncode == 1 and "STILL FAILING" in proc.stdout
    sound = sound_server(profile="documented")
    proc = zscontract("replay", *target_args(sound), "--report-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stdout
    assert "FIXED" in proc.stdout and "STILL FAILING" not in proc.stdout


def test_report_diff_lists_new_and_fixed(reference_server: ServerFactory,
                                         sound_server: SoundServerFactory, tmp_path: Path) -> None:
    faulty = reference_server(profile="documented", faults=["cause-string"])
    zscontract("run", *target_args(faulty), "--max-time", "6", "--report-dir", str(tmp_path))
    first = os.readlink(tmp_path / "latest")
    sound = sound_server(profile="documented")
    # With the corpus: a run cut by its budget says FIXED only for a saved case it replayed.
    zscontract("run", *target_args(sound), "--max-time", "6", "--report-dir", str(tmp_path))
    proc = zscontract("report", "diff", first, "latest", "--report-dir", str(tmp_path))
    assert proc.returncode == 0
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (new|fixed|still failing)", proc.stdout)}
    assert counts["new"] == 0 and counts["fixed"] >= 1 and counts["still failing"] == 0, proc.stdout


@pytest.mark.parametrize(("server_profile", "run_profile"), [("zstack", "documented"), ("documented", "zstack")])
def test_profile_mismatch_is_reported_as_such(sound_server: SoundServerFactory, tmp_path: Path,
                                              server_profile: str, run_profile: str) -> None:
    server = sound_server(profile=server_profile)
    before = query_inventory(server)
    proc = zscontract("run", *target_args(server), "--profile", run_profile, "--report-dir", str(tmp_path))
    assert proc.returncode == 3
    assert f"seems to speak the {server_profile} dialect" in proc.stderr
    assert f"--profile {server_profile}" in proc.stderr
    assert query_inventory(server) == before


def test_read_only_changes_nothing_not_even_last_op_date(sound_server: SoundServerFactory, tmp_path: Path) -> None:
    server = sound_server(profile="zstack")
    before = query_inventory(server)
    proc = zscontract("run", *target_args(server), "--profile", "zstack", "--read-only", "--max-time", "10",
                      "--report-dir", str(tmp_path), "--no-corpus")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert query_inventory(server) == before
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text())
    assert set(summary["cases"]) == {"must-reject"} and summary["total_cases"] > 50


def test_max_requests_bounds_the_run_and_still_restores(sound_server: SoundServerFactory, tmp_path: Path) -> None:
    server = sound_server(profile="documented")
    before = query_inventory(server)
    proc = zscontract("run", *target_args(server), "--max-requests", "15", "--report-dir", str(tmp_path),
                      "--no-corpus")
    # A spent request budget is not a reason the user chose for a check to judge nothing: INCOMPLETE.
    assert proc.returncode == 5, proc.stdout + proc.stderr
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text())
    assert any("--max-requests 15" in note for note in summary["notes"])
    assert summary["verdict"] == "incomplete" and summary["incomplete_checks"]
    assert without_last_op_date(query_inventory(server)) == without_last_op_date(before)


def test_checks_lists_every_check_with_its_summary() -> None:
    from zscontract.checks import names

    proc = zscontract_in_process("checks")
    assert proc.returncode == 0
    listed = [line.split()[0] for line in proc.stdout.splitlines()]
    assert listed == sorted(names.ALL)


@pytest.mark.parametrize(("args", "needle"), [
    (["--async"], "--async needs --profile zstack"),
    (["--server-fault", "nope"], "--server-fault: --fault 'nope': no such fault"),
    (["--profile", "zstack", "--sync", "--server-fault", "async-job-never-ends"], "needs async jobs"),
    (["--target-url", "http://127.0.0.1:1", "--session-uuid", "a" * 32, "--model-service-uuid", "b" * 32,
      "--server-fault", "drop-name"], "configure the embedded reference server"),
])
def test_embedded_server_options_are_checked_before_anything_starts(args: list[str], needle: str,
                                                                    tmp_path: Path) -> None:
    proc = zscontract_in_process("run", *args, "--report-dir", str(tmp_path))
    assert proc.returncode == 2
    assert needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
