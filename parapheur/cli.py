"""The `parapheur` command: serve, migrate, demo, schema, user create, token create."""

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from parapheur.settings import Settings, get_settings


class CommandError(Exception):
    """Raised for a command that cannot run as asked; its message is printed, not a trace."""


async def _with_database(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    from models.database import bind, close_pool, engine_for, open_pool

    engine = engine_for(settings.database_url)
    bind(engine)
    await open_pool(engine)
    try:
        return await work()
    finally:
        await close_pool(engine)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> None:
    from models.migrate import migrate

    asyncio.run(_with_database(settings, lambda: migrate(verbose=args.verbose)))
    print(f"database up to date: {settings.database_url}")


def cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    from models.demo import demo_exists, load_demo
    from models.migrate import migrate

    async def work() -> str:
        await migrate()
        if args.if_missing and await demo_exists():
            return "demo organisation already present (use `parapheur demo` to reset it)"
        await load_demo(settings.templates_dir)
        return "demo organisation ready: users alice, bob, paula, carol, dave, erin, admin (password 'demo')"

    print(asyncio.run(_with_database(settings, work)))


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from parapheur.app import create_app

    if args.demo:
        cmd_demo(argparse.Namespace(if_missing=True), settings)
    else:
        cmd_migrate(argparse.Namespace(verbose=False), settings)
    base = f"http://{args.host}:{args.port}"
    print(f"Parapheur on {base}\n  GraphQL API and GraphiQL: {base}/graphql\n  health: {base}/health", flush=True)
    server = server_options(settings)
    if args.workers > 1:  # worker processes import the app themselves, each with its own pool
        uvicorn.run("parapheur.app:create_app", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level=args.log_level, access_log=args.access_log, **server)
        return
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level,
                access_log=args.access_log, **server)


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's protections from the settings: forwarded headers believed only from the
    trusted proxies (uvicorn's default believes any local peer), a connection limit (503
    beyond), and how long an idle keep-alive connection stays open."""
    return {
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies) or None,
        "limit_concurrency": settings.max_connections or None,
        "timeout_keep_alive": settings.keep_alive_seconds,
    }


def cmd_worker(args: argparse.Namespace, settings: Settings) -> None:
    """Run dramatiq workers on PARAPHEUR_BROKER_URL (the dramatiq CLI, our entry module)."""
    import os

    if not settings.broker_url:
        raise CommandError("parapheur worker needs PARAPHEUR_BROKER_URL (redis://… or amqp://…); "
                           "without it, `parapheur serve` runs the jobs itself")
    cmd_migrate(argparse.Namespace(verbose=False), settings)
    dramatiq = [sys.executable, "-m", "dramatiq", "parapheur.worker", "--processes", str(args.processes),
                "--threads", str(args.threads), "--queues", "parapheur", "--worker-timeout", "250"]
    print(f"workers: {args.processes} processes x {args.threads} threads on {settings.broker_url}", flush=True)
    os.execv(sys.executable, dramatiq)


def cmd_platform_set(args: argparse.Namespace, settings: Settings) -> None:
    """Where an organisation's invoices go (send_to_platform)."""
    import json

    from jobs.connectors.platforms import platform_from_config
    from models.tables import Organisation

    if args.http:
        if not args.api_key:
            raise CommandError("--http needs --api-key (the platform's API key)")
        config: dict | None = {"kind": "http", "url": args.http, "api_key": args.api_key}
    elif args.directory:
        config = {"kind": "directory", "path": args.directory}
    else:
        config = None
    if config is not None:
        platform_from_config(config)  # refuses a bad configuration before it is stored

    async def work() -> int:
        rows = await Organisation.update(
            {Organisation.einvoicing_platform: json.dumps(config) if config else None}
        ).where(Organisation.slug == args.organisation).returning(Organisation.id)
        return len(rows)

    if not asyncio.run(_with_database(settings, work)):
        raise CommandError(f"no organisation {args.organisation!r}")
    print(f"{args.organisation}: invoices go to {config['kind'] if config else 'no platform'}"
          + (f" ({config.get('url') or config.get('path')})" if config else ""))


def cmd_template_install(args: argparse.Namespace, settings: Settings) -> None:
    """Publish a template of ui-schemas/ into an organisation (a new version if it exists)."""
    from models.accounts import organisation_by_slug
    from models.templates import install_template

    async def work() -> str:
        organisation = await organisation_by_slug(args.organisation)
        version = await install_template(organisation, settings.templates_dir / args.key)
        return f"{version.name} installed in {args.organisation} as version {version.version}"

    print(asyncio.run(_with_database(settings, work)))


def cmd_migration_new(args: argparse.Namespace, settings: Settings) -> None:
    """For developers: write a piccolo auto-migration for what changed in models/tables.py."""
    from piccolo.apps.migrations.commands.new import new

    from models.database import bind, engine_for

    bind(engine_for(settings.database_url))
    asyncio.run(new(app_name="parapheur", auto=True, desc=args.description))


def cmd_schema(args: argparse.Namespace, settings: Settings) -> None:
    from graphql_api.schema import sdl

    sys.stdout.write(sdl())


def cmd_user_create(args: argparse.Namespace, settings: Settings) -> None:
    from models.accounts import create_user

    async def work() -> int:
        return await create_user(
            organisation_slug=args.organisation,
            username=args.username,
            email=args.email,
            password=args.password,
            display_name=args.display_name or args.username,
            roles=[_role_spec(spec) for spec in args.role],
            is_admin=args.admin,
        )

    user_id = asyncio.run(_with_database(settings, work))
    print(f"user {args.username} created (id {user_id}) in {args.organisation}")


def _role_spec(spec: str) -> tuple[str, dict[str, str] | None]:
    """`service_manager` or `service_manager:department=IT,site=Lyon`."""
    role, _, scope_text = spec.partition(":")
    if not scope_text:
        return role, None
    scope = {}
    for pair in scope_text.split(","):
        key, sep, value = pair.partition("=")
        if not sep or not key or not value:
            raise CommandError(f"bad scope {pair!r} in --role {spec!r}; write role:key=value[,key=value]")
        scope[key] = value
    return role, scope


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> None:
    from models.accounts import create_token

    async def work() -> str:
        return await create_token(
            organisation_slug=args.organisation,
            username=args.username,
            partner_code=args.partner,
            lifetime=timedelta(days=args.days),
            label=args.label,
        )

    token = asyncio.run(_with_database(settings, work))
    print(token)
    print("Store it now: only its hash is kept.", file=sys.stderr)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="parapheur", description="Document validation circuits.")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP server (GraphQL at /graphql)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="load the demo organisation when missing")
    serve.add_argument("--workers", type=int, default=1, help="server processes (one per core is a good start)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    serve.set_defaults(run=cmd_serve)

    worker = commands.add_parser("worker", help="run job workers on PARAPHEUR_BROKER_URL (Redis or RabbitMQ)")
    worker.add_argument("--processes", type=int, default=2)
    worker.add_argument("--threads", type=int, default=4)
    worker.set_defaults(run=cmd_worker)

    migrate = commands.add_parser("migrate", help="apply pending database migrations")
    migrate.add_argument("--verbose", action="store_true")
    migrate.set_defaults(run=cmd_migrate)

    demo = commands.add_parser("demo", help="create or reset the demo organisation")
    demo.add_argument("--if-missing", action="store_true", help="leave an existing demo organisation alone")
    demo.set_defaults(run=cmd_demo)

    schema = commands.add_parser("schema", help="print the GraphQL SDL")
    schema.set_defaults(run=cmd_schema)

    user = commands.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True)
    create = user.add_parser("create", help="create a user in an organisation")
    create.add_argument("username")
    create.add_argument("--organisation", "--org", required=True, help="organisation slug")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--display-name")
    create.add_argument("--role", action="append", default=[], help="role or role:key=value (repeatable)")
    create.add_argument("--admin", action="store_true", help="organisation administrator")
    create.set_defaults(run=cmd_user_create)

    template = commands.add_parser("template", help="templates of ui-schemas/").add_subparsers(
        dest="template_command", required=True)
    template_install = template.add_parser("install", help="publish a template into an organisation")
    template_install.add_argument("key", help="folder name in ui-schemas/, e.g. purchase_request")
    template_install.add_argument("--organisation", "--org", required=True)
    template_install.set_defaults(run=cmd_template_install)

    migration = commands.add_parser("migration", help="for developers: database migrations").add_subparsers(
        dest="migration_command", required=True)
    migration_new = migration.add_parser("new", help="write an auto-migration for changed tables")
    migration_new.add_argument("description")
    migration_new.set_defaults(run=cmd_migration_new)

    platform = commands.add_parser("platform", help="e-invoicing platform of an organisation").add_subparsers(
        dest="platform_command", required=True)
    platform_set = platform.add_parser("set", help="where send_to_platform delivers invoices")
    platform_set.add_argument("--organisation", "--org", required=True)
    target = platform_set.add_mutually_exclusive_group(required=True)
    target.add_argument("--http", metavar="URL", help="the platform's REST API base URL (flows go to URL/flows)")
    target.add_argument("--directory", metavar="PATH", help="a folder the platform picks files up from")
    target.add_argument("--none", action="store_true", help="no platform: send_to_platform fails with a clear error")
    platform_set.add_argument("--api-key")
    platform_set.set_defaults(run=cmd_platform_set)

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(dest="token_command", required=True)
    token_create = token.add_parser("create", help="create a bearer token for a user or a partner portal")
    token_create.add_argument("--organisation", "--org", required=True)
    who = token_create.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", dest="username")
    who.add_argument("--partner", help="partner code: a read-only token that sees only that partner's documents")
    token_create.add_argument("--days", type=int, default=90)
    token_create.add_argument("--label", default="cli")
    token_create.set_defaults(run=cmd_token_create)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = get_settings()
        args.run(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the CLI prints what went wrong, never a traceback
        from jobs.errors import JobError
        from models.errors import ModelError

        if isinstance(error, (CommandError, ModelError, JobError, ValueError, OSError)):
            print(f"parapheur: {error}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
