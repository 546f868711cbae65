"""Throughput benchmark: raw HTTP ceiling, stock schemathesis, the harness, the server.

Usage::

    python benchmarks/run.py [--reps 3] [--cases 400] [--seconds 2] [--out benchmarks/results.json]

One reference server (``documented`` profile, loopback) serves every measurement, so the
ratios compare like with like. Each measurement is repeated ``--reps`` times and the median
kept. The whole run takes about a minute on 2 cores (limit: 3 minutes).

1. ``raw_rps``: a keep-alive ``requests.Session`` loop of valid updates, requests per second.
2. ``schemathesis_cps``: the ``schemathesis run`` CLI on ``contracts/openapi/documented.json``,
   fuzzing phase only, PUT only, the path's uuid fixed to the resource, fixed seed; test cases
   (its "N generated") per second of its fuzzing phase (from its NDJSON report, so its start-up
   and spec loading are left out, as the harness's are).
3. ``harness_cps``: ``run_harness`` (the engine, no outputs) with ``phases=("properties",)``, fixed
   seed and example count; cases per second of the property phase, and requests per case.
4. ``server_updates_per_s``: two threads of keep-alive update loops (the server's sustained rate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from zscontract.config import RunSettings
from zscontract.contract.files import contracts_dir
from zscontract.core.dialects import API_PATH
from zscontract.runner.plan import RunContext
from zscontract.runner.run import run_harness
from zscontract.server.process import ReferenceServer

HERE = Path(__file__).resolve().parent
PROFILE = "documented"
SEED = 20240601


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _update_loop(url: str, session: str, seconds: float, tag: str) -> int:
    """Valid updates on one keep-alive session for ``seconds``; the number sent."""
    http = requests.Session()
    http.trust_env = False  # loopback: never through a proxy
    headers = {"Authorization": f"OAuth {session}", "Content-Type": "application/json;charset=UTF-8"}
    sent = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        body = json.dumps({"name": f"bench {tag} {sent}", "requestCpu": sent % 64 + 1}).encode()
        response = http.put(url, data=body, headers=headers, timeout=10)
        if response.status_code != 200:
            raise SystemExit(f"benchmark: a valid update was refused ({response.status_code}): {response.text[:200]}")
        sent += 1
    http.close()
    return sent


def raw_rps(url: str, session: str, seconds: float) -> float:
    """Requests per second of one keep-alive loop: the ceiling for anything that waits for answers."""
    started = time.monotonic()
    sent = _update_loop(url, session, seconds, "raw")
    return sent / (time.monotonic() - started)


def server_updates_per_s(url: str, session: str, seconds: float, threads: int = 2) -> float:
    """Updates per second the server sustains with ``threads`` keep-alive loops at once."""
    counts = [0] * threads

    def work(i: int) -> None:
        counts[i] = _update_loop(url, session, seconds, f"t{i}")

    started = time.monotonic()
    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / (time.monotonic() - started)


def schemathesis_cps(server: ReferenceServer, cases: int, workdir: Path) -> dict[str, float]:
    """Stock ``schemathesis run`` (subprocess), fuzzing only; test cases per second of fuzzing."""
    uuid = server.model_service_uuids[0]
    config = workdir / "schemathesis.toml"
    # The path parameter is fixed to the resource under test: schemathesis never touches another.
    config.write_text(f'[parameters]\n"path.uuid" = "{uuid}"\n', encoding="utf-8")
    ndjson = workdir / "st.ndjson"
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "run",
        str(contracts_dir() / "openapi" / f"{PROFILE}.json"), "--url", server.url,
        "--phases", "fuzzing", "--include-method", "PUT", "--seed", str(SEED), "-n", str(cases),
        "-H", f"Authorization: OAuth {server.session_uuid}", "--workers", "1",
        # No shrinking and no stop at the first failure: the harness's run does neither either, and
        # schemathesis's own checks flag things the contract allows (a whole float for an integer).
        "--no-shrink", "--continue-on-failure", "--generation-database", "none",
        "--suppress-health-check", "all", "--no-color", "--report", "ndjson", "--report-ndjson-path", str(ndjson),
    ]
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    wall = time.monotonic() - started
    found = re.search(r"(\d+) generated", proc.stdout)
    if found is None:
        raise SystemExit(f"benchmark: schemathesis printed no 'N generated' line (exit {proc.returncode}):\n"
                         f"{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}")
    generated = int(found.group(1))
    fuzzing = 0.0
    for line in ndjson.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if finished and finished.get("phase") == "fuzzing":
            fuzzing += float(finished["elapsed_time"])
    return {"cases": generated, "seconds": fuzzing, "cps": generated / fuzzing, "wall_cps": generated / wall}


_MARKS: dict[str, float] = {}


def _mark(name: str) -> Callable[[RunContext], None]:
    """A phase that records the clock and request count, so the property phase is timed alone."""

    def phase(ctx: RunContext) -> None:
        _MARKS[name] = time.monotonic()
        _MARKS[name + "_requests"] = ctx.result.requests
        _MARKS[name + "_cases"] = ctx.result.total_cases

    return phase


BENCH_PHASES = {"bench_start": _mark("start"), "bench_end": _mark("end")}


def harness_cps(server: ReferenceServer, cases: int, workdir: Path) -> dict[str, float]:
    """The harness's property phase: cases per second and requests per case."""
    settings = RunSettings(target_url=server.url, session_uuid=server.session_uuid,
                           model_service_uuids=(server.model_service_uuids[0],), profile=PROFILE,
                           report_dir=workdir / "reports", max_time=600, max_examples=cases, seed=SEED,
                           phases=("bench_start", "properties", "bench_end"), schemathesis=False,
                           save_corpus=False)
    result = run_harness(settings, phases=BENCH_PHASES)  # no outputs subscribed: the engine alone
    if not result.ok:
        raise SystemExit(f"benchmark: the harness found failures on the reference server: {result.failed_checks()}")
    n = _MARKS["end_cases"] - _MARKS["start_cases"]
    seconds = _MARKS["end"] - _MARKS["start"]
    return {"cases": n, "seconds": seconds, "cps": n / seconds,
            "requests_per_case": (_MARKS["end_requests"] - _MARKS["start_requests"]) / n}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each measurement (median kept)")
    parser.add_argument("--cases", type=int, default=400, help="examples per harness and schemathesis run")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each raw and server loop")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    if args.reps < 1 or args.cases < 1 or args.seconds <= 0:
        parser.error("--reps, --cases and --seconds must be positive")
    started = time.monotonic()
    samples: dict[str, list[dict[str, float]]] = {"raw": [], "schemathesis": [], "harness": [], "server": []}
    with tempfile.TemporaryDirectory(prefix="zsbench-") as tmp, ReferenceServer(profile=PROFILE) as server:
        url = server.url + API_PATH.format(uuid=server.model_service_uuids[0])
        raw_rps(url, server.session_uuid, 0.5)  # warm-up: imports, connections, SQLite pages
        # Interleaved repetitions, so a burst of load elsewhere on the machine hits every measurement.
        for rep in range(args.reps):
            samples["raw"].append({"rps": raw_rps(url, server.session_uuid, args.seconds)})
            samples["schemathesis"].append(schemathesis_cps(server, args.cases, Path(tmp)))
            samples["harness"].append(harness_cps(server, args.cases, Path(tmp)))
            samples["server"].append({"ups": server_updates_per_s(url, server.session_uuid, args.seconds)})
            print(f"rep {rep + 1}/{args.reps}: raw {samples['raw'][-1]['rps']:.0f} req/s, schemathesis "
                  f"{samples['schemathesis'][-1]['cps']:.0f} cases/s, harness {samples['harness'][-1]['cps']:.0f} "
                  f"cases/s, server {samples['server'][-1]['ups']:.0f} updates/s", file=sys.stderr)
    raw = _median([s["rps"] for s in samples["raw"]])
    st = _median([s["cps"] for s in samples["schemathesis"]])
    harness = _median([s["cps"] for s in samples["harness"]])
    results: dict[str, Any] = {
        "raw_rps": round(raw, 1),
        "schemathesis_cps": round(st, 1),
        "schemathesis_wall_cps": round(_median([s["wall_cps"] for s in samples["schemathesis"]]), 1),
        "harness_cps": round(harness, 1),
        "harness_requests_per_case": round(_median([s["requests_per_case"] for s in samples["harness"]]), 3),
        "harness_vs_schemathesis": round(harness / st, 3),
        "harness_vs_raw": round(harness / raw, 3),
        "server_updates_per_s": round(_median([s["ups"] for s in samples["server"]]), 1),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_average": os.getloadavg()},
        "settings": {"profile": PROFILE, "reps": args.reps, "cases": args.cases, "seconds": args.seconds,
                     "seed": SEED, "statistic": "median"},
        "samples": samples,
        "duration_s": round(time.monotonic() - started, 1),
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    rows = [
        ("raw ceiling (requests.Session loop)", f"{raw:.0f} req/s"),
        ("stock schemathesis (fuzzing)", f"{st:.0f} cases/s"),
        ("harness property phase", f"{harness:.0f} cases/s ({results['harness_requests_per_case']:.2f} req/case)"),
        ("server sustained (2 threads)", f"{results['server_updates_per_s']:.0f} updates/s"),
        ("harness / schemathesis", f"{results['harness_vs_schemathesis']:.2f}x   (goal >= 2)"),
        ("harness / raw", f"{results['harness_vs_raw']:.2f}x   (goal >= 0.25)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  median of {args.reps}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"written {args.out} in {results['duration_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
