"""``zscontract restore``: write an earlier run's snapshot back (after a SIGKILL, a power cut) and verify it."""

from __future__ import annotations

from typing import Any

from zscontract.config import RunSettings
from zscontract.contract import load_contract
from zscontract.errors import TargetUnreachable
from zscontract.runner import snapshot
from zscontract.runner.lifecycle import Lifecycle
from zscontract.runner.restore import restorable_fields, restore
from zscontract.runner.restore_report import RestoreReport
from zscontract.runner.results import Verdict
from zscontract.runner.target import Target


def restore_snapshot(settings: RunSettings, snap: snapshot.Snapshot, *, dry_run: bool = False,
                     say: Any = print) -> int:
    """Write ``snap`` back to ``settings.target_url``; 0 restored (or a dry run), 4 not restored (3 unreachable:
    raised)."""
    assert settings.target_url is not None
    contract = load_contract(settings.profile)
    life = Lifecycle(settings, Target(settings.target_url, settings.session_uuid, (snap.uuid,), embedded=False))
    # Bounded like a run's restore slice, with room for a login and a few reads.
    life.arm_restore(more=4 * settings.request_timeout)
    with life:
        probe = life.client.read(snap.uuid)
        if probe.inventory is None and (probe.exchange is None or probe.exchange.response is None):
            raise TargetUnreachable(f"target {settings.target_url} did not answer a read of model service "
                                    f"{snap.uuid}; check --target-url and that the server is running")
        # The fields the run wrote: its example-only ones too when it sent them (a killed
        # --include-example-fields run may have left one changed, and "matches again" must cover it).
        # Written whatever a read shows: the run's writes may have been accepted, and a read (a stale
        # query API) cannot be trusted to say nothing differs. Verified by the write's answer, then a read.
        report = restore(life.client, contract, snap.uuid, snap.inventory, dry_run=dry_run, write_back=True,
                         include_example_fields=snap.include_example_fields)
    return _say(report, dry_run, snap, contract, say)


def _say(report: RestoreReport, dry_run: bool, snap: snapshot.Snapshot, contract: Any, say: Any) -> int:
    if dry_run:
        fields = restorable_fields(contract, snap.inventory, include_example_fields=snap.include_example_fields)
        found = (f"{', '.join(report.differences)} differ from {snap.path}" if report.differences
                 else f"a read shows model service {snap.uuid} matching {snap.path}" if report.restored
                 else f"model service {snap.uuid} could not be read ({report.why})")
        say(f"dry run: {found}; a restore would write back: "
            + ", ".join(f"{k}={v!r}"[:120] for k, v in fields.items()))
        return Verdict.PASSED.exit_code
    other = report.other_differences
    if report.restored:
        snapshot.mark(snap.path, restored=True)
        say((f"restored, with a caveat: model service {snap.uuid} from {snap.path}: {report.caveat}" if report.caveat
             else f"restored: model service {snap.uuid} matches {snap.path} again")
            + (f"; fields it does not write differ: {', '.join(other)}" if other else ""))
        return Verdict.PASSED.exit_code
    say(f"RESTORE FAILED: model service {snap.uuid} still differs from {snap.path} ({report.why})")
    return Verdict.NOT_RESTORED.exit_code
