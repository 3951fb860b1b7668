"""Installing a shipped template (`ui-schemas/<key>/`) into an organisation.

A template folder holds `type.json` (key, name, category, number prefix, permissions, the
catalogs it refers to), `schema.json`, `ui.json` and `workflow.json`; installing publishes
them as a new version through the same checker as any other definition.
"""

import json
from pathlib import Path
from typing import Any

from models.catalogs import ensure_catalog
from models.document_types import PublishedVersion, publish
from models.errors import ModelError
from models.tables import Role

TEMPLATE_FILES = ("type.json", "schema.json", "ui.json", "workflow.json")


class TemplateError(ModelError):
    """Raised when a template folder is missing or holds unreadable JSON."""


def read_template(folder: Path) -> dict[str, Any]:
    if not folder.is_dir():
        siblings = folder.parent.iterdir() if folder.parent.is_dir() else []
        available = ", ".join(sorted(p.name for p in siblings if p.is_dir()))
        raise TemplateError(f"no template folder {folder}; available: {available or 'none'}")
    parts: dict[str, Any] = {}
    for name in TEMPLATE_FILES:
        path = folder / name
        try:
            parts[name] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TemplateError(f"template {folder.name} lacks {name}") from None
        except json.JSONDecodeError as error:
            where = f"line {error.lineno} column {error.colno}"
            raise TemplateError(f"{path}: invalid JSON at {where}: {error.msg}") from None
    return parts


async def install_template(
    organisation_id: int, folder: Path, published_by: int | None = None
) -> PublishedVersion:
    """Publish the template as the next version of its document type, with its catalogs and roles."""
    parts = read_template(folder)
    meta, workflow = parts["type.json"], parts["workflow.json"]
    for catalog, label in meta.get("catalogs", {}).items():
        await ensure_catalog(organisation_id, catalog, label)
    existing = {r["key"] for r in await Role.select(Role.key).where(Role.organisation == organisation_id)}
    missing = [role for role in workflow.get("roles", []) if role not in existing]
    if missing:
        await Role.insert(
            *(Role(organisation=organisation_id, key=r, label=r.replace("_", " ").title()) for r in missing)
        )
    return await publish(
        organisation_id=organisation_id,
        key=meta["key"],
        name=meta["name"],
        category=meta.get("category", "other"),
        number_prefix=meta["number_prefix"],
        json_schema=parts["schema.json"],
        ui_schema=parts["ui.json"],
        workflow=workflow,
        permissions=meta.get("permissions", {}),
        published_by=published_by,
    )
