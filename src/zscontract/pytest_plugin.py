"""The pytest plugin (``pytest11`` entry point ``zscontract``).

pytest loads this module into every session on a machine where zscontract is installed, so it
imports only what option registration needs (:mod:`zscontract.config`, the dialect names):
never schemathesis, Hypothesis, the runner or the reference server. Those load inside the
``zs_*`` fixtures (:mod:`zscontract._pytest.session`), when a test asks for one;
``tests/harness/test_plugin.py`` proves it in a fresh interpreter and in a foreign project.

Options: the table's (:data:`zscontract.options.OPTIONS`) marked ``plugin``, each ``--zs-`` and the
CLI's flag, also an environment variable and an ini key, resolved in one place by
:func:`zscontract.options.resolve`; the password of ``--zs-account`` from ``ZS_PASSWORD``. Without
a target, the embedded reference server is started for the session, once per dialect.

Fixtures: ``zs_settings``, ``zs_target``, ``zs_lifecycle``, ``zs_client``, ``zs_snapshot``, ``zs_contract``,
``zs_harness``. Marker: ``zscontract_profiles(*names)`` runs a test only in these dialects.

The session goes through the CLI run's lifecycle (:mod:`zscontract.runner.lifecycle`): the
preflight and the dialect check before the first write (a failure ends it with one line, exit 3),
the snapshot, the contract without the fields it could not write back (the terminal summary says
which), the restore at the end.

With pytest-xdist (``-n N``) and a target, ``--zs-model-service-uuid`` lists N or more
comma-separated UUIDs: worker ``gwI`` owns the I-th (see :mod:`zscontract._pytest.workers`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from zscontract._pytest.workers import own_resource, worker_count
from zscontract.config import RunSettings
from zscontract.core.dialects import DIALECTS, get_dialect
from zscontract.errors import ZsContractError
from zscontract.options import OPTIONS, pick, resolve


@dataclass(frozen=True)
class PluginState:
    """The session's resolved settings, the dialects its contract tests run in, and its time budget."""

    settings: RunSettings
    profiles: tuple[str, ...]
    max_time: float | None  # --zs-max-time: the session's budget on the target (None: none)


STATE_KEY = pytest.StashKey[PluginState]()
# When the session's budget started: at its first fixture on the target (not at pytest's start: the
# imports and the collection are not the target's time).
STARTED_KEY = pytest.StashKey[float]()
NOTES_KEY = pytest.StashKey[list[str]]()  # what the session could not test or restore exactly, for the summary
_WORKER_NOTES = "zscontract_notes"  # the same, sent from an xdist worker to the controller
PLUGIN_OPTIONS = tuple(o for o in OPTIONS.values() if o.plugin)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("zscontract", "zscontract: contract tests for UpdateModelService")
    for opt in PLUGIN_OPTIONS:
        flag = "--zs-" + opt.flag.removeprefix("--")
        text = opt.help + (f" [env {opt.env}]" if opt.env else "")
        if opt.kind == "switch":
            group.addoption(flag, dest=f"zs_{opt.name}", action="store_true", default=None, help=text)
        else:
            group.addoption(flag, dest=f"zs_{opt.name}", default=None, help=text)
        assert opt.ini is not None
        parser.addini(opt.ini, help=opt.help, default=None)


def _resolve(config: pytest.Config) -> PluginState:
    """Settings from flags, environment and ini; the dialects: the chosen one, or every one."""
    def ini(key: str) -> Any:
        return config.getini(key)

    flags = {opt.name: config.getoption(f"zs_{opt.name}", default=None) for opt in PLUGIN_OPTIONS}
    account = flags["account"] or config.getini("zs_account") or None
    password = os.environ.get("ZS_PASSWORD") if account else None
    if account and not password:
        raise pytest.UsageError("zscontract: --zs-account needs the password in the environment variable "
                                "ZS_PASSWORD (it is never taken from a flag, so it stays out of shell history and ps)")
    try:
        settings = resolve(flags, os.environ, ini, flag_prefix="--zs-", password=password)
        if settings.checks:
            from zscontract.checks import registry

            registry.select(settings.checks, pick("checks", flags["checks"], os.environ, ini, "--zs-")[1])
    except ZsContractError as exc:
        raise pytest.UsageError(f"zscontract: {exc}") from None
    chosen, _ = pick("profile", flags["profile"], os.environ, ini, flag_prefix="--zs-")
    # A target speaks one dialect; without one, the reference server is started in each.
    explicit = bool(settings.target_url or chosen)
    profiles = (settings.profile,) if explicit else tuple(sorted(DIALECTS))
    # Unlike a CLI run, a session has no time budget unless one is given.
    given = pick("max_time", flags["max_time"], os.environ, ini, "--zs-")[0] is not None
    return PluginState(own_resource(config, settings), profiles, settings.max_time if given else None)


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
def zs_target(zs_settings: RunSettings) -> Iterator[Any]:
    """The target: the given URL, or a reference server started for this dialect."""
    from zscontract.runner.target import open_target

    with open_target(zs_settings) as target:
        yield target


@pytest.fixture(scope="session")
def zs_lifecycle(request: pytest.FixtureRequest, zs_settings: RunSettings, zs_target: Any) -> Iterator[Any]:
    """The run lifecycle on the target (:class:`zscontract.runner.lifecycle.Lifecycle`), the CLI run's own:
    its client logged in with ``--zs-account`` (renewed when the session expires, logged out at the end),
    within ``--zs-max-time``."""
    from zscontract._pytest.session import lifecycle

    started = request.config.stash.setdefault(STARTED_KEY, time.monotonic())
    yield from lifecycle(zs_settings, zs_target, started, request.config.stash[STATE_KEY].max_time)


@pytest.fixture(scope="session")
def zs_client(zs_lifecycle: Any) -> Any:
    """A :class:`~zscontract.core.client.Client` speaking this dialect to the target, with its session."""
    return zs_lifecycle.client


@pytest.fixture(scope="session")
def zs_snapshot(zs_lifecycle: Any) -> dict[str, Any] | None:
    """The resource as found, read by the CLI's preflight and dialect check before any write (exit 3 if they
    fail); None with ``--zs-read-only`` on a target without a query API (the resource is never read)."""
    from zscontract._pytest.session import open_session

    return open_session(zs_lifecycle)


@pytest.fixture(scope="session")
def zs_contract(request: pytest.FixtureRequest, zs_lifecycle: Any, zs_snapshot: dict[str, Any] | None) -> Any:
    """The contract of this dialect (:func:`zscontract.contract.load_contract`) without the fields null
    on the target: nothing can write them back (see :meth:`zscontract.runner.lifecycle.Lifecycle.writable`)."""
    from zscontract._pytest.session import writable

    return writable(zs_lifecycle, zs_snapshot, _noter(request.config, zs_lifecycle.settings.profile))


@pytest.fixture(scope="session")
def zs_harness(request: pytest.FixtureRequest, zs_lifecycle: Any, zs_contract: Any,
               zs_snapshot: dict[str, Any] | None) -> Iterator[Any]:
    """A harness on the resource under test, generating from ``zs_contract``; restores ``zs_snapshot`` at the end."""
    from zscontract._pytest.session import harness_on

    yield from harness_on(zs_lifecycle, zs_contract, zs_snapshot, _noter(request.config, zs_lifecycle.settings.profile))


def _uses_target(item: pytest.Item) -> bool:
    return any(name.startswith("zs_") for name in getattr(item, "fixturenames", ()))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """With ``--zs-max-time`` spent, a test on the target is skipped, not run (the CLI's INCOMPLETE)."""
    state = item.config.stash.get(STATE_KEY, None)
    started = item.config.stash.get(STARTED_KEY, None)
    if (state is not None and state.max_time is not None and started is not None
            and time.monotonic() >= started + state.max_time and _uses_target(item)):
        _budget_skip(item.config, state)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test whose request the spent ``--zs-max-time`` refused is skipped, not failed."""
    try:
        return (yield)
    except Exception as exc:
        state = item.config.stash.get(STATE_KEY, None)
        if state is None or state.max_time is None or not _uses_target(item):
            raise
        from zscontract._pytest.session import budget_spent

        if not budget_spent(exc):
            raise
        _budget_skip(item.config, state)
        raise


def _budget_skip(config: pytest.Config, state: PluginState) -> None:
    assert state.max_time is not None
    config.stash.setdefault(NOTES_KEY, []).append(f"--zs-max-time {state.max_time:g} s spent: the tests after it "
                                                  "were skipped (a CLI run would say INCOMPLETE)")
    pytest.skip(f"zscontract: --zs-max-time {state.max_time:g} s spent")
