"""The ``zscontract`` command: run, serve, contract build/diff.

Exit codes: 0 the target conforms; 1 it broke the contract; 2 usage error; 3 the target is
unreachable or a precondition failed; 4 the resource could not be restored.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from zscontract.config import OPTIONS, RunSettings, positive, resolve
from zscontract.errors import UsageError, ZsContractError


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError (one line, exit 2) instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _add_run_arguments(p: argparse.ArgumentParser) -> None:
    for opt in OPTIONS.values():
        env = f" [env {opt.env}]" if opt.env else ""
        p.add_argument(opt.flag, dest=opt.name, default=None, help=opt.help + env)
    p.add_argument("--max-time", default="60", help="time budget of the run in seconds (default 60)")
    p.add_argument("--max-examples", default="2000", help="generated cases at most (default 2000)")
    p.add_argument("--seed", default=None, help="seed for reproducible generation")
    p.add_argument("--request-timeout", default="10", help="seconds before a request counts as a hang")
    p.add_argument("--job-timeout", default="30", help="seconds an async job may run before it counts as a hang")
    p.add_argument("--checks", default=None, help="comma-separated check names (default: all)")
    p.add_argument("--include-example-fields", action="store_true",
                   help="also send the page's example-only fields (off: they may touch other objects)")
    p.add_argument("--read-only", action="store_true",
                   help="only requests that must change nothing (must-reject inputs and auth checks)")
    p.add_argument("--rate-limit", default=None, help="requests per second at most, e.g. 20 or 20/s")
    p.add_argument("--max-requests", default=None, help="stop generating after this many requests")
    p.add_argument("--no-schemathesis", action="store_true", help="skip the schemathesis breadth phase")
    p.add_argument("--stop-on", default=None,
                   help="comma-separated checks: stop the run at the first failure of any of them")
    p.add_argument("-x", "--fail-fast", action="store_true", help="stop the run at the first failure")
    p.add_argument("--async", dest="server_async", action="store_true",
                   help="embedded server only: answer with async jobs (zstack profile)")
    p.add_argument("--server-fault", action="append", default=[],
                   help="embedded server only: switch on a fault from its catalogue (repeatable)")
    p.add_argument("--server-variant", action="append", default=[],
                   help="embedded server only: a sound variant (repeatable)")
    p.add_argument("--account", default=None,
                   help="log in as this account instead of --session-uuid; the password comes from the "
                        "environment variable ZS_PASSWORD (never a flag)")
    p.add_argument("--password-hashed", action="store_true",
                   help="ZS_PASSWORD already holds ZStack's SHA-512 hex digest of the password")
    p.add_argument("--corpus", default=None, help="regression corpus directory (default: REPORT_DIR/corpus)")
    p.add_argument("--no-corpus", action="store_true", help="neither replay nor extend the corpus")
    p.add_argument("--baseline", default=None,
                   help="YAML file of accepted known failures: exit 1 only for failures not in it")
    p.add_argument("--baseline-update", action="store_true",
                   help="write the run's failures into --baseline (keeping reasons) and exit 0")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the verdict")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="zscontract", description="Contract tests for ZStack's UpdateModelService API.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    run = sub.add_parser("run", help="test a target (default: the embedded reference server)")
    _add_run_arguments(run)
    serve = sub.add_parser("serve", help="start the reference server")
    from zscontract.server.config import add_serve_arguments

    add_serve_arguments(serve)
    serve.set_defaults(handler=_serve)
    fuzz = sub.add_parser("fuzz", help="generate cases until --max-time is spent (no example cap); "
                          "replays the corpus first and prints cases per second")
    _add_run_arguments(fuzz)
    fuzz.set_defaults(max_examples=None)  # so an explicit --max-examples can be refused
    checks = sub.add_parser("checks", help="list the checks (their names are the keys of --checks and reports)")
    checks.set_defaults(handler=_list_checks)
    replay = sub.add_parser("replay", help="replay the regression corpus alone: FIXED / STILL FAILING per case")
    _add_run_arguments(replay)
    report = sub.add_parser("report", help="work with the reports of earlier runs")
    rsub = report.add_subparsers(dest="report_command", metavar="ACTION", parser_class=_Parser, required=True)
    rdiff = rsub.add_parser("diff", help="new, fixed and still-failing failures between two runs")
    rdiff.add_argument("run_a", help="a run id under the report dir, 'latest', a run dir or a summary.json")
    rdiff.add_argument("run_b")
    rdiff.add_argument("--report-dir", default=None, help="where the runs are (default: reports/ or ZS_REPORT_DIR)")
    rdiff.add_argument("--format", choices=("text", "markdown"), default="text")
    rdiff.set_defaults(handler=_report_diff)
    cat = sub.add_parser("catalogue", help="run the harness against every fault and sound variant of the "
                         "reference server and write the table (reports/catalogue.md)")
    cat.add_argument("--out", default="reports/catalogue.md", help="where the Markdown table goes")
    cat.add_argument("--max-time", default="25", help="budget of each run in seconds")
    cat.add_argument("--jobs", default="2", help="runs at the same time")
    cat.set_defaults(handler=_catalogue)
    from zscontract.contract import cli as contract_cli

    contract_cli.register(sub)
    return parser


def _list_checks(args: argparse.Namespace) -> int:
    from zscontract.checks import registry

    for name in registry.names():
        print(f"{name:<20} {registry.get(name).summary}")
    return 0


def _report_diff(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from zscontract.reporting.diff import diff_runs, load_run, render_diff_markdown, render_diff_text

    base = Path(args.report_dir or os.environ.get("ZS_REPORT_DIR") or "reports")
    diff = diff_runs(load_run(args.run_a, base), load_run(args.run_b, base))
    sys.stdout.write((render_diff_markdown if args.format == "markdown" else render_diff_text)(diff))
    return 1 if diff.new else 0


def _settings(args: argparse.Namespace, **extra: Any) -> RunSettings:
    import os
    from pathlib import Path

    from zscontract.checks import registry

    password = None
    if args.account:
        password = os.environ.get("ZS_PASSWORD")
        if not password:
            raise UsageError("--account needs the password in the environment variable ZS_PASSWORD "
                             "(it is never taken from a flag, so it stays out of shell history and ps)")
    elif args.password_hashed:
        raise UsageError("--password-hashed goes with --account")
    if args.baseline_update and not args.baseline:
        raise UsageError("--baseline-update needs --baseline FILE: the file to write")

    checks = tuple(c.strip() for c in (args.checks or "").split(",") if c.strip())
    registry.select(checks, "--checks")
    stop_on = tuple(c.strip() for c in (args.stop_on or "").split(",") if c.strip())
    if stop_on:
        registry.select(stop_on, "--stop-on")
    if args.fail_fast:
        stop_on = tuple(registry.names())
    rate = args.rate_limit
    if rate is not None:
        rate = positive(str(rate).removesuffix("/s"), "--rate-limit")
    if args.no_corpus:
        extra.setdefault("phases", tuple(p for p in RunSettings().phases if p != "corpus"))
    settings = resolve(
        {o: getattr(args, o) for o in OPTIONS},
        max_time=positive(args.max_time, "--max-time"),
        max_examples=positive(args.max_examples, "--max-examples", int),
        seed=None if args.seed is None else positive(args.seed, "--seed", int),
        request_timeout=positive(args.request_timeout, "--request-timeout"),
        job_timeout=positive(args.job_timeout, "--job-timeout"),
        checks=checks,
        include_example_fields=args.include_example_fields,
        read_only=args.read_only,
        rate_limit=rate,
        max_requests=None if args.max_requests is None else positive(args.max_requests, "--max-requests", int),
        server_async=args.server_async,
        server_faults=tuple(args.server_fault),
        server_variants=tuple(args.server_variant),
        schemathesis=not args.no_schemathesis,
        stop_on=stop_on,
        account=args.account,
        password=password,
        password_hashed=args.password_hashed,
        corpus_dir=Path(args.corpus) if args.corpus else None,
        **{"save_corpus": not args.no_corpus, **extra},
    )
    if settings.server_async and settings.profile != "zstack":
        raise UsageError(f"--async needs --profile zstack (the profile is {settings.profile}): only the zstack "
                         "dialect has async jobs")
    if settings.server_faults or settings.server_variants:
        from zscontract.server import faults as catalogue

        try:
            catalogue.resolve(settings.server_faults, kind="fault", profile=settings.profile,
                              async_=settings.server_async)
            catalogue.resolve(settings.server_variants, kind="variant", profile=settings.profile,
                              async_=settings.server_async)
        except ZsContractError as exc:
            flag = "--server-fault" if "--fault" in str(exc) else "--server-variant"
            raise UsageError(f"{flag}: {exc}") from None
    if settings.target_url and (settings.server_async or settings.server_faults or settings.server_variants):
        raise UsageError("--async, --server-fault and --server-variant configure the embedded reference server; "
                         "they do nothing with --target-url")
    return settings


def _catalogue(args: argparse.Namespace) -> int:
    from pathlib import Path

    from zscontract import catalogue

    return catalogue.write_catalogue(Path(args.out), max_time=positive(args.max_time, "--max-time"),
                                     jobs=positive(args.jobs, "--jobs", int))


def _serve(args: argparse.Namespace) -> int:
    from zscontract.server import cli as server_cli
    from zscontract.server import faults as catalogue
    from zscontract.server.config import config_from_args

    if args.list_faults:
        print(catalogue.render_json() if args.json else catalogue.render_table())
        return 0
    return server_cli.serve(config_from_args(args))


def _run(args: argparse.Namespace) -> int:
    from zscontract.reporting.terminal import Terminal
    from zscontract.runner.run import execute_run, exit_code

    settings = _settings(args)
    result = execute_run(settings, Terminal(quiet=args.quiet))
    if args.baseline:
        return _gate(args, result)
    return exit_code(result)


def _gate(args: argparse.Namespace, result: Any) -> int:
    """Apply --baseline: exit 1 only for failures not accepted in it (or --baseline-update it)."""
    import datetime as dt
    from pathlib import Path

    from zscontract.baseline import apply_baseline, load_baseline, write_baseline

    path = Path(args.baseline)
    failures = result.to_json()["failures"]
    if args.baseline_update:
        write_baseline(path, failures)
        print(f"baseline {path}: {len(failures)} accepted failures written")
        return 0
    verdict = apply_baseline(load_baseline(path), failures, dt.date.today())
    print(result.redactor.redact(verdict.render_text()))
    return int(verdict.exit_code)


# "No example cap" for fuzz: Hypothesis needs a number; this one is never reached within a time budget.
FUZZ_MAX_EXAMPLES = 10**9


def _fuzz(args: argparse.Namespace) -> int:
    """``zscontract fuzz``: the run's phases, bounded by time only; cases per second at the end."""
    from zscontract.reporting.terminal import Terminal
    from zscontract.runner.run import execute_run

    if args.max_examples is not None:
        raise UsageError(f"--max-examples {args.max_examples}: 'zscontract fuzz' is bounded by --max-time "
                         "only; use 'zscontract run' for an example cap")
    args.max_examples = FUZZ_MAX_EXAMPLES
    settings = _settings(args)
    result = execute_run(settings, Terminal(quiet=args.quiet))
    seconds = max(result.duration, 1e-9)
    print(f"fuzz: {result.total_cases} cases in {seconds:.1f} s = {result.total_cases / seconds:.1f} cases/s "
          f"({result.requests} requests)")
    if args.baseline:
        return _gate(args, result)
    from zscontract.runner.run import exit_code

    return exit_code(result)


def _replay(args: argparse.Namespace) -> int:
    from zscontract.reporting.terminal import Terminal
    from zscontract.runner.run import execute_run

    settings = _settings(args, phases=("corpus",), save_corpus=False)
    result = execute_run(settings, Terminal(quiet=True))
    if not result.corpus:
        print("replay: the corpus is empty (failing cases are saved there by 'zscontract run')")
        return 0
    for entry in result.corpus:
        print(f"{entry['verdict']:<14} {entry['check']:<20} {entry['title']}")
    still = sum(e["verdict"] != "FIXED" for e in result.corpus)
    print(f"{len(result.corpus) - still} fixed, {still} still failing")
    return 1 if still else 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        if args.command == "run":
            return _run(args)
        if args.command == "replay":
            return _replay(args)
        if args.command == "fuzz":
            return _fuzz(args)
        return int(args.handler(args))
    except ZsContractError as exc:
        print(f"zscontract: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("zscontract: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
