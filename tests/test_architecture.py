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


REPO = PACKAGE.parent


def _worked_example() -> str:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("<!-- worked-example:start -->", 1)[1].split("<!-- worked-example:end -->", 1)[0]
    return block.split("```diff\n", 1)[1].rsplit("```", 1)[0]


CHECK_EXAMPLE = """
import json, sys
import numpy as np
import coprod_sim
from coprod_sim.config import ConfigError
from coprod_sim.outputs import label
from coprod_sim.run import simulate
from coprod_sim.scenarios import load_scenario
from tests import golden

assert coprod_sim.__file__.startswith(sys.argv[1]), coprod_sim.__file__
base = load_scenario("peer_support")
# At the lever's default every existing output is as pinned by the golden results.
res = simulate(base.config, 1, 520)
pinned = golden.load()["cases"]["peer_support-seed1"]
mine = {**golden.frame_hashes(res.timeseries, "timeseries."), **golden.frame_hashes(res.people, "people.")}
moved = [k for k in pinned if k not in ("timeseries.#rows",) and mine.get(k) != pinned[k]]
assert moved == [], moved
assert (res.timeseries["checked_in"] == 0).all()
# With check-ins, the people supported gain confidence, and the output counts them.
on = simulate(base.with_overrides({"peer_support.check_in_gain": 0.3}).config, 1, 520).timeseries
assert on["checked_in"].iloc[1:].mean() > 0
assert on["confidence_disabled"].iloc[-52:].mean() > res.timeseries["confidence_disabled"].iloc[-52:].mean()
try:
    base.with_overrides({"peer_support.check_in_gain": 1.5})
    raise AssertionError("an out-of-range lever was accepted")
except ConfigError as exc:
    assert "peer_support.check_in_gain" in str(exc)
print(json.dumps({"label": label("checked_in")}))
"""


def test_the_worked_example_applies_and_does_what_it_says(tmp_path):
    import json
    import os
    import shutil
    import subprocess
    import sys

    for folder in ("coprod_sim", "scenarios", "experiments"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    patch = tmp_path / "example.diff"
    patch.write_text(_worked_example(), encoding="utf-8")
    applied = subprocess.run(["git", "apply", str(patch)], cwd=tmp_path, capture_output=True, text=True)
    assert applied.returncode == 0, f"docs/architecture.md's patch no longer applies: {applied.stderr}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    run = subprocess.run(
        [sys.executable, "-c", CHECK_EXAMPLE, str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.splitlines()[-1])["label"] == "People checked in by a peer supporter"
