"""The ``zscontract`` command line: every subcommand and option (the handlers are in ``commands``)."""

from __future__ import annotations

import argparse

from zscontract.errors import UsageError
from zscontract.options import OPTIONS, Option
from zscontract.runner.budget import GRACE_CAP, REPORT_SECONDS

EXIT_CODES = ("exit codes: 0 PASSED, 1 FAILED (the target broke the contract), 2 usage error, 3 target unreachable "
              "/ precondition failed / target stopped answering, 4 resource not restored, 5 INCOMPLETE (a selected "
              "check judged nothing for a reason you did not choose), 6 HARNESS ERROR (a bug in zscontract), "
              "130 INTERRUPTED")


class Parser(argparse.ArgumentParser):
    """argparse that raises UsageError (one line, exit 2) instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def add_connection_arguments(p: argparse.ArgumentParser) -> None:
    """How to reach and authenticate to a target (run, fuzz, replay, restore)."""
    for opt in OPTIONS.values():
        if opt.connection:
            _add(p, opt)


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    add_connection_arguments(p)
    for opt in OPTIONS.values():
        if not opt.connection:
            _add(p, opt)


def _add(p: argparse.ArgumentParser, opt: Option) -> None:
    """One option of the table; every default None, so that its environment variable can apply."""
    text = opt.help + (f" (default {opt.default})" if opt.default else "") + (f" [env {opt.env}]" if opt.env else "")
    if opt.name == "max_time":
        text += (f"; the run, restore and reports included end within it plus a grace of min({GRACE_CAP:g}, "
                 f"request timeout + job timeout) + {REPORT_SECONDS:g} seconds")
    flags = [opt.short, opt.flag] if opt.short else [opt.flag]
    if opt.kind == "switch":
        p.add_argument(*flags, dest=opt.name, action="store_true", default=None, help=text)
    elif opt.kind == "list":
        p.add_argument(*flags, dest=opt.name, action="append", default=None, help=text)
    elif opt.kind == "pair":
        pair = p.add_mutually_exclusive_group()
        pair.add_argument(opt.flag, dest=opt.name, action="store_const", const=True, default=None, help=text)
        pair.add_argument(str(opt.off), dest=opt.name, action="store_const", const=False, help=opt.off_help)
    else:
        p.add_argument(*flags, dest=opt.name, default=None, help=text,
                       metavar="SNAPSHOT" if opt.name == "discard_snapshot" else None)


def build_parser() -> argparse.ArgumentParser:
    from zscontract.cli import commands

    parser = Parser(prog="zscontract", description="Contract tests for ZStack's UpdateModelService API.",
                    epilog=EXIT_CODES)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    run = sub.add_parser("run", help="test a target (default: the embedded reference server)", epilog=EXIT_CODES)
    add_run_arguments(run)
    run.set_defaults(handler=commands.run)
    serve = sub.add_parser("serve", help="start the reference server")
    from zscontract.server.config import add_serve_arguments

    add_serve_arguments(serve)
    serve.set_defaults(handler=commands.serve)
    fuzz = sub.add_parser("fuzz", help="generate cases until --max-time is spent (no example cap); "
                          "replays the corpus first and prints cases per second")
    add_run_arguments(fuzz)
    fuzz.set_defaults(max_examples=None, handler=commands.fuzz)  # so an explicit --max-examples can be refused
    checks = sub.add_parser("checks", help="list the checks (their names are the keys of --checks and reports)")
    checks.set_defaults(handler=commands.list_checks)
    replay = sub.add_parser("replay", help="replay the regression corpus alone: FIXED / STILL FAILING / NOT "
                            "JUDGED per case")
    add_run_arguments(replay)
    replay.set_defaults(handler=commands.replay)
    restore = sub.add_parser("restore", help="write an earlier run's snapshot back to the target and verify it")
    restore.add_argument("where", nargs="?", default=None,
                         help="a run directory or its snapshot.json (default: REPORT_DIR/latest)")
    restore.add_argument("--dry-run", action="store_true", help="show what differs and would be written; write nothing")
    add_connection_arguments(restore)
    restore.set_defaults(handler=commands.restore)
    _add_report_commands(sub)
    base = sub.add_parser("baseline", help="the baselines shipped with zscontract (known defects of released "
                          "ZStack nodes, for --baseline NAME)")
    bsub = base.add_subparsers(dest="baseline_command", metavar="ACTION", parser_class=Parser, required=True)
    bsub.add_parser("list", help="list the shipped baselines").set_defaults(handler=commands.baseline_list)
    bshow = bsub.add_parser("show", help="print a shipped baseline (copy it to drop entries once a node is fixed)")
    bshow.add_argument("name")
    bshow.set_defaults(handler=commands.baseline_show)
    cat = sub.add_parser("catalogue", help="run the harness against every fault and sound variant of the "
                         "reference server and write the table (reports/catalogue.md)")
    cat.add_argument("--out", default="reports/catalogue.md", help="where the Markdown table goes")
    cat.add_argument("--max-time", default="25", help="budget of each run in seconds")
    cat.add_argument("--jobs", default="2", help="runs at the same time")
    cat.set_defaults(handler=commands.catalogue)
    from zscontract.contract import cli as contract_cli

    contract_cli.register(sub)
    return parser


def _add_report_commands(sub: argparse._SubParsersAction[Parser]) -> None:
    """``zscontract report diff`` and ``zscontract report history``."""
    from zscontract.cli import commands

    report = sub.add_parser("report", help="work with the reports of earlier runs")
    rsub = report.add_subparsers(dest="report_command", metavar="ACTION", parser_class=Parser, required=True)
    rdiff = rsub.add_parser("diff", help="new, fixed and still-failing failures between two runs")
    rdiff.add_argument("run_a", help="a run id under the report dir, 'latest', a run dir or a summary.json")
    rdiff.add_argument("run_b")
    rdiff.add_argument("--report-dir", default=None, help="where the runs are (default: reports/ or ZS_REPORT_DIR)")
    rdiff.add_argument("--format", choices=("text", "markdown"), default="text")
    rdiff.set_defaults(handler=commands.report_diff)
    rhist = rsub.add_parser(
        "history", help="fuzz regressions over time: every run kept, each failure signature's first and last "
        "failing run, runs failed / judged, new / still failing / fixed / flaky; writes history.html, "
        "history.json and history.md (for a CI job summary)",
        description="Fuzz regressions over time. A signature is flaky when it failed in one run and passed (its "
        "check judged, the signature absent) in another at the same commit, or with the same seed at no other "
        "known commit; a run records its commit from ZSCONTRACT_COMMIT, GITHUB_SHA, CI_COMMIT_SHA or GIT_COMMIT.",
        epilog="Runs are found at any depth: a folder with summary.json is a run; in a folder without one, each "
        "zscontract JUnit XML file is a run (its time from the testsuite timestamp, else a date or run id in its "
        "path). A run folder copied twice (e.g. latest/ in an artifact) counts once. Unreadable files are "
        "skipped with a note. Exit 0 when written; 2 for a missing path or an output folder that cannot be "
        "written; 3 when no run is found.")
    rhist.add_argument("reports_dir", nargs="?", default=None, metavar="REPORTS_DIR",
                       help="the runs' folder (default: ZS_REPORT_DIR or reports/)")
    rhist.add_argument("more", nargs="*", metavar="PATH",
                       help="more runs: run folders, summary.json or JUnit XML files, or folders of downloaded "
                            "CI artifacts (searched at any depth)")
    rhist.add_argument("--out", default=None, metavar="DIR", help="where the files go (default: REPORTS_DIR/history)")
    rhist.set_defaults(handler=commands.report_history)
