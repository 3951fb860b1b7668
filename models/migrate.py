"""Bring a database to the current schema with piccolo's migrations (ours and piccolo's users)."""

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import run_forwards

from models.database import DatabaseError, current_engine


async def migrate(verbose: bool = False) -> None:
    """Apply every pending migration to the bound engine; safe to run again."""
    current_engine()
    output = io.StringIO()
    with contextlib.redirect_stdout(output if not verbose else None) if not verbose else contextlib.nullcontext():
        result = await run_forwards(app_name="all")
    if not result.success:
        raise DatabaseError(f"migration failed: {result.message}\n{output.getvalue()}")
