"""A target's text in the reports: control characters shown escaped, never sent to the terminal raw, and
junit.xml always readable XML (a coloured Java stack trace, or an answer that
retitles the window, writes the clipboard and prints a fake PASSED)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from tests.fixtures.scripted import Scripted
from tests.harness.test_checks import accept, run
from zscontract.reporting.junit import render_junit
from zscontract.reporting.summary import render_markdown
from zscontract.reporting.terminal import Terminal
from zscontract.runner.restore_report import RestoreReport

HOSTILE = b"boom \x1b]0;owned\x07 \x1b]52;c;ZXZpbA==\x07 \x00\x1b[2K\r FAKE: PASSED \x9b31m"


def test_control_bytes_of_a_target_reach_no_report_raw(scripted: Scripted) -> None:
    scripted.put(500, raw=HOSTILE, content_type="text/plain")
    scripted.get(scripted.inventory)
    assert run(scripted, accept(name="n"))
    result = scripted.result
    ET.fromstring(render_junit(result))  # parses: no character XML forbids
    markdown = render_markdown(result)
    out = io.StringIO()
    Terminal(stream=out).summary(result)
    for text in (markdown, out.getvalue()):
        assert not any(c in text for c in "\x1b\x07\x00\r\x9b"), repr(text[:300])
    assert "\\x1b]52;c;ZXZpbA==" in out.getvalue()  # shown escaped, so the reader sees what was sent


def test_distinct_failures_are_kept_up_to_a_cap_and_counted_past_it() -> None:
    from zscontract.core.failures import CheckFailed
    from zscontract.core.redact import Redactor
    from zscontract.runner import results as results_module
    from zscontract.runner.results import RunResult

    result = RunResult("zstack", "http://t", "a" * 32, Redactor())
    for i in range(results_module.MAX_DISTINCT_PER_CHECK + 30):
        result.failed(CheckFailed("round_trip", f"t{i}", expected="e", signature=f"sig {i}"))
    for i in range(results_module.MAX_DISTINCT):
        result.failed(CheckFailed(f"check{i % 10}", f"t{i}", expected="e", signature=f"sig {i}"))
    assert sum(1 for f in result.failures.values() if f.check == "round_trip") == results_module.MAX_DISTINCT_PER_CHECK
    assert len(result.failures) == results_module.MAX_DISTINCT
    assert result.tallies["round_trip"].failed == results_module.MAX_DISTINCT_PER_CHECK + 30  # every one counted
    assert result.checks_json()["round_trip"]["distinct_not_kept"] == 30
    assert any("round_trip: more distinct failures" in w for w in result.warnings)


def test_summary_md_of_a_run_not_restored_says_why_and_how_to_write_it_back() -> None:
    from zscontract.core.redact import Redactor
    from zscontract.runner.results import RunResult

    result = RunResult("zstack", "http://t", "a" * 32, Redactor())
    result.restore = RestoreReport(False, why="fields still differ after restore: name",
                                   snapshot="reports/20261129-1/snapshot.json")
    text = render_markdown(result)
    assert "NOT restored**: fields still differ after restore: name" in text
    assert "zscontract restore reports/20261129-1" in text
