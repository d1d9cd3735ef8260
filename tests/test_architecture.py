"""The five rooms: each step of the flow is one package, and each package depends only on the ones before it.

    sources  →  rules  →  cases  →  outputs  →  flows

Every production module is parsed with `ast` and every import is collected, including those inside
functions (an import tucked into a function body hides a cycle from the interpreter, not from this test).
Three checks: no import cycle between modules, no import of a later package from an earlier one, and no
production module longer than 450 lines.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ("sources", "rules", "cases", "outputs", "flows")
MAX_LINES = 450


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def production_modules() -> dict[str, Path]:
    """Every .py file in the five packages, by dotted module name."""
    return {
        _module_name(path): path
        for room in ROOMS
        if (ROOT / room).is_dir()
        for path in sorted((ROOT / room).rglob("*.py"))
    }


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The production module an imported name lives in (the longest dotted prefix that is a module)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The production modules `module` imports anywhere in its body, functions included."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from outputs import workbook` imports the module outputs.workbook; `from outputs.cells import
            # label` the module outputs.cells
            names = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in modules else prefix for a in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                found.add(target)
    return found


@functools.cache
def import_graph() -> dict[str, set[str]]:
    modules = production_modules()
    return {module: imports_of(module, path, modules) for module, path in modules.items()}


def _room(module: str) -> int:
    return ROOMS.index(module.split(".")[0])


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_every_room_exists():
    assert [room for room in ROOMS if not (ROOT / room / "__init__.py").is_file()] == []


def test_no_import_cycles():
    assert find_cycles(import_graph()) == []


def test_no_upward_imports():
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        if _room(target) > _room(module)
    )
    assert upward == []


def test_no_module_over_the_limit():
    long = sorted(
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in production_modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    )
    assert long == []


# The checks above must be able to fail: a small graph with a cycle hidden in a function body and an upward
# import is found by the same code.
def test_the_checks_see_an_import_inside_a_function(tmp_path):
    modules = {"rules.a": tmp_path / "a.py", "rules.b": tmp_path / "b.py", "outputs.c": tmp_path / "c.py"}
    modules["rules.a"].write_text("from rules import b\n")
    modules["rules.b"].write_text("def f():\n    from rules.a import thing\n    import outputs.c\n")
    modules["outputs.c"].write_text("x = 1\n")
    graph = {module: imports_of(module, path, modules) for module, path in modules.items()}
    assert graph == {"rules.a": {"rules.b"}, "rules.b": {"rules.a", "outputs.c"}, "outputs.c": set()}
    assert find_cycles(graph) == [["rules.a", "rules.b"]]
    assert [t for m, ts in graph.items() for t in ts if _room(t) > _room(m)] == ["outputs.c"]


@pytest.mark.parametrize("room", ROOMS)
def test_room_order_is_known(room):
    assert _room(f"{room}.x") == ROOMS.index(room)
