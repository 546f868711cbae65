"""Run the reference server as a real subprocess (``sys.executable -m zscontract.server``).

>>> with ReferenceServer(profile="zstack") as server:  # doctest: +SKIP
...     requests.put(f"{server.url}/zstack/v1/ai/model-services/{server.model_service_uuids[0]}", ...)
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NoReturn

import zscontract
from zscontract.errors import ZsContractError

READY_PREFIX = "ZSCONTRACT_READY "  # the same literal as cli.READY_PREFIX (not imported: keep this light)


class ServerStartError(ZsContractError):
    """The reference server did not print its ready line in time (exit 3)."""

    exit_code = 3


class ReferenceServer:
    """A context manager that starts the server subprocess and stops it on exit.

    ``faults`` and ``variants`` are catalogue names (``python -m zscontract.server --list-faults``).
    ``async_``: ``None`` is the profile's default (zstack: API jobs; documented: synchronous), ``True``
    passes ``--async``, ``False`` passes ``--sync`` (zstack; documented is always synchronous).
    """

    def __init__(self, profile: str = "documented", async_: bool | None = None, faults: Iterable[str] = (),
                 variants: Iterable[str] = (), resources: int = 1, db: str | None = None,
                 extra_args: Iterable[str] = (), *, start_timeout: float = 15.0) -> None:
        # --exit-with-parent: a harness or test killed with SIGKILL leaves no server behind.
        args = ["--profile", profile, "--resources", str(resources), "--exit-with-parent"]
        if async_ is True:
            args.append("--async")
        elif async_ is False and profile == "zstack":
            args.append("--sync")
        for name in faults:
            args += ["--fault", name]
        for name in variants:
            args += ["--variant", name]
        if db is not None:
            args += ["--db", db]
        self.args = [*args, *extra_args]
        self.start_timeout = start_timeout
        self.info: dict[str, Any] = {}
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._pump: threading.Thread | None = None

    # -- what the ready line said -----------------------------------------------------------------
    @property
    def url(self) -> str:
        return str(self.info["url"])

    @property
    def session_uuid(self) -> str:
        return str(self.info["session_uuid"])

    @property
    def model_service_uuids(self) -> list[str]:
        return [str(u) for u in self.info["model_service_uuids"]]

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> ReferenceServer:
        """Start the subprocess and wait for ``ZSCONTRACT_READY``; raise :class:`ServerStartError`."""
        env = dict(os.environ)
        # Make the child import this very checkout, installed or not.
        src = str(Path(zscontract.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        # Closed in __exit__; a file, not a pipe, so a chatty child never blocks on it.
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        command = [sys.executable, "-m", "zscontract.server", *self.args]
        self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._stderr,
                                      stdin=subprocess.DEVNULL, text=True, encoding="utf-8", env=env)
        lines: queue.Queue[str | None] = queue.Queue()
        self._pump = threading.Thread(target=_pump, args=(self._proc.stdout, lines), daemon=True)
        self._pump.start()
        deadline = time.monotonic() + self.start_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._fail(command, f"did not print its ready line within {self.start_timeout:.0f} s")
            try:
                line = lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:  # end of stdout: the child is gone
                self._fail(command, f"exited with code {self._proc.wait()} before printing its ready line")
            elif line.startswith(READY_PREFIX):
                self.info = json.loads(line[len(READY_PREFIX):])
                return self

    def _fail(self, command: list[str], what: str) -> NoReturn:
        self.stop()
        raise ServerStartError(f"the reference server ({' '.join(command[1:])}) {what}; "
                               f"its stderr ends with:\n{self.stderr_tail()}")

    def stderr_tail(self, lines: int = 20) -> str:
        """The last lines the server wrote on stderr."""
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return "\n".join(self._stderr.read().splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 5 s."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc is not None and self._pump is not None:
            self._pump.join(timeout=5)  # EOF follows the exit; then the pipe can be closed
            if not self._pump.is_alive() and proc.stdout is not None:
                proc.stdout.close()

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _pump(stream: IO[str] | None, lines: queue.Queue[str | None]) -> None:
    """Copy the child's stdout into ``lines`` (and keep draining it after the ready line)."""
    if stream is None:
        return
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)
