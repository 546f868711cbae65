"""The history as Markdown (a nightly job's summary) and as one self-contained HTML page.

The page loads nothing: its charts are inline SVG drawn here (stacked columns of failures per check,
one column per run) or by ``reporting/html.py``'s bar chart, and the template escapes every value.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup, escape

from zscontract.reporting.history import History, Signature, headline, run_json
from zscontract.reporting.history_sources import Run
from zscontract.reporting.html import bar_chart_svg
from zscontract.runner.results import Verdict

TEMPLATE = "history.html.j2"
# Distinguishable on white, one per check (cycled beyond ten).
PALETTE = ("#cf222e", "#0969da", "#bf8700", "#8250df", "#1a7f37", "#bc4c00", "#0550ae", "#a40e26", "#6639ba",
           "#57606a")
# A step summary stays short; the page and the JSON hold everything.
MARKDOWN_RUNS, MARKDOWN_SIGNATURES, MARKDOWN_NOTES = 30, 100, 10


def _when(iso: str | None) -> str:
    """``2026-11-29T16:07:31+00:00`` -> ``2026-11-29 16:07 UTC``."""
    return f"{iso[:10]} {iso[11:16]} UTC" if iso else ""


def _md(text: object) -> str:
    """Safe in a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _short(commit: str | None) -> str:
    return commit[:10] if commit else ""


def _failures_cell(run: Run) -> str:
    per = run_json(run)["failures"]
    return ", ".join(f"{check} {n}" for check, n in per.items()) or "none"


def render_history_markdown(history: History) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY`` or a merge-request note: the signatures, then the runs."""
    last = history.runs[-1]
    lines = [f"## zscontract history: {len(history.runs)} run{'s' if len(history.runs) != 1 else ''}, "
             f"{_when(history.runs[0].started_at)} → "
             f"{_when(last.started_at)}", "", headline(history) + ".", ""]
    lines += [f"> {_md(note)}" for note in history.notes[:MARKDOWN_NOTES]]
    if len(history.notes) > MARKDOWN_NOTES:
        lines.append(f"> and {len(history.notes) - MARKDOWN_NOTES} more files skipped (history.json lists them)")
    lines += [""] if history.notes else []
    if history.signatures:
        lines += ["| status | check | signature | first seen | last seen | runs failed / judged |",
                  "|---|---|---|---|---|---:|"]
        for s in history.signatures[:MARKDOWN_SIGNATURES]:
            status = f"**{s.status}**" if s.status in ("new", "flaky") else s.status
            lines.append(f"| {status} | `{_md(s.check)}` | {_md(s.signature)} | {_when(s.first_seen)} | "
                         f"{_when(s.last_seen)} | {s.runs_failed} / {s.runs_judged} |")
        if len(history.signatures) > MARKDOWN_SIGNATURES:
            lines.append(f"\n{len(history.signatures) - MARKDOWN_SIGNATURES} more signatures in history.html.")
    else:
        lines.append("No failure in any run.")
    shown = history.runs[-MARKDOWN_RUNS:]
    lines += ["", "| started | run | verdict | commit | seed | cases | failures per check |",
              "|---|---|---|---|---:|---:|---|"]
    for run in reversed(shown):
        lines.append(f"| {_when(run.started_at)} | `{_md(run.label)}` | {run.verdict.replace('_', ' ').upper()} | "
                     f"{_md(_short(run.commit))} | {'' if run.seed is None else run.seed} | "
                     f"{'' if run.cases is None else run.cases} | {_md(_failures_cell(run))} |")
    if len(history.runs) > len(shown):
        lines.append(f"\n{len(history.runs) - len(shown)} older runs in history.html.")
    return "\n".join(lines) + "\n"


# --- HTML ----------------------------------------------------------------------------------------------


@cache
def _template() -> jinja2.Template:
    # As reporting/html.py: read through importlib.resources (found in a wheel), autoescape on explicitly.
    source = resources.files("zscontract.reporting").joinpath("templates", TEMPLATE).read_text("utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    return env.from_string(source)


def render_history_html(history: History) -> str:
    """The page: headline, the chart of failures per check over time, the signatures, the runs."""
    colours = {check: PALETTE[i % len(PALETTE)] for i, check in enumerate(history.checks)}
    failing = sorted({s.check for s in history.signatures})
    runs_failed = [(c, sum(1 for r in history.runs if any(f["check"] == c for f in r.failures.values())))
                   for c in failing]
    return _template().render(
        headline=headline(history),
        ok=history.runs[-1].verdict == Verdict.PASSED and not history.counts()["new"],
        counts=list(history.counts().items()),
        notes=history.notes,
        timeline=timeline_svg(history.runs, failing, colours),
        legend=[(c, colours[c]) for c in failing],
        runs_chart=bar_chart_svg(runs_failed, label="Runs failed, per check") if runs_failed else None,
        signatures=[_signature_view(s) for s in history.signatures],
        runs=[_run_view(r) for r in reversed(history.runs)],
        generated=_when(history.generated_at),
    )


def _signature_view(s: Signature) -> dict[str, Any]:
    return {"status": s.status, "css": s.status.replace(" ", "-"), "check": s.check, "signature": s.signature,
            "title": s.title if s.title != s.signature else "", "first_seen": _when(s.first_seen),
            "last_seen": _when(s.last_seen), "runs_failed": s.runs_failed, "runs_judged": s.runs_judged,
            "fixed_since": _when(s.fixed_since), "flaky_because": s.flaky_because or ""}


def _run_view(run: Run) -> dict[str, Any]:
    return {"started": _when(run.started_at), "label": run.label, "verdict": run.verdict.replace("_", " ").upper(),
            "css": "passed" if run.verdict == Verdict.PASSED else "failed", "commit": _short(run.commit),
            "seed": "" if run.seed is None else run.seed, "cases": "" if run.cases is None else run.cases,
            "failures": _failures_cell(run), "source": run.source,
            "time_from": "" if run.time_from in ("summary", "timestamp") else f"time from the {run.time_from}"}


def timeline_svg(runs: Sequence[Run], checks: Sequence[str], colours: dict[str, str], *, width: int = 900,
                 height: int = 260) -> Markup:
    """Stacked columns, one per run (oldest left): distinct failures per check, one ``rect.seg`` per check
    that failed in the run; a run without failures is a green ``rect.clean`` tick on the axis.

    >>> r = Run("a", "a", "summary", 0.0, "failed", failures={"c:1": {"check": "c", "signature": "s", "title": "t"}})
    >>> timeline_svg([r], ["c"], {"c": "#000"}).count('class="seg"')
    1
    """
    left, bottom, pad = 40, 46, 12
    plot_w, plot_h = width - left - pad, height - bottom - pad
    per_run = [{c: sum(1 for f in r.failures.values() if f["check"] == c) for c in checks} for r in runs]
    peak = max((sum(p.values()) for p in per_run), default=0) or 1
    col = plot_w / max(len(runs), 1)
    bw = max(min(col * 0.7, 40.0), 2.0)
    parts = [f'<svg class="chart timeline" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="Failures per check over time">',
             "<title>Failures per check over time</title>",
             f'<line class="axisline" x1="{left}" y1="{pad + plot_h}" x2="{left + plot_w}" y2="{pad + plot_h}"/>',
             f'<text class="axis" x="{left - 6}" y="{pad + 10}" text-anchor="end">{peak}</text>',
             f'<text class="axis" x="{left - 6}" y="{pad + plot_h}" text-anchor="end">0</text>']
    label_every = max(1, -(-len(runs) // 8))
    for i, (run, counts) in enumerate(zip(runs, per_run, strict=True)):
        x, y = left + i * col + (col - bw) / 2, float(pad + plot_h)
        when = escape(_when(run.started_at))
        if not any(counts.values()):
            parts.append(f'<rect class="clean" x="{x:.1f}" y="{y - 3}" width="{bw:.1f}" height="3" '
                         f'data-run="{escape(run.label)}" data-value="0"><title>{when}: no failure '
                         f"({escape(run.verdict)})</title></rect>")
        for check, n in counts.items():
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            parts.append(f'<rect class="seg" x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{h:.1f}" '
                         f'fill="{colours[check]}" data-check="{escape(check)}" data-run="{escape(run.label)}" '
                         f'data-value="{n}"><title>{when}: {escape(check)} {n}</title></rect>')
        if i % label_every == 0 or i == len(runs) - 1:
            parts.append(f'<text class="axis" x="{x + bw / 2:.1f}" y="{pad + plot_h + 14}" text-anchor="middle">'
                         f"{escape(run.started_at[5:10])}</text>"
                         f'<text class="axis" x="{x + bw / 2:.1f}" y="{pad + plot_h + 26}" text-anchor="middle">'
                         f"{escape(run.started_at[11:16])}</text>")
    parts.append(f'<text class="axis" x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">'
                 "distinct failures per run (UTC)</text></svg>")
    return Markup("".join(parts))


__all__ = ["render_history_html", "render_history_markdown", "timeline_svg"]
