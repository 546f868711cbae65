"""From parsed options to validated :class:`RunSettings`: every mistake is one line and exit 2."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from zscontract.config import RunSettings, readable_file, writable_dir
from zscontract.errors import UsageError, ZsContractError
from zscontract.options import OPTIONS, pick, resolve, value_of


def password_of(args: argparse.Namespace) -> str | None:
    if args.account:
        password = os.environ.get("ZS_PASSWORD")
        if not password:
            raise UsageError("--account needs the password in the environment variable ZS_PASSWORD "
                             "(it is never taken from a flag, so it stays out of shell history and ps)")
        return password
    if args.password_hashed:
        raise UsageError("--password-hashed goes with --account")
    return None


def tls_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.ca_bundle and args.insecure:
        raise UsageError("--ca-bundle and --insecure contradict each other: verify with a CA bundle, or not at all")
    return {"ca_bundle": value_of("ca_bundle", args.ca_bundle), "insecure": bool(value_of("insecure", args.insecure))}


def _baseline(args: argparse.Namespace) -> None:
    """The baseline file, checked before anything starts (the gate reads it: zscontract.baseline)."""
    if args.baseline_update and not args.baseline:
        raise UsageError("--baseline-update needs --baseline FILE: the file to write")
    if args.baseline:
        from zscontract.baseline import shipped

        if args.baseline_update and shipped.is_name(args.baseline):
            raise UsageError(f"--baseline-update: {args.baseline!r} names a shipped baseline, which is not "
                             "written; give a file path (copy it with `zscontract baseline show NAME > FILE`)")
        path = shipped.resolve(args.baseline)
        if args.baseline_update and not path.exists():
            writable_dir(path.parent if str(path.parent) else Path("."), "--baseline (its directory)")
        else:
            readable_file(path, "--baseline")


def run_settings(args: argparse.Namespace, **extra: Any) -> RunSettings:
    """The settings of ``run``, ``fuzz`` and ``replay``: every option of the table, and the CLI's own."""
    from zscontract.checks import registry

    password = password_of(args)
    tls_options(args)
    _baseline(args)
    if args.fail_fast:
        extra.setdefault("stop_on", tuple(registry.names()))
    if args.no_corpus:
        extra.setdefault("phases", tuple(p for p in RunSettings().phases if p != "corpus"))
    extra.setdefault("save_corpus", not args.no_corpus)
    flags = {name: getattr(args, name) for name in OPTIONS if hasattr(args, name)}
    if flags.get("profile") is None and not os.environ.get(OPTIONS["profile"].env or ""):
        from zscontract.server.config import implied_profile

        flags["profile"] = implied_profile(args.server_variant or ())  # zstack-5.1.20 speaks zstack
    settings = resolve(flags, password=password, **extra)
    registry.select(settings.checks, pick("checks", args.checks)[1])
    registry.select(settings.stop_on, pick("stop_on", args.stop_on)[1])
    writable_dir(settings.report_dir, "--report-dir")
    _check_embedded(settings)
    return settings


def _check_embedded(settings: RunSettings) -> None:
    if settings.server_async and settings.profile != "zstack":
        raise UsageError(f"--async needs --profile zstack (the profile is {settings.profile}): only the zstack "
                         "dialect has async jobs")
    if settings.server_faults or settings.server_variants:
        from zscontract.server import faults as catalogue

        async_ = settings.server_async  # None: the profile's default (zstack async)
        try:
            catalogue.resolve(settings.server_faults, kind="fault", profile=settings.profile, async_=async_)
            catalogue.resolve(settings.server_variants, kind="variant", profile=settings.profile, async_=async_)
        except ZsContractError as exc:
            flag = "--server-fault" if "--fault" in str(exc) else "--server-variant"
            raise UsageError(f"{flag}: {exc}") from None
    if settings.target_url and (settings.server_async is not None or settings.server_faults
                                or settings.server_variants):
        raise UsageError("--async/--sync, --server-fault and --server-variant configure the embedded reference "
                         "server; they do nothing with --target-url")
