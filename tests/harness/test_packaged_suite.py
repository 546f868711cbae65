"""The contract suite as a ``pip install`` user runs it: ``pytest --pyargs zscontract.suite``.

Every run here starts in a directory outside the checkout, so neither ``tests/`` nor the checkout's
pyproject and root conftest take part: the suite must bring what it needs (its budgets, its fixtures
through the plugin, the contract pages). The fast tests use this environment's install; the
exhaustive one builds a wheel and installs it into a fresh virtual environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import zscontract.suite
from tests.fixtures.servers import ServerFactory, SoundServerFactory, query_inventory

CHECKOUT = Path(__file__).resolve().parents[2]
SUITE_DIR = Path(zscontract.suite.__file__).parent
# The packaged suite's tests, one per module and function (each runs once per dialect).
SUITE_TESTS = {
    "test_properties.py::test_must_accept_inputs_round_trip",
    "test_properties.py::test_must_reject_inputs_are_refused_and_change_nothing",
    "test_properties.py::test_either_way_inputs_never_give_a_third_value",
    "test_properties.py::test_boundaries",
    "test_properties.py::test_concurrent_updates_of_different_fields_are_all_kept",
    "test_schemathesis.py::test_update_model_service",
    "test_state_machine.py::test_write_sequences_match_a_model",
}


def run_suite(cwd: Path, *args: str, python: str = sys.executable, profile: str = "smoke",
              timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m pytest --pyargs zscontract.suite ARGS`` in ``cwd``, with the smoke budget.

    An editable install's suite lives inside the checkout, whose root conftest pytest would load as a
    parent directory's: ``--confcutdir`` stops the search at the suite, as in a site-packages install.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZS_", "HYPOTHESIS_", "PYTEST_"))}
    for name in ("CI", "PYTHONPATH"):
        env.pop(name, None)
    env["HYPOTHESIS_PROFILE"] = profile
    confcut = subprocess.run([python, "-c", "import zscontract.suite as s, os; print(os.path.dirname(s.__file__))"],
                             capture_output=True, text=True, check=True, env=env, cwd=cwd).stdout.strip()
    command = [python, "-m", "pytest", "--pyargs", "zscontract.suite", "--confcutdir", confcut, "-rA",
               "-p", "no:cacheprovider", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout, check=False)


def target_args(server: object) -> list[str]:
    return ["--zs-target-url", server.url, "--zs-session-uuid", server.session_uuid,  # type: ignore[attr-defined]
            "--zs-model-service-uuid", server.model_service_uuids[0]]  # type: ignore[attr-defined]


def outcomes(out: str, word: str, *, dialects: bool = False) -> set[str]:
    """The suite tests (``module::function``, with ``[dialect]`` if asked) the ``-rA`` summary reports as ``word``."""
    found = re.findall(rf"^{word} (\S+?)\[(\w+)(?:-[^\]]*)?\]", out, flags=re.MULTILINE)  # [dialect(-param)]
    return {name.rsplit("/", 1)[-1] + (f"[{dialect}]" if dialects else "") for name, dialect in found}


def test_the_suite_lives_in_the_package_not_in_the_checkout_tests() -> None:
    assert SUITE_DIR.name == "suite" and SUITE_DIR.parent.name == "zscontract"
    assert not SUITE_DIR.is_relative_to(CHECKOUT / "tests")
    assert {p.name for p in SUITE_DIR.glob("test_*.py")} == {t.split("::")[0] for t in SUITE_TESTS}


def test_the_packaged_suite_passes_on_a_sound_server(sound_server: SoundServerFactory, tmp_path: Path) -> None:
    server = sound_server(profile="zstack")
    result = run_suite(tmp_path, *target_args(server), "--zs-profile", "zstack", "--hypothesis-show-statistics")
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-2000:]
    assert outcomes(out, "PASSED") == SUITE_TESTS, out[-3000:]
    assert "zscontract.suite: hypothesis profile 'smoke' (3 examples)" in out
    assert "Stopped because settings.max_examples=3" in out  # the tests themselves ran on that budget
    assert str(CHECKOUT / "tests") not in out


def test_the_packaged_suite_fails_on_a_faulty_server(reference_server: ServerFactory, tmp_path: Path) -> None:
    # Names are cut at 64 characters: the boundary test's 255-character name comes back short, every time.
    server = reference_server(profile="documented", faults=["truncate-name-64"])
    result = run_suite(tmp_path, *target_args(server), "--zs-profile", "documented")
    out = result.stdout
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, out[-3000:] + result.stderr[-2000:]
    assert "test_properties.py::test_boundaries" in outcomes(out, "FAILED"), out[-3000:]
    assert re.search(r"round_trip.*name", out), out[-3000:]


def test_the_packaged_suite_sends_the_boundaries_a_run_sends(reference_server: ServerFactory, tmp_path: Path) -> None:
    """The suite's boundary test is the boundary phase's list: a zero ignored, a non-object action value and
    a repeated top-level key answered with a 500 fail it, each named by its kind of input."""
    server = reference_server(profile="zstack", faults=["omitempty-zero", "action-not-object-500",
                                                        "duplicate-top-level-key-500"])
    result = run_suite(tmp_path, *target_args(server), "--zs-profile", "zstack", "-k", "test_boundaries")
    out = result.stdout
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, out[-3000:] + result.stderr[-2000:]
    failed = set(re.findall(r"^FAILED \S+::test_boundaries\[zstack-(\S+?)\]", out, flags=re.MULTILINE))
    assert failed == {"requestCpu=0", "requestMemory=0", "body:duplicate-top-level-key:updateModelService",
                      "body:duplicate-top-level-key:systemTags",
                      *(f"updateModelService:not-object:{k}" for k in ("string", "number", "boolean", "list",
                                                                        "empty-list"))}, out[-3000:]
    assert "[no_server_fault] server fault 500 on updateModelService:not-object:list" in out, out[-3000:]
    assert "[no_server_fault] server fault 500 on body:duplicate-top-level-key:updateModelService" in out
    assert re.search(r"\[round_trip\] requestCpu: sent 0, got \d+, expected 0", out), out[-3000:]


def test_the_packaged_suite_leaves_a_null_description_unwritten(reference_server: ServerFactory,
                                                                tmp_path: Path) -> None:
    """A description null on the target cannot be written back (zstack-rest-facts.md "Values"): the suite
    leaves it out, as the CLI run does, passes, restores, and says in its summary what it did not test."""
    server = reference_server(profile="zstack", variants=["no-description"])
    result = run_suite(tmp_path, *target_args(server), "--zs-profile", "zstack")
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-2000:]  # before: "not restored: description"
    assert outcomes(out, "PASSED") == SUITE_TESTS, out[-3000:]
    assert "zscontract: (zstack) not written: description (null on the target" in out, out[-3000:]
    assert query_inventory(server).get("description") is None


def test_without_a_target_the_suite_runs_in_both_dialects(tmp_path: Path) -> None:
    result = run_suite(tmp_path, "--collect-only", "-q")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    ids = set(re.findall(r"(test_\w+\.py::test_\w+)\[(\w+)(?:-[^\]]*)?\]", result.stdout))
    assert ids == {(t.split("/")[-1], d) for t in SUITE_TESTS for d in ("documented", "zstack")}


def test_an_unknown_budget_is_one_line(tmp_path: Path) -> None:
    result = run_suite(tmp_path, "--collect-only", profile="nightly-typo")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout[-2000:] + result.stderr[-2000:]
    assert "HYPOTHESIS_PROFILE='nightly-typo' is not a profile; use one of: ci, dev, smoke" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.exhaustive
def test_a_wheel_in_a_fresh_environment_runs_the_suite(reference_server: ServerFactory, tmp_path: Path) -> None:
    """What a user gets from ``pip install zscontract``: the wheel alone, no checkout anywhere in sight.

    Builds the wheel (``pip wheel``, hatchling from the package index), installs it without extras
    into a new virtual environment (pip's cache makes that quick after the first time), then runs the
    suite with that environment's Python, from a directory outside the checkout.
    """
    wheels, venv, cwd = tmp_path / "wheels", tmp_path / "venv", tmp_path / "work"
    cwd.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(CHECKOUT)],
                   check=True, timeout=600, cwd=cwd)
    (wheel,) = wheels.glob("zscontract-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=900, cwd=cwd)
    where = subprocess.run([python, "-c", "import zscontract.suite as s; print(s.__file__)"], capture_output=True,
                           text=True, check=True, cwd=cwd, env={"PATH": os.environ.get("PATH", "")}).stdout
    assert Path(where.strip()).is_relative_to(venv), where
    shipped = subprocess.run([python, "-m", "zscontract", "baseline", "list"], capture_output=True, text=True,
                             check=True, cwd=cwd, env={"PATH": os.environ.get("PATH", "")}).stdout
    assert shipped.startswith("zstack-5.1.20  ("), shipped  # the shipped baselines are in the wheel

    # No target: the embedded reference server of the wheel (its contract pages included), both dialects.
    result = run_suite(cwd, python=python)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert outcomes(result.stdout, "PASSED", dialects=True) == {
        f"{test}[{dialect}]" for test in SUITE_TESTS for dialect in ("documented", "zstack")}

    server = reference_server(profile="documented", faults=["truncate-name-64"])
    result = run_suite(cwd, *target_args(server), "--zs-profile", "documented", python=python)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-3000:] + result.stderr[-2000:]
    assert "test_properties.py::test_boundaries" in outcomes(result.stdout, "FAILED")


def test_the_packaged_suite_passes_a_target_without_a_query_api(reference_server: ServerFactory,
                                                                tmp_path: Path) -> None:
    # oracle.md "Round-trip": the query API's checks do not apply there; as a CLI run, the suite passes
    # and says which checks did not apply and why.
    server = reference_server(profile="zstack", variants=["no-query-api"])
    result = run_suite(tmp_path, *target_args(server), "--zs-profile", "zstack")
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-2000:]
    assert outcomes(out, "PASSED") == SUITE_TESTS, out[-3000:]
    assert "not applicable: read_after_write, query_read: the target has no query API" in out
    assert "judged nothing" not in out
