"""The dashboard's layers, read from the source with ast: no import runs between the pages
(dashboard/views/) and the presenter (dashboard/presenter/) in either direction, and the modules
both use (dashboard.content, source, tables, charts, maps, ui, …) import neither. Only the router
(app.py) and the command line (__main__.py) put the two together."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import REPO

DASHBOARD = REPO / "dashboard"
VIEWS, PRESENTER = "dashboard.views", "dashboard.presenter"
WIRING = {DASHBOARD / "app.py", DASHBOARD / "__main__.py"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path, package: str | None = None) -> set[str]:
    """Every module PATH imports, anywhere in the file (top level, functions, TYPE_CHECKING), as
    dotted names; `from dashboard import views` counts as dashboard.views. PACKAGE: the file's
    package (read from its place in the repository unless given)."""
    if package is None:
        package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            out.add(source)
            out.update(f"{source}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                out.add(node.args[0].value)
    return out


def inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_parser_sees_every_form_of_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from dashboard import presenter\nfrom ..presenter.deck import View\n"
        "def f():\n    import dashboard.presenter.page\n"
        "    importlib.import_module('dashboard.presenter.editor')\n",
        encoding="utf-8",
    )
    names = imported(probe, package="dashboard.views")
    assert {
        "dashboard.presenter",
        "dashboard.presenter.deck",
        "dashboard.presenter.page",
        "dashboard.presenter.editor",
    } <= names


@pytest.mark.parametrize("folder, other", [("views", PRESENTER), ("presenter", VIEWS)])
def test_no_import_between_pages_and_presenter(folder, other):
    found = {f"{p.relative_to(REPO)}: {n}" for p in files(DASHBOARD / folder) for n in imported(p) if inside(n, other)}
    assert not found, "\n".join(sorted(found))


def test_shared_modules_import_neither_pages_nor_presenter():
    shared = [
        p
        for p in files(DASHBOARD)
        if p not in WIRING and not inside(module_name(p), VIEWS) and not inside(module_name(p), PRESENTER)
    ]
    assert DASHBOARD / "content" / "builders.py" in shared and DASHBOARD / "source.py" in shared
    found = {
        f"{p.relative_to(REPO)}: {n}" for p in shared for n in imported(p) if inside(n, VIEWS) or inside(n, PRESENTER)
    }
    assert not found, "\n".join(sorted(found))


def test_the_pages_reach_the_query_layer_through_one_door():
    """Pages and presenter query through dashboard.source (Source / CachedSource), never by
    calling queries/' table functions on a connection themselves."""
    direct = {
        "queries.indicators",
        "queries.need",
        "queries.directory",
        "queries.national",
        "queries.profile",
        "queries.runner",
    }
    found = {
        f"{p.relative_to(REPO)}: {n}"
        for folder in ("views", "presenter")
        for p in files(DASHBOARD / folder)
        for n in imported(p)
        if n in direct or any(inside(n, d) for d in direct)
    }
    assert not found, "\n".join(sorted(found))
