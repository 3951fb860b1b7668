"""Guards the audit trail in the database itself: published versions and history entries
cannot be updated or deleted, whatever code or SQL console tries."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-29T01:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "immutability triggers and lookup indexes"

IMMUTABLE = {"document_type_version": "published document type versions", "history_entry": "history entries"}

UNIQUE = {
    "membership": ("organisation", "user"),
    "role": ("organisation", "key"),
    "partner": ("organisation", "code"),
    "document_type": ("organisation", "key"),
    "document_type_version": ("document_type", "version"),
    "number_counter": ("document_type", "year"),
    "document": ("organisation", "number"),
    "history_entry": ("document", "seq"),
    "link": ("source", "target", "kind"),
    "catalog": ("organisation", "key"),
    "catalog_entry": ("catalog", "code"),
    "usage_event": ("document", "kind"),
}



def quoted(column: str) -> str:
    return f'"{column}"'


INDEXES = [
    *(
        f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_unique ON {table} ({', '.join(map(quoted, columns))})"
        for table, columns in UNIQUE.items()
    ),
    "CREATE INDEX IF NOT EXISTS document_org_created ON document (organisation, created_at DESC, id DESC)",
    "CREATE INDEX IF NOT EXISTS task_open ON task (organisation, role, closed_at)",
    "CREATE INDEX IF NOT EXISTS task_document ON task (document)",
    "CREATE INDEX IF NOT EXISTS audience_lookup ON audience (organisation, role, scope)",
    "CREATE INDEX IF NOT EXISTS audience_document ON audience (document)",
    "CREATE INDEX IF NOT EXISTS history_document ON history_entry (document, seq)",
    "CREATE INDEX IF NOT EXISTS outbox_status ON outbox_job (status)",
    "CREATE INDEX IF NOT EXISTS role_assignment_user ON role_assignment (\"user\")",
    "CREATE INDEX IF NOT EXISTS usage_org_at ON usage_event (organisation, at)",
]


def sqlite_statements() -> list[str]:
    statements = []
    for table, what in IMMUTABLE.items():
        for operation in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} "
                f"BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{what} are immutable'); END"
            )
    return statements


def postgres_statements() -> list[str]:
    statements = [
        """CREATE OR REPLACE FUNCTION parapheur_refuse_change() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '% are immutable', TG_ARGV[0]; END;
        $$ LANGUAGE plpgsql"""
    ]
    for table, what in IMMUTABLE.items():
        statements.append(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
        statements.append(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION parapheur_refuse_change('{what}')"
        )
    return statements


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="parapheur", description=DESCRIPTION)

    async def run():
        from piccolo.engine import engine_finder

        engine = engine_finder()
        dialect = sqlite_statements() if engine.engine_type == "sqlite" else postgres_statements()
        for statement in [*INDEXES, *dialect]:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
