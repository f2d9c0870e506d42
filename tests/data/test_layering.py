"""The build owns its outputs: nothing in data/ imports the read layer (queries/), which may import
data/ (issue 12)."""

from __future__ import annotations

import ast
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data"


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_nothing_in_data_imports_queries():
    files = sorted(DATA.rglob("*.py"))
    assert len(files) > 10
    upward = [
        f"{p.relative_to(DATA.parent)}:{line} imports {name}"
        for p in files
        for line, name in _imported_modules(p)
        if name == "queries" or name.startswith("queries.")
    ]
    assert upward == []


def test_the_check_sees_an_import_of_queries(tmp_path):
    for text in (
        "import queries.runner\n",
        "from queries import marts\n",
        "def f():\n    from queries.x import y\n",
        "import importlib\nimportlib.import_module('queries.marts')\n",
    ):
        p = tmp_path / "m.py"
        p.write_text(text, encoding="utf-8")
        assert any(name.startswith("queries") for _, name in _imported_modules(p)), text
