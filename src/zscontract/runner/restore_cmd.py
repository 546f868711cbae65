"""``zscontract restore``: write an earlier run's snapshot back (after a SIGKILL, a power cut) and verify it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zscontract.contract import load_contract
from zscontract.core.client import Client, ClientSettings, Limits
from zscontract.core.dialects import get_dialect
from zscontract.core.session import hash_password, login, logout
from zscontract.errors import TargetUnreachable
from zscontract.runner import snapshot
from zscontract.runner.budget import grace
from zscontract.runner.restore import restorable_fields, restore
from zscontract.runner.restore_report import RestoreReport


@dataclass(frozen=True)
class RestoreRequest:
    where: Path
    target_url: str
    session_uuid: str | None
    profile: str
    request_timeout: float
    job_timeout: float
    account: str | None = None
    password: str | None = None
    password_hashed: bool = False
    ca_bundle: str | None = None
    insecure: bool = False
    dry_run: bool = False


def restore_snapshot(req: RestoreRequest, snap: snapshot.Snapshot, say: Any = print) -> int:
    """Write ``snap`` back to ``req.target_url``; 0 restored (or a dry run), 3 unreachable, 4 not restored."""
    contract = load_contract(req.profile)
    # Bounded like a run's restore slice, with room for a login and a few reads.
    client = Client(ClientSettings(
        base_url=req.target_url, session_uuid=req.session_uuid or "", dialect=get_dialect(req.profile),
        request_timeout=req.request_timeout, job_timeout=req.job_timeout, ca_bundle=req.ca_bundle,
        insecure=req.insecure), limits=Limits(down_after=None, deadline=time.monotonic() + grace(
            req.request_timeout, req.job_timeout) + 4 * req.request_timeout))
    if req.account:
        digest = req.password or ""
        digest = digest if req.password_hashed else hash_password(digest)
        client.settings.session_uuid = login(client, req.account, digest)
    try:
        probe = client.read(snap.uuid)
        if probe.inventory is None and (probe.exchange is None or probe.exchange.response is None):
            raise TargetUnreachable(f"target {req.target_url} did not answer a read of model service {snap.uuid}; "
                                    "check --target-url and that the server is running")
        # The fields the run wrote: its example-only ones too when it sent them (a killed
        # --include-example-fields run may have left one changed, and "matches again" must cover it).
        # Written whatever a read shows: the run's writes may have been accepted, and a read (a stale
        # query API) cannot be trusted to say nothing differs. Verified by the write's answer, then a read.
        report = restore(client, contract, snap.uuid, snap.inventory, dry_run=req.dry_run, write_back=True,
                         include_example_fields=snap.include_example_fields)
    finally:
        if req.account:
            logout(client, client.settings.session_uuid)
    return _say(report, req, snap, contract, say)


def _say(report: RestoreReport, req: RestoreRequest, snap: snapshot.Snapshot, contract: Any, say: Any) -> int:
    if req.dry_run:
        fields = restorable_fields(contract, snap.inventory, include_example_fields=snap.include_example_fields)
        found = (f"{', '.join(report.differences)} differ from {snap.path}" if report.differences
                 else f"a read shows model service {snap.uuid} matching {snap.path}" if report.restored
                 else f"model service {snap.uuid} could not be read ({report.why})")
        say(f"dry run: {found}; a restore would write back: "
            + ", ".join(f"{k}={v!r}"[:120] for k, v in fields.items()))
        return 0
    other = report.other_differences
    if report.restored:
        snapshot.mark(snap.path, restored=True)
        say((f"restored, with a caveat: model service {snap.uuid} from {snap.path}: {report.caveat}" if report.caveat
             else f"restored: model service {snap.uuid} matches {snap.path} again")
            + (f"; fields it does not write differ: {', '.join(other)}" if other else ""))
        return 0
    say(f"RESTORE FAILED: model service {snap.uuid} still differs from {snap.path} ({report.why})")
    return 4
