"""The layers hold: DESIGN §1 says what each package may import, and this checks every one.

The project's own packages form layers: the pure core (`form_engine`, `rules`), then `models`,
then the services on top of it (`jobs`, `admin`), then the API (`graphql_api`, which calls the
job system's pipelines such as reception), and `parapheur`, the composition root, above all.
A package imports only from layers below it; the pure core imports no framework at all.
"""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE_PACKAGES = ("form_engine", "rules")
FORBIDDEN = frozenset(
    {"piccolo", "strawberry", "starlette", "dramatiq", "uvicorn", "asyncpg", "aiosqlite", "graphql"}
)
RULES_MAY_IMPORT = frozenset(sys.stdlib_module_names) | {"cel", "rules"}


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, top-level module) for every absolute import in a file, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_import_no_framework(package):
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files(package)
        for line, module in imports(path)
        if module in FORBIDDEN
    ]

    assert not violations, f"{package}/ must stay free of frameworks and I/O:\n" + "\n".join(violations)


def test_rules_imports_only_the_standard_library_and_cel():
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files("rules")
        for line, module in imports(path)
        if module not in RULES_MAY_IMPORT
    ]

    assert python_files("rules"), "rules/ has no Python files"
    assert not violations, "rules/ may import only the standard library and cel:\n" + "\n".join(violations)


def test_import_scan_sees_every_form_of_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os, piccolo.table\nfrom strawberry import type\nfrom . import sibling\n"
        "def late():\n    import graphql\n",
        encoding="utf-8",
    )

    assert list(imports(sample)) == [(1, "os"), (1, "piccolo"), (2, "strawberry"), (5, "graphql")]


PROJECT = ("form_engine", "rules", "models", "jobs", "admin", "graphql_api", "parapheur")
MAY_IMPORT = {
    "form_engine": {"form_engine"},
    "rules": {"rules"},
    "models": {"models", "form_engine", "rules"},
    "jobs": {"jobs", "models", "form_engine", "rules"},
    "admin": {"admin", "models", "form_engine", "rules"},
    "graphql_api": {"graphql_api", "jobs", "models", "form_engine", "rules"},
    "parapheur": set(PROJECT),
}


@pytest.mark.parametrize("package", PROJECT)
def test_every_package_imports_only_the_layers_below_it(package):
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files(package)
        for line, module in imports(path)
        if module in PROJECT and module not in MAY_IMPORT[package]
    ]

    assert python_files(package), f"{package}/ has no Python files"
    assert not violations, f"{package}/ may import only {sorted(MAY_IMPORT[package])}:\n" + "\n".join(violations)


def test_the_layer_table_names_every_project_package():
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests", "bench"}

    assert packages == set(PROJECT) == set(MAY_IMPORT)
