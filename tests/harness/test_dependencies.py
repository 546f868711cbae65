"""The dependencies in pyproject.toml are what the modules of ``src`` import.

A package imported but undeclared works only while something else happens to install it; one declared
but never imported is installed on every user's machine for nothing (test tools go in the ``test`` extra).
An import guarded by ``except ImportError`` is optional: declared in an extra is enough.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "zscontract"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _names(specs: list[str]) -> set[str]:
    return {_canonical(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0]) for spec in specs}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


RUNTIME = _names(PROJECT["dependencies"])
EXTRAS = _names([spec for specs in PROJECT.get("optional-dependencies", {}).values() for spec in specs])


def _optional(tree: ast.AST) -> set[int]:
    """The ids of the import nodes inside a ``try`` that catches ImportError."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers):
            guarded |= {id(inner) for stmt in node.body for inner in ast.walk(stmt)}
    return guarded


def imported() -> dict[str, dict[str, bool]]:
    """The third-party distributions ``src`` imports: for each, the modules importing it and whether optionally."""
    owners = packages_distributions()
    found: dict[str, dict[str, bool]] = {}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        optional = _optional(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top in sys.stdlib_module_names or top in ("zscontract", "__future__"):
                    continue
                for dist in owners.get(top, [top]):
                    where = found.setdefault(_canonical(dist), {})
                    where[str(path.relative_to(SRC))] = where.get(str(path.relative_to(SRC)), True) and (
                        id(node) in optional)
    return found


def test_every_package_src_imports_is_declared() -> None:
    undeclared = {dist: sorted(where) for dist, where in imported().items()
                  if dist not in RUNTIME and not (all(where.values()) and dist in EXTRAS)}
    assert not undeclared, f"imported by src, not in [project] dependencies (nor, if optional, an extra): {undeclared}"


def test_every_runtime_dependency_is_imported_by_src() -> None:
    unused = RUNTIME - set(imported())
    assert not unused, f"in [project] dependencies but no module of src imports it (a test tool?): {unused}"
