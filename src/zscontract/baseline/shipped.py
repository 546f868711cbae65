"""Baselines packaged with zscontract: the known defects of released ZStack nodes.

``--baseline NAME`` where NAME is not a path (no ``/``, no ``.yaml``/``.yml``/``.json`` ending, no such
file) loads ``shipped/NAME.yaml`` from this package; ``zscontract baseline list`` shows them and
``zscontract baseline show NAME`` prints one (to copy it and drop entries once a node is fixed).
"""

from __future__ import annotations

from pathlib import Path

from zscontract.errors import UsageError

SHIPPED_DIR = Path(__file__).with_name("shipped")
_FILE_ENDINGS = (".yaml", ".yml", ".json")


def names() -> list[str]:
    """The shipped baselines' names, sorted.

    >>> "zstack-5.1.20" in names()
    True
    """
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.yaml"))


def is_name(value: str) -> bool:
    """True when ``value`` names a shipped baseline rather than a file: no such file, no path syntax.

    >>> is_name("zstack-5.1.20"), is_name("./baseline.yaml"), is_name("ci/known.yaml")
    (True, False, False)
    """
    return not (Path(value).exists() or "/" in value or "\\" in value or value.lower().endswith(_FILE_ENDINGS))


def path_of(name: str, source: str = "--baseline") -> Path:
    """The packaged file of a shipped baseline; a :class:`UsageError` naming the known ones otherwise."""
    path = SHIPPED_DIR / f"{name}.yaml"
    if name not in names():
        raise UsageError(f"{source}: {name!r} is neither a file nor a shipped baseline; shipped: "
                         f"{', '.join(names()) or 'none'} (see `zscontract baseline list`)")
    return path


def resolve(value: str, source: str = "--baseline") -> Path:
    """``--baseline`` VALUE as a path: a file as given, or a shipped baseline's packaged file."""
    return path_of(value, source) if is_name(value) else Path(value)


def describe() -> str:
    """``zscontract baseline list``: each shipped baseline, its entries and its first comment line."""
    from zscontract.baseline.files import load_baseline

    lines = []
    for name in names():
        path = SHIPPED_DIR / f"{name}.yaml"
        baseline = load_baseline(path)
        first = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        lines.append(f"{name}  ({len(baseline)} accepted failures)  {first}")
    return "\n".join(lines) if lines else "no shipped baselines"
