"""Comparing two runs: new, fixed and still-failing failures; finding runs on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zscontract.core.failures import CheckFailed
from zscontract.core.redact import Redactor
from zscontract.errors import UsageError
from zscontract.reporting.diff import diff_runs, load_run, render_diff_markdown, render_diff_text
from zscontract.reporting.summary import write_json
from zscontract.runner.results import RunResult
from zscontract.runner.run import new_run_dir

STAYS = ("response_shape", "error body is not JSON")
GOES = ("no_change_on_reject", "string requestCpu accepted")
COMES = ("value_fidelity", "name | trimmed")


def run(*failures: tuple[str, str], profile: str = "zstack") -> RunResult:
    result = RunResult(profile=profile, target_url="http://t", model_service_uuid="u" * 32,
                       redactor=Redactor())
    result.passed("response_shape")
    for check, signature in failures:
        result.failed(CheckFailed(check, f"title: {signature}", expected="x", signature=signature))
    return result


def test_new_fixed_and_still_failing() -> None:
    a, b = run(STAYS, GOES).to_json(), run(STAYS, COMES).to_json()
    diff = diff_runs(a, b)
    assert [f["signature"] for f in diff.new] == [COMES[1]]
    assert [f["signature"] for f in diff.fixed] == [GOES[1]]
    assert [f["signature"] for f in diff.still] == [STAYS[1]]
    assert diff.regressed and not diff.notes
    assert diff.checks["no_change_on_reject"] == ({"passed": 0, "failed": 1}, {"passed": 0, "failed": 0})
    assert not diff_runs(b, b).regressed and not diff_runs(b, b).fixed


def test_renderings() -> None:
    diff = diff_runs(run(STAYS, GOES).to_json() | {"run_id": "run-a"},
                     run(STAYS, COMES, profile="documented").to_json() | {"run_id": "run-b"})
    text = render_diff_text(diff)
    assert text.splitlines()[0] == "runs run-a -> run-b: 1 new, 1 fixed, 1 still failing"
    assert "  NEW    [value_fidelity] title: name | trimmed" in text
    assert "  FIXED  [no_change_on_reject]" in text and "different profiles" in text
    md = render_diff_markdown(diff)
    assert md.startswith("## zscontract: `run-a` → `run-b`: 1 new, 1 fixed, 1 still failing")
    assert "### New failures" in md and "title: name \\| trimmed" in md  # pipes escaped for tables
    assert "| `no_change_on_reject` | FAIL | ok |" in md and "| `value_fidelity` | ok | FAIL |" in md


def test_load_run_by_dir_id_latest_and_file(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = new_run_dir(reports)
    write_json(run(GOES), first / "summary.json")
    second = new_run_dir(reports)
    write_json(run(COMES), second / "summary.json")
    assert load_run("latest", reports)["run_id"] == second.name
    assert load_run(first.name, reports)["run_id"] == first.name
    assert load_run(str(first), tmp_path / "elsewhere")["failures"][0]["signature"] == GOES[1]
    assert load_run(str(second / "summary.json"), reports)["run_id"] == second.name
    diff = diff_runs(load_run(first.name, reports), load_run("latest", reports))
    assert diff.a_label == first.name and [f["signature"] for f in diff.new] == [COMES[1]]


def test_load_run_errors(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with pytest.raises(UsageError, match=r"no run 'nope': .* \(there are no runs under"):
        load_run("nope", reports)
    good = new_run_dir(reports)
    write_json(run(), good / "summary.json")
    with pytest.raises(UsageError, match=rf"no run 'nope': .*known runs: {good.name}"):
        load_run("nope", reports)
    empty = new_run_dir(reports)
    with pytest.raises(UsageError, match=rf"run directory .*{empty.name} has no summary.json"):
        load_run(empty.name, reports)
    (empty / "summary.json").write_text("{\n  truncated")
    with pytest.raises(UsageError, match=r"summary.json:2: not valid JSON"):
        load_run(empty.name, reports)
    (empty / "summary.json").write_text(json.dumps({"something": "else"}))
    with pytest.raises(UsageError, match=r"is not a zscontract summary\.json"):
        load_run(empty.name, reports)
