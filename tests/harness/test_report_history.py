"""``zscontract report history``: a week of runs read back as signatures over time.

The week: three real runs today against the embedded reference server (a python-strip fault at
commit c1, the sound server at commit c2 with the same seed, a drop-name fault at commit c3), plus
what a real run cannot produce, older nights: a CI artifact holding only a JUnit file (six days ago,
dated by its folder's name, commit c0) and a summary.json (five days ago, the sound run's, commit c0),
and a broken summary.json. The python-strip signatures are flaky (failed and passed at commit c0); the
drop-name ones are new and not flaky.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.servers import zscontract
from tests.harness.test_reports_html import _browser, chromium  # noqa: F401 (a fixture)
from zscontract.cli import main
from zscontract.reporting.history import build_history, comparable
from zscontract.reporting.history_sources import collect
from zscontract.reporting.summary import COMMIT_VARIABLES

SESSION = "5f0c2a7e9b3d4e1fa8c6d2b4e7f90a13"
# Bounded by examples (a seed gives the same cases on a slow or a fast machine), not by time.
QUICK = ("--max-time", "60", "--max-examples", "60", "--no-schemathesis", "--checks", "round_trip,response_shape", "-q")
DAY = 86400.0


def _run(reports: Path, commit: str | None, *args: str, expect: int) -> dict[str, Any]:
    env = {v: "" for v in COMMIT_VARIABLES} | ({"ZSCONTRACT_COMMIT": commit} if commit else {})
    done = zscontract("run", "--report-dir", str(reports), *QUICK, *args, env=env)
    assert done.returncode == expect, done.stdout + done.stderr
    run_dir = (reports / "latest").resolve()
    summary: dict[str, Any] = json.loads((run_dir / "summary.json").read_text("utf-8"))
    summary["dir"] = run_dir
    return summary


@dataclass
class Week:
    reports: Path
    artifacts: Path
    faulty: dict[str, Any]   # python-strip, commit c1, seed 1
    sound: dict[str, Any]    # no fault, commit c2, seed 1
    renamed: dict[str, Any]  # drop-name, commit c3, seed 2
    junit_day: dt.datetime   # the JUnit-only night (from its folder's name)
    summary_day: float       # the hand-made summary's start


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Week:
    root = tmp_path_factory.mktemp("week")
    reports, artifacts = root / "reports", root / "artifacts"
    faulty = _run(reports, "c1", "--server-fault", "python-strip", "--seed", "1", expect=1)
    sound = _run(reports, "c2", "--seed", "1", expect=0)
    renamed = _run(reports, "c3", "--server-fault", "drop-name", "--seed", "2", expect=1)
    # Six days ago, only the JUnit file of the faulty run's kind was kept (a CI artifact folder named
    # after its night), at commit c0.
    junit_day = (dt.datetime.fromtimestamp(faulty["started"], dt.UTC) - dt.timedelta(days=6)).replace(
        hour=0, minute=0, second=0, microsecond=0)
    tree = ET.parse(faulty["dir"] / "junit.xml")
    suite = tree.getroot().find("testsuite")
    assert suite is not None and suite.get("timestamp") == faulty["started_at"][:19]
    del suite.attrib["timestamp"]  # as an older zscontract wrote it: dated by its folder's name
    [commit] = [p for p in suite.iter("property") if p.get("name") == "commit"]
    commit.set("value", "c0")
    night = artifacts / f"nightly-{junit_day:%Y-%m-%d}"
    night.mkdir(parents=True)
    tree.write(night / "junit.xml", encoding="utf-8", xml_declaration=True)
    # Five days ago at the same commit c0, the sound run's summary: python-strip judged and absent.
    old = json.loads((sound["dir"] / "summary.json").read_text("utf-8"))
    summary_day = sound["started"] - 5 * DAY
    old.update(started=summary_day, commit="c0", seed=None,
               started_at=dt.datetime.fromtimestamp(summary_day, dt.UTC).isoformat(timespec="seconds"))
    kept = reports / f"{dt.datetime.fromtimestamp(summary_day, dt.UTC):%Y%m%d-%H%M%S}-0ld0c0"
    kept.mkdir()
    (kept / "summary.json").write_text(json.dumps(old), "utf-8")
    # Tonight's JUnit file alone in another artifact: the same run as its summary.json, counted once.
    (artifacts / "zscontract-junit").mkdir()
    shutil.copy(renamed["dir"] / "junit.xml", artifacts / "zscontract-junit" / "junit.xml")
    (reports / "20261126-020000-broken").mkdir()
    (reports / "20261126-020000-broken" / "summary.json").write_text("{\n  \"verdict\": \"fai", "utf-8")
    return Week(reports, artifacts, faulty, sound, renamed, junit_day, summary_day)


@pytest.fixture(scope="module")
def written(week: Week, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The history as the CLI writes it, with a session in the environment (to be kept out)."""
    done = zscontract("report", "history", str(week.reports), str(week.artifacts),
                      env={"ZS_SESSION_UUID": SESSION})
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("note: skipped ") and "20261126-020000-broken" in done.stdout
    assert "history: 5 runs" in done.stdout and "wrote " in done.stdout
    return week.reports / "history"


def _keys(summary: dict[str, Any]) -> set[str]:
    return {f["key"] for f in summary["failures"]}


def test_the_week_in_history_json(week: Week, written: Path) -> None:
    history = json.loads((written / "history.json").read_text("utf-8"))
    runs = history["runs"]
    assert [r["commit"] for r in runs] == ["c0", "c0", "c1", "c2", "c3"]  # oldest first; latest/ counted once
    assert [r["seed"] for r in runs] == [1, None, 1, 1, 2]
    assert [r["verdict"] for r in runs] == ["failed", "passed", "failed", "passed", "failed"]
    assert runs[0]["kind"] == "junit" and runs[0]["time_from"] == "path"
    assert runs[0]["started_at"] == week.junit_day.isoformat(timespec="seconds")
    assert runs[2]["started_at"] == week.faulty["started_at"] and runs[2]["cases"] == week.faulty["total_cases"]
    assert runs[2]["failures"] == {"round_trip": len(week.faulty["failures"])}
    assert any("20261126-020000-broken" in n and "not valid JSON" in n for n in history["notes"])

    stripped, renamed = _keys(week.faulty), _keys(week.renamed)
    assert stripped and renamed and not stripped & renamed and not week.sound["failures"]
    by_key = {s["key"]: s for s in history["signatures"]}
    assert set(by_key) == stripped | renamed  # the JUnit night's failures matched to the summary's keys
    for key in stripped:  # failed six days ago and today at c1; judged by every run
        s = by_key[key]
        assert (s["first_seen"], s["last_seen"]) == (runs[0]["started_at"], runs[2]["started_at"])
        assert (s["runs_failed"], s["runs_judged"]) == (2, 5)
        assert s["status"] == "flaky" and "(commit c0)" in s["flaky_because"]
    for key in renamed:  # only tonight: new, and nothing comparable passed it
        s = by_key[key]
        assert s["first_seen"] == s["last_seen"] == runs[4]["started_at"]
        assert (s["runs_failed"], s["runs_judged"], s["status"], s["flaky_because"]) == (1, 5, "new", None)
    assert history["counts"] == {"new": len(renamed), "flaky": len(stripped), "still failing": 0,
                                 "not judged since": 0, "fixed": 0}


def test_the_same_seed_at_another_commit_is_not_flakiness(week: Week, written: Path) -> None:
    runs, _ = collect(week.reports, [week.artifacts])
    faulty, sound = runs[2], runs[3]
    assert faulty.seed == sound.seed == 1 and comparable(faulty, sound) is None
    # Without the c0 nights the python-strip signatures are simply fixed by commit c2.
    today = build_history(runs[2:])
    assert {s.status for s in today.signatures if s.key in _keys(week.faulty)} == {"fixed"}
    assert {s.fixed_since for s in today.signatures if s.key in _keys(week.faulty)} == {sound.started_at}


def test_the_markdown_for_a_job_summary(week: Week, written: Path) -> None:
    md = (written / "history.md").read_text("utf-8")
    lines = md.splitlines()
    assert lines[0].startswith("## zscontract history: 5 runs, ")
    assert f"last run FAILED; {len(_keys(week.faulty)) + len(_keys(week.renamed))} failure signatures" in md
    assert "> skipped " in md and "20261126-020000-broken" in md
    assert "| **new** | `response_shape` | inventory: required |" in md
    flaky = [line for line in lines if line.startswith("| **flaky** | `round_trip` |")]
    assert len(flaky) == len(_keys(week.faulty)) and all(line.endswith("| 2 / 5 |") for line in flaky)
    runs = [line for line in lines if line.startswith("| 20")]
    assert len(runs) == 5 and f"`{week.renamed['dir'].name}`" in runs[0]  # newest first
    assert "| FAILED | c3 | 2 |" in runs[0] and "| PASSED | c0 |  |" in runs[3] and "| FAILED | c0 | 1 |" in runs[4]


@pytest.mark.browser
def test_the_page_renders_in_headless_chromium(chromium: str, week: Week, written: Path,  # noqa: F811
                                              tmp_path: Path) -> None:
    page = written / "history.html"
    text = page.read_text("utf-8")
    assert "<script" not in text and "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    done = _browser(chromium, tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "zscontract history" in dom and "5 runs" in dom and 'class="chart timeline"' in dom
    # One column segment per (run, failing check): the JUnit night and the faulty run (the same checks),
    # and tonight's; a clean tick for each of the two sound runs.
    checks = {run: len({f["check"] for f in summary["failures"]})
              for run, summary in (("faulty", week.faulty), ("renamed", week.renamed))}
    assert dom.count('class="seg"') == 2 * checks["faulty"] + checks["renamed"], checks
    assert dom.count('class="clean"') == 2
    assert 'data-check="response_shape"' in dom and 'class="chart hbar"' in dom
    assert "flaky" in dom and "inventory: required" in dom
    for problem in ("Uncaught", "Content Security Policy", ":CONSOLE"):  # any console line is a problem
        assert problem not in done.stderr, done.stderr[-2000:]


def test_secrets_in_a_foreign_file_stay_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A JUnit file not written by zscontract may hold the job's session: the history redacts it."""
    xml = (f'<testsuites><testsuite name="zscontract.zstack" timestamp="2026-11-20T03:00:00">'
           f'<testcase name="rejects_invalid"><failure message="session {SESSION} accepted" type="x"/>'
           f"<system-out>judged 4, passed 3, failed 1</system-out></testcase></testsuite></testsuites>")
    (tmp_path / "reports" / "night").mkdir(parents=True)
    (tmp_path / "reports" / "night" / "junit.xml").write_text(xml, "utf-8")
    monkeypatch.setenv("ZS_SESSION_UUID", SESSION)
    assert main(["report", "history", str(tmp_path / "reports")]) == 0
    assert SESSION not in capsys.readouterr().out
    for name in ("history.json", "history.md", "history.html"):
        text = (tmp_path / "reports" / "history" / name).read_text("utf-8")
        assert SESSION not in text and "session $ZS_SESSION_UUID accepted" in text


# --- statuses, from hand-made summaries (the shapes a real run writes) -----------------------------------


def _summary(folder: Path, day: int, failing: list[str], *, commit: str | None = None, seed: int | None = None,
             judged: int = 5) -> None:
    """A run ``day`` days into 2026-11 whose round_trip judged ``judged`` cases and failed ``failing``."""
    folder.mkdir(parents=True)
    started = dt.datetime(2026, 11, day, 3, 0, tzinfo=dt.UTC).timestamp()
    summary = {"verdict": "failed" if failing else "passed", "started": started, "commit": commit, "seed": seed,
               "checks": {"round_trip": {"judged": judged, "passed": judged - len(failing), "failed": len(failing)}},
               "failures": [{"check": "round_trip", "key": f"round_trip:{sig}", "signature": sig, "title": sig}
                            for sig in failing]}
    (folder / "summary.json").write_text(json.dumps(summary), "utf-8")


@pytest.mark.parametrize(("nights", "status", "counts"), [
    # (failing signatures, commit, seed, round_trip judged) per night, oldest first
    ([(["x"], "a", None, 5), (["x"], "b", None, 5)], "still failing", (2, 2)),
    ([(["x"], "a", 1, 5), ([], "b", 1, 5)], "fixed", (1, 2)),             # same seed, another commit
    ([(["x"], None, 1, 5), ([], None, 1, 5)], "flaky", (1, 2)),           # same seed, no commit known
    ([(["x"], "a", 1, 5), ([], "a", 2, 5)], "flaky", (1, 2)),             # same commit, another seed
    ([(["x"], "a", None, 5), ([], "b", None, 0)], "not judged since", (1, 1)),
    ([(["x"], "a", None, 5), ([], "b", None, 5), (["x"], "c", None, 5)], "new", (2, 3)),  # back again
])
def test_statuses(tmp_path: Path, nights: list[tuple[list[str], str | None, int | None, int]], status: str,
                  counts: tuple[int, int]) -> None:
    for day, (failing, commit, seed, judged) in enumerate(nights, 20):
        _summary(tmp_path / f"night-{day}", day, failing, commit=commit, seed=seed, judged=judged)
    history = build_history(*collect(tmp_path))
    [sig] = history.signatures
    assert (sig.status, sig.runs_failed, sig.runs_judged) == (status, *counts)
    assert sig.first_seen == "2026-11-20T03:00:00+00:00"


# --- mistakes: one line, a distinct exit code, never a traceback ----------------------------------------


def test_missing_or_empty_reports_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "history", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nowhere does not exist" in err
    (tmp_path / "empty").mkdir()
    assert main(["report", "history", str(tmp_path / "empty")]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no run found in" in err
    (tmp_path / "empty" / "r1").mkdir()
    (tmp_path / "empty" / "r1" / "summary.json").write_text("[]", "utf-8")
    (tmp_path / "empty" / "stray.xml").write_text("<coverage/>", "utf-8")
    assert main(["report", "history", str(tmp_path / "empty")]) == 3
    assert "2 skipped" in capsys.readouterr().err
    assert not (tmp_path / "empty" / "history").exists()


def test_bad_extra_path_and_unwritable_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _summary(tmp_path / "reports" / "r1", 20, ["x"])
    assert main(["report", "history", str(tmp_path / "reports"), str(tmp_path / "artifacts")]) == 2
    assert "artifacts does not exist" in capsys.readouterr().err
    (tmp_path / "file").write_text("", "utf-8")
    assert main(["report", "history", str(tmp_path / "reports"), "--out", str(tmp_path / "file")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write the history into" in err


def test_reports_dir_defaults_to_zs_report_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _summary(tmp_path / "elsewhere" / "r1", 20, [])
    monkeypatch.setenv("ZS_REPORT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.chdir(tmp_path)
    assert main(["report", "history"]) == 0
    assert (tmp_path / "elsewhere" / "history" / "history.html").is_file()


def test_summary_records_start_seed_and_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zscontract.core.redact import Redactor
    from zscontract.reporting.summary import write_json
    from zscontract.runner.results import RunResult

    result = RunResult("zstack", "http://t", "u" * 32, Redactor(), started=1795968451.5, seed=9)
    for name in COMMIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CI_COMMIT_SHA", "gitlab")
    monkeypatch.setenv("GIT_COMMIT", "jenkins")
    summary = json.loads(write_json(result, tmp_path / "a.json").read_text("utf-8"))
    assert (summary["started_at"], summary["seed"], summary["commit"]) == ("2026-11-29T16:07:31+00:00", 9, "gitlab")
    assert list(summary)[:2] == ["verdict", "exit_code"] and summary["started"] == 1795968451.5
    monkeypatch.setenv("GITHUB_SHA", "github")
    assert json.loads(write_json(result, tmp_path / "b.json").read_text("utf-8"))["commit"] == "github"
    for name in COMMIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert json.loads(write_json(result, tmp_path / "c.json").read_text("utf-8"))["commit"] is None


def test_help_says_what_is_read(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["report", "history", "--help"])
    out = capsys.readouterr().out
    assert "JUnit" in out and "--out DIR" in out and "REPORTS_DIR" in out


def test_a_junit_file_without_a_timestamp_is_dated_by_its_path_or_its_file(tmp_path: Path) -> None:
    xml = ('<testsuites><testsuite name="zscontract.documented"><testcase name="round_trip">'
           "<system-out>judged 3, passed 3, failed 0</system-out></testcase></testsuite></testsuites>")
    for folder in ("20261120-031500-abcdef", "ci/nightly-2026-11-21", "ci/misc"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "junit.xml").write_text(xml, "utf-8")
    os.utime(tmp_path / "ci/misc/junit.xml", (1795000000, 1795000000))
    runs, notes = collect(tmp_path)
    assert not notes
    assert [(r.label, r.started_at, r.time_from, r.judged) for r in runs] == [  # oldest first
        ("misc", "2026-11-18T11:06:40+00:00", "file time", {"round_trip": 3}),
        ("20261120-031500-abcdef", "2026-11-20T03:15:00+00:00", "path", {"round_trip": 3}),
        ("nightly-2026-11-21", "2026-11-21T00:00:00+00:00", "path", {"round_trip": 3})]
