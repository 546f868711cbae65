"""From parsed options to validated :class:`RunSettings`: every mistake is one line and exit 2."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from zscontract.config import OPTIONS, RunSettings, positive, readable_file, resolve, size, writable_dir
from zscontract.errors import UsageError, ZsContractError


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
    ca = str(readable_file(Path(args.ca_bundle), "--ca-bundle")) if args.ca_bundle else None
    return {"ca_bundle": ca, "insecure": bool(args.insecure)}


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in (value or "").split(",") if c.strip())


def _paths(args: argparse.Namespace) -> dict[str, Any]:
    """The files and directories a run reads or writes, checked before anything starts."""
    out: dict[str, Any] = {}
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
    if args.corpus:
        corpus = Path(args.corpus)
        if corpus.exists() and not corpus.is_dir():
            raise UsageError(f"--corpus: {args.corpus!r} is not a directory; give the directory of saved cases")
        if corpus.exists() and not os.access(corpus, os.R_OK | os.X_OK):
            raise UsageError(f"--corpus: cannot read the directory {args.corpus!r}")
        out["corpus_dir"] = corpus
    if args.discard_snapshot:
        out["discard_snapshot"] = readable_file(Path(args.discard_snapshot), "--discard-snapshot")
    return out


def run_settings(args: argparse.Namespace, **extra: Any) -> RunSettings:
    from zscontract.checks import registry

    password = password_of(args)
    checks = _names(args.checks)
    registry.select(checks, "--checks")
    stop_on = _names(args.stop_on)
    if stop_on:
        registry.select(stop_on, "--stop-on")
    if args.fail_fast:
        stop_on = tuple(registry.names())
    rate = args.rate_limit
    if rate is not None:
        rate = positive(str(rate).removesuffix("/s"), "--rate-limit")
    if args.no_corpus:
        extra.setdefault("phases", tuple(p for p in RunSettings().phases if p != "corpus"))
    flags = {o: getattr(args, o) for o in OPTIONS}
    if flags.get("profile") is None and not os.environ.get(OPTIONS["profile"].env or ""):
        from zscontract.server.config import implied_profile

        flags["profile"] = implied_profile(args.server_variant)  # zstack-5.1.20 speaks zstack
    settings = resolve(
        flags,
        max_time=positive(args.max_time, "--max-time"),
        max_examples=positive(args.max_examples, "--max-examples", int),
        seed=None if args.seed is None else positive(args.seed, "--seed", int),
        request_timeout=positive(args.request_timeout, "--request-timeout"),
        max_body=size(args.max_body, "--max-body"),
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
        **tls_options(args),
        **_paths(args),
        **{"save_corpus": not args.no_corpus, **extra},
    )
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
