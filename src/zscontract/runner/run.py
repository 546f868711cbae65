"""One run, start to end: target, preflight, snapshot, phases, restore, reports."""

from __future__ import annotations

import contextlib
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from zscontract.config import RunSettings
from zscontract.contract import load_contract
from zscontract.core.client import Client, ClientSettings, RequestBudgetExceeded
from zscontract.core.dialects import get_dialect
from zscontract.core.exchange import Exchange
from zscontract.core.redact import Redactor
from zscontract.errors import RestoreFailed
from zscontract.reporting.junit import write_junit
from zscontract.reporting.summary import write_json, write_markdown
from zscontract.reporting.terminal import Terminal
from zscontract.runner.engine import Harness, RunStopped
from zscontract.runner.phases import lost_update_phase, property_phase
from zscontract.runner.preflight import preflight
from zscontract.runner.restore import restore, save_snapshot
from zscontract.runner.results import RunResult
from zscontract.runner.target import Target, open_target

Phase = Callable[["RunContext"], None]
# Extra phases (schemathesis, corpus replay) register here by name; run in insertion order.
EXTRA_PHASES: dict[str, Phase] = {}


@dataclass
class RunContext:
    settings: RunSettings
    target: Target
    harness: Harness
    result: RunResult
    deadline: float
    terminal: Terminal
    report_dir: Path
    extras: dict[str, Any] = field(default_factory=dict)


def new_run_dir(base: Path) -> Path:
    run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
    path = base / run_id
    path.mkdir(parents=True, exist_ok=False)
    latest = base / "latest"
    with contextlib.suppress(OSError):
        if latest.is_symlink() or latest.exists():
            latest.unlink()
        latest.symlink_to(run_id)
    return path


@contextlib.contextmanager
def _signals_as_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C, so the restore in ``finally`` runs for both."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def execute_run(settings: RunSettings, terminal: Terminal | None = None) -> RunResult:
    """Run the harness once; raises ZsContractError subclasses for usage/target/restore problems."""
    term = terminal or Terminal()
    contract = load_contract(settings.profile)
    dialect = get_dialect(settings.profile)
    started = time.monotonic()
    with open_target(settings) as target, _signals_as_interrupt():
        uuid = target.model_service_uuids[0]
        redactor = Redactor(sessions=[target.session_uuid or ""], passwords=[target.password or ""])
        result = RunResult(profile=settings.profile, target_url=target.url, model_service_uuid=uuid,
                           redactor=redactor)
        report_dir = new_run_dir(settings.report_dir)

        def count(ex: Exchange) -> None:
            result.requests += 1
            if ex.response is not None:
                result.statuses[ex.response.status] += 1
                result.elapsed.append(ex.response.elapsed)

        client = Client(ClientSettings(base_url=target.url, session_uuid=target.session_uuid or "",
                                       dialect=dialect, request_timeout=settings.request_timeout,
                                       job_timeout=settings.job_timeout, rate_limit=settings.rate_limit,
                                       max_requests=settings.max_requests), on_exchange=count)
        where = "embedded reference server" if target.embedded else redactor.redact(target.url)
        term.line(f"zscontract: testing {where} ({settings.profile}), model service {uuid}")
        facts = preflight(client, uuid)
        harness = Harness(contract, dialect, client, uuid, result, checks=settings.checks,
                          stop_on=settings.stop_on)
        snapshot = facts["inventory"]
        harness.state, harness.state_via = snapshot, "query" if facts["query_api"] else "empty-update"
        snapshot_path = save_snapshot(report_dir / "snapshot.json", uuid, snapshot)
        deadline = started + settings.max_time * 0.85  # keep room for restore and reports
        ctx = RunContext(settings, target, harness, result, deadline, term, report_dir)
        interrupted: BaseException | None = None
        try:
            _phases(ctx)
        except KeyboardInterrupt as exc:
            interrupted = exc
            term.line("interrupted: restoring the model service before exiting")
        except (RequestBudgetExceeded, RunStopped) as exc:
            result.note(str(exc))
        finally:
            if not settings.read_only:
                client.settings.max_requests = None  # the restore must not be refused by the budget
                result.restore = restore(client, contract, uuid, snapshot,
                                         include_example_fields=settings.include_example_fields)
                result.restore["snapshot"] = str(snapshot_path)
            result.finished = time.time()
            write_junit(result, report_dir / "junit.xml")
            write_json(result, report_dir / "summary.json")
            write_markdown(result, report_dir / "summary.md")
        term.summary(result)
        term.line(f"reports: {report_dir}")
        if result.restore and not result.restore.get("restored"):
            raise RestoreFailed(
                f"RESTORE FAILED: model service {uuid} was NOT left as found ({result.restore.get('why')}); "
                f"the snapshot is saved at {snapshot_path}: write it back by hand")
        if interrupted is not None:
            raise interrupted
        return result


def _phases(ctx: RunContext) -> None:
    s, h = ctx.settings, ctx.harness
    if not s.read_only:
        # Concurrent writes first: a few requests, and a lost update is the costliest fault to miss.
        t1 = time.monotonic()
        lost_update_phase(h)
        ctx.result.phases["scenarios"] = time.monotonic() - t1
    t0 = time.monotonic()
    ctx.terminal.progress(ctx.result, "properties")
    property_phase(h, max_examples=s.max_examples, deadline=ctx.deadline, seed=s.seed, read_only=s.read_only,
                   include_example_fields=s.include_example_fields)
    ctx.result.phases["properties"] = time.monotonic() - t0
    for name, phase in EXTRA_PHASES.items():
        if time.monotonic() >= ctx.deadline:
            ctx.result.note(f"phase {name} skipped: time budget spent")
            continue
        t2 = time.monotonic()
        phase(ctx)
        ctx.result.phases[name] = time.monotonic() - t2
    ctx.terminal.progress(ctx.result, "done")


def exit_code(result: RunResult) -> int:
    return 0 if result.ok else 1


__all__ = ["EXTRA_PHASES", "RunContext", "execute_run", "exit_code", "new_run_dir"]
