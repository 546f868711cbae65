"""Every file a run leaves: JUnit, JSON, Markdown, HTML, the HAR cassette; failing cases go to the corpus."""

from __future__ import annotations

from pathlib import Path

from zscontract.config import RunSettings
from zscontract.runner.results import RunResult


def write_reports(result: RunResult, report_dir: Path, settings: RunSettings) -> None:
    from zscontract.corpus import default_corpus_dir, save_failures
    from zscontract.reporting.html import write_html
    from zscontract.reporting.junit import write_junit
    from zscontract.reporting.summary import write_json, write_markdown

    write_json(result, report_dir / "summary.json")  # first: the one machines read
    write_junit(result, report_dir / "junit.xml")
    write_markdown(result, report_dir / "summary.md")
    write_html(result, report_dir / "report.html")
    if result.cassette:
        from zscontract.reporting.har import write_har

        write_har(list(result.cassette.values()), report_dir / "failures.har")
    if settings.save_corpus and result.failures:
        corpus = settings.corpus_dir or default_corpus_dir(settings.report_dir)
        save_failures(corpus, result.to_json()["failures"], profile=result.profile)
