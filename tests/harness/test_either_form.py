"""Inputs a fixed node may refuse in either form (oracle.md "Errors"), in whole runs of both routes.

A 5.1.20 node answers an integer beyond its Java type with a plain-text 500 (a defect); a node that fixed
it may refuse in the REST layer (TypeVerifier's plain-text 400) or in the API (503 SYS.1007). The
reference server's ``range-refused-in-plain-text`` variant does the former: a whole run against it,
``zscontract run`` and ``pytest --pyargs zscontract.suite`` alike, must pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.servers import ServerFactory, zscontract
from tests.harness.test_packaged_suite import run_suite
from tests.harness.test_packaged_suite import target_args as suite_args
from tests.harness.test_verdicts import target_args

VARIANT = "range-refused-in-plain-text"


@pytest.mark.slow
@pytest.mark.parametrize("async_", [True, False], ids=["async", "sync"])
def test_a_whole_run_passes_a_target_refusing_out_of_range_integers_in_plain_text(
        reference_server: ServerFactory, tmp_path: Path, async_: bool) -> None:
    server = reference_server(profile="zstack", async_=async_, variants=[VARIANT])
    proc = zscontract("run", *target_args(server), "--profile", "zstack", "--max-time", "20", "--max-examples",
                      "300", "--seed", "1", "--report-dir", str(tmp_path), timeout=240)
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text(encoding="utf-8"))
    titles = [f["title"] for f in summary["failures"]]
    assert proc.returncode == 0, (titles, proc.stdout[-2000:])
    out_of_range = {k: v for k, v in summary["case_labels"].items() if k.endswith(("overflow", "underflow"))}
    assert out_of_range, summary["case_labels"]  # the run did send the inputs it is about
    assert summary["checks"]["error_envelope"]["failed"] == 0


@pytest.mark.slow
def test_the_packaged_suite_passes_a_target_refusing_out_of_range_integers_in_plain_text(
        reference_server: ServerFactory, tmp_path: Path) -> None:
    server = reference_server(profile="zstack", variants=[VARIANT])
    result = run_suite(tmp_path, *suite_args(server), "--zs-profile", "zstack", "-k", "must_reject or schemathesis",
                       profile="ci")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "error_envelope" not in result.stdout


@pytest.mark.slow
def test_a_plain_text_500_for_an_out_of_range_integer_still_fails(reference_server: ServerFactory,
                                                                   tmp_path: Path) -> None:
    # The released node's answer (zstack-rest-facts.md): a defect, reported by no_server_fault.
    server = reference_server(profile="zstack", faults=["range-500"])
    proc = zscontract("run", *target_args(server), "--profile", "zstack", "--max-time", "20", "--seed", "1",
                      "--stop-on", "no_server_fault", "--report-dir", str(tmp_path), timeout=240)
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text(encoding="utf-8"))
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "no_server_fault" in {f["check"] for f in summary["failures"]}
    assert "error_envelope" not in {f["check"] for f in summary["failures"]}
