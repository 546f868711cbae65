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
from zscontract.core.session import hash_password, login, logout, relogin_once
from zscontract.errors import RestoreFailed
from zscontract.reporting.junit import write_junit
from zscontract.reporting.summary import write_json, write_markdown
from zscontract.reporting.terminal import Terminal
from zscontract.runner.engine import Harness, RunStopped
from zscontract.runner.phases import lost_update_phase, property_phase
from zscontract.runner.preflight import check_profile, preflight
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
        logged_in = _maybe_login(settings, client, redactor)
        try:
            return _execute(settings, target, client, result, redactor, contract, dialect, term, report_dir,
                            started)
        finally:
            if logged_in:
                logout(client, client.settings.session_uuid)


def _maybe_login(settings: RunSettings, client: Client, redactor: Redactor) -> bool:
    """Log in with --account and ZS_PASSWORD when asked; register every secret with the redactor."""
    if not settings.account:
        return False
    password = settings.password or ""
    digest = password if settings.password_hashed else hash_password(password)
    redactor.add_password(password)
    redactor.add_password(digest)
    session = login(client, settings.account, digest)
    redactor.add_session(session)
    client.settings.session_uuid = session

    def renewed(fresh: str) -> None:
        redactor.add_session(fresh)

    client.on_session_expired = relogin_once(client, settings.account, digest, renewed)
    return True


def _execute(settings: RunSettings, target: Target, client: Client, result: RunResult, redactor: Redactor,
             contract: Any, dialect: Any, term: Terminal, report_dir: Path, started: float) -> RunResult:
    uuid = result.model_service_uuid
    facts = preflight(client, uuid)
    result.note(check_profile(client, uuid, settings.profile))
    harness = Harness(contract, dialect, client, uuid, result, checks=settings.checks,
                      stop_on=settings.stop_on)
    snapshot = facts["inventory"]
    harness.state = snapshot
    snapshot_path = save_snapshot(report_dir / "snapshot.json", uuid, snapshot)
    deadline = started + settings.max_time * 0.85  # keep room for restore and reports
    ctx = RunContext(settings, target, harness, result, deadline, term, report_dir)
    interrupted: BaseException | None = None
    try:
        _phases(ctx)
        if result.failures and not settings.read_only:
            from zscontract.runner.minimize import minimize_failures

            # A few seconds to shrink the reproductions, inside the run's budget.
            budget = min(10.0, max(1.0, started + settings.max_time * 0.95 - time.monotonic()))
            shrunk = minimize_failures(harness, time.monotonic() + budget)
            if shrunk:
                result.note(f"minimized the reproduction of {shrunk} failures")
        if client.stats.async_jobs:
            result.note(f"mode: asynchronous ({client.stats.async_jobs} updates answered 202 + location)")
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
            if result.restore.get("other_differences"):
                result.note("fields no request can write differ from the snapshot: "
                            + ", ".join(result.restore["other_differences"]))
        result.finished = time.time()
        write_reports(result, report_dir, settings)
    term.summary(result)
    term.line(f"reports: {report_dir}")
    if result.restore and not result.restore.get("restored"):
        raise RestoreFailed(
            f"RESTORE FAILED: model service {uuid} was NOT left as found ({result.restore.get('why')}); "
            f"the snapshot is saved at {snapshot_path}: write it back by hand")
    if interrupted is not None:
        raise interrupted
    return result


def write_reports(result: RunResult, report_dir: Path, settings: RunSettings) -> None:
    """Every file a run leaves: JUnit, JSON, Markdown, HTML; failing cases go to the corpus."""
    from zscontract.corpus import default_corpus_dir, save_failures
    from zscontract.reporting.html import write_html

    write_junit(result, report_dir / "junit.xml")
    write_json(result, report_dir / "summary.json")
    write_markdown(result, report_dir / "summary.md")
    write_html(result, report_dir / "report.html")
    if result.cassette:
        from zscontract.reporting.har import write_har

        write_har(list(result.cassette.values()), report_dir / "failures.har")
    if settings.save_corpus and result.failures:
        corpus = settings.corpus_dir or default_corpus_dir(settings.report_dir)
        failures = result.to_json()["failures"]
        save_failures(corpus, failures, profile=result.profile)


def _corpus(ctx: RunContext) -> None:
    from zscontract.runner.phases import corpus_phase

    corpus_phase(ctx)


def _scenarios(ctx: RunContext) -> None:
    if not ctx.settings.read_only:
        lost_update_phase(ctx.harness)


def _properties(ctx: RunContext) -> None:
    s = ctx.settings
    deadline = ctx.deadline
    if s.schemathesis and "schemathesis" in s.phases[s.phases.index("properties"):]:
        # Leave a quarter of what is left to the breadth phase, so a slow (async) target gets it too.
        now = time.monotonic()
        deadline = now + (ctx.deadline - now) * 0.75
    property_phase(ctx.harness, max_examples=s.max_examples, deadline=deadline, seed=s.seed,
                   read_only=s.read_only, include_example_fields=s.include_example_fields,
                   on_case=lambda: ctx.terminal.progress(ctx.result, "properties"))


# Built-in phases; concurrent writes come before the properties: a few requests, and a lost
# update is the costliest fault to miss. EXTRA_PHASES (schemathesis) are looked up by name too.
BUILTIN_PHASES: dict[str, Phase] = {"corpus": _corpus, "scenarios": _scenarios, "properties": _properties}


def _phases(ctx: RunContext) -> None:
    for name in ctx.settings.phases:
        phase = BUILTIN_PHASES.get(name) or EXTRA_PHASES.get(name)
        if phase is None:
            continue  # e.g. schemathesis turned off or not installed: said in the settings, not here
        if name == "schemathesis" and not ctx.settings.schemathesis:
            continue
        if time.monotonic() >= ctx.deadline and name != "corpus":
            ctx.result.note(f"phase {name} skipped: time budget spent")
            continue
        ctx.terminal.progress(ctx.result, name)
        started = time.monotonic()
        phase(ctx)
        ctx.result.phases[name] = time.monotonic() - started
    ctx.terminal.progress(ctx.result, "done")


def exit_code(result: RunResult) -> int:
    return 0 if result.ok else 1


__all__ = ["EXTRA_PHASES", "RunContext", "execute_run", "exit_code", "new_run_dir"]


# At the end: st_phase imports EXTRA_PHASES from this module and registers "schemathesis" in it.
from zscontract.runner import st_phase as _st_phase  # noqa: E402, F401
