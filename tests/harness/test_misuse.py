"""Every mistake a user can type: one line, exit 2, no traceback, no secret echoed; a failed preflight
leaves ``reports/latest`` where it was and says why where CI finds it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fixtures.servers import zscontract, zscontract_in_process

UUID = "b" * 32
SESSION = "a" * 32
PASSWORD = "Pw-Not-To-Echo-8812"


def remote(url: str) -> list[str]:
    return ["--target-url", url, "--session-uuid", SESSION, "--model-service-uuid", UUID]


@pytest.mark.parametrize(("args", "needle"), [
    (remote("http://127.0.0.1:99999"), "impossible port"),
    (remote("gopher://zs.example:70"), "not an http(s) URL"),
    (remote(f"http://admin:{PASSWORD}@zs.example:8080"), "credentials in the URL are refused"),
    ([*remote("http://127.0.0.1:1"), "--ca-bundle", "/nonexistent/ca.pem"], "--ca-bundle"),
    ([*remote("http://127.0.0.1:1"), "--insecure", "--ca-bundle", "/etc/hostname"], "contradict"),
    (["--max-requests", "0"], "--max-requests"),
    (["--rate-limit", "fast"], "--rate-limit"),
    (["--sync", "--async"], "not allowed with argument"),
    (["--max-body", "lots"], "--max-body"),
    (["--max-body", "12"], "under 1 KiB"),
    # A leading space or one slash less still hides a password; a query
    # may carry a token; infinite or absurd numbers would crash deep in the run (OverflowError) or never end.
    (remote(f" http://admin:{PASSWORD}@zs.example:8080"), "credentials in the URL are refused"),
    (remote(f"http:/admin:{PASSWORD}@zs.example:8080"), "credentials in the URL are refused"),
    (remote(f"http://zs.example:8080/?token={PASSWORD}"), "query or fragment"),
    (["--max-body", "1e400"], "too large"),
    (["--request-timeout", "inf"], "too large"),
    (["--request-timeout", "1e10"], "too large"),
    (["--job-timeout", "inf"], "too large"),
    (["--max-time", "1e309"], "too large"),
])
def test_bad_options_are_one_line_and_exit_2(args: list[str], needle: str, tmp_path: Path) -> None:
    proc = zscontract_in_process("run", *args, "--report-dir", str(tmp_path / "reports"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert PASSWORD not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_unusable_paths_are_one_line_and_exit_2(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    unreadable = tmp_path / "baseline.yaml"
    unreadable.write_text("accepted: []\n")
    unreadable.chmod(0)
    cases = [
        (["--report-dir", str(a_file)], "--report-dir"),
        (["--report-dir", "/dev/null"], "--report-dir"),
        (["--report-dir", str(a_file / "sub")], "--report-dir"),
        (["--report-dir", str(tmp_path / "r"), "--baseline", str(tmp_path)], "--baseline"),
        (["--report-dir", str(tmp_path / "r"), "--baseline", str(tmp_path / "missing.yaml")], "--baseline"),
        (["--report-dir", str(tmp_path / "r"), "--corpus", str(a_file)], "--corpus"),
    ]
    if os.geteuid() != 0:  # root reads anything
        cases.append((["--report-dir", str(tmp_path / "r"), "--baseline", str(unreadable)], "cannot read"))
    for args, needle in cases:
        proc = zscontract_in_process("run", *args)
        assert proc.returncode == 2, (args, proc.stdout + proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], (args, proc.stderr)


def test_restore_without_a_snapshot_is_a_usage_error(tmp_path: Path) -> None:
    proc = zscontract_in_process("restore", "--report-dir", str(tmp_path), "--session-uuid", SESSION)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "no snapshot" in proc.stderr


def test_a_failed_preflight_leaves_latest_and_writes_its_reason(tmp_path: Path) -> None:
    (tmp_path / "20260101-000000-good").mkdir()
    (tmp_path / "latest").symlink_to("20260101-000000-good")
    proc = zscontract("run", *remote("http://127.0.0.1:1"), "--report-dir", str(tmp_path))
    assert proc.returncode == 3, proc.stderr
    assert os.readlink(tmp_path / "latest") == "20260101-000000-good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["20260101-000000-good", "latest", "preflight-error.txt"]
    reason = (tmp_path / "preflight-error.txt").read_text(encoding="utf-8")
    assert "unreachable" in reason and "exit 3" in reason


def test_a_request_budget_of_one_ends_incomplete_not_in_a_traceback(tmp_path: Path) -> None:
    proc = zscontract("run", "--max-requests", "1", "--max-time", "20", "--no-corpus", "--report-dir", str(tmp_path))
    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert "INCOMPLETE" in proc.stdout and "Traceback" not in proc.stderr


def test_a_session_echoed_dashed_or_upper_case_and_a_digest_in_capitals_are_redacted() -> None:
    from zscontract.core.redact import Redactor

    session, digest = "0123456789abcdef0123456789abcdef", "9f" * 64
    red = Redactor([session], [PASSWORD, digest])
    echoed = (f"session 01234567-89ab-cdef-0123-456789abcdef, {session.upper()}, "
              f"01234567-89AB-CDEF-0123-456789ABCDEF; digest {digest.upper()}; {PASSWORD}")
    out = red.redact(echoed)
    assert "0123" not in out.replace("$ZS_SESSION_UUID", "") and "9F9F" not in out and PASSWORD not in out, out
    assert out.count("$ZS_SESSION_UUID") == 3 and out.count("[REDACTED]") == 2
