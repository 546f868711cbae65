"""The pytest route's preflight matches the CLI's: the dialect check, and the fields it cannot write back."""

from __future__ import annotations

import pytest

from tests.fixtures.servers import ServerFactory, SoundServerFactory, query_inventory
from tests.fixtures.suites import FIELDS_TEST, suite

pytest_plugins = ["pytester"]

# Writes description on most examples: on a resource without one, the old plugin left it set.
SUITE = suite(15, FIELDS_TEST)


def _args(server: object, profile: str) -> list[str]:
    return ["--zs-target-url", server.url, "--zs-session-uuid", server.session_uuid,  # type: ignore[attr-defined]
            "--zs-model-service-uuid", server.model_service_uuids[0],  # type: ignore[attr-defined]
            "--zs-profile", profile, "-p", "no:cacheprovider", "-p", "no:randomly"]


@pytest.mark.parametrize(("speaks", "chosen"), [("zstack", "documented"), ("documented", "zstack")])
def test_a_target_of_the_other_dialect_ends_the_session_with_one_line_and_exit_3(
        pytester: pytest.Pytester, sound_server: SoundServerFactory, speaks: str, chosen: str) -> None:
    """As the CLI's preflight does (exit 3 "wrong dialect"), not seven red tests that blame the target."""
    server = sound_server(profile=speaks)
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*_args(server, chosen))
    out = result.stdout.str()
    assert result.ret == 3, out[-2000:]
    result.stdout.fnmatch_lines([f"*zscontract: the target seems to speak the {speaks} dialect*but --zs-profile is "
                                 f"{chosen}; run again with --zs-profile {speaks}*"])
    assert "passed" not in out and "failed" not in out  # stopped before the first test ran
    assert "Traceback" not in out


def test_the_right_dialect_still_runs(pytester: pytest.Pytester, sound_server: SoundServerFactory) -> None:
    server = sound_server(profile="documented")
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*_args(server, "documented"), "-s")
    result.assert_outcomes(passed=2)
    assert "not written" not in result.stdout.str()  # every field is set on the reference server


def test_a_field_null_on_the_target_is_not_written_and_the_summary_says_so(
        pytester: pytest.Pytester, reference_server: ServerFactory) -> None:
    """A null description cannot be written back (zstack-rest-facts.md "Values"): the CLI leaves it out of
    the contract it generates from (run._writable); the plugin's ``zs_contract`` must too."""
    server = reference_server(profile="zstack", variants=["no-description"])
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*_args(server, "zstack"), "-s")
    out = result.stdout.str()
    result.assert_outcomes(passed=2)  # before the fix: an error at teardown, "not restored: description"
    fields = out[out.index("FIELDS "):].splitlines()[0]
    assert "description" not in fields and "name" in fields
    result.stdout.fnmatch_lines(["*zscontract: (zstack) not written: description (null on the target, and this "
                                 "API cannot set a field back to null); set it on the model service to test it"])
    assert query_inventory(server).get("description") is None  # left as found


def test_with_xdist_the_controller_reports_what_the_workers_left_unwritten(
        pytester: pytest.Pytester, reference_server: ServerFactory) -> None:
    """Workers have no terminal: their notes reach the controller's summary (pytest_testnodedown)."""
    server = reference_server(profile="zstack", variants=["no-description"], resources=2)
    pytester.makepyfile(test_suite=SUITE.replace("max_examples=15", "max_examples=3"))
    args = _args(server, "zstack")
    args[args.index("--zs-model-service-uuid") + 1] = ",".join(server.model_service_uuids)
    result = pytester.runpytest_subprocess(*args, "-n", "2")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*zscontract: (zstack) not written: description (null on the target*"])
    for uuid in server.model_service_uuids:
        assert query_inventory(server, uuid).get("description") is None
