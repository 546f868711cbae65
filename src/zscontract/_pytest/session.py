"""What the ``zs_*`` fixtures build: a client, the preflight, the contract and a harness on the resource.

Imported only inside those fixtures (see :mod:`zscontract.pytest_plugin`): this module pulls in
the runner, the checks, Hypothesis strategies and, through the runner, schemathesis. Each step
is the CLI run's own (:mod:`zscontract.runner.run`), so both routes test the same things and
leave the target the same way.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from zscontract.config import OPTIONS, RunSettings
from zscontract.contract import Contract, load_contract
from zscontract.core.client import Client, ClientSettings
from zscontract.core.dialects import get_dialect
from zscontract.core.redact import Redactor
from zscontract.core.session import hash_password, login, logout, relogin_once
from zscontract.errors import PreconditionFailed, ZsContractError
from zscontract.runner import limits, stops
from zscontract.runner import snapshot as snapshots
from zscontract.runner.accounting import NO_QUERY_API, QUERY_API_CHECKS
from zscontract.runner.as_found import await_writes, restore_notes
from zscontract.runner.budget import grace
from zscontract.runner.engine import Harness
from zscontract.runner.preflight import check_profile, preflight
from zscontract.runner.restore import restore
from zscontract.runner.restore_report import query_doubt
from zscontract.runner.results import RunResult
from zscontract.runner.target import Target

# The runner's messages name the CLI's flags; the plugin's carry a --zs- prefix.
_CLI_FLAGS = re.compile(r"(?<![\w-])--(" + "|".join(re.escape(o.flag.removeprefix("--")) for o in OPTIONS.values())
                        + r")\b")


def plugin_flags(message: str) -> str:
    """A runner message with the CLI's flags spelled as the plugin's.

    >>> plugin_flags("run again with --profile zstack; check --target-url")
    'run again with --zs-profile zstack; check --zs-target-url'
    """
    return _CLI_FLAGS.sub(r"--zs-\1", message)


def make_client(settings: RunSettings, target: Target) -> Client:
    """A client speaking ``settings.profile`` to the target, with its session."""
    return Client(ClientSettings(base_url=target.url, session_uuid=target.session_uuid or "",
                                 dialect=get_dialect(settings.profile, source="--zs-profile"),
                                 request_timeout=settings.request_timeout, job_timeout=settings.job_timeout,
                                 max_body=settings.max_body, ca_bundle=settings.ca_bundle,
                                 insecure=settings.insecure))


def logged_in(settings: RunSettings, client: Client) -> Iterator[Client]:
    """With ``--zs-account``: log in (password from ZS_PASSWORD), log in again when the session expires
    mid-session, log out at the end, as a CLI run with ``--account`` does (``run._maybe_login``)."""
    if not settings.account:
        yield client
        return
    password = settings.password or ""
    digest = password if settings.password_hashed else hash_password(password)
    try:
        client.settings.session_uuid = login(client, settings.account, digest)
    except ZsContractError as exc:
        pytest.exit(f"zscontract: {plugin_flags(str(exc))}", returncode=3)
    client.on_session_expired = relogin_once(client, settings.account, digest, lambda _fresh: None)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):  # a dead target: the session expires on its own
            logout(client, client.settings.session_uuid)


def open_session(settings: RunSettings, target: Target, client: Client) -> dict[str, Any]:
    """The CLI's preflight, before any write: the target answers, the session and the resource are
    valid, and the target speaks the chosen dialect (``check_profile``). Returns the first inventory.

    Any of these failing ends the session with one line and exit 3, the CLI's code for the same
    situation: a test run in the wrong dialect would only report a wall of false failures.
    """
    uuid = target.model_service_uuids[0]
    try:
        if not target.embedded:
            _refuse_if_pending(settings, target.url, uuid)
        facts = preflight(client, uuid)
        check_profile(client, uuid, settings.profile)
    except ZsContractError as exc:
        pytest.exit(f"zscontract: {plugin_flags(str(exc))}", returncode=3)
    inventory: dict[str, Any] = facts["inventory"]
    return inventory


def _refuse_if_pending(settings: RunSettings, url: str, uuid: str) -> None:
    """As a CLI run (snapshot.refuse_if_pending): an earlier session or run killed before its restore is
    undone first; the way out named is one a pytest user has (there is no --discard-snapshot here)."""
    left = snapshots.pending(settings.report_dir, url, uuid)
    if left:
        raise PreconditionFailed(f"an earlier run changed model service {uuid} and never restored it (snapshot "
                                 f"{left[-1]}); run `ZS_SESSION_UUID=S zscontract restore {left[-1].parent}` first, "
                                 "or delete that snapshot to go on without it")


def writable(settings: RunSettings, contract: Contract, snapshot: dict[str, Any]) -> tuple[Contract, str | None]:
    """The contract the tests generate from, without the fields they could not write back, and a note.

    The same reduction as the CLI run's (``zscontract.runner.run._writable``): a field null or
    absent in the snapshot cannot be set back to null, since a real node reads null as "not given"
    (zstack-rest-facts.md "Values"); writing it would leave the target changed after every session.
    """
    unset = [f.name for f in contract.fields.values() if f.inventory_field and snapshot.get(f.inventory_field) is None
             and (f.documented or settings.include_example_fields)]
    if not unset:
        return contract, None
    them = "them" if len(unset) > 1 else "it"
    note = (f"not written: {', '.join(unset)} (null on the target, and this API cannot set a field back to null); "
            f"set {them} on the model service to test {them}")
    return contract.without_fields(unset), note


def harness_on(settings: RunSettings, contract: Contract, target: Target, client: Client,
               snapshot: dict[str, Any], note: Callable[[str], None]) -> Iterator[Harness]:
    """Yield a harness on the resource (generating from ``contract``), restore ``snapshot`` at the end.

    The restore compares every field of the dialect's whole contract, as the CLI's does: a field the
    tests left unwritten that moved anyway is not restored either. A failed restore fails the last
    test that used the harness; what the restore could only report goes to ``note``.
    """
    uuid = target.model_service_uuids[0]
    saved = None if target.embedded else _save(settings, target, snapshot)
    result = RunResult(settings.profile, target.url, uuid, Redactor([client.settings.session_uuid],
                                                                    [settings.password or ""]))
    harness = Harness(contract, get_dialect(settings.profile, source="--zs-profile"), client, uuid, result)
    harness.state = snapshot
    # SIGTERM and SIGHUP (a CI job cancelled, an SSH session dropped) stop the session as Ctrl-C does,
    # so pytest still tears this fixture down and the resource is restored, as a CLI run does
    # (runner.stops); pytest's default for them is to die on the spot, the resource left changed.
    with stops.signals_interrupt():
        yield harness
        stops.hold()
    if client.has_query_api is False:  # as the CLI run says it (oracle.md "Round-trip"): no gap, no failure
        note(f"not applicable: {', '.join(QUERY_API_CHECKS)}: {NO_QUERY_API}")
    # The restore's own slice, as a CLI run's (runner.budget.grace): a job that never ends cannot hold the
    # session's end for a job timeout per field (minutes, with a few fields).
    deadline = time.monotonic() + grace(settings.request_timeout, settings.job_timeout)
    limits.arm(client, deadline=deadline, down_after=None)
    with stops.shielded("restoring the model service"):  # a second signal must not cut the restore short
        if await_writes(client, deadline):  # a stopped concurrent burst's: one landing later would undo the restore
            note("writes of the session were still under way when the restore began: check the model service")
        # As a CLI run's (runner.as_found): the snapshot written back whatever a read shows once a write of
        # the session was accepted, verified by the write's answer then a read, doubted where the session
        # found the query API stale.
        report = restore(client, load_contract(settings.profile), uuid, snapshot,
                         include_example_fields=settings.include_example_fields,
                         write_back=client.stats.writes_accepted > 0, doubt=query_doubt(result))
    if saved is not None and report.restored:
        snapshots.mark(saved, restored=True)
    restore_notes(report, note, note)
    if not report.restored:
        how = "" if saved is None else f"; snapshot {saved}: run `ZS_SESSION_UUID=S zscontract restore {saved.parent}`"
        pytest.fail(f"zscontract: model service {uuid} was not restored: {report.why}{how}", pytrace=False)


def _save(settings: RunSettings, target: Target, inventory: dict[str, Any]) -> Path:
    """The snapshot on disk before the first write, as a CLI run saves it: a session killed before its
    restore (SIGKILL, a CI timeout) leaves what ``zscontract restore`` needs, and the next session or
    run on this resource refuses to start until it is restored. Not under ``latest``: no report is made."""
    name = f"pytest-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    try:
        return snapshots.save_snapshot(settings.report_dir / name / "snapshot.json", target.model_service_uuids[0],
                                       inventory, target_url=target.url, profile=settings.profile)
    except OSError as exc:
        pytest.exit(f"zscontract: --zs-report-dir {settings.report_dir}: cannot write the snapshot there "
                    f"({exc.strerror or exc})", returncode=pytest.ExitCode.USAGE_ERROR)
