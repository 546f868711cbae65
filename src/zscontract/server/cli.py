"""``python -m zscontract.server``: run the reference server until SIGTERM or Ctrl-C.

On start it prints a human block and one machine-readable line, ``ZSCONTRACT_READY {json}``, that
:class:`zscontract.server.process.ReferenceServer` (and any other launcher) waits for.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Generator, Sequence
from typing import Any, NoReturn

import uvicorn

from zscontract.errors import UsageError
from zscontract.server import faults as catalogue
from zscontract.server.app import ReferenceApp
from zscontract.server.config import ServerConfig, add_serve_arguments, config_from_args
from zscontract.server.hooks import FaultSet
from zscontract.server.service import ACCOUNT_NAME, ACCOUNT_PASSWORD, ModelServices
from zscontract.server.store import Store

READY_PREFIX = "ZSCONTRACT_READY "
PROG = "python -m zscontract.server"


class _OneLineParser(argparse.ArgumentParser):
    """A parser whose usage errors are one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class _Server(uvicorn.Server):
    """uvicorn's server, without re-raising SIGTERM after a graceful stop (so cleanup runs)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The standalone parser (``add_serve_arguments`` on a one-line-error parser)."""
    return add_serve_arguments(_OneLineParser(prog=prog, description="The zscontract reference server."))


def ready_info(config: ServerConfig, url: str, session_uuid: str, uuids: list[str],
               origin: str | None = None) -> dict[str, Any]:
    """The JSON of the ``ZSCONTRACT_READY`` line (``job_origin``: what job locations start with)."""
    return {"url": url, "session_uuid": session_uuid, "model_service_uuids": uuids, "profile": config.profile,
            "async": config.async_, "job_origin": origin if config.async_ else None,
            "date_style": config.date_style, "account": ACCOUNT_NAME, "password": ACCOUNT_PASSWORD,
            "faults": list(config.faults), "variants": list(config.variants)}


def job_origin(config: ServerConfig, url: str) -> str:
    """``--base-url``; else, with ``foreign-job-location``, a closed port on 127.0.0.1; else ``url``."""
    if config.base_url is not None:
        return config.base_url
    if "foreign-job-location" in config.variants:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return f"http://127.0.0.1:{port}"  # nothing listens there once the probe is closed
    return url


def serve(config: ServerConfig) -> int:
    """Seed the database, listen, print the ready block and serve until stopped."""
    tmpdir = None
    db = config.db
    if db is None:
        tmpdir = tempfile.mkdtemp(prefix="zscontract-server-")
        db = os.path.join(tmpdir, "reference.sqlite")
    try:
        service = ModelServices(Store(db), FaultSet(config.switched_on), session_ttl=config.session_ttl,
                                zstack=config.profile == "zstack", date_style=config.date_style)
        uuids = service.seed(config.resources, config.extra_resources)
        session = service.new_session()["uuid"]
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
        # listening socket says so (base_events._set_nodelay); without it every response waits
        # ~40 ms for a delayed ACK (Nagle), and the server runs at ~22 requests/s.
        sock = socket.socket(socket.AF_INET6 if ":" in config.host else socket.AF_INET, socket.SOCK_STREAM,
                             socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((config.host, config.port))
        except OSError as exc:
            raise UsageError(
                f"--host {config.host} --port {config.port}: cannot listen ({exc.strerror})") from None
        sock.listen(128)
        host, port = sock.getsockname()[:2]
        url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        origin = job_origin(config, url)
        app = ReferenceApp(service, config, origin).starlette()
        server = _Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                        timeout_graceful_shutdown=1))
        info = ready_info(config, url, session, uuids, origin)
        parent = os.getppid() if config.exit_with_parent else None
        asyncio.run(_serve(server, sock, info, db if config.db else None, parent))
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


async def _orphaned(server: uvicorn.Server, parent: int) -> None:
    """Stop the server (gracefully: its temporary database is removed) once its parent is gone."""
    while not server.should_exit:
        if os.getppid() != parent:  # re-parented to init (or a subreaper): the parent died
            server.should_exit = True
            return
        await asyncio.sleep(0.5)


async def _serve(server: uvicorn.Server, sock: socket.socket, info: dict[str, Any], db: str | None,
                 parent: int | None = None) -> None:
    task = asyncio.create_task(server.serve(sockets=[sock]))
    watch = asyncio.create_task(_orphaned(server, parent)) if parent is not None else None
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if server.started:
        lines = [
            f"zscontract reference server ({info['profile']}"
            f"{'' if info['profile'] != 'zstack' else ', async jobs' if info['async'] else ', sync'})",
            f"  url:             {info['url']}",
            f"  session uuid:    {info['session_uuid']}",
            f"  model services:  {', '.join(info['model_service_uuids'])}",
            f"  account:         {info['account']} / {info['password']}",
            f"  faults:          {', '.join(info['faults']) or '-'}",
            f"  variants:        {', '.join(info['variants']) or '-'}",
            f"  database:        {db or 'temporary (deleted at exit)'}",
            READY_PREFIX + json.dumps(info),
        ]
        print("\n".join(lines), flush=True)
    await task
    if watch is not None:
        watch.cancel()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for a usage error).

    >>> main(["--list-faults", "--json"]) == 0  # doctest: +ELLIPSIS
    [...
    True
    """
    parser = build_parser()
    try:
        ns = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed on one line
        return exc.code if isinstance(exc.code, int) else 2
    if ns.list_faults:
        print(catalogue.render_json() if ns.json else catalogue.render_table())
        return 0
    try:
        config = config_from_args(ns)
        logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
        return serve(config)
    except UsageError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
