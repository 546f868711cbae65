"""What the ``zs_*`` fixtures build: a client and a harness on the resource under test.

Imported only inside those fixtures (see :mod:`zscontract.pytest_plugin`): this module pulls in
the runner, the checks, Hypothesis strategies and, through the runner, schemathesis.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zscontract.config import RunSettings
from zscontract.contract import Contract
from zscontract.core.client import Client, ClientSettings
from zscontract.core.dialects import get_dialect
from zscontract.core.redact import Redactor
from zscontract.errors import ZsContractError
from zscontract.runner.engine import Harness
from zscontract.runner.preflight import preflight
from zscontract.runner.restore import restore
from zscontract.runner.results import RunResult
from zscontract.runner.target import Target


def make_client(settings: RunSettings, target: Target) -> Client:
    """A client speaking ``settings.profile`` to the target, with its session."""
    return Client(ClientSettings(base_url=target.url, session_uuid=target.session_uuid or "",
                                 dialect=get_dialect(settings.profile, source="--zs-profile"),
                                 request_timeout=settings.request_timeout, job_timeout=settings.job_timeout,
                                 max_body=settings.max_body, ca_bundle=settings.ca_bundle,
                                 insecure=settings.insecure))


def harness_on(settings: RunSettings, contract: Contract, target: Target, client: Client) -> Iterator[Harness]:
    """Snapshot the resource, yield a harness on it, restore the snapshot at the end.

    An unreachable target or a failed precondition ends the session with one line and exit 3
    (the CLI's code for the same situation); a failed restore fails the last test that used it.
    """
    uuid = target.model_service_uuids[0]
    try:
        facts = preflight(client, uuid)
    except ZsContractError as exc:
        pytest.exit(f"zscontract: {exc}", returncode=3)
    result = RunResult(settings.profile, target.url, uuid, Redactor([target.session_uuid or ""]))
    harness = Harness(contract, get_dialect(settings.profile, source="--zs-profile"), client, uuid, result)
    harness.state = facts["inventory"]
    snapshot = facts["inventory"]
    yield harness
    report = restore(client, contract, uuid, snapshot)
    if not report["restored"]:
        pytest.fail(f"zscontract: model service {uuid} was not restored: {report['why']}", pytrace=False)
