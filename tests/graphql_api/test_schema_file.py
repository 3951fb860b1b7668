"""The committed SDL is what the code serves, and it satisfies the core contract."""

import subprocess
import sys
from pathlib import Path

from graphql_api.schema import sdl

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT.parent / "shared" / "contract" / "core.graphql"


def test_committed_schema_matches_the_printed_schema():
    committed = (ROOT / "graphql_api" / "schema.graphql").read_text()
    stale = "graphql_api/schema.graphql is stale: run `parapheur schema > graphql_api/schema.graphql`"
    assert committed == sdl(), stale


def test_schema_satisfies_the_core_contract():
    from graphql import build_schema, find_breaking_changes

    if not CONTRACT.exists():
        import pytest

        pytest.skip(f"no contract at {CONTRACT}")
    changes = find_breaking_changes(build_schema(CONTRACT.read_text()), build_schema(sdl()))
    assert [c.description for c in changes] == []


def test_cli_prints_the_same_schema():
    printed = subprocess.run(
        [sys.executable, "-m", "parapheur.cli", "schema"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert printed == sdl()
