"""The pytest plugin (``pytest11`` entry point ``zscontract``).

pytest loads this module into every session on a machine where zscontract is installed, so it
imports only what option registration needs (:mod:`zscontract.config`, the dialect names):
never schemathesis, Hypothesis, the runner or the reference server. Those load inside the
``zs_*`` fixtures (:mod:`zscontract._pytest.session`), when a test asks for one;
``tests/harness/test_plugin.py`` proves it in a fresh interpreter and in a foreign project.

Options (each also an environment variable and an ini key, resolved in one place by
:func:`zscontract.config.resolve`): ``--zs-target-url``, ``--zs-session-uuid``,
``--zs-model-service-uuid``, ``--zs-profile``, ``--zs-report-dir``; and ``--zs-account`` (ini key
``zs_account``, the password from ``ZS_PASSWORD``). Without a target, the embedded reference
server is started for the session, once per dialect.

Fixtures: ``zs_settings``, ``zs_target``, ``zs_client``, ``zs_snapshot``, ``zs_contract``, ``zs_harness``.
Marker: ``zscontract_profiles(*names)`` runs a test only in these dialects.

The session does what a CLI run does before its first write (:mod:`zscontract._pytest.session`):
the preflight and the dialect check (a failure ends it with one line, exit 3), and it leaves out
of ``zs_contract`` the fields it could not write back; the terminal summary says which.

With pytest-xdist (``-n N``) and a target, ``--zs-model-service-uuid`` lists N or more
comma-separated UUIDs: worker ``gwI`` owns the I-th (see :mod:`zscontract._pytest.workers`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from zscontract._pytest.workers import own_resource, worker_count
from zscontract.config import OPTIONS, RunSettings, pick, resolve
from zscontract.core.dialects import DIALECTS, get_dialect
from zscontract.errors import ZsContractError


@dataclass(frozen=True)
class PluginState:
    """The session's resolved settings and the dialects its contract tests run in."""

    settings: RunSettings
    profiles: tuple[str, ...]


STATE_KEY = pytest.StashKey[PluginState]()
NOTES_KEY = pytest.StashKey[list[str]]()  # what the session could not test or restore exactly, for the summary
_WORKER_NOTES = "zscontract_notes"  # the same, sent from an xdist worker to the controller


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("zscontract", "zscontract: contract tests for UpdateModelService")
    for opt in OPTIONS.values():
        flag = "--zs-" + opt.flag.removeprefix("--")
        group.addoption(flag, dest=f"zs_{opt.name}", default=None, help=f"{opt.help} [env {opt.env}]")
        assert opt.ini is not None
        parser.addini(opt.ini, help=opt.help, default=None)
    # As the CLI's --account (not in config.OPTIONS: it has no environment variable there).
    account_help = ("log in as this account instead of --zs-session-uuid, again when the session expires; the "
                    "password comes from the environment variable ZS_PASSWORD (never a flag)")
    group.addoption("--zs-account", dest="zs_account", default=None, help=account_help)
    parser.addini("zs_account", help=account_help, default=None)


def _resolve(config: pytest.Config) -> PluginState:
    """Settings from flags, environment and ini; the dialects: the chosen one, or every one."""
    def ini(key: str) -> Any:
        return config.getini(key)

    flags = {name: config.getoption(f"zs_{name}", default=None) for name in OPTIONS}
    account = config.getoption("zs_account", default=None) or config.getini("zs_account") or None
    password = os.environ.get("ZS_PASSWORD") if account else None
    if account and not password:
        raise pytest.UsageError("zscontract: --zs-account needs the password in the environment variable "
                                "ZS_PASSWORD (it is never taken from a flag, so it stays out of shell history and ps)")
    try:
        settings = resolve(flags, os.environ, ini, flag_prefix="--zs-", account=account, password=password)
    except ZsContractError as exc:
        raise pytest.UsageError(f"zscontract: {exc}") from None
    chosen, _ = pick("profile", flags["profile"], os.environ, ini, flag_prefix="--zs-")
    # A target speaks one dialect; without one, the reference server is started in each.
    explicit = bool(settings.target_url or chosen)
    profiles = (settings.profile,) if explicit else tuple(sorted(DIALECTS))
    return PluginState(own_resource(config, settings), profiles)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "zscontract_profiles(*names): run a contract test only in these dialects")
    config.stash[STATE_KEY] = _resolve(config)
    config.stash[NOTES_KEY] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_NOTES] = session.config.stash.get(NOTES_KEY, [])


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: without xdist it is never called
def pytest_testnodedown(node: Any, error: Any) -> None:
    notes = getattr(node, "workeroutput", {}).get(_WORKER_NOTES, [])
    node.config.stash.setdefault(NOTES_KEY, []).extend(notes)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The notes of a CLI run's summary that pytest's own has no place for (fields left unwritten...)."""
    seen: list[str] = config.stash.get(NOTES_KEY, [])
    notes = list(dict.fromkeys(seen))
    if notes and not hasattr(config, "workerinput"):
        terminalreporter.section("zscontract")
        for line in notes:
            terminalreporter.write_line(f"zscontract: {line}")


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(STATE_KEY, None)
    if state is None or not state.settings.target_url:
        return None
    workers = worker_count(config)
    if workers:
        return f"zscontract: {workers} xdist workers, one model service each"
    return f"zscontract: model service {state.settings.model_service_uuid}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``zs_profile``: the chosen one with a target, every dialect without."""
    if "zs_profile" not in metafunc.fixturenames:
        return
    profiles = list(metafunc.config.stash[STATE_KEY].profiles)
    marker = metafunc.definition.get_closest_marker("zscontract_profiles")
    if marker is not None:
        source = f"@pytest.mark.zscontract_profiles on {metafunc.definition.nodeid}"
        try:
            wanted = {get_dialect(name, source=source).name for name in marker.args}
        except ZsContractError as exc:
            pytest.fail(f"zscontract: {exc}", pytrace=False)
        profiles = [p for p in profiles if p in wanted]
    metafunc.parametrize("zs_profile", profiles, scope="session")


@pytest.fixture(scope="session")
def zs_settings(request: pytest.FixtureRequest, zs_profile: str) -> RunSettings:
    """The session's :class:`~zscontract.config.RunSettings`, in the dialect of this parametrization."""
    return replace(request.config.stash[STATE_KEY].settings, profile=zs_profile)


def _noter(config: pytest.Config, profile: str) -> Any:
    def note(text: str) -> None:
        config.stash.setdefault(NOTES_KEY, []).append(f"({profile}) {text}")

    return note


@pytest.fixture(scope="session")
def zs_snapshot(zs_settings: RunSettings, zs_target: Any, zs_client: Any) -> dict[str, Any]:
    """The resource as found, read by the CLI's preflight and dialect check before any write (exit 3 if they fail)."""
    from zscontract._pytest.session import open_session

    return open_session(zs_settings, zs_target, zs_client)


@pytest.fixture(scope="session")
def zs_contract(request: pytest.FixtureRequest, zs_settings: RunSettings, zs_snapshot: dict[str, Any]) -> Any:
    """The contract of this dialect (:func:`zscontract.contract.load_contract`) without the fields null
    on the target: nothing can write them back (see :func:`zscontract._pytest.session.writable`)."""
    from zscontract._pytest.session import writable
    from zscontract.contract import load_contract

    contract, note = writable(zs_settings, load_contract(zs_settings.profile), zs_snapshot)
    if note:
        _noter(request.config, zs_settings.profile)(note)
    return contract


@pytest.fixture(scope="session")
def zs_target(zs_settings: RunSettings) -> Iterator[Any]:
    """The target: the given URL, or a reference server started for this dialect."""
    from zscontract.runner.target import open_target

    with open_target(zs_settings) as target:
        yield target


@pytest.fixture(scope="session")
def zs_client(zs_settings: RunSettings, zs_target: Any) -> Iterator[Any]:
    """A :class:`~zscontract.core.client.Client` speaking this dialect to the target, with its session
    (with ``--zs-account``: logged in, renewed when it expires, logged out at the end)."""
    from zscontract._pytest.session import logged_in, make_client

    yield from logged_in(zs_settings, make_client(zs_settings, zs_target))


@pytest.fixture(scope="session")
def zs_harness(request: pytest.FixtureRequest, zs_settings: RunSettings, zs_contract: Any, zs_target: Any,
               zs_client: Any, zs_snapshot: dict[str, Any]) -> Iterator[Any]:
    """A harness on the resource under test, generating from ``zs_contract``; restores ``zs_snapshot`` at the end."""
    from zscontract._pytest.session import harness_on

    yield from harness_on(zs_settings, zs_contract, zs_target, zs_client, zs_snapshot,
                          _noter(request.config, zs_settings.profile))
