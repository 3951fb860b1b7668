"""Repair text stored before the input boundary: NUL characters and lone surrogates (see models/repair.py)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "repair stored NUL and lone surrogates"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="parapheur", description=DESCRIPTION)

    async def run():
        from models.repair import repair_stored_text

        await repair_stored_text()

    manager.add_raw(run)
    return manager
