"""The package's shape: no import cycles, commands apart, GitPython behind git.py.

Every import counts, also those under `if TYPE_CHECKING:` and inside functions: a
cycle that only the type checker sees is still two modules that cannot be read apart.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tools" / "gitinv"
GIT_BOUNDARY = {"gitinv.git", "gitinv.gitlog"}


def _modules() -> dict[str, tuple[ast.Module, bool]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        if package:
            parts.pop()
        found[".".join(parts)] = (ast.parse(path.read_text(encoding="utf-8")), package)
    return found


MODULES = _modules()


def _imported(name: str) -> set[str]:
    """Every module name `name` imports, as written (absolute)."""
    tree, package = MODULES[name]
    here = name if package else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            out.add(module)
            out.update(f"{module}.{alias.name}" for alias in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name in MODULES:
        deps = set()
        for module in _imported(name):
            while module and module not in MODULES:
                module = module.rpartition(".")[0]
            if module and module != name:
                deps.add(module)
        graph[name] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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


def test_the_graph_sees_imports_of_every_kind() -> None:
    graph = _graph()
    assert "gitinv.git" in graph["gitinv.source"]  # from gitinv import git
    assert "gitinv.site.api" in graph["gitinv.site.build"]  # from . import api
    assert "gitinv.inventory" in graph["gitinv.commands.validate"]  # inside run()


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_no_command_imports_another_command() -> None:
    graph = _graph()
    commands = [name for name in graph if name.startswith("gitinv.commands.")]
    assert commands
    crossing = {name: sorted(graph[name] & set(commands)) for name in commands}
    assert {name: deps for name, deps in crossing.items() if deps} == {}


def test_only_git_and_gitlog_touch_gitpython() -> None:
    users = set()
    for name, (tree, _) in MODULES.items():
        uses_repo = any(
            isinstance(node, ast.Attribute) and node.attr == "open_repo" for node in ast.walk(tree)
        )
        if uses_repo or any(m == "git" or m.startswith("git.") for m in _imported(name)):
            users.add(name)
    assert users <= GIT_BOUNDARY
    assert "gitinv.git" in users
