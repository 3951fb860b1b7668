"""The command line on a real SQLite file: demo, user create, token create, clear errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.database import bind, engine_for
from models.records import json_value
from models.tables import Organisation
from models.viewers import viewer_for_token

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(tmp_path: Path):
    env = {**os.environ, "PARAPHEUR_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "parapheur.cli", *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=120)
        assert (done.returncode == 0) == ok, done.stdout + done.stderr
        return done

    run("demo")
    run.database = tmp_path / "cli.sqlite"  # type: ignore[attr-defined]
    return run


def test_two_users_can_be_created(cli):
    for name in ("uma", "victor"):
        cli("user", "create", name, "--org", "demo", "--email", f"{name}@demo.example", "--password", "long-enough")


async def test_user_and_token_creation_give_a_working_scoped_token(cli):
    cli("user", "create", "olga", "--org", "demo", "--email", "olga@demo.example", "--password", "long-enough-secret",
        "--role", "service_manager:department=FIN")
    token = cli("token", "create", "--org", "demo", "--user", "olga").stdout.strip()
    bind(engine_for(f"sqlite:///{cli.database}"))
    viewer = await viewer_for_token(token)
    assert viewer is not None and viewer.username == "olga"
    assert [(g.role, dict(g.scope or {})) for g in viewer.grants] == [("service_manager", {"department": "FIN"})]


async def test_partner_token_is_bound_to_its_partner(cli):
    token = cli("token", "create", "--org", "demo", "--partner", "ACME").stdout.strip()
    bind(engine_for(f"sqlite:///{cli.database}"))
    viewer = await viewer_for_token(token)
    assert viewer is not None and viewer.is_partner and viewer.partner_name == "ACME Fournitures SAS"


NEW = ("--org", "demo", "--password", "long-enough")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("user", "create", "x", "--org", "nope", "--email", "x@e.example", "--password", "long-enough"),
         "no organisation 'nope'"),
        (("user", "create", "alice", "--email", "alice@new.example", *NEW), "username 'alice' is taken"),
        (("user", "create", "y", "--email", "y@new.example", *NEW, "--role", "pope"), "unknown role"),
        (("user", "create", "z", "--org", "demo", "--email", "z@new.example", "--password", "short"), "too short"),
        (("user", "create", "w", "--email", "w@new.example", *NEW, "--role", "daf:oops"), "bad scope"),
        (("user", "create", "v", "--email", "alice@demo.example", *NEW), "belongs to another user"),
        (("token", "create", "--org", "demo", "--partner", "NOBODY"), "no partner 'NOBODY'"),
        (("token", "create", "--org", "demo", "--user", "ghost"), "no user 'ghost'"),
    ],
)
def test_mistakes_print_one_clear_line_and_no_traceback(cli, args, message):
    done = cli(*args, ok=False)
    assert message in done.stderr
    assert "Traceback" not in done.stderr


async def test_demo_reset_archives_the_previous_organisation(cli):
    done = cli("demo")
    assert "demo organisation ready" in done.stdout
    again = cli("demo", "--if-missing")
    assert "already present" in again.stdout
    bind(engine_for(f"sqlite:///{cli.database}"))
    slugs = sorted(row["slug"] for row in await Organisation.select(Organisation.slug))
    assert slugs[0] == "demo" and len(slugs) == 2 and slugs[1].startswith("demo-archived-")


async def test_platform_set_stores_a_checked_configuration(cli, tmp_path):

    done = cli("platform", "set", "--org", "demo", "--directory", str(tmp_path / "outbox"))
    assert "invoices go to directory" in done.stdout
    bind(engine_for(f"sqlite:///{cli.database}"))
    row = await Organisation.select(Organisation.einvoicing_platform).where(Organisation.slug == "demo").first()
    stored = row["einvoicing_platform"]
    assert json_value(stored) == {
        "kind": "directory", "path": str(tmp_path / "outbox")}
    refused = cli("platform", "set", "--org", "demo", "--http", "https://pa.example/api", ok=False)
    assert "--http needs --api-key" in refused.stderr


def test_template_install_publishes_the_next_version(cli):
    done = cli("template", "install", "purchase_request", "--org", "demo")
    assert "Purchase request installed in demo as version 2" in done.stdout
    missing = cli("template", "install", "no_such_template", "--org", "demo", ok=False)
    assert "no template folder" in missing.stderr and "Traceback" not in missing.stderr
