"""Baselines: a known failure turns green, a new one stays red, stale and expired entries are reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from zscontract.baseline import (
    DEFAULT_REASON,
    Baseline,
    apply_baseline,
    load_baseline,
    write_baseline,
)
from zscontract.core.failures import CheckFailed
from zscontract.core.redact import Redactor
from zscontract.errors import UsageError
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
