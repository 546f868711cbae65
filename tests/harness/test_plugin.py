"""The pytest plugin as a user meets it: pytester writes a test file, runs pytest, reads the outcome."""

from __future__ import annotations

import pytest

from tests.fixtures.servers import ServerFactory, SoundServerFactory
from tests.fixtures.suites import PROFILE_TEST, suite

pytest_plugins = ["pytester"]

SUITE = suite(40, PROFILE_TEST)


def _args(server: object) -> list[str]:
    return ["--zs-target-url", server.url, "--zs-session-uuid", server.session_uuid,  # type: ignore[attr-defined]
            "--zs-model-service-uuid", server.model_service_uuids[0], "-p", "no:cacheprovider"]  # type: ignore[attr-defined]


def test_sound_target_passes(pytester: pytest.Pytester, sound_server: SoundServerFactory) -> None:
    server = sound_server(profile="zstack")
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*_args(server), "--zs-profile", "zstack", "-s")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*PROFILE zstack*"])


def test_faulty_target_fails_with_the_check_named(pytester: pytest.Pytester,
                                                  reference_server: ServerFactory) -> None:
    server = reference_server(profile="documented", faults=["latin1-replace"])
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*_args(server))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*CheckFailed*round_trip*"])


def test_options_come_from_environment_and_ini(pytester: pytest.Pytester, sound_server: SoundServerFactory,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    server = sound_server(profile="zstack")
    monkeypatch.setenv("ZS_TARGET_URL", server.url)
    monkeypatch.setenv("ZS_SESSION_UUID", server.session_uuid)
    pytester.makeini(f"[pytest]\nzs_model_service_uuid = {server.model_service_uuids[0]}\nzs_profile = zstack\n")
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*PROFILE zstack*"])


def test_without_a_target_both_dialects_run_on_the_reference_server(pytester: pytest.Pytester,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ZS_TARGET_URL", "ZS_SESSION_UUID", "ZS_MODEL_SERVICE_UUID", "ZS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    pytester.makepyfile(test_suite=SUITE.replace("max_examples=40", "max_examples=5"))
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*PROFILE documented*", "*PROFILE zstack*"])


@pytest.mark.parametrize(("args", "needle"), [
    (["--zs-profile", "soap"], "*--zs-profile*unknown profile 'soap'*"),
    (["--zs-target-url", "http://127.0.0.1:1", "--zs-session-uuid", "a" * 32], "*no model service*"),
])
def test_bad_options_are_usage_errors(pytester: pytest.Pytester, args: list[str], needle: str) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*args, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([needle])


def test_unreachable_target_stops_the_session_with_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("--zs-target-url", "http://127.0.0.1:1", "--zs-session-uuid", "a" * 32,
                                           "--zs-model-service-uuid", "b" * 32, "-p", "no:cacheprovider")
    assert result.ret == 3
    result.stdout.fnmatch_lines(["*unreachable*"])


# stale-query-cache costs ~20 s (it hides until a read follows a write): exhaustive; the packaged
# suite's own faulty-server test (test_packaged_suite.py) covers the same path in the default run.
@pytest.mark.parametrize("fault", ["partial-apply", pytest.param("stale-query-cache", marks=pytest.mark.exhaustive)])
def test_the_contract_suite_fails_on_a_faulty_server(pytester: pytest.Pytester, reference_server: ServerFactory,
                                                     fault: str) -> None:
    """``pytest tests/contract`` as a user runs it against staging: a faulty target fails it."""
    from pathlib import Path

    suite = Path(__file__).resolve().parents[1] / "contract"
    server = reference_server(profile="documented", faults=[fault])
    # -x: one failing test is what this asserts; the rest of the suite would take minutes under CI's budget.
    result = pytester.runpytest_subprocess(str(suite), *_args(server), "--zs-profile", "documented", "-x")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1, result.stdout.str()[-2000:]


def test_a_profile_in_the_ini_file_picks_one_dialect_for_the_reference_server(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ZS_TARGET_URL", "ZS_SESSION_UUID", "ZS_MODEL_SERVICE_UUID", "ZS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    pytester.makeini("[pytest]\nzs_profile = zstack\n")
    pytester.makepyfile(test_suite=SUITE.replace("max_examples=40", "max_examples=5"))
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*PROFILE zstack*"])


# The plugin is loaded into every pytest session of a machine where zscontract is installed:
# it must not make an unrelated project's run import (or register hooks of) these.
HEAVY = ("schemathesis", "hypothesis", "starlette", "uvicorn")


@pytest.mark.parametrize("module", ["zscontract.pytest_plugin", "zscontract"])
def test_importing_the_plugin_or_the_package_loads_nothing_heavy(module: str) -> None:
    import json
    import subprocess
    import sys

    code = (f"import json, sys, {module}\n"
            f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_the_package_still_resolves_its_public_names_on_use() -> None:
    import subprocess
    import sys

    code = "import sys, zscontract\nzscontract.execute_run\nprint('zscontract.runner.run' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"  # the lazy name really reaches the runner


FOREIGN = f'''
import sys

def test_unrelated():
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})
    zscontract = sorted(m for m in sys.modules if m.startswith("zscontract"))
    print("HEAVY", loaded)
    print("ZSCONTRACT", zscontract)
'''


def test_an_unrelated_project_run_does_not_import_schemathesis(pytester: pytest.Pytester,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ZS_TARGET_URL", "ZS_SESSION_UUID", "ZS_MODEL_SERVICE_UUID", "ZS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    pytester.makepyfile(test_foreign=FOREIGN)
    # schemathesis's own pytest11 plugin imports schemathesis in every session; switch it off
    # to see what zscontract's plugin alone costs.
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", "-p", "no:schemathesis")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*HEAVY []", "ZSCONTRACT *'zscontract.pytest_plugin'*"])
    assert "zscontract.runner" not in result.stdout.str()
    assert "zscontract.server" not in result.stdout.str()


def test_an_unknown_profile_in_the_marker_is_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite='''
import pytest

@pytest.mark.zscontract_profiles("soap")
def test_profile(zs_settings):
    pass
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*zscontract_profiles on test_suite.py::test_profile: unknown profile 'soap'; "
                                 "use one of: documented, zstack*"])
    assert "Traceback" not in result.stdout.str()


def test_a_session_saves_its_snapshot_and_marks_it_restored(pytester: pytest.Pytester,
                                                            sound_server: SoundServerFactory) -> None:
    """As a CLI run does: a session killed before its teardown leaves what `zscontract restore` needs."""
    import json

    server = sound_server(profile="zstack")
    pytester.makepyfile(test_suite=SUITE.replace("max_examples=40", "max_examples=5"))
    result = pytester.runpytest_subprocess(*_args(server), "--zs-profile", "zstack",
                                           "--zs-report-dir", str(pytester.path / "out"))
    result.assert_outcomes(passed=2)
    (saved,) = (pytester.path / "out").glob("pytest-*/snapshot.json")
    doc = json.loads(saved.read_text(encoding="utf-8"))
    assert doc["uuid"] == server.model_service_uuids[0] and doc["target_url"] == server.url
    assert doc["restored"] is True and doc["inventory"]["name"]


def test_a_snapshot_never_restored_stops_the_next_session_with_one_line(pytester: pytest.Pytester,
                                                                        sound_server: SoundServerFactory) -> None:
    """The CLI refuses to start on a resource an earlier run left changed (exit 3); so does the plugin."""
    from zscontract.runner.snapshot import save_snapshot

    server = sound_server(profile="zstack")
    uuid = server.model_service_uuids[0]
    left = save_snapshot(pytester.path / "out" / "killed-run" / "snapshot.json", uuid, {"uuid": uuid, "name": "x"},
                         target_url=server.url, profile="zstack")
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*_args(server), "--zs-profile", "zstack",
                                           "--zs-report-dir", str(pytester.path / "out"))
    assert result.ret == 3, result.stdout.str()[-2000:]
    result.stdout.fnmatch_lines([f"*zscontract: an earlier run changed model service {uuid} and never restored it "
                                 f"(snapshot {left}); run `ZS_SESSION_UUID=S zscontract restore {left.parent}` "
                                 "first, or delete that snapshot to go on without it*"])
    assert "Traceback" not in result.stdout.str()


def test_a_target_without_a_query_api_passes_and_says_what_did_not_apply(pytester: pytest.Pytester,
                                                                         reference_server: ServerFactory) -> None:
    """As the CLI run (PASSED, oracle.md "Round-trip"): the session passes and says which checks did not apply."""
    server = reference_server(profile="zstack", variants=["no-query-api"])
    pytester.makepyfile(test_suite=SUITE.replace("max_examples=40", "max_examples=5"))
    result = pytester.runpytest_subprocess(*_args(server), "--zs-profile", "zstack")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*zscontract: (zstack) not applicable: read_after_write, query_read: "
                                 "the target has no query API*"])
    assert "judged nothing" not in result.stdout.str()


def test_a_failed_restore_names_the_snapshot_left_for_zscontract_restore(pytester: pytest.Pytester,
                                                                         reference_server: ServerFactory) -> None:
    """The CLI says NOT RESTORED with the snapshot's path; the plugin's teardown error says the same."""
    import json

    server = reference_server(profile="documented", faults=["lock-after-writes"])  # refuses writes after 60
    pytester.makepyfile(test_suite=SUITE.replace("max_examples=40", "max_examples=90"))
    result = pytester.runpytest_subprocess(*_args(server), "--zs-report-dir", str(pytester.path / "out"))
    (saved,) = (pytester.path / "out").glob("pytest-*/snapshot.json")
    result.stdout.fnmatch_lines([f"*zscontract: model service {server.model_service_uuids[0]} was not restored: *; "
                                 f"snapshot {saved}: run `ZS_SESSION_UUID=S zscontract restore {saved.parent}`*"])
    assert json.loads(saved.read_text(encoding="utf-8"))["restored"] is False  # the next session refuses to start


WRITE_THEN_WAIT = '''
import time
from zscontract.core.cases import Case, InputClass

def test_write_then_wait(zs_harness):
    zs_harness.execute(Case(InputClass.ACCEPT, "a write", fields={"name": "changed-by-the-session"}))
    print("WROTE", flush=True)
    time.sleep(60)
'''


def test_sigterm_restores_the_resource_before_the_session_ends(pytester: pytest.Pytester,
                                                                sound_server: SoundServerFactory) -> None:
    """A cancelled CI job (SIGTERM) leaves the resource as found, as it does a CLI run (exit 130 there)."""
    import json
    import signal
    import subprocess
    import sys

    from tests.fixtures.servers import query_inventory

    server = sound_server(profile="documented")
    before = query_inventory(server)["name"]
    pytester.makepyfile(test_suite=WRITE_THEN_WAIT)
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-s", *_args(server), "--zs-report-dir", "out"],
                            cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "WROTE" in line:
            break
    assert query_inventory(server)["name"] == "changed-by-the-session", "".join(seen)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert query_inventory(server)["name"] == before, "".join(seen) + out
    (saved,) = (pytester.path / "out").glob("pytest-*/snapshot.json")
    assert json.loads(saved.read_text(encoding="utf-8"))["restored"] is True


RENEWED = '''
import time
from zscontract.core.cases import Case, InputClass

def test_writes_across_a_session_expiry(zs_harness):
    for n in range(3):
        failures = zs_harness.execute(Case(InputClass.ACCEPT, f"write {n}", fields={"name": f"renewed-{n}"}))
        assert not failures, str(failures[0])
        time.sleep(1.5)
'''


def test_an_account_logs_in_and_again_when_the_session_expires(pytester: pytest.Pytester,
                                                               reference_server: ServerFactory,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """As the CLI's --account: sessions that live 2 s do not fail a session of writes 1.5 s apart."""
    from zscontract.core.session import hash_password

    password = "Zs-S3cret&<pw>"
    monkeypatch.setenv("ZSCONTRACT_SERVER_PASSWORD", password)
    server = reference_server(profile="documented", extra_args=("--session-ttl", "2"))
    monkeypatch.setenv("ZS_PASSWORD", password)
    monkeypatch.delenv("ZS_SESSION_UUID", raising=False)
    pytester.makepyfile(test_suite=RENEWED)
    result = pytester.runpytest_subprocess("--zs-target-url", server.url, "--zs-account", server.info["account"],
                                           "--zs-model-service-uuid", server.model_service_uuids[0],
                                           "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    out = result.stdout.str() + result.stderr.str()
    assert password not in out and hash_password(password) not in out


def test_an_account_without_a_password_is_one_line(pytester: pytest.Pytester,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZS_PASSWORD", raising=False)
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("--zs-target-url", "http://127.0.0.1:1", "--zs-account", "admin",
                                           "--zs-model-service-uuid", "b" * 32, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--zs-account needs the password in the environment variable ZS_PASSWORD*"])
