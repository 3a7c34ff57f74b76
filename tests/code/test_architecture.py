"""The shape STYLE.md asks for: small modules, no import cycle in the analyzer, and an
evaluator that names no library (libraries are models)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = ROOT / "auditor" / "code"


def test_no_module_of_auditor_or_rules_is_over_1000_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for folder in ("auditor", "rules", "reports")
        for path in (ROOT / folder).rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 1000
    }
    assert long == {}


def _imports(path: Path) -> set[str]:
    """Modules of auditor.code a module imports, TYPE_CHECKING blocks included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("auditor.code"):
                found.add(node.module)
                for alias in node.names:
                    found.add(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("auditor.code"))
    return found


def test_no_import_cycle_in_the_analyzer() -> None:
    modules = {}
    for path in CODE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph = {
        name: {target for target in _imports(path) if target in modules and target != name}
        for name, path in modules.items()
    }
    # a package imports its own modules freely (models/__init__ loads every model)
    graph = {
        name: {t for t in targets if not t.startswith(name + ".")}
        for name, targets in graph.items()
    }
    state: dict[str, str] = {}
    cycle: list[str] = []

    def visit(name: str, path: list[str]) -> bool:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycle.extend([*path, name, target])
                return True
            if target not in state and visit(target, [*path, name]):
                return True
        state[name] = "done"
        return False

    for name in sorted(graph):
        if name not in state and visit(name, []):
            break
    assert cycle == []


def test_the_evaluator_names_no_library() -> None:
    """Library names live in auditor/code/models; the core's parts never spell one."""
    libraries = (
        "requests",
        "httpx",
        "aiohttp",
        "urllib3",
        "airflow",
        "dagster",
        "celery",
        "odoo",
        "pandas",
        "pydantic",
        "django",
        "flask",
        "fastapi",
        "boto3",
    )
    core = (
        "core",
        "statements",
        "expressions",
        "calls",
        "objects",
        "pybuiltins",
        "libcalls",
        "http",
        "values",
        "frames",
        "events",
        "truth",
        "strings",
    )
    spelled = {}
    for name in core:
        tree = ast.parse((CODE / f"{name}.py").read_text(encoding="utf-8"))
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue  # examples in documentation are fine
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                hits = [lib for lib in libraries if f"{lib}." in text or text == lib]
                if hits:
                    spelled.setdefault(name, set()).update(hits)
    assert spelled == {}
