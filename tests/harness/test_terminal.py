"""Where a run stands, while it runs: a CI log silent for minutes looks hung.

Real ``zscontract run`` subprocesses: stdout piped (a CI log), on a pseudo-terminal (``pty``), behind
a target that leaves one request hanging, and with ``-q``. No assertion on exact times: the machine
is shared; the lines are counted and their elapsed times only compared with each other.
"""

from __future__ import annotations

import http.client
import io
import os
import pty
import re
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.fixtures.hostile import Hostile, Seen, respond
from tests.fixtures.servers import SoundServerFactory, zscontract
from zscontract.errors import UsageError
from zscontract.reporting.progress import progress_every
from zscontract.reporting.terminal import Terminal
from zscontract.runner.events import CaseJudged, PhaseStarted, RunStarted, StageStarted

# "[  12.3s / 12s] schemathesis: 812 cases, 1534 requests, 1 failure" (counts are absent in the preflight)
LINE = re.compile(r"^\[\s*(\d+\.\d)s(?: / (\d+)s)?\] ([a-z ]+?)(?:: (\d+) cases?, (\d+) requests?, (\d+) failures?)?$")
RUN = ("run", "--no-corpus", "--seed", "1", "--max-time", "12")


def _progress(text: str) -> list[re.Match[str]]:
    """The progress lines in an output, a terminal's redraws (``\\r`` and erase-line) included."""
    plain = text.replace("\033[K", "")
    return [m for m in (LINE.match(line.strip()) for line in re.split(r"[\r\n]", plain)) if m]


def _elapsed(lines: list[re.Match[str]]) -> list[float]:
    return [float(m.group(1)) for m in lines]


@pytest.mark.slow
def test_a_ci_log_gets_a_progress_line_every_few_seconds_through_every_phase(tmp_path: Path) -> None:
    proc = zscontract(*RUN, "--report-dir", str(tmp_path), env={"ZS_PROGRESS_EVERY": "1"}, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "\r" not in proc.stdout and "\033" not in proc.stdout  # a log gets plain lines, no redraws
    lines = _progress(proc.stdout)
    times = _elapsed(lines)
    assert len(lines) >= 4, proc.stdout
    assert times == sorted(times) and times[-1] > times[0], times
    assert {m.group(2) for m in lines} == {"12"}, "every line shows the --max-time budget"
    phases = [m.group(3) for m in lines]
    assert {"properties", "schemathesis", "restoring"} <= set(phases), phases
    # The clock prints them, not only a phase starting: several lines within the properties phase.
    assert phases.count("properties") >= 2, proc.stdout
    assert int(lines[-1].group(5)) > int(lines[0].group(5)), "the request count moves"
    verdict = proc.stdout.splitlines().index(next(x for x in proc.stdout.splitlines() if x.startswith("PASSED")))
    assert not _progress("\n".join(proc.stdout.splitlines()[verdict:])), "no progress after the verdict"


def _on_a_pty(args: list[str], timeout: float) -> tuple[int, str]:
    """Run ``args`` with its stdout and stderr on a pseudo-terminal; return its exit code and output."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZS_")}
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    out = bytearray()
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the child closed its side (EIO on Linux)
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    return proc.wait(), out.decode("utf-8", "replace")


@pytest.mark.slow
def test_on_a_terminal_the_live_line_moves_through_the_schemathesis_phase(tmp_path: Path) -> None:
    code, out = _on_a_pty([sys.executable, "-m", "zscontract", *RUN, "--report-dir", str(tmp_path)], timeout=60)
    assert code == 0, out
    lines = _progress(out)
    schemathesis = [m for m in lines if m.group(3) == "schemathesis"]
    assert len({m.group(0) for m in schemathesis}) >= 2, "the live line was redrawn during the schemathesis phase"
    assert _elapsed(schemathesis) == sorted(_elapsed(schemathesis))
    assert "restoring" in {m.group(3) for m in lines}
    assert {m.group(2) for m in lines} == {"12"}
    # Redrawn in place: each progress line follows a carriage return, none starts a line of its own.
    assert "\r\033[K[" in out and not re.search(r"\n\[\s*\d+\.\ds", out), out[-2000:]


def _stall_one(upstream: str, number: int, stuck: threading.Event) -> tuple[Hostile, list[int]]:
    """A front for ``upstream`` that leaves its ``number``-th request unanswered; the others pass through."""
    up = urlsplit(upstream)
    count = [0]
    lock = threading.Lock()

    def handler(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        with lock:
            count[0] += 1
            mine = count[0]
        if mine == number:
            stuck.set()
            server.stop.wait(20)  # far past the request timeout: the client gives up first
            return False
        relay = http.client.HTTPConnection(up.hostname or "", up.port or 80, timeout=30)
        headers = {k: v for k, v in seen.headers.items() if k not in ("host", "connection", "content-length")}
        relay.request(seen.method, seen.path, body=seen.body or None, headers=headers)
        answer = relay.getresponse()
        body = answer.read()
        relay.close()
        kept = {k.title(): v for k, v in answer.getheaders()
                if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server")}
        return respond(conn, answer.status, body, kept)

    return Hostile(handler), count


@pytest.mark.slow
def test_progress_lines_keep_coming_while_a_request_hangs(sound_server: SoundServerFactory, tmp_path: Path) -> None:
    server = sound_server(profile="documented")
    stuck = threading.Event()
    front, count = _stall_one(server.url, 30, stuck)
    with front:
        proc = zscontract("run", "--target-url", front.url, "--session-uuid", server.session_uuid,
                          "--model-service-uuid", server.model_service_uuids[0], "--max-time", "10",
                          "--request-timeout", "5", "--no-corpus", "--seed", "1", "--report-dir", str(tmp_path),
                          env={"ZS_PROGRESS_EVERY": "1"}, timeout=60)
    assert stuck.is_set(), f"the front never stalled ({count[0]} requests): the test tested nothing"
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "no_hang" in proc.stdout, proc.stdout  # the stalled request was judged a hang
    lines = [m for m in _progress(proc.stdout) if m.group(5) is not None]
    # While the request hung, the clock went on with the request count standing still.
    runs: dict[str, list[float]] = {}
    for m in lines:
        runs.setdefault(m.group(5), []).append(float(m.group(1)))
    longest = max(runs.values(), key=len)
    assert len(longest) >= 3 and longest[-1] > longest[0], proc.stdout


@pytest.mark.slow
def test_a_target_that_never_answers_shows_the_preflight_waiting(tmp_path: Path) -> None:
    def never(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        server.stop.wait(30)
        return False

    with Hostile(never) as silent:
        proc = zscontract("run", "--target-url", silent.url, "--session-uuid", "a" * 32, "--model-service-uuid",
                          "b" * 32, "--request-timeout", "4", "--max-time", "10", "--report-dir", str(tmp_path),
                          env={"ZS_PROGRESS_EVERY": "0.5"}, timeout=60)
    assert proc.returncode == 3 and "did not answer completely within --request-timeout" in proc.stderr, \
        proc.stdout + proc.stderr
    lines = _progress(proc.stdout)
    assert len(lines) >= 2 and {m.group(3) for m in lines} == {"preflight"}, proc.stdout
    assert _elapsed(lines)[-1] > _elapsed(lines)[0]
    assert lines[0].group(4) is None, "no counts before the run has a result"


@pytest.mark.slow
def test_quiet_prints_only_the_verdict(tmp_path: Path) -> None:
    proc = zscontract("run", "-q", "--no-corpus", "--seed", "1", "--max-time", "6", "--report-dir", str(tmp_path),
                      env={"ZS_PROGRESS_EVERY": "0.5"}, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("PASSED") and proc.stdout.count("\n") == 1, proc.stdout


def test_a_bad_progress_interval_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = zscontract(*RUN, "--report-dir", str(tmp_path), env={"ZS_PROGRESS_EVERY": "soon"}, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "ZS_PROGRESS_EVERY" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not list(tmp_path.iterdir()), "nothing ran"


def test_the_interval_comes_from_the_environment() -> None:
    assert progress_every({}) == 5.0
    assert progress_every({"ZS_PROGRESS_EVERY": " 2 "}) == 2.0
    assert progress_every({"ZS_PROGRESS_EVERY": "0"}) == 0.0


@pytest.mark.parametrize("bad", ["-1", "nan", "inf", "5s"])
def test_a_bad_interval_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError, match=f"ZS_PROGRESS_EVERY='{bad}'"):
        progress_every({"ZS_PROGRESS_EVERY": bad})


class _Result:
    """The counters a progress line reads (a run's RunResult has them too)."""

    total_cases = 3
    requests = 5
    failures: dict[str, object] = {}


def test_the_clock_stops_at_close_and_zero_means_silence() -> None:
    stream = io.StringIO()
    term = Terminal(stream=stream, every=0.05)
    term(RunStarted("embedded reference server", "documented", "u", 30.0))
    term(PhaseStarted("properties", _Result()))  # type: ignore[arg-type]
    deadline = time.monotonic() + 10
    while len(_progress(stream.getvalue())) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # nothing happens in the run: only the clock can print
    term.close()
    printed = stream.getvalue()
    assert len(_progress(printed)) >= 3, printed
    assert "properties: 3 cases, 5 requests, 0 failures" in printed
    time.sleep(0.3)
    assert stream.getvalue() == printed, "a line after close"

    silent = io.StringIO()
    term = Terminal(stream=silent, every=0)
    term(RunStarted("embedded reference server", "documented", "u", 30.0))
    term(PhaseStarted("properties", _Result()))  # type: ignore[arg-type]
    term(CaseJudged(_Result()))  # type: ignore[arg-type]
    term(StageStarted("restoring"))
    time.sleep(0.2)
    term.close()
    assert not _progress(silent.getvalue()), silent.getvalue()
