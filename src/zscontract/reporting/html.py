"""The HTML report: one self-contained page a person reads after a run.

Built from the summary dict (``RunResult.to_json()``), so an old run's ``summary.json`` can be
re-rendered. Charts are inline SVG drawn here; the page loads nothing (no scripts, fonts or
stylesheets from anywhere), and the template escapes every value (autoescape on).

Secrets: every string of the summary goes through the redactor *before* rendering (HTML escaping
would hide a password containing ``&`` or ``"`` from a redaction of the finished page), and the
finished page goes through it again.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from zscontract.core.redact import Redactor
from zscontract.reporting.verdict import headline, run_ok, unjudged_reason
from zscontract.runner.results import RunResult

TEMPLATE = "report.html.j2"

_STATUS_CLASS = {2: "s2xx", 3: "s3xx", 4: "s4xx", 5: "s5xx"}


@cache
def _template() -> jinja2.Template:
    # Read through importlib.resources so the template is found in a wheel as in a checkout.
    # autoescape=True explicitly: select_autoescape() would not match the ".html.j2" suffix.
    source = resources.files("zscontract.reporting").joinpath("templates", TEMPLATE).read_text("utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    return env.from_string(source)


def render_html(summary: Mapping[str, Any], *, redactor: Redactor | None = None) -> str:
    """The report page for a summary dict.

    >>> page = render_html({"profile": "documented", "ok": True, "failures": [], "checks": {}})
    >>> "PASSED" in page and "<script" not in page
    True
    """
    data: Mapping[str, Any] = summary
    if redactor is not None:
        data = redactor.redact_obj(dict(summary))  # type: ignore[assignment]
    page = _template().render(**_view(data))
    return redactor.redact(page) if redactor is not None else page


def write_html(result: RunResult, path: Path) -> Path:
    """Write ``report.html`` for a finished run, redacted with the run's redactor.

    >>> write_html(result, run_dir / "report.html")  # doctest: +SKIP
    """
    return write_html_summary(result.to_json(), path, redactor=result.redactor)


def write_html_summary(summary: Mapping[str, Any], path: Path, *, redactor: Redactor | None = None) -> Path:
    """Write the page for a summary dict (e.g. one read back from ``summary.json``).

    >>> write_html_summary(load_run("latest", reports), reports / "latest" / "report.html")  # doctest: +SKIP
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(summary, redactor=redactor), encoding="utf-8")
    return path


# --- the view model: every default decided here, so the template stays dumb ------------------------


def _view(s: Mapping[str, Any]) -> dict[str, Any]:
    failures = [dict(f) for f in s.get("failures") or []]
    ok = run_ok(s)  # the page is green exactly when the exit code is 0 (a baseline may accept failures)
    verdict = headline(s)
    checks = [_check_view(name, t) for name, t in sorted((s.get("checks") or {}).items())]
    statuses = {str(k): int(v) for k, v in (s.get("statuses") or {}).items()}
    latencies = [float(x) for x in s.get("latencies_ms") or [] if isinstance(x, int | float)]
    fields = _counted(s.get("fields_exercised"))
    classes = _counted(s.get("cases"))
    restore = s.get("restore") or {}
    return {
        "profile": str(s.get("profile", "?")),
        "ok": ok,
        "verdict": verdict,
        "meta": [(label, value) for label, value in (
            ("Target", s.get("target_url")),
            ("Model service", s.get("model_service_uuid")),
            ("Run", s.get("run_id")),
            ("Started", _when(s.get("started"))),
            ("Duration", f"{float(s['duration_seconds']):.1f} s"
             if s.get("duration_seconds") is not None else None),
            ("Cases", s.get("total_cases")),
            ("Requests", s.get("requests")),
            ("Resource", _restored(restore)),
        ) if value not in (None, "")],
        "checks": checks,
        "failures": [{
            "anchor": f"failure-{i}",
            "check": str(f.get("check", "")),
            "title": str(f.get("title", "")),
            "key": str(f.get("key", "")),
            "input_class": f.get("input_class"),
            "first_seen": f.get("first_seen_seconds"),
            "sent": str(f.get("sent", "")),
            "received": str(f.get("received", "")),
            "expected": str(f.get("expected", "")),
            "curl": str(f.get("curl", "")),
        } for i, f in enumerate(failures, 1)],
        "status_chart": bar_chart_svg(
            sorted(statuses.items(), key=lambda kv: kv[0]),
            label="HTTP status codes", css=lambda k: _STATUS_CLASS.get(int(k) // 100 if k.isdigit() else 0,
                                                                       "sother")),
        "statuses": sorted(statuses.items()),
        "latency_chart": histogram_svg(latencies, label="Response time (ms)") if latencies else None,
        "latency_stats": _latency_stats(latencies),
        "fields": fields,
        "fields_chart": bar_chart_svg(fields, label="Fields exercised") if fields else None,
        "classes": classes,
        "labels": _counted(s.get("case_labels")),
        "phases": [(k, f"{float(v):.1f} s") for k, v in (s.get("phases") or {}).items()],
        "notes": [str(n) for n in s.get("notes") or []],
        "warnings": [str(w) for w in s.get("warnings") or []],
        "harness_errors": [{"where": str(e.get("where", "")), "error": str(e.get("error", "")),
                            "traceback": str(e.get("traceback", ""))} for e in s.get("harness_errors") or []],
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _check_view(name: str, t: Mapping[str, Any]) -> dict[str, Any]:
    passed, failed = int(t.get("passed", 0)), int(t.get("failed", 0))
    judged = int(t.get("judged", passed + failed))
    if t.get("errors"):
        status, css = "ERROR", "failed"
    elif failed:
        status, css = "FAIL", "failed"
    elif judged:
        status, css = "ok", "passed"
    elif t.get("applicable") is False:
        status, css = "not applicable", "skipped"
    else:
        status, css = ("skipped" if t.get("user_chosen") else "NOT JUDGED"), "skipped"
    return {"name": name, "passed": passed, "failed": failed, "judged": judged, "status": status, "css": css,
            "not_applicable": int(t.get("not_applicable", 0)),
            "reason": unjudged_reason(t) if not judged and t.get("reason") else ""}


def _restored(restore: Mapping[str, Any]) -> str | None:
    if not restore:
        return None
    if not restore.get("restored"):
        return f"NOT restored ({restore.get('why', '?')})"
    return str(restore.get("caveat") or "restored")  # the caveat, never a bare "restored" when there is one


def _counted(value: Any) -> list[tuple[str, int]]:
    items = [(str(k), int(v)) for k, v in (value or {}).items()]
    return sorted(items, key=lambda kv: (-kv[1], kv[0]))


def _when(started: Any) -> str | None:
    if not isinstance(started, int | float):
        return None
    return dt.datetime.fromtimestamp(started, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return float(ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)])


def _latency_stats(latencies: Sequence[float]) -> list[tuple[str, str]]:
    if not latencies:
        return []
    ordered = sorted(latencies)
    stats = [("responses", str(len(ordered)))]
    for name, q in (("p50", 50), ("p95", 95), ("p99", 99)):
        stats.append((name, f"{_percentile(ordered, q):.1f} ms"))
    stats.append(("max", f"{ordered[-1]:.1f} ms"))
    return stats


# --- charts: inline SVG, drawn here so the page needs no library --------------------------------------


def _nice_step(span: float, bins: int) -> float:
    """A 1/2/5 times 10^k bin width giving at most ``bins`` bins over ``span``.

    >>> _nice_step(1000, 20), _nice_step(7, 20)
    (50, 0.5)
    """
    raw = span / bins if span > 0 else 1.0
    magnitude: float = 10.0 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * magnitude >= raw:
            step = m * magnitude
            return int(step) if step >= 1 else step
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _fmt(x: float) -> str:
    return f"{x:g}"


def bar_chart_svg(items: Sequence[tuple[str, int]], *, label: str,
                  css: Callable[[str], str] | None = None, width: int = 640) -> Markup:
    """A horizontal bar chart, one ``rect.bar`` per item.

    >>> svg = bar_chart_svg([("200", 3), ("400", 1)], label="statuses")
    >>> svg.count('class="bar'), "<script" in svg
    (2, False)
    """
    row, label_w, right = 22, 150, 60
    height = max(row * len(items), row) + 8
    peak = max((v for _, v in items), default=0) or 1
    span = width - label_w - right
    parts = [f'<svg class="chart hbar" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">',
             f"<title>{escape(label)}</title>"]
    for i, (name, value) in enumerate(items):
        y = 4 + i * row
        w = max(1.0, span * value / peak) if value else 0.0
        cls = f"bar {css(name)}" if css else "bar"
        shown = name if len(name) <= 22 else name[:21] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" class="axis">{escape(shown)}</text>'
            f'<rect class="{escape(cls)}" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
            f'data-label="{escape(name)}" data-value="{value}"><title>{escape(name)}: {value}</title></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" class="value">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram_svg(values: Sequence[float], *, label: str, bins: int = 20, width: int = 640,
                  height: int = 220) -> Markup:
    """A histogram of ``values`` (bins of a round width starting at 0), one ``rect.bar`` per bin.

    >>> histogram_svg([1.0, 2.0, 2.5, 9.0], label="ms").count('class="bar"')
    18
    """
    top = max(values)
    step = _nice_step(top, bins)
    n = max(1, math.ceil(top / step)) if top > 0 else 1
    counts = [0] * n
    for v in values:
        counts[min(n - 1, max(0, int(v // step)))] += 1
    left, bottom, pad = 44, 34, 10
    plot_w, plot_h = width - left - pad, height - bottom - pad
    peak = max(counts) or 1
    bw = plot_w / n
    parts = [f'<svg class="chart histogram" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">',
             f"<title>{escape(label)}</title>",
             f'<line class="axisline" x1="{left}" y1="{pad + plot_h}" x2="{left + plot_w}" '
             f'y2="{pad + plot_h}"/>',
             f'<text class="axis" x="{left - 6}" y="{pad + 10}" text-anchor="end">{peak}</text>',
             f'<text class="axis" x="{left - 6}" y="{pad + plot_h}" text-anchor="end">0</text>']
    label_every = max(1, math.ceil(n / 10))
    for i, count in enumerate(counts):
        lo, hi = i * step, (i + 1) * step
        h = plot_h * count / peak
        x = left + i * bw
        parts.append(f'<rect class="bar" x="{x + 1:.1f}" y="{pad + plot_h - h:.1f}" '
                     f'width="{max(bw - 2, 1):.1f}" height="{h:.1f}" data-value="{count}">'
                     f"<title>{_fmt(lo)}–{_fmt(hi)} ms: {count}</title></rect>")
        if i % label_every == 0:
            parts.append(f'<text class="axis" x="{x:.1f}" y="{pad + plot_h + 14}" text-anchor="middle">'
                         f"{_fmt(lo)}</text>")
    parts.append(f'<text class="axis" x="{left + plot_w:.1f}" y="{pad + plot_h + 14}" text-anchor="middle">'
                 f"{_fmt(n * step)}</text>")
    parts.append(f'<text class="axis" x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">'
                 f"{escape(label)}</text></svg>")
    return Markup("".join(parts))


__all__ = ["bar_chart_svg", "histogram_svg", "render_html", "write_html", "write_html_summary"]
