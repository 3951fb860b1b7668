"""Lookup and uniqueness indexes for the job system: due jobs, attachments by content."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-29T02:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job system indexes"

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox_job (status, run_after)",
    "CREATE INDEX IF NOT EXISTS outbox_document ON outbox_job (document)",
    'CREATE UNIQUE INDEX IF NOT EXISTS attachment_unique ON attachment ("document", "kind", "sha256")',
    "CREATE INDEX IF NOT EXISTS webhook_endpoint_org ON webhook_endpoint (organisation)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="parapheur", description=DESCRIPTION)

    async def run():
        from piccolo.engine import engine_finder

        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
