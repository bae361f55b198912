"""The package's structure, read from its source: imports point one way (down), with no
cycle between files or packages (imports inside functions and under TYPE_CHECKING
count), backends know nothing of pytest outside their plugin, and fixtures live in their
package's ``pytest_plugin.py``. docs/architecture.md draws the same picture."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import pytest_ipfs_accelerate

ROOT = Path(pytest_ipfs_accelerate.__file__).parent
PACKAGE = ROOT.name

#: The bottom layer: exceptions, config, small pytest-side helpers, operation records.
BASE = ("", "errors", "lazy", "idle", "marks", "strict", "operations", "config", "handoff")
BACKENDS = ("ipfs", "hardware", "containers", "checkpoint")
#: group -> the groups it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "ipfs": {"base"},
    "hardware": {"base"},
    "containers": {"base", "hardware"},
    "checkpoint": {"base", "hardware", "ipfs"},
    "db": {"base"},
    "testing": {"base", "db"},
    "capture": {"base", "db"},
    "analysis": {"base", "db", "capture"},
    "benchmarks": {"base", "db", "capture", "analysis"},
    "report": {"base", "db", "capture", "analysis", "benchmarks"},
    "top": {"base", *BACKENDS, "db", "testing", "capture", "analysis", "benchmarks", "report"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}


def group_of(module: str) -> str:
    first = module.split(".")[1] if "." in module else ""
    if first in BASE:
        return "base"
    if first in ("plugin", "hookspecs", "cli"):
        return "top"
    assert first in ALLOWED, f"{module}: a new top-level module; place it in a layer here"
    return first


def imports_of(module: str) -> Iterator[tuple[str, int]]:
    """(imported module of this package, line) for every import statement in ``module``."""
    path = MODULES[module]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if path.name == "__init__.py" else \
                    module.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                stem = ".".join([*base, *([node.module] if node.module else [])])
            else:
                stem = node.module or ""
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in MODULES else stem
                       for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != PACKAGE:
                continue
            while target not in MODULES:
                target = target.rpartition(".")[0]
            if target != module:
                yield target, node.lineno


GRAPH = {m: sorted({t for t, _ in imports_of(m)}) for m in MODULES}


def cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_between_files():
    assert cycles(GRAPH) == []


def test_no_import_cycle_between_packages():
    def package(m: str) -> str:
        parts = m.split(".")
        return ".".join(parts[:3]) if len(parts) > 3 else ".".join(parts[:2])

    packages: dict[str, set[str]] = {}
    for m, targets in GRAPH.items():
        packages.setdefault(package(m), set()).update(
            package(t) for t in targets if package(t) != package(m))
    assert cycles({k: sorted(v) for k, v in packages.items()}) == []


def points_up(module: str, target: str) -> bool:
    """True when ``module`` may not import ``target`` (a higher or unrelated layer)."""
    return group_of(target) != group_of(module) and \
        group_of(target) not in ALLOWED[group_of(module)]


def test_imports_point_down_the_layers():
    upward = [f"{MODULES[m].relative_to(ROOT.parent)}:{line} imports {target}"
              for m in MODULES for target, line in imports_of(m) if points_up(m, target)]
    assert upward == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_backend_imports_pytest_only_in_its_plugin(backend):
    offenders = []
    for m, path in MODULES.items():
        if group_of(m) != backend or path.name == "pytest_plugin.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "pytest" or n.startswith(("pytest.", "_pytest")) for n in names):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    assert offenders == []


def test_fixtures_live_in_their_packages_pytest_plugin():
    """In ``pytest_plugin.py``, or a plugin module for a child process (``*_plugin.py``)."""
    elsewhere = []
    for path in MODULES.values():
        if path.name.endswith("_plugin.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    "fixture" in ast.unparse(d) for d in node.decorator_list):
                elsewhere.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name}")
    assert elsewhere == []


def test_the_checker_sees_a_cycle_and_an_upward_import():
    """The checks above can fail: a made-up graph with a cycle and an upward arrow."""
    assert cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert points_up(f"{PACKAGE}.db.writer", f"{PACKAGE}.capture.session")
    assert points_up(f"{PACKAGE}.hardware.pytest_plugin", f"{PACKAGE}.checkpoint.publish")
    assert not points_up(f"{PACKAGE}.report.build", f"{PACKAGE}.analysis.matrix")
