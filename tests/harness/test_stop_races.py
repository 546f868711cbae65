"""A stop never races the restore: writes of a concurrent burst still under way when a signal comes are
waited for before the restore writes and verifies, and writers not yet sending send nothing.

Against a target whose writes take a second to apply (each PUT is applied, then answered): the restore
of a run stopped mid-burst must find those writes, not look before they land and say "restored".
"""

from __future__ import annotations

import os
import signal
import threading
import time
import types
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.memory_target import MemoryHandler
from zscontract.config import RunSettings
from zscontract.runner import engine
from zscontract.runner.run import run_harness

UUID = "6c1a5f6167944aa1886294842075279f"
SESSION = "5e55105e55105e55105e55105e551050"
BURST = [{"name": "burst"}, {"description": "burst"}, {"yaml": "burst: 1"}, {"requestCpu": 7}]
WRITE_SECONDS = 1.0


class SlowWrites(ThreadingHTTPServer):
    """A documented-dialect target: each PUT is applied ``WRITE_SECONDS`` after it arrived, then answered."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.puts: list[dict[str, Any]] = []
        self.state: dict[str, Any] = {"uuid": UUID, "name": "as found", "description": "d", "yaml": "a: 1",
                                      "requestCpu": 2, "requestMemory": 4, "createDate": "Nov 1, 2026 1:00:00 PM",
                                      "lastOpDate": "Nov 1, 2026 1:00:00 PM"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(MemoryHandler):
    server: SlowWrites

    def do_PUT(self) -> None:
        body = self._body()
        with self.server.lock:
            self.server.puts.append(body)
        time.sleep(WRITE_SECONDS)
        with self.server.lock:
            self.server.state.update(body)
            self._json(200, {"inventory": dict(self.server.state)})


@pytest.fixture
def slow_writes() -> Iterator[SlowWrites]:
    server = SlowWrites()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _run(server: SlowWrites, tmp_path: Path, phase: Any) -> Any:
    assert threading.current_thread() is threading.main_thread()  # the run's signal handlers are installed
    settings = RunSettings(target_url=server.url, session_uuid=SESSION, model_service_uuids=(UUID,),
                           report_dir=tmp_path, max_time=30, request_timeout=5, job_timeout=2, save_corpus=False,
                           phases=("corpus",))
    return run_harness(settings, phases={"corpus": phase})


def _changed(server: SlowWrites, found: dict[str, Any]) -> dict[str, Any]:
    with server.lock:
        return {k: v for k, v in server.state.items() if k != "lastOpDate" and found.get(k) != v}


def test_writes_under_way_when_a_signal_stops_the_burst_are_waited_for(slow_writes: SlowWrites,
                                                                        tmp_path: Path) -> None:
    found = dict(slow_writes.state)

    def burst(ctx: Any) -> None:
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGHUP))  # every write is being sent
        timer.start()
        try:
            ctx.harness.concurrent_writes(BURST)
        finally:
            timer.cancel()

    result = _run(slow_writes, tmp_path, burst)
    assert result.interrupted == "SIGHUP" and result.exit_code == 130
    assert sum(put in BURST for put in slow_writes.puts) == len(BURST)
    time.sleep(WRITE_SECONDS + 0.5)  # long after any write of the burst could land
    assert _changed(slow_writes, found) == {}, "a write of the burst landed after the restore verified"
    assert result.restore.restored is True


def test_writers_not_yet_sending_when_a_signal_stops_the_burst_send_nothing(
        slow_writes: SlowWrites, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = dict(slow_writes.state)
    writers: list[threading.Thread] = []

    class SignalledWhileStarting(threading.Thread):
        """The stop lands while the burst starts its writers: the first waits at the barrier for the rest."""

        def start(self) -> None:
            super().start()
            writers.append(self)
            os.kill(os.getpid(), signal.SIGHUP)  # the run's handler raises here, in the main thread
            time.sleep(1)

    monkeypatch.setattr(engine, "threading", types.SimpleNamespace(**{**vars(threading),
                                                                      "Thread": SignalledWhileStarting}))
    result = _run(slow_writes, tmp_path, lambda ctx: ctx.harness.concurrent_writes(BURST))
    assert result.interrupted == "SIGHUP" and len(writers) == 1
    writers[0].join(10)
    assert not writers[0].is_alive()
    time.sleep(WRITE_SECONDS + 0.5)
    sent = [put for put in slow_writes.puts if put in BURST]
    assert sent == [], "a writer of the stopped burst sent its write anyway"
    assert _changed(slow_writes, found) == {}
    assert result.restore.restored is True


def test_a_write_cut_by_a_signal_is_counted_as_unanswered() -> None:
    # It may have reached the target, which may apply it after the restore looked: the restore waits
    # for it as for a write that timed out.
    from tests.fixtures.hostile import Hostile, Seen
    from zscontract.core.client import Client, ClientSettings
    from zscontract.core.dialects import DOCUMENTED
    from zscontract.runner.restore import Unanswered

    def hang(server: Hostile, conn: Any, seen: Seen) -> bool:
        server.stop.wait(10)
        return False

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    assert threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGUSR1, stop)
    try:
        with Hostile(hang) as server:
            unanswered = Unanswered(server.url)
            client = Client(ClientSettings(base_url=server.url, session_uuid=SESSION, dialect=DOCUMENTED,
                                           request_timeout=5), on_exchange=unanswered.exchange)
            timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGUSR1))
            timer.start()
            with pytest.raises(KeyboardInterrupt):
                client.update(UUID, {"name": "cut"})
            timer.cancel()
    finally:
        signal.signal(signal.SIGUSR1, old)
    assert unanswered.count == 1
