"""The package's shape: no import cycles, no private names across modules, short functions.

docs/architecture.md describes the layout; these tests keep it true.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "coprod_sim"


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        out[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return out


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not (PACKAGE / Path(*base[1:]) / "__init__.py").exists() or module.count(".") == 0:
        base = base[:-1]  # a module, not a package: its package is one up
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imports(module: str, tree: ast.Module) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import anywhere in the module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("coprod_sim")]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if target.startswith("coprod_sim"):
                for a in node.names:
                    sub = f"{target}.{a.name}"
                    found.append((sub, []) if sub in MODULES else (target, [a.name]))
    return found


def test_no_module_imports_a_private_name_of_another():
    bad = [
        f"{module} takes {name} from {target}"
        for module, tree in MODULES.items()
        for target, names in _imports(module, tree)
        for name in names
        if name.startswith("_") and not name.startswith("__") and target != module
    ]
    # Attribute access to another module's private names (module._name) counts too.
    for module, tree in MODULES.items():
        aliases = {a.asname or a.name.split(".")[-1] for t, _ in _imports(module, tree) for a in [ast.alias(t)]}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                bad.append(f"{module} reads {node.value.id}.{node.attr}")
    assert not bad, bad


def test_there_is_no_import_cycle():
    graph = {m: {t for t, _ in _imports(m, tree) if t in MODULES and t != m} for m, tree in MODULES.items()}
    # A package's __init__ is imported with any of its modules; only real module edges count.
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                pytest.fail("import cycle: " + " -> ".join([*path[path.index(t) :], t]))
            if t not in state:
                visit(t)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


#: Solara components may run long (a view is one function of nested layout); at most three do.
LONG_COMPONENTS_ALLOWED = 3


def test_no_function_runs_past_80_lines():
    long = []
    for module, tree in MODULES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                component = any(
                    (isinstance(d, ast.Attribute) and d.attr == "component")
                    or (isinstance(d, ast.Name) and d.id == "component")
                    for d in node.decorator_list
                )
                if lines > 80:
                    long.append((component, f"{module}.{node.name} ({lines} lines)"))
    plain = [name for component, name in long if not component]
    components = [name for component, name in long if component]
    assert not plain, plain
    assert len(components) <= LONG_COMPONENTS_ALLOWED, components


def test_the_model_class_stays_small():
    tree = MODULES["coprod_sim.model"]
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "CoProdModel")
    assert cls.end_lineno - cls.lineno + 1 <= 350
