"""Loaded by pytest when it collects the packaged suite (``pytest --pyargs zscontract.suite``).

The checkout's ``tests/contract`` does not load it: the root conftest's profiles apply there.
"""

from __future__ import annotations

import os

import pytest

from zscontract.suite import budget

budget.register()

REFUSED = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Load the budget's profile, unless ``--hypothesis-profile`` already chose one.

    pytest calls this when it finds this file, before it imports the test modules: ``@given`` takes
    its settings from the profile loaded when it decorates a test, so later would be too late.
    """
    if config.getoption("hypothesis_profile", None):
        return
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    name = budget.chosen(dict(os.environ))
    try:
        settings.get_profile(name)  # load_profile would make an unknown name current before refusing it
    except InvalidArgument:
        config.stash[REFUSED] = (f"zscontract: HYPOTHESIS_PROFILE={name!r} is not a profile; use one of: "
                                 f"{', '.join(sorted(budget.PROFILES))}")
        return
    settings.load_profile(name)


def pytest_collection_modifyitems(config: pytest.Config) -> None:
    """Refuse an unknown profile here: raised while this file is being found, the UsageError would be
    reported as a collection error with its traceback; from this hook it is one line and exit 4."""
    if REFUSED in config.stash:
        raise pytest.UsageError(config.stash[REFUSED])


def pytest_report_collectionfinish(config: pytest.Config) -> str:
    """pytest's header names the profile loaded before this file was; say which budget the suite runs with."""
    from hypothesis import settings

    current = settings.default
    examples = current.max_examples if current is not None else "?"
    return f"zscontract.suite: hypothesis profile {settings.get_current_profile_name()!r} ({examples} examples)"
