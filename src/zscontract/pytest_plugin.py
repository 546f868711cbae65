"""The pytest plugin (``pytest11`` entry point ``zscontract``).

Options (each also an environment variable and an ini key, resolved in one place by
:func:`zscontract.config.resolve`): ``--zs-target-url``, ``--zs-session-uuid``,
``--zs-model-service-uuid``, ``--zs-profile``. Without a target, the embedded reference
server is started for the session, once per dialect.

Fixtures: ``zs_settings``, ``zs_contract``, ``zs_target``, ``zs_client``, ``zs_harness``.

With pytest-xdist (``-n N``) and a target, ``--zs-model-service-uuid`` lists N or more
comma-separated UUIDs: worker ``gwI`` owns the I-th, tests and restores only that one (two
workers writing the same resource would break each other's state checks). Fewer UUIDs than
workers is a usage error. Without a target, each worker starts its own reference server.
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


def _xdist_workers(config: pytest.Config) -> int:
    """How many xdist workers this session starts (0 without xdist or with ``-n 0``)."""
    if getattr(config, "workerinput", None) is not None:
        return int(config.workerinput["workercount"])  # type: ignore[attr-defined]
    if config.getoption("dist", "no") == "no":
        return 0
    return len(config.getoption("tx", None) or [])  # xdist turns -n N into N --tx entries


def _worker_index(config: pytest.Config) -> int | None:
    """The index of this xdist worker (gw3 -> 3), or None in the controller or without xdist."""
    workerinput = getattr(config, "workerinput", None)
    name = workerinput["workerid"] if workerinput is not None else None
    if not name:
        return None
    try:
        return int(str(name).removeprefix("gw"))
    except ValueError:
        raise pytest.UsageError(f"zscontract: xdist worker id {name!r} is not gw<number>; cannot pick its "
                                "model service") from None


def _own_resource(config: pytest.Config, settings: RunSettings) -> RunSettings:
    """Give each xdist worker one model service of its own; refuse when there are too few."""
    workers = _xdist_workers(config)
    uuids = settings.model_service_uuids
    if not settings.target_url or not uuids:
        return settings  # the embedded server: each worker starts its own, with its own resource
    if workers > len(uuids):
        raise pytest.UsageError(
            f"zscontract: {workers} xdist workers but {len(uuids)} model service(s) in --zs-model-service-uuid "
            f"(or ZS_MODEL_SERVICE_UUID / ini zs_model_service_uuid): {', '.join(uuids)}; each worker needs its "
            f"own: list at least {workers} comma-separated UUIDs or run with -n {len(uuids)}")
    index = _worker_index(config)
    return replace(settings, model_service_uuids=(uuids[index or 0],))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "zscontract_profiles(*names): run a contract test only in these dialects")
    config.stash[SETTINGS_KEY] = _own_resource(config, _resolve(config))


def pytest_report_header(config: pytest.Config) -> str | None:
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or not settings.target_url:
        return None
    workers = _xdist_workers(config)
    if workers:
        return f"zscontract: {workers} xdist workers, one model service each"
    return f"zscontract: model service {settings.model_service_uuid}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``zs_profile``: the chosen one with a target, both dialects without."""
    if "zs_profile" not in metafunc.fixturenames:
        return
    settings = metafunc.config.stash[SETTINGS_KEY]
    explicit = (settings.target_url or metafunc.config.getoption("zs_profile") or os.environ.get("ZS_PROFILE")
                or metafunc.config.getini("zs_profile"))
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
