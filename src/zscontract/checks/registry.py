"""The check registry: each check is a plain function registered under its name.

The name is the check's key in configuration, reports, baselines and the fault catalogue
(after schemathesis ``checks.py`` and jsonschema ``_format.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from zscontract.errors import UsageError

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class CheckInfo:
    name: str
    func: Callable[..., object]
    summary: str


_REGISTRY: dict[str, CheckInfo] = {}


def check(name: str) -> Callable[[F], F]:
    """Register a check under ``name``; a second registration of the same name is an error.

    >>> @check("doc_example_check")
    ... def doc_example_check(ctx, exchange): ...
    >>> "doc_example_check" in names()
    True
    >>> unregister("doc_example_check")
    """

    def decorate(func: F) -> F:
        if name in _REGISTRY:
            raise UsageError(f"check {name!r} is registered twice ({func.__module__}.{func.__qualname__})")
        doc = (func.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = CheckInfo(name=name, func=func, summary=doc[0] if doc else "")
        return func

    return decorate


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def get(name: str) -> CheckInfo:
    load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UsageError(f"unknown check {name!r}; known checks: {', '.join(names())}") from None


def names() -> list[str]:
    load_builtin()
    return sorted(_REGISTRY)


def select(wanted: Iterable[str] | None, source: str = "--checks") -> list[str]:
    """Validate a user's selection of check names (all when ``wanted`` is None or empty)."""
    known = names()
    chosen = list(wanted or [])
    if not chosen:
        return known
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise UsageError(f"{source}: unknown check(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return chosen


def load_builtin() -> None:
    """Import the modules that register the built-in checks (idempotent)."""
    from zscontract.checks import builtin  # noqa: F401
