"""Baselines: a known failure turns green, a new one stays red, stale and expired entries are reported."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.fixtures.servers import ServerFactory, zscontract
from zscontract.baseline import (
    DEFAULT_REASON,
    Baseline,
    apply_baseline,
    load_baseline,
    write_baseline,
)
from zscontract.baseline.gate import BaselineGate
from zscontract.core.failures import CheckFailed
from zscontract.core.redact import Redactor
from zscontract.errors import UsageError
from zscontract.reporting.history_sources import read_junit
from zscontract.reporting.junit import render_junit
from zscontract.reporting.summary import render_markdown
from zscontract.runner.results import RunResult

TODAY = dt.date(2025, 6, 1)


def summary_with(*failures: tuple[str, str]) -> dict[str, object]:
    """The summary dict of a run that raised these (check, signature) failures."""
    result = RunResult(profile="documented", target_url="http://t", model_service_uuid="u" * 32,
                       redactor=Redactor())
    for check, signature in failures:
        result.failed(CheckFailed(check, f"title of {signature}", expected="x", signature=signature))
    return result.to_json()


KNOWN = ("response_shape", "error body is not JSON")
OTHER = ("no_change_on_reject", "string requestCpu accepted")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "baseline.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_known_failure_is_green_and_new_failure_is_red(tmp_path: Path) -> None:
    path = write(tmp_path, f"accepted:\n  - check: {KNOWN[0]}\n    signature: {KNOWN[1]}\n"
                           "    reason: ZSTACK-4711\n")
    baseline = load_baseline(path)
    green = apply_baseline(baseline, summary_with(KNOWN)["failures"], TODAY)  # type: ignore[arg-type]
    assert green.ok and green.exit_code == 0
    assert [(f["check"], e.reason) for f, e in green.accepted] == [("response_shape", "ZSTACK-4711")]
    red = apply_baseline(baseline, summary_with(KNOWN, OTHER)["failures"], TODAY)  # type: ignore[arg-type]
    assert red.exit_code == 1
    assert [(f["check"], f["signature"]) for f in red.new] == [OTHER]
    assert "NEW      [no_change_on_reject]" in red.render_text()


def test_matching_is_on_check_and_signature(tmp_path: Path) -> None:
    path = write(tmp_path, f"accepted:\n  - {{check: other_check, signature: '{KNOWN[1]}', reason: r}}\n")
    verdict = apply_baseline(load_baseline(path), summary_with(KNOWN)["failures"], TODAY)  # type: ignore[arg-type]
    assert len(verdict.new) == 1 and len(verdict.stale) == 1


def test_stale_entry_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\naccepted:\n"
                           f"  - {{check: {KNOWN[0]}, signature: '{KNOWN[1]}', reason: r}}\n"
                           "  - {check: response_shape, signature: fixed long ago, reason: r}\n")
    verdict = apply_baseline(load_baseline(path), summary_with(KNOWN)["failures"], TODAY)  # type: ignore[arg-type]
    assert verdict.ok
    assert [e.signature for e in verdict.stale] == ["fixed long ago"]
    assert f"{path}:4" in verdict.render_text() and "remove the entry" in verdict.render_text()


def test_expired_entry_counts_as_new(tmp_path: Path) -> None:
    path = write(tmp_path, f"accepted:\n  - check: {KNOWN[0]}\n    signature: {KNOWN[1]}\n"
                           "    reason: fixed in 5.3\n    expires: 2025-05-31\n")
    failures = summary_with(KNOWN)["failures"]
    on_expiry_day = apply_baseline(load_baseline(path), failures, dt.date(2025, 5, 31))  # type: ignore[arg-type]
    assert on_expiry_day.ok and not on_expiry_day.expired
    after = apply_baseline(load_baseline(path), failures, TODAY)  # type: ignore[arg-type]
    assert after.exit_code == 1 and [f["signature"] for f in after.new] == [KNOWN[1]]
    assert [e.expires for e in after.expired] == [dt.date(2025, 5, 31)] and not after.stale
    assert "EXPIRED" in after.render_text()


def test_json_baseline_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text('{"accepted": [{"check": "c", "signature": "s", "reason": "r", '
                    '"expires": "2030-01-02"}]}')
    assert load_baseline(path).entries[0].expires == dt.date(2030, 1, 2)


def test_empty_file_is_an_empty_baseline(tmp_path: Path) -> None:
    assert len(load_baseline(write(tmp_path, "# nothing accepted yet\n"))) == 0


@pytest.mark.parametrize(("text", "message"), [
    ("accepted:\n  - check: c\n    signature: [unclosed\n", r"baseline\.yaml:\d+: not valid YAML"),
    ("accepted:\n  - {check: c, signature: s}\n", r"baseline\.yaml:2: `reason` must be a non-empty string"),
    ("accepted:\n  - {check: c, signature: s, reason: r, expiry: 2025-01-01}\n",
     r"baseline\.yaml:2: unknown key\(s\) \['expiry'\]"),
    ("accepted:\n  - {check: c, signature: s, reason: r}\n  - {check: c, signature: s, reason: r2}\n",
     r"baseline\.yaml:3: duplicate entry .* \(first at line 2\)"),
    ("accepted:\n  - {check: c, signature: s, reason: r, expires: next week}\n",
     r"baseline\.yaml:2: `expires` must be an ISO date"),
    ("accepted:\n  - {check: c, signature: 404, reason: r}\n", r"quote it"),
    ("accepted: {check: c}\n", r"`accepted` must be a list"),
    ("entries: []\n", r"unknown top-level key\(s\) \['entries'\]"),
    ("version: 2\naccepted: []\n", r"version 2 is not supported"),
    ("- just a string\n", r"baseline\.yaml:1: an entry must be a mapping"),
])
def test_malformed_file_is_a_usage_error_naming_file_and_line(tmp_path: Path, text: str,
                                                              message: str) -> None:
    with pytest.raises(UsageError, match=message):
        load_baseline(write(tmp_path, text))


def test_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"does not exist; create it from a run with `--baseline-update`"):
        load_baseline(tmp_path / "nope.yaml")


def test_update_preserves_reasons_and_expiry_and_drops_fixed(tmp_path: Path) -> None:
    path = write(tmp_path, "accepted:\n"
                           f"  - {{check: {KNOWN[0]}, signature: '{KNOWN[1]}', reason: ZSTACK-4711,"
                           " expires: 2030-01-01}\n"
                           "  - {check: response_shape, signature: fixed since, reason: old ticket}\n")
    written = write_baseline(path, summary_with(KNOWN, OTHER)["failures"])  # type: ignore[arg-type]
    assert isinstance(written, Baseline)
    by_check = {e.check: e for e in load_baseline(path).entries}
    assert set(by_check) == {"response_shape", "no_change_on_reject"}
    assert by_check["response_shape"].reason == "ZSTACK-4711"
    assert by_check["response_shape"].expires == dt.date(2030, 1, 1)
    assert by_check["no_change_on_reject"].reason == DEFAULT_REASON
    assert by_check["no_change_on_reject"].title == "title of string requestCpu accepted"
    text = path.read_text("utf-8")
    assert text.startswith("# zscontract baseline") and "fixed since" not in text
    verdict = apply_baseline(load_baseline(path), summary_with(KNOWN, OTHER)["failures"], TODAY)  # type: ignore[arg-type]
    assert verdict.ok and not verdict.stale


def test_update_round_trips_awkward_signatures(tmp_path: Path) -> None:
    awkward = [("c", "404"), ("c", "yes"), ("c", "line one\nline: two # not a comment"),
               ("c", "名前が空 'x' \"y\"")]
    path = tmp_path / "sub" / "baseline.yaml"
    write_baseline(path, summary_with(*awkward)["failures"], reason="triaged")  # type: ignore[arg-type]
    entries = load_baseline(path).entries
    assert sorted(e.signature for e in entries) == sorted(s for _, s in awkward)
    assert {e.reason for e in entries} == {"triaged"}


# -- every report tells the baseline's outcome and the exit code the process returns --

def gated_run(*failures: tuple[str, str], selected: tuple[str, ...] = ()) -> RunResult:
    result = RunResult(profile="documented", target_url="http://t", model_service_uuid="u" * 32,
                       redactor=Redactor(), selected=selected)
    for check, signature in failures:
        result.failed(CheckFailed(check, f"title of {signature}", expected="x", signature=signature))
    return result


def junit_suite(result: RunResult) -> ET.Element:
    suite = ET.fromstring(render_junit(result)).find("testsuite")
    assert suite is not None
    return suite


def test_accepted_failures_are_exit_0_in_every_report(tmp_path: Path) -> None:
    path = write(tmp_path, f"accepted:\n  - {{check: {KNOWN[0]}, signature: '{KNOWN[1]}', reason: ZSTACK-4711}}\n")
    result = gated_run(KNOWN)
    BaselineGate(path, today=TODAY).apply(result)
    summary = result.to_json()
    assert (result.verdict, result.exit_code, summary["exit_code"], summary["ok"]) == ("failed", 0, 0, True)
    gate = summary["baseline"]
    assert gate["applied"] and gate["new"] == [] and gate["stale"] == [] and gate["expired"] == []
    assert [(a["check"], a["signature"], a["reason"]) for a in gate["accepted"]] == [(*KNOWN, "ZSTACK-4711")]
    md = render_markdown(result)
    assert md.startswith("## zscontract: PASSED with the baseline; without it FAILED")
    assert "every failure is in the baseline: 0 new, 1 accepted (exit 0)" in md.splitlines()[0]
    assert f"**{KNOWN[0]}** (accepted in the baseline: ZSTACK-4711)" in md
    suite = junit_suite(result)
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    [case] = [c for c in suite.iter("testcase") if c.get("classname") == "zscontract.baseline"]
    assert case.get("name") == f"{KNOWN[0]}: title of {KNOWN[1]}"
    assert "ZSTACK-4711" in case.find("skipped").get("message", "")  # type: ignore[union-attr]
    junit_file = tmp_path / "junit.xml"
    junit_file.write_bytes(render_junit(result))
    assert [f["check"] for f in read_junit(junit_file).failures.values()] == [KNOWN[0]]  # history still sees it


def test_a_new_failure_is_exit_1_and_the_only_junit_failure(tmp_path: Path) -> None:
    path = write(tmp_path, f"accepted:\n  - {{check: {KNOWN[0]}, signature: '{KNOWN[1]}', reason: r}}\n"
                           "  - {check: response_shape, signature: gone, reason: r}\n")
    result = gated_run(KNOWN, OTHER)
    BaselineGate(path, today=TODAY).apply(result)
    summary = result.to_json()
    assert (summary["exit_code"], summary["ok"]) == (1, False)
    assert [f["signature"] for f in summary["baseline"]["new"]] == [OTHER[1]]
    assert "baseline: 1 new, 1 accepted, 1 stale (exit 1)" in render_markdown(result).splitlines()[0]
    suite = junit_suite(result)
    assert [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None] == [OTHER[0]]


def test_accepted_failures_with_a_check_that_judged_nothing_are_exit_5_and_red(tmp_path: Path) -> None:
    path = write(tmp_path, f"accepted:\n  - {{check: {KNOWN[0]}, signature: '{KNOWN[1]}', reason: r}}\n")
    result = gated_run(KNOWN, selected=(KNOWN[0], "read_after_write"))
    BaselineGate(path, today=TODAY).apply(result)
    assert result.exit_code == 5 and result.to_json()["exit_code"] == 5
    assert "INCOMPLETE: 1 check judged nothing" in render_markdown(result).splitlines()[0]
    suite = junit_suite(result)
    assert suite.get("errors") == "1" and any(c.get("name") == "zscontract.verdict" for c in suite.iter("testcase"))


def test_the_baseline_is_not_applied_to_a_broken_run(tmp_path: Path) -> None:
    path = write(tmp_path, f"accepted:\n  - {{check: {KNOWN[0]}, signature: '{KNOWN[1]}', reason: r}}\n")
    result = gated_run(KNOWN)
    result.interrupted = "SIGTERM"
    BaselineGate(path, today=TODAY).apply(result)
    assert result.exit_code == 130 and not result.to_json()["baseline"]["applied"]


def test_a_baseline_run_returns_what_its_reports_say(reference_server: ServerFactory, tmp_path: Path) -> None:
    server = reference_server(profile="documented", faults=["truncate-name-64"])
    baseline = tmp_path / "baseline.yaml"
    common = ["--target-url", server.url, "--session-uuid", server.session_uuid, "--model-service-uuid",
              server.model_service_uuids[0], "--max-time", "8", "--max-examples", "80", "--no-schemathesis",
              "--seed", "3", "--no-corpus", "--checks", "round_trip", "--baseline", str(baseline), "-q"]
    proc = zscontract("run", *common, "--report-dir", str(tmp_path / "r1"), "--baseline-update")
    first = json.loads((tmp_path / "r1" / "latest" / "summary.json").read_text("utf-8"))
    assert proc.returncode == 0 == first["exit_code"], proc.stdout + proc.stderr
    assert first["failures"] and first["baseline"]["updated"] and first["ok"]
    proc = zscontract("run", *common, "--report-dir", str(tmp_path / "r2"))
    report = tmp_path / "r2" / "latest"
    summary = json.loads((report / "summary.json").read_text("utf-8"))
    assert proc.returncode == 0 == summary["exit_code"], proc.stdout + proc.stderr
    assert summary["ok"] and summary["verdict"] == "failed" and not summary["baseline"]["new"]
    assert "every failure is in the baseline" in (report / "summary.md").read_text("utf-8").splitlines()[0]
    suite = ET.parse(report / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("errors") == "0"
    assert "(exit 0)" in proc.stdout  # the verdict line -q prints


# -- shipped baselines: the known defects of a released node ------------------------------------------

def test_a_name_that_is_not_a_path_loads_a_shipped_baseline_with_reasons_and_sources(tmp_path: Path) -> None:
    from zscontract.baseline import shipped

    path = shipped.resolve("zstack-5.1.20")
    assert path.parent == shipped.SHIPPED_DIR and path.is_file()
    entries = load_baseline(path).entries
    assert entries and all(e.reason.startswith("5.1.20: ") and e.source for e in entries)
    assert shipped.resolve(str(tmp_path / "zstack-5.1.20.yaml")) == tmp_path / "zstack-5.1.20.yaml"
    with pytest.raises(UsageError, match=r"'zstack-9\.9' is neither a file nor a shipped baseline; shipped: "
                                         r"zstack-5\.1\.20"):
        shipped.resolve("zstack-9.9")


def test_baseline_list_shows_the_shipped_ones_and_update_refuses_to_write_one(tmp_path: Path) -> None:
    listed = zscontract("baseline", "list")
    assert listed.returncode == 0 and listed.stdout.startswith("zstack-5.1.20  (")
    shown = zscontract("baseline", "show", "zstack-5.1.20")
    assert shown.returncode == 0 and "status 500 on requestCpu:overflow" in shown.stdout
    proc = zscontract("run", "--baseline", "zstack-5.1.20", "--baseline-update", "--report-dir", str(tmp_path))
    assert proc.returncode == 2 and "names a shipped baseline, which is not written" in proc.stderr


def test_a_stale_shipped_entry_says_how_to_drop_it_without_editing_the_package() -> None:
    from zscontract.baseline import shipped

    verdict = apply_baseline(load_baseline(shipped.resolve("zstack-5.1.20")), [], TODAY)
    assert "zscontract baseline show zstack-5.1.20" in verdict.render_text()


RELEASE_RUN = ("--max-time", "25", "--max-examples", "300", "--seed", "1", "--request-timeout", "3",
               "--job-timeout", "3", "--no-corpus", "-q")


@pytest.mark.slow
def test_a_released_node_with_its_shipped_baseline_passes(reference_server: ServerFactory, tmp_path: Path) -> None:
    """A node that behaves like 5.1.20 (here the reference server's variant, reached as a real node is)."""
    node = reference_server(profile="zstack", variants=["zstack-5.1.20"])
    proc = zscontract("run", "--profile", "zstack", "--target-url", node.url, "--session-uuid", node.session_uuid,
                      "--model-service-uuid", node.model_service_uuids[0], "--baseline", "zstack-5.1.20",
                      "--report-dir", str(tmp_path), *RELEASE_RUN, timeout=180)
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text("utf-8"))
    assert proc.returncode == 0 == summary["exit_code"], proc.stdout + proc.stderr
    gate = summary["baseline"]
    assert summary["failures"] and not gate["new"] and len(gate["accepted"]) == len(summary["failures"])
    assert all(a["source"] and a["reason"].startswith("5.1.20: ") for a in gate["accepted"])
    suite = ET.parse(tmp_path / "latest" / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0"


@pytest.mark.slow
def test_a_second_fault_on_the_released_node_still_fails_with_its_baseline(tmp_path: Path) -> None:
    proc = zscontract("run", "--server-variant", "zstack-5.1.20", "--server-fault", "truncate-name-64",
                      "--baseline", "zstack-5.1.20", "--stop-on", "round_trip", "--report-dir", str(tmp_path),
                      *RELEASE_RUN, timeout=180)
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text("utf-8"))
    assert proc.returncode == 1 == summary["exit_code"], proc.stdout + proc.stderr
    assert summary["profile"] == "zstack"  # the release implies its dialect
    assert {f["check"] for f in summary["baseline"]["new"]} == {"round_trip"}
