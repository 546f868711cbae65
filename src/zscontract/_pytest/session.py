"""What the ``zs_*`` fixtures build, through the run lifecycle (:class:`zscontract.runner.lifecycle.Lifecycle`).

Imported only inside those fixtures (see :mod:`zscontract.pytest_plugin`): this module pulls in
the runner, the checks, Hypothesis strategies and, through the runner, schemathesis. Every step
on the target is the lifecycle's, the CLI run's own; this module only says things the pytest way
(``--zs-`` flags, ``pytest.exit``, ``pytest.fail``, the summary's notes).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from zscontract.config import RunSettings
from zscontract.contract import Contract, load_contract
from zscontract.core.cases import Case, InputClass
from zscontract.core.failures import CheckFailed
from zscontract.errors import ZsContractError
from zscontract.options import OPTIONS
from zscontract.runner import limits, stops
from zscontract.runner import snapshot as snapshots
from zscontract.runner.accounting import NO_QUERY_API, QUERY_API_CHECKS
from zscontract.runner.as_found import await_writes, restore_notes
from zscontract.runner.budget import Budget
from zscontract.runner.engine import Harness
from zscontract.runner.lifecycle import Lifecycle, new_run_dir
from zscontract.runner.restore import restore
from zscontract.runner.restore_report import query_doubt
from zscontract.runner.results import RunResult
from zscontract.runner.target import Target

# The runner's messages name the CLI's flags; the plugin's carry a --zs- prefix.
_CLI_FLAGS = re.compile(r"(?<![\w-])--(" + "|".join(re.escape(o.flag.removeprefix("--")) for o in OPTIONS.values()
                                                    if o.plugin) + r")\b")


def plugin_flags(message: str) -> str:
    """A runner message with the CLI's flags spelled as the plugin's.

    >>> plugin_flags("run again with --profile zstack; check --target-url")
    'run again with --zs-profile zstack; check --zs-target-url'
    """
    return _CLI_FLAGS.sub(r"--zs-\1", message)


@contextlib.contextmanager
def _exit_3() -> Iterator[None]:
    """A failed login or preflight ends the session with one line and exit 3, the CLI's code for it:
    a test run in the wrong dialect would only report a wall of false failures."""
    try:
        yield
    except ZsContractError as exc:
        pytest.exit(f"zscontract: {plugin_flags(str(exc))}", returncode=3)


def lifecycle(settings: RunSettings, target: Target, started: float, max_time: float | None) -> Iterator[Lifecycle]:
    """The session's lifecycle: its client logged in (with ``--zs-account``) for the session, within
    ``--zs-max-time`` from ``started`` when given."""
    budget = None if max_time is None else Budget.start(max_time, settings.request_timeout, settings.job_timeout,
                                                        started=started)
    life = Lifecycle(settings, target, budget=budget, flag_prefix="--zs-")
    with _exit_3():
        life.login()
    _arm(life)
    try:
        yield life
    finally:
        life.logout()


def _arm(life: Lifecycle) -> None:
    """The session's limits on every test's requests: its time budget, and a target down after a few failures."""
    limits.arm(life.client, deadline=None if life.budget is None else life.budget.end)


def open_session(life: Lifecycle) -> dict[str, Any] | None:
    """The CLI's preflight, before any write; returns the first inventory (None: ``--zs-read-only`` on a
    target without a query API, which is never read)."""
    with _exit_3():
        facts = life.preflight(discard_flag=None)  # a pytest user has no --discard-snapshot
    _arm(life)
    return facts.inventory


def writable(life: Lifecycle, snapshot: dict[str, Any] | None, note: Callable[[str], None]) -> Contract:
    """The contract the tests generate from: without the fields they could not write back (said in ``note``)."""
    contract, unwritten = life.writable(load_contract(life.settings.profile), snapshot)
    if unwritten:
        note(unwritten)
    return contract


class _ReadOnlyHarness(Harness):
    """``--zs-read-only``: only requests that must change nothing are sent; a test that writes is skipped,
    as the CLI's ``--read-only`` leaves out the phases that write."""

    def send(self, case: Case, **kwargs: Any) -> Any:
        if case.input_class is not InputClass.REJECT:
            pytest.skip("zscontract: --zs-read-only: this test writes (only must-reject requests are sent)")
        return super().send(case, **kwargs)

    def concurrent_writes(self, updates: list[dict[str, Any]]) -> list[CheckFailed]:
        pytest.skip("zscontract: --zs-read-only: this test writes (only must-reject requests are sent)")


def harness_on(life: Lifecycle, contract: Contract, snapshot: dict[str, Any] | None,
               note: Callable[[str], None]) -> Iterator[Harness]:
    """Yield a harness on the resource (generating from ``contract``), restore ``snapshot`` at the end.

    The restore compares every field of the dialect's whole contract, as the CLI's does: a field the
    tests left unwritten that moved anyway is not restored either. A failed restore fails the last
    test that used the harness; what the restore could only report goes to ``note``.
    """
    settings, target, client = life.settings, life.target, life.client
    saved = None if target.embedded or snapshot is None else _save(life, snapshot)
    result = RunResult(settings.profile, target.url, life.uuid, life.redactor)
    kind = _ReadOnlyHarness if settings.read_only else Harness
    harness = kind(contract, life.dialect, client, life.uuid, result, checks=settings.checks)
    harness.state = snapshot
    # SIGTERM and SIGHUP (a CI job cancelled, an SSH session dropped) stop the session as Ctrl-C does,
    # so pytest still tears this fixture down and the resource is restored (runner.stops); pytest's
    # default for them is to die on the spot, the resource left changed.
    with stops.signals_interrupt():
        yield harness
        stops.hold()
    if client.has_query_api is False:  # as the CLI run says it (oracle.md "Round-trip"): no gap, no failure
        note(f"not applicable: {', '.join(QUERY_API_CHECKS)}: {NO_QUERY_API}")
    if snapshot is None:
        note("--zs-read-only without a query API: the model service was never read (the only other read, an empty "
             "update, is a write), so neither that it exists nor that the target left it as found is verified")
        return
    life.arm_restore()
    with stops.shielded("restoring the model service"):  # a second signal must not cut the restore short
        deadline = client.current_limits.deadline
        if deadline is not None and await_writes(client, deadline):  # a stopped burst's, landing later, would undo it
            note("writes of the session were still under way when the restore began: check the model service")
        # As a CLI run's (runner.as_found): the snapshot written back whatever a read shows once a write of
        # the session was accepted, verified by the write's answer then a read, doubted where the session
        # found the query API stale.
        report = restore(client, load_contract(settings.profile), life.uuid, snapshot,
                         include_example_fields=settings.include_example_fields, write_unread=not settings.read_only,
                         write_back=not settings.read_only and client.stats.writes_accepted > 0,
                         doubt=query_doubt(result))
    if saved is not None and report.restored:
        snapshots.mark(saved, restored=True)
    restore_notes(report, note, note)
    for line in result.warnings + result.notes:
        note(line)
    if not report.restored:
        how = "" if saved is None else f"; snapshot {saved}: run `ZS_SESSION_UUID=S zscontract restore {saved.parent}`"
        pytest.fail(f"zscontract: model service {life.uuid} was not restored: {report.why}{how}", pytrace=False)


def _save(life: Lifecycle, inventory: dict[str, Any]) -> Any:
    """The snapshot on disk before the first write, as a CLI run saves it. Not under ``latest``: no report is made."""
    try:
        return life.save_snapshot(inventory, new_run_dir(life.settings.report_dir, prefix="pytest-", latest=False))
    except OSError as exc:
        pytest.exit(f"zscontract: --zs-report-dir {life.settings.report_dir}: cannot write the snapshot there "
                    f"({exc.strerror or exc})", returncode=pytest.ExitCode.USAGE_ERROR)


def budget_spent(exc: BaseException) -> bool:
    """A request refused because ``--zs-max-time`` is spent (the test is then skipped, not failed)."""
    return isinstance(exc, limits.BudgetSpent)


__all__ = ["budget_spent", "harness_on", "lifecycle", "open_session", "plugin_flags", "writable"]

