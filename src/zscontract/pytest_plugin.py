"""The pytest plugin (``pytest11`` entry point ``zscontract``).

Options (each also an environment variable and an ini key, resolved in one place by
:func:`zscontract.config.resolve`): ``--zs-target-url``, ``--zs-session-uuid``,
``--zs-model-service-uuid``, ``--zs-profile``. Without a target, the embedded reference
server is started for the session, once per dialect.

Fixtures: ``zs_settings``, ``zs_contract``, ``zs_target``, ``zs_client``, ``zs_harness``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from zscontract.config import OPTIONS, RunSettings, resolve
from zscontract.errors import ZsContractError

SETTINGS_KEY = pytest.StashKey[RunSettings]()
PROFILES = ("documented", "zstack")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("zscontract", "zscontract: contract tests for UpdateModelService")
    for opt in OPTIONS.values():
        flag = "--zs-" + opt.flag.removeprefix("--")
        group.addoption(flag, dest=f"zs_{opt.name}", default=None, help=f"{opt.help} [env {opt.env}]")
        assert opt.ini is not None
        parser.addini(opt.ini, help=opt.help, default=None)


def _resolve(config: pytest.Config) -> RunSettings:
    def ini(key: str) -> Any:
        return config.getini(key)

    flags = {name: config.getoption(f"zs_{name}", default=None) for name in OPTIONS}
    try:
        return resolve(flags, os.environ, ini, flag_prefix="--zs-")
    except ZsContractError as exc:
        raise pytest.UsageError(f"zscontract: {exc}") from None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "zscontract_profiles(*names): run a contract test only in these dialects")
    config.stash[SETTINGS_KEY] = _resolve(config)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``zs_profile``: the chosen one with a target, both dialects without."""
    if "zs_profile" not in metafunc.fixturenames:
        return
    settings = metafunc.config.stash[SETTINGS_KEY]
    explicit = settings.target_url or metafunc.config.getoption("zs_profile") or os.environ.get("ZS_PROFILE")
    profiles = [settings.profile] if explicit else list(PROFILES)
    marker = metafunc.definition.get_closest_marker("zscontract_profiles")
    if marker is not None:
        profiles = [p for p in profiles if p in marker.args]
    metafunc.parametrize("zs_profile", profiles, scope="session")


@pytest.fixture(scope="session")
def zs_settings(request: pytest.FixtureRequest, zs_profile: str) -> RunSettings:
    return replace(request.config.stash[SETTINGS_KEY], profile=zs_profile)


@pytest.fixture(scope="session")
def zs_contract(zs_settings: RunSettings) -> Any:
    from zscontract.contract import load_contract

    return load_contract(zs_settings.profile)


@pytest.fixture(scope="session")
def zs_target(zs_settings: RunSettings) -> Iterator[Any]:
    """The target: the given URL, or a reference server started for this dialect."""
    from zscontract.runner.target import open_target

    with open_target(zs_settings) as target:
        yield target


@pytest.fixture(scope="session")
def zs_client(zs_settings: RunSettings, zs_target: Any) -> Any:
    from zscontract.core.client import Client, ClientSettings
    from zscontract.core.dialects import get_dialect

    return Client(ClientSettings(base_url=zs_target.url, session_uuid=zs_target.session_uuid or "",
                                 dialect=get_dialect(zs_settings.profile),
                                 request_timeout=zs_settings.request_timeout))


@pytest.fixture(scope="session")
def zs_harness(zs_settings: RunSettings, zs_contract: Any, zs_target: Any, zs_client: Any) -> Iterator[Any]:
    """A harness on the resource under test; snapshots it first and restores it at the end."""
    from zscontract.core.dialects import get_dialect
    from zscontract.core.redact import Redactor
    from zscontract.runner.engine import Harness
    from zscontract.runner.preflight import preflight
    from zscontract.runner.restore import restore
    from zscontract.runner.results import RunResult

    uuid = zs_target.model_service_uuids[0]
    try:
        facts = preflight(zs_client, uuid)
    except ZsContractError as exc:
        pytest.exit(f"zscontract: {exc}", returncode=3)
    result = RunResult(zs_settings.profile, zs_target.url, uuid, Redactor([zs_target.session_uuid or ""]))
    harness = Harness(zs_contract, get_dialect(zs_settings.profile), zs_client, uuid, result)
    harness.state = facts["inventory"]
    snapshot = facts["inventory"]
    yield harness
    report = restore(zs_client, zs_contract, uuid, snapshot)
    if not report["restored"]:
        pytest.fail(f"zscontract: model service {uuid} was not restored: {report['why']}", pytrace=False)
