"""The handlers of the ``zscontract`` subcommands."""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path
from typing import Any

from zscontract.cli.settings import password_of, run_settings, tls_options
from zscontract.config import check_profile, check_session, check_url, positive
from zscontract.errors import UsageError
from zscontract.options import pick, value_of

# "No example cap" for fuzz: Hypothesis needs a number; this one is never reached within a time budget.
FUZZ_MAX_EXAMPLES = 10**9


def list_checks(args: argparse.Namespace) -> int:
    from zscontract.checks import registry

    for name in registry.names():
        print(f"{name:<20} {registry.get(name).summary}")
    return 0


def report_diff(args: argparse.Namespace) -> int:
    from zscontract.reporting.diff import diff_runs, load_run, render_diff_markdown, render_diff_text

    base = Path(args.report_dir or os.environ.get("ZS_REPORT_DIR") or "reports")
    diff = diff_runs(load_run(args.run_a, base), load_run(args.run_b, base))
    sys.stdout.write((render_diff_markdown if args.format == "markdown" else render_diff_text)(diff))
    return 1 if diff.new else 0


def report_history(args: argparse.Namespace) -> int:
    """``zscontract report history [REPORTS_DIR] [PATH ...] [--out DIR]``: 0 when the files are written."""
    from zscontract.reporting.history import build_history, headline, write_history
    from zscontract.reporting.history_sources import collect

    base = Path(args.reports_dir or os.environ.get("ZS_REPORT_DIR") or "reports")
    out = Path(args.out) if args.out else base / "history"
    history = build_history(*collect(base, [Path(p) for p in args.more], out_dir=out))
    written = write_history(history, out)
    for note in history.notes:
        print(f"note: {note}")
    print(f"history: {headline(history)}")
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def baseline_list(args: argparse.Namespace) -> int:
    """``zscontract baseline list``: the shipped baselines."""
    from zscontract.baseline import shipped

    print(shipped.describe())
    return 0


def baseline_show(args: argparse.Namespace) -> int:
    """``zscontract baseline show NAME``: the shipped file's text."""
    from zscontract.baseline import shipped

    print(shipped.path_of(args.name, "baseline show").read_text(encoding="utf-8"), end="")
    return 0


def catalogue(args: argparse.Namespace) -> int:
    from zscontract import catalogue as cat

    return cat.write_catalogue(Path(args.out), max_time=positive(args.max_time, "--max-time"),
                               jobs=positive(args.jobs, "--jobs", int))


def serve(args: argparse.Namespace) -> int:
    from zscontract.server import cli as server_cli
    from zscontract.server import faults as cat
    from zscontract.server.config import config_from_args

    if args.list_faults:
        print(cat.render_json() if args.json else cat.render_table())
        return 0
    return server_cli.serve(config_from_args(args))


def _execute(args: argparse.Namespace, *, outputs: tuple[Any, ...] = (), **extra: Any) -> Any:
    from zscontract.api import execute_run
    from zscontract.reporting.terminal import Terminal

    settings = run_settings(args, **extra)
    replaying = extra.get("phases") == ("corpus",)  # the replay prints its own verdict per case
    result = execute_run(settings, Terminal(stream=io.StringIO()) if replaying else Terminal(quiet=args.quiet),
                         extra_subscribers=outputs)
    if result.restore is not None and not result.restore.restored:
        print(f"zscontract: RESTORE FAILED: model service {result.model_service_uuid} was NOT left as found "
              f"({result.restore.why}); the snapshot is saved at {result.restore.snapshot}: "
              f"write it back with `zscontract restore {result.restore.snapshot}`", file=sys.stderr)
    return result


def run(args: argparse.Namespace) -> int:
    gate = _baseline_gate(args)
    result = _execute(args, outputs=(gate,) if gate else ())
    return _gated(gate, result)


def _baseline_gate(args: argparse.Namespace) -> Any:
    """--baseline: read the file before the run (a malformed one is exit 2 now, not after the run)."""
    if not args.baseline:
        return None
    run_settings(args)  # every usage error (an unreadable --baseline among them) first, as one line
    from zscontract.baseline import shipped
    from zscontract.baseline.gate import BaselineGate

    return BaselineGate(shipped.resolve(args.baseline), update=bool(args.baseline_update))


def _gated(gate: Any, result: Any) -> int:
    """The exit code, which the reports already carry; the baseline's entries named on the terminal."""
    if gate is not None and gate.text():
        print(result.redactor.redact(gate.text()))
    return int(result.exit_code)


def fuzz(args: argparse.Namespace) -> int:
    """``zscontract fuzz``: the run's phases, bounded by time only; cases per second at the end."""
    if args.max_examples is not None:
        raise UsageError(f"--max-examples {args.max_examples}: 'zscontract fuzz' is bounded by --max-time "
                         "only; use 'zscontract run' for an example cap")
    args.max_examples = FUZZ_MAX_EXAMPLES
    gate = _baseline_gate(args)
    result = _execute(args, outputs=(gate,) if gate else ())
    seconds = max(result.duration, 1e-9)
    print(f"fuzz: {result.total_cases} cases in {seconds:.1f} s = {result.total_cases / seconds:.1f} cases/s "
          f"({result.requests} requests)")
    return _gated(gate, result)


def replay(args: argparse.Namespace) -> int:
    from zscontract.runner.results import Verdict

    result = _execute(args, phases=("corpus",), save_corpus=False)
    if not result.verdict.gated:
        print(f"replay: {result.verdict.label}", file=sys.stderr)
        return int(result.exit_code)
    if not result.corpus:
        print("replay: the corpus is empty (failing cases are saved there by 'zscontract run')")
        return Verdict.PASSED.exit_code
    for entry in result.corpus:
        why = f"  ({entry['why']})" if entry.get("why") else ""
        print(f"{entry['verdict']:<14} {entry['check']:<20} {entry['title']}{why}")
    still = sum(e["verdict"] == "STILL FAILING" for e in result.corpus)
    unjudged = sum(e["verdict"] == "NOT JUDGED" for e in result.corpus)
    print(f"{len(result.corpus) - still - unjudged} fixed, {still} still failing, {unjudged} not judged")
    return (Verdict.FAILED if still else Verdict.INCOMPLETE if unjudged else Verdict.PASSED).exit_code


def restore(args: argparse.Namespace) -> int:
    """``zscontract restore [RUN_DIR|SNAPSHOT] [--dry-run]``: write a saved snapshot back and verify it."""
    from zscontract.config import RunSettings
    from zscontract.runner.restore_cmd import restore_snapshot
    from zscontract.runner.snapshot import load_snapshot

    report_dir, _ = pick("report_dir", args.report_dir)
    where = Path(args.where) if args.where else Path(report_dir or "reports") / "latest"
    snap = load_snapshot(where)
    url, src = pick("target_url", args.target_url)
    if not url and not snap.target_url:
        raise UsageError(f"the snapshot {snap.path} does not name its target (an embedded server's run); "
                         "give --target-url")
    url = check_url(str(url), src) if url else str(snap.target_url)
    session, src = pick("session_uuid", args.session_uuid)
    password = password_of(args)
    if not session and not args.account:
        raise UsageError("restore needs a session: give --session-uuid (or ZS_SESSION_UUID), or --account with "
                         "the password in ZS_PASSWORD")
    profile, psrc = pick("profile", args.profile)
    settings = RunSettings(
        target_url=url, session_uuid=check_session(str(session), src) if session else None,
        profile=check_profile(str(profile), psrc) if profile else (snap.profile or "documented"),
        request_timeout=value_of("request_timeout", args.request_timeout),
        job_timeout=value_of("job_timeout", args.job_timeout), account=args.account, password=password,
        password_hashed=bool(args.password_hashed), **tls_options(args))
    return restore_snapshot(settings, snap, dry_run=args.dry_run)
