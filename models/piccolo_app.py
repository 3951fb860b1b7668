"""Piccolo app registration: where our tables and migrations live."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from models.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="parapheur",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["piccolo.apps.user.piccolo_app"],
    commands=[],
)
