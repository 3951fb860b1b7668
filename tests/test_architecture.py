"""The pure packages stay pure: DESIGN §1 says what each may import."""

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
