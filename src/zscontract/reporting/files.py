"""The report files as subscribers of a run's events: JUnit, JSON, Markdown, HTML, the HAR cassette."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zscontract.runner.events import Event, FailureFound, RunFinished


class ReportFiles:
    """At the end of a run: ``summary.json`` (first: the one machines read), JUnit, Markdown, HTML."""

    def __call__(self, event: Event) -> None:
        if not isinstance(event, RunFinished):
            return
        from zscontract.reporting.html import write_html
        from zscontract.reporting.junit import write_junit
        from zscontract.reporting.summary import write_json, write_markdown

        result, out = event.result, event.report_dir
        write_json(result, out / "summary.json")
        write_junit(result, out / "junit.xml")
        write_markdown(result, out / "summary.md")
        write_html(result, out / "report.html")


class HarCassette:
    """Each new failure's exchange as a HAR entry (redacted, bounded); ``failures.har`` at the end."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def __call__(self, event: Event) -> None:
        from zscontract.reporting.har import har_entry, write_har

        if isinstance(event, FailureFound) and event.exchange is not None:
            record = event.record
            self.entries[record.key] = har_entry(event.exchange, event.result.redactor,
                                                 f"[{record.check}] {record.title}")
        elif isinstance(event, RunFinished) and self.entries:
            write_har(list(self.entries.values()), event.report_dir / "failures.har")


def written(report_dir: Path) -> list[str]:
    """The report files a run directory holds (for messages and tests)."""
    return sorted(p.name for p in report_dir.iterdir() if p.is_file())
