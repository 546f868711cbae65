"""Comparing two runs: new, fixed and still-failing failures; finding runs on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zscontract.core.failures import CheckFailed
from zscontract.core.redact import Redactor
from zscontract.errors import UsageError
from zscontract.reporting.diff import RunDiff, diff_runs, load_run, render_diff_markdown, render_diff_text
from zscontract.reporting.summary import write_json
from zscontract.runner.lifecycle import new_run_dir
from zscontract.runner.results import RunResult, Unjudged

STAYS = ("response_shape", "error body is not JSON")
GOES = ("no_change_on_reject", "string requestCpu accepted")
COMES = ("value_fidelity", "name | trimmed")


def run(*failures: tuple[str, str], profile: str = "zstack",
        judged: tuple[str, ...] = (STAYS[0], GOES[0], COMES[0])) -> RunResult:
    """A run that judged the ``judged`` checks (one pass each) and raised ``failures``."""
    result = RunResult(profile=profile, target_url="http://t", model_service_uuid="u" * 32,
                       redactor=Redactor(), selected=(STAYS[0], GOES[0], COMES[0]))
    for check in judged:
        result.passed(check)
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
    assert diff.checks["no_change_on_reject"] == ({"passed": 1, "failed": 1, "judged": 2},
                                                  {"passed": 1, "failed": 0, "judged": 1})
    assert not diff.unjudged
    assert not diff_runs(b, b).regressed and not diff_runs(b, b).fixed


def test_renderings() -> None:
    diff = diff_runs(run(STAYS, GOES).to_json() | {"run_id": "run-a"},
                     run(STAYS, COMES, profile="documented").to_json() | {"run_id": "run-b"})
    text = render_diff_text(diff)
    assert text.splitlines()[0] == "runs run-a -> run-b: 1 new, 1 fixed, 1 still failing"  # none unjudged
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


# -- FIXED only when run B judged the check and ended on its own ------------------------

def _not_judged(diff: RunDiff) -> list[tuple[str, str]]:
    return [(f["signature"], f["why"]) for f in diff.unjudged]


def test_a_check_run_b_never_judged_is_not_fixed() -> None:
    b = run(STAYS, judged=(STAYS[0],))  # `--checks response_shape`: the other checks not selected
    b.unjudged[GOES[0]] = Unjudged("not selected (--checks)", user_chosen=True)
    diff = diff_runs(run(STAYS, GOES).to_json() | {"run_id": "a"}, b.to_json() | {"run_id": "b"})
    assert diff.fixed == [] and [f["signature"] for f in diff.unjudged] == [GOES[1]]
    assert diff.unjudged[0]["why"] == f"run B never judged {GOES[0]} (not selected (--checks))"
    text = render_diff_text(diff)
    assert text.splitlines()[0] == "runs a -> b: 0 new, 0 fixed, 1 still failing, 1 not judged in b"
    assert f"NOT JUDGED IN B [{GOES[0]}] title: {GOES[1]}: run B never judged" in text and "FIXED" not in text
    md = render_diff_markdown(diff)
    assert "### Not judged in `b` (not evidence of a fix)" in md and "### Fixed" not in md
    assert f"| `{GOES[0]}` | FAIL | not judged |" in md


@pytest.mark.parametrize(("state", "why"), [
    ({"interrupted": "SIGINT"}, "run B was interrupted (SIGINT)"),
    ({"stopped": "5 transport failures in a row"}, "run B stopped early"),
    ({"incomplete": "--max-requests 200 reached"}, "run B was cut short by its budget (--max-requests 200"),
])
def test_a_run_b_that_ended_early_fixes_nothing(state: dict[str, str], why: str) -> None:
    b = run(STAYS)  # it judged every check, but did not run to its end
    for key, value in state.items():
        setattr(b, key, value)
    diff = diff_runs(run(STAYS, GOES).to_json(), b.to_json())
    assert diff.fixed == [] and [f["signature"] for f in diff.unjudged] == [GOES[1]]
    assert diff.unjudged[0]["why"].startswith(why)


def test_a_replayed_case_decides_even_in_a_run_cut_by_its_budget() -> None:
    a = run(STAYS, GOES).to_json()
    [gone] = [f for f in a["failures"] if f["check"] == GOES[0]]
    fixed = run(STAYS)
    fixed.incomplete = "the run's time budget (--max-time) is spent"  # a fuzz run always ends so
    fixed.corpus = [{"key": gone["key"], "check": GOES[0], "title": gone["title"], "verdict": "FIXED"}]
    assert [f["signature"] for f in diff_runs(a, fixed.to_json()).fixed] == [GOES[1]]
    unjudged = run(STAYS)
    unjudged.corpus = [{"key": gone["key"], "check": GOES[0], "title": gone["title"], "verdict": "NOT JUDGED",
                        "why": "the repeat got no answer"}]
    diff = diff_runs(a, unjudged.to_json())
    assert diff.fixed == [] and "could not judge it (the repeat got no answer)" in diff.unjudged[0]["why"]
