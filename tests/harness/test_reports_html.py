"""The HTML report: rendered by a real browser, self-contained, and free of secrets."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from importlib import resources
from pathlib import Path

import pytest

from zscontract.core.cases import Case, InputClass
from zscontract.core.exchange import Exchange, Request, Response
from zscontract.core.failures import CheckFailed
from zscontract.core.redact import Redactor
from zscontract.reporting.html import (
    bar_chart_svg,
    histogram_svg,
    render_html,
    write_html,
    write_html_summary,
)
from zscontract.runner.restore_report import RestoreReport
from zscontract.runner.results import RunResult

SESSION = "5f0c2a7e9b3d4e1fa8c6d2b4e7f90a13"
PASSWORD = 'pa&ss<w>"rd-31337'  # HTML-special characters: must be redacted before escaping
URL = "http://zstack.example:8080/zstack/v1/ai/model-services/0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def make_result(*, failing: bool = True) -> RunResult:
    """A finished run with two checks, two distinct failures and secrets planted where reporters go."""
    result = RunResult(profile="zstack", target_url="http://zstack.example:8080",
                       model_service_uuid="0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                       redactor=Redactor(sessions=[SESSION], passwords=[PASSWORD]))
    for _ in range(40):
        result.passed("response_shape")
        result.passed("no_change_on_reject")
    result.cases.update({"must-accept": 30, "must-reject": 8, "either-way": 2})
    result.labels.update({"name/cjk": 12, "requestCpu/int32-max": 3, f"label-{SESSION}": 1})
    result.fields_exercised.update({"name": 20, "description": 9, "requestCpu": 7, "requestMemory": 4})
    result.statuses.update({200: 30, 400: 8, 503: 2})
    result.elapsed.extend([0.004 * i for i in range(1, 41)])
    result.requests = 40
    result.phases["properties"] = 2.5
    # appended directly, so unredacted on purpose: the HTML writer must catch it
    result.notes.append(f"raw note with session {SESSION.upper()} and password {PASSWORD}")
    result.restore = RestoreReport(True, why=f"login as admin/{PASSWORD}")
    if failing:
        case = Case(InputClass.REJECT, "requestCpu/string", fields={"requestCpu": "1"},
                    reject_kind="argument")
        headers = {"Authorization": f"OAuth {SESSION}", "Content-Type": "application/json"}
        request = Request("PUT", URL, headers, b'{"updateModelService": {"requestCpu": "1"}}')
        response = Response(200, {"Content-Type": "application/json"},
                            json.dumps({"inventory": {"requestCpu": 1}, "session": SESSION}).encode(), 0.012)
        result.failed(CheckFailed("no_change_on_reject", "a string requestCpu was accepted and applied",
                                  expected="an error response (SYS.1007) and no change",
                                  exchange=Exchange(request, response),
                                  signature="string requestCpu accepted",
                                  input_class=case.input_class.value, case=case.to_json()))
        result.failed(CheckFailed("response_shape", "503 <html> error page instead of JSON",
                                  expected="a JSON error body", received="503 text/html\n<h1>oops</h1>",
                                  signature="503 html error"))
    result.finished = result.started + 3.2
    return result


def test_template_ships_as_package_data() -> None:
    template = resources.files("zscontract.reporting").joinpath("templates", "report.html.j2")
    assert template.is_file()
    assert "<!DOCTYPE html>" in template.read_text("utf-8")


def test_page_is_self_contained_and_escaped() -> None:
    summary = make_result().to_json()
    page = render_html(summary)
    assert "<script" not in page
    for external in ("<link", "src=", "href=\"http", "@import", "url("):
        assert external not in page, f"the page loads something from outside: {external}"
    assert "<h1>oops</h1>" not in page and "&lt;h1&gt;oops&lt;/h1&gt;" in page  # a received body is text
    assert "503 &lt;html&gt; error page" in page


def test_secrets_never_reach_the_page(tmp_path: Path) -> None:
    path = write_html(make_result(), tmp_path / "report.html")
    page = path.read_text("utf-8")
    for secret in (SESSION, SESSION.upper(), PASSWORD, "pa&amp;ss"):
        assert secret not in page, f"{secret!r} leaked into {path}"
    assert "$ZS_SESSION_UUID" in page and "[REDACTED]" in page


def test_rerender_from_summary_json_without_optional_keys(tmp_path: Path) -> None:
    summary = make_result().to_json()
    for key in ("latencies_ms", "statuses", "fields_exercised", "case_labels", "phases", "restore", "notes"):
        summary.pop(key)
    page = write_html_summary(summary, tmp_path / "old.html").read_text("utf-8")
    assert "No response times in this summary." in page
    assert "No responses recorded." in page
    assert "FAILED: 2 distinct failures in no_change_on_reject, response_shape" in page


def test_passing_run_has_a_green_verdict() -> None:
    page = render_html(make_result(failing=False).to_json())
    assert 'class="verdict pass"' in page and "PASSED: the target conforms" in page
    assert "None: every check passed." in page


def test_charts_have_one_bar_per_item() -> None:
    assert bar_chart_svg([("200", 5), ("4<0>0", 1)], label="s").count('class="bar') == 2
    assert "4&lt;0&gt;0" in bar_chart_svg([("4<0>0", 1)], label="s")
    svg = histogram_svg([1.0] * 5 + [100.0], label="ms")
    assert svg.count('class="bar"') >= 10 and 'data-value="5"' in svg


# --- in a real browser --------------------------------------------------------------------------------


def _find_chromium() -> str | None:
    for name in (os.environ.get("ZSCONTRACT_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (found := shutil.which(name)):
            return found
    return None


@pytest.fixture
def chromium() -> str:
    found = _find_chromium()
    if found is None:
        message = ("headless Chromium not found (looked for $ZSCONTRACT_CHROMIUM, chromium, "
                   "chromium-browser, google-chrome); install it with `apt-get install chromium`")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: the browser test must run in CI)")
        pytest.skip(message)
    return found


def _browser(binary: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'chromium-profile'}", *args],
        capture_output=True, text=True, timeout=90, check=False)


def _png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and raw RGB(A) rows of an 8-bit PNG (what Chromium writes), with stdlib only."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6), f"unexpected PNG format depth={depth} color={color}"
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            pred = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
            line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


@pytest.mark.browser
def test_report_renders_in_headless_chromium(chromium: str, tmp_path: Path) -> None:
    page = write_html(make_result(), tmp_path / "report.html")
    done = _browser(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    dom = done.stdout
    assert "FAILED: 2 distinct failures in no_change_on_reject, response_shape" in dom
    for name in ("no_change_on_reject", "response_shape"):
        assert f"<code>{name}</code>" in dom
    assert "a string requestCpu was accepted and applied" in dom
    assert "curl -X PUT" in dom and "$ZS_SESSION_UUID" in dom
    for chart in ('class="chart hbar"', 'class="chart histogram"'):
        assert chart in dom, f"{chart} missing from the rendered DOM"
    assert dom.count('data-label="') >= 3 + 4  # 3 status bars, 4 field bars
    assert 'data-label="503"' in dom and 'class="bar s5xx"' in dom
    assert SESSION not in dom and PASSWORD not in dom


@pytest.mark.browser
def test_report_verdict_banner_is_visible(chromium: str, tmp_path: Path) -> None:
    page = write_html(make_result(), tmp_path / "report.html")
    shot = tmp_path / "report.png"
    done = _browser(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1200,900",
                    "--hide-scrollbars", page.as_uri())
    assert shot.is_file(), f"chromium wrote no screenshot ({done.returncode}): {done.stderr[-2000:]}"
    width, _, rows = _png_pixels(shot)
    channels = len(rows[0]) // width
    # The failed-verdict banner is #ffebe9 on a white page; a blank or unstyled page has none.
    banner = sum(1 for row in rows[:300] for x in range(0, len(row), channels)
                 if tuple(row[x:x + 3]) == (0xFF, 0xEB, 0xE9))
    assert banner > 5000, f"the red verdict banner is not visible in {shot} ({banner} pixels)"
