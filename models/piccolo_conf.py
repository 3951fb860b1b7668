"""Piccolo's configuration module. `models.database.bind` sets DB, so piccolo's migration
machinery runs on whichever engine the application (or a test) chose."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

DB: Engine | None = None

APP_REGISTRY = AppRegistry(
    apps=[
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
        "models.piccolo_app",
    ]
)
