"""The layers of the README's "Architecture" section, enforced on every import of ``src/zscontract``.

An ``ast`` walk reads every ``import``/``from … import`` (module-level, function-local and under
``if TYPE_CHECKING:``: a type from a higher layer is a dependency all the same) plus
``importlib.import_module("…")`` with a literal name, and checks it against the graph below.
``from package import name`` counts as an import of the module the package takes ``name`` from,
so the lazy public surface (``zscontract/__init__.py``) hides no dependency. A second test finds
modules that import each other at import time.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# ---------------------------------------------------------------------------------------------
# The allowed graph. A layer holds modules by prefix (the longest prefix wins; "zscontract" alone
# is the package's own __init__, which imports nothing when it runs). A module may import its own
# layer and the layers listed for it; nothing else.
LAYERS: dict[str, tuple[str, ...]] = {
    "package": ("zscontract",),           # the lazy public surface (PEP 562): no runtime imports
    "errors": ("zscontract.errors",),
    "core": ("zscontract.core",),
    "contract": ("zscontract.contract",),
    "checks": ("zscontract.checks",),
    "strategies": ("zscontract.strategies",),
    "config": ("zscontract.config", "zscontract.options"),
    "runner": ("zscontract.runner",),
    "adapters": ("zscontract.cli", "zscontract.__main__", "zscontract.pytest_plugin", "zscontract._pytest",
                 "zscontract.reporting", "zscontract.baseline", "zscontract.corpus", "zscontract.catalogue",
                 "zscontract.api", "zscontract.replay", "zscontract.suite", "zscontract.release_defects"),
    "server": ("zscontract.server",),
}
BASE = {"package", "errors"}  # anyone may import these two
MAY_IMPORT: dict[str, set[str]] = {
    "package": set(),
    "errors": set(),
    "core": BASE,
    "contract": BASE | {"core"},
    "checks": BASE | {"core", "contract"},
    "strategies": BASE | {"core", "contract"},
    "config": BASE | {"core"},
    # The runner starts the reference server when no target is given; it never writes a report.
    "runner": BASE | {"core", "contract", "checks", "strategies", "config", "server"},
    "adapters": BASE | {"core", "contract", "checks", "strategies", "config", "runner", "server"},
    # The server stands beside the layers: a sound target and its faults, sharing no code with the
    # harness that judges it (so a bug in a shared helper cannot hide itself).
    "server": BASE,
}

# Accepted violations, each with its reason (none today). The test fails on a new violation AND on a
# listed one that no longer exists, so this list can only shrink.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()
# Modules that import each other at import time (same rule: can only shrink). A cycle makes the
# import order matter and hides which one is on top.
KNOWN_CYCLES: set[tuple[str, ...]] = set()
# ---------------------------------------------------------------------------------------------


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    best: tuple[int, str] | None = None
    for layer, prefixes in LAYERS.items():
        for prefix in prefixes:
            exact_only = prefix == "zscontract"
            matches = module == prefix or (not exact_only and module.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), layer)
    return best[1] if best else None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST, *, functions: bool, type_checking: bool) -> Iterator[ast.AST]:
    """Every node under ``node``, with or without function bodies and ``if TYPE_CHECKING:`` blocks."""
    for child in ast.iter_child_nodes(node):
        if not functions and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if not type_checking and isinstance(child, ast.If) and _is_type_checking(child):
            for stmt in child.orelse:
                yield stmt
                yield from _walk(stmt, functions=functions, type_checking=False)
            continue
        yield child
        yield from _walk(child, functions=functions, type_checking=type_checking)


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, *([node.module] if node.module else [])])


def raw_imports(tree: ast.Module, module: str, is_package: bool, *, functions: bool = True,
                type_checking: bool = True) -> Iterator[tuple[str, str | None]]:
    """(module, name) pairs: ``import a.b`` gives ("a.b", None), ``from a import b`` ("a", "b")."""
    for node in _walk(tree, functions=functions, type_checking=type_checking):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, is_package, node)
            for alias in node.names:
                yield source, alias.name
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.args[0].value, None


def import_graph(src: Path, *, import_time: bool = False) -> dict[str, set[str]]:
    """Module -> the zscontract modules it imports.

    Every import counts, function-local and ``TYPE_CHECKING`` ones too (a type from a higher layer
    is a dependency all the same), except the ``TYPE_CHECKING`` block of the lazy public surface
    ``zscontract/__init__.py``, which only tells type checkers where its names live. With
    ``import_time``, only what runs when the module is imported (for the cycle check).
    ``from package import name`` counts as an import of the module the package takes ``name`` from.
    """
    trees = {module_name(p, src): (ast.parse(p.read_text(encoding="utf-8")), p.name == "__init__.py")
             for p in sorted((src / "zscontract").rglob("*.py"))}
    reexports: dict[tuple[str, str], str] = {}
    for module, (tree, is_package) in trees.items():
        if is_package:
            for source, name in raw_imports(tree, module, True):
                if name is not None:
                    reexports[(module, name)] = source
    graph: dict[str, set[str]] = {}
    for module, (tree, is_package) in trees.items():
        targets: set[str] = set()
        for source, name in raw_imports(tree, module, is_package, functions=not import_time,
                                        type_checking=not import_time and module != "zscontract"):
            if source != "zscontract" and not source.startswith("zscontract."):
                continue
            if name is not None and f"{source}.{name}" in trees:
                targets.add(f"{source}.{name}")       # from package import submodule
            elif name is not None and (source, name) in reexports:
                targets.add(reexports[(source, name)])
            else:
                targets.add(source)
        graph[module] = targets - {module}
    return graph


def violations(src: Path) -> set[tuple[str, str]]:
    """Every (importer, imported) pair the graph above forbids; unplaced modules count too."""
    found: set[tuple[str, str]] = set()
    for module, targets in import_graph(src).items():
        layer = layer_of(module)
        if layer is None:
            found.add((module, "<no layer: add it to LAYERS>"))
            continue
        for target in targets:
            target_layer = layer_of(target)
            if target_layer != layer and target_layer not in MAY_IMPORT[layer]:
                found.add((module, target))
    return found


def cycles(src: Path) -> set[tuple[str, ...]]:
    """Groups of modules importing each other when imported (strongly connected components)."""
    graph = import_graph(src, import_time=True)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[tuple[str, ...]] = set()

    def visit(module: str) -> None:  # Tarjan's algorithm; the graph is small, recursion is fine
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.add(tuple(sorted(group)))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def _listing(pairs: Iterable[tuple[str, ...]]) -> str:
    return "\n".join("  " + " -> ".join(pair) for pair in pairs)


def test_the_layers_hold() -> None:
    found = violations(SRC)
    new = sorted(found - KNOWN_VIOLATIONS)
    gone = sorted(KNOWN_VIOLATIONS - found)
    assert not new, "imports the layers forbid (README, Architecture):\n" + _listing(new)
    assert not gone, "fixed: remove them from KNOWN_VIOLATIONS:\n" + _listing(gone)


def test_no_import_cycles() -> None:
    found = cycles(SRC)
    assert not sorted(found - KNOWN_CYCLES), "modules importing each other:\n" + _listing(sorted(found - KNOWN_CYCLES))
    assert not sorted(KNOWN_CYCLES - found), "fixed: remove them from KNOWN_CYCLES:\n" + _listing(
        sorted(KNOWN_CYCLES - found))


def test_every_layer_of_the_graph_exists() -> None:
    graph = import_graph(SRC)
    for layer, prefixes in LAYERS.items():
        assert any(layer_of(m) == layer for m in graph), f"layer {layer} ({prefixes}) matches no module"
        assert layer in MAY_IMPORT


# --- the checker catches what it must -----------------------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"zscontract/__init__.py": "", "zscontract/core/__init__.py": "",
                       "zscontract/runner/__init__.py": "", "zscontract/server/__init__.py": "",
                       "zscontract/errors.py": "", "zscontract/runner/run.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("text", "expected"), [
    ("from zscontract.runner import run\n", ("zscontract.core.x", "zscontract.runner.run")),
    ("import zscontract.runner.run\n", ("zscontract.core.x", "zscontract.runner.run")),
    ("def f():\n    from zscontract.runner.run import go\n", ("zscontract.core.x", "zscontract.runner.run")),
    ("from ..runner import run\n", ("zscontract.core.x", "zscontract.runner.run")),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from zscontract.runner.run import go\n",
     ("zscontract.core.x", "zscontract.runner.run")),
    ("import importlib\nimportlib.import_module('zscontract.runner.run')\n",
     ("zscontract.core.x", "zscontract.runner.run")),
    # A name taken from the lazy public surface is an import of the module it comes from.
    ("from zscontract import execute_run\n", ("zscontract.core.x", "zscontract.runner.run")),
])
def test_a_planted_violation_is_caught(tmp_path: Path, text: str, expected: tuple[str, str]) -> None:
    src = _tree(tmp_path, {
        "zscontract/__init__.py": "from typing import TYPE_CHECKING\n"
                                  "if TYPE_CHECKING:\n    from zscontract.runner.run import execute_run\n",
        "zscontract/core/x.py": text,
    })
    assert violations(src) == {expected}


def test_a_server_importing_the_core_is_caught(tmp_path: Path) -> None:
    src = _tree(tmp_path, {"zscontract/server/app.py": "from zscontract.core.x import y\n",
                           "zscontract/core/x.py": ""})
    assert violations(src) == {("zscontract.server.app", "zscontract.core.x")}


def test_allowed_imports_pass(tmp_path: Path) -> None:
    src = _tree(tmp_path, {
        "zscontract/runner/run.py": "from zscontract.core.x import y\nfrom zscontract.errors import E\n",
        "zscontract/core/x.py": "import zscontract\nfrom zscontract import __version__\n",
        "zscontract/server/app.py": "from zscontract.errors import E\nfrom zscontract.server import x\n",
        "zscontract/server/x.py": "",
    })
    assert violations(src) == set()


def test_a_module_outside_every_layer_is_reported(tmp_path: Path) -> None:
    src = _tree(tmp_path, {"zscontract/newthing.py": ""})
    assert violations(src) == {("zscontract.newthing", "<no layer: add it to LAYERS>")}


def test_an_import_cycle_is_caught_and_a_function_local_import_breaks_it(tmp_path: Path) -> None:
    src = _tree(tmp_path, {"zscontract/runner/a.py": "from zscontract.runner import b\n",
                           "zscontract/runner/b.py": "from zscontract.runner.a import x\n"})
    assert cycles(src) == {("zscontract.runner.a", "zscontract.runner.b")}
    (src / "zscontract/runner/b.py").write_text("def f():\n    from zscontract.runner.a import x\n")
    assert cycles(src) == set()
