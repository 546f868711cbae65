"""What the ``zs_*`` fixtures build: a client, the preflight, the contract and a harness on the resource.

Imported only inside those fixtures (see :mod:`zscontract.pytest_plugin`): this module pulls in
the runner, the checks, Hypothesis strategies and, through the runner, schemathesis. Each step
is the CLI run's own (:mod:`zscontract.runner.run`), so both routes test the same things and
leave the target the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from zscontract.config import OPTIONS, RunSettings
from zscontract.contract import Contract, load_contract
from zscontract.core.client import Client, ClientSettings
from zscontract.core.dialects import get_dialect
from zscontract.core.redact import Redactor
from zscontract.errors import ZsContractError
from zscontract.runner.engine import Harness
from zscontract.runner.preflight import check_profile, preflight
from zscontract.runner.restore import restore
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


def open_session(settings: RunSettings, target: Target, client: Client) -> dict[str, Any]:
    """The CLI's preflight, before any write: the target answers, the session and the resource are
    valid, and the target speaks the chosen dialect (``check_profile``). Returns the first inventory.

    Any of these failing ends the session with one line and exit 3, the CLI's code for the same
    situation: a test run in the wrong dialect would only report a wall of false failures.
    """
    uuid = target.model_service_uuids[0]
    try:
        facts = preflight(client, uuid)
        check_profile(client, uuid, settings.profile)
    except ZsContractError as exc:
        pytest.exit(f"zscontract: {plugin_flags(str(exc))}", returncode=3)
    inventory: dict[str, Any] = facts["inventory"]
    return inventory


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
    result = RunResult(settings.profile, target.url, uuid, Redactor([target.session_uuid or ""]))
    harness = Harness(contract, get_dialect(settings.profile, source="--zs-profile"), client, uuid, result)
    harness.state = snapshot
    yield harness
    report = restore(client, load_contract(settings.profile), uuid, snapshot,
                     include_example_fields=settings.include_example_fields)
    if report.get("trimmed"):
        note("restored as the target stores what is written back (outer whitespace trimmed, as a ZStack node "
             "trims every string), not byte for byte: " + ", ".join(report["trimmed"]))
    if report.get("other_differences"):
        note("fields no request can write differ from the snapshot: " + ", ".join(report["other_differences"]))
    if not report["restored"]:
        pytest.fail(f"zscontract: model service {uuid} was not restored: {report['why']}", pytrace=False)
