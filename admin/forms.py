"""Custom back-office forms: what is more than editing one row.

Each form is an action on one organisation. Platform administrators name the organisation
(a slug field first in the form); an organisation administrator's forms act on their own
organisation, which the tenant layer puts in `request.state.organisation`.
"""

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from piccolo_admin.endpoints import FormConfig
from pydantic import BaseModel, Field, create_model
from starlette.requests import Request

from admin.tenancy import AdministeredOrganisation
from models import jobs
from models.accounts import (
    AccountError,
    assign_role,
    create_token,
    create_user,
    organisation_by_slug,
    revoke_role,
    revoke_token_by_id,
)
from models.catalog_import import CatalogImportError, import_csv
from models.document_types import DefinitionRejected
from models.templates import TemplateError, install_template

TEMPLATES = Path(__file__).resolve().parent.parent / "ui-schemas"


async def _organisation(slug: str) -> AdministeredOrganisation:
    """Form errors are ValueErrors: piccolo-admin shows their message beside the form."""
    try:
        return AdministeredOrganisation(await organisation_by_slug(slug), slug)
    except AccountError as error:
        raise ValueError(str(error)) from None


class RetryJob(BaseModel):
    job_id: int = Field(description="Id of a FAILED job (Automation > Outbox job)")


async def retry_job(organisation: AdministeredOrganisation, data: RetryJob) -> str:
    retried = await jobs.retry(data.job_id, organisation.id)
    if retried is None:
        raise ValueError(f"Job {data.job_id} is not a FAILED job of {organisation.slug}.")
    return f"Job {data.job_id} ({retried.kind}) will run again."


class PartnerToken(BaseModel):
    partner_code: str = Field(description="Partner code (e.g. ACME)")
    days: int = Field(default=365, ge=1, le=3650)
    label: str = "partner portal"


async def partner_token(organisation: AdministeredOrganisation, data: PartnerToken) -> str:
    try:
        token = await create_token(organisation_slug=organisation.slug, partner_code=data.partner_code,
                                   lifetime=timedelta(days=data.days), label=data.label)
    except AccountError as error:
        raise ValueError(str(error)) from None
    return f"Token (shown once, store it now; read-only, sees only {data.partner_code}'s documents): {token}"



class NewUser(BaseModel):
    username: str = Field(min_length=2, max_length=100)
    email: str
    display_name: str = ""
    roles: list[str] = Field(default=[], description="One per item: role or role:key=value,key=value "
                             "(e.g. service_manager:department=IT)")
    administrator: bool = False


def _role_lines(text: str) -> list[tuple[str, dict[str, str] | None]]:
    """`role` or `role:key=value,…` per line; a malformed line names itself."""
    roles: list[tuple[str, dict[str, str] | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        role, _, scope_text = line.partition(":")
        scope: dict[str, str] = {}
        for pair in filter(None, (p.strip() for p in scope_text.split(","))):
            key, sep, value = pair.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise ValueError(f"Role line {number} ({line!r}): write role:key=value,key=value.")
            scope[key.strip()] = value.strip()
        roles.append((role.strip(), scope or None))
    return roles


async def new_user(organisation: AdministeredOrganisation, data: NewUser) -> str:
    password = secrets.token_urlsafe(12)
    try:
        user_id = await create_user(
            organisation_slug=organisation.slug, username=data.username, email=data.email, password=password,
            display_name=data.display_name or data.username, roles=_role_lines("\n".join(data.roles)),
            is_admin=data.administrator,
        )
    except AccountError as error:
        raise ValueError(str(error)) from None
    return (f"User {data.username} created (id {user_id}). Initial password, shown once: {password} "
            "(hand it over privately; the portal's Change password replaces it).")


class RoleChange(BaseModel):
    username: str
    role: str = Field(description="role or role:key=value,key=value")
    revoke: bool = Field(default=False, description="Tick to revoke instead of assign")


async def change_role(organisation: AdministeredOrganisation, data: RoleChange) -> str:
    [(role, scope)] = _role_lines(data.role) or [("", None)]
    try:
        if data.revoke:
            count = await revoke_role(organisation.slug, data.username, role, scope)
            return f"Revoked {count} assignment(s) of {role} from {data.username}."
        await assign_role(organisation.slug, data.username, role, scope)
    except AccountError as error:
        raise ValueError(str(error)) from None
    return f"{data.username} now holds {data.role}."


class CatalogImport(BaseModel):
    catalog: str = Field(description="Catalog key, e.g. suppliers, analytic_codes, budgets")
    csv_lines: list[str] = Field(
        description="One CSV line per item, the first the header: code,label then any extra columns (email, siren…)"
    )
    deactivate_missing: bool = Field(default=False, description="Deactivate entries absent from the file")


async def catalog_import(organisation: AdministeredOrganisation, data: CatalogImport) -> str:
    try:
        report = await import_csv(organisation.slug, data.catalog, "\n".join(data.csv_lines),
                                  deactivate_missing=data.deactivate_missing)
    except CatalogImportError as error:
        raise ValueError(str(error)) from None
    return report


class TemplateInstall(BaseModel):
    template: str = Field(description="Folder name in ui-schemas/, e.g. purchase_request")


async def template_install(organisation: AdministeredOrganisation, data: TemplateInstall) -> str:
    if not data.template.replace("_", "").isalnum():
        raise ValueError(f"{data.template!r} is not a template name.")
    try:
        version = await install_template(organisation.id, TEMPLATES / data.template)
    except (TemplateError, DefinitionRejected) as error:
        raise ValueError(str(error)) from None
    return f"{version.name} installed as version {version.version}."



class TokenRevocation(BaseModel):
    token_id: int = Field(description="Id of the token (Organisations > Api Token)")


async def revoke_api_token(organisation: AdministeredOrganisation, data: TokenRevocation) -> str:
    if not await revoke_token_by_id(organisation.id, data.token_id):
        raise ValueError(f"Token {data.token_id} is not a token of {organisation.slug}.")
    return f"Token {data.token_id} is revoked: it stops working now."


Action = Callable[[AdministeredOrganisation, Any], Awaitable[str]]


@dataclass(frozen=True)
class Form:
    name: str
    model: type[BaseModel]
    action: Action
    description: str
    group: str

    def for_organisation(self) -> FormConfig:
        """Acts on the organisation the signed-in organisation administrator runs."""
        async def endpoint(request: Request, data: BaseModel) -> str:
            return await self.action(request.state.organisation, data)

        return FormConfig(name=self.name, pydantic_model=self.model, endpoint=endpoint,
                          description=self.description, form_group=self.group)

    def for_platform(self) -> FormConfig:
        """Asks which organisation first (platform administrators see them all)."""
        fields: dict[str, Any] = {"organisation": (str, Field(description="Organisation slug"))}
        fields.update({name: (field.annotation, field) for name, field in self.model.model_fields.items()})
        model = create_model(self.model.__name__, **fields)

        async def endpoint(request: Request, data: Any) -> str:
            values = data.model_dump()
            organisation = await _organisation(values.pop("organisation"))
            return await self.action(organisation, self.model(**values))

        return FormConfig(name=self.name, pydantic_model=model, endpoint=endpoint,
                          description=self.description, form_group=self.group)


FORMS = [
    Form("Create a user", NewUser, new_user, "A member with scoped roles; the initial password is shown once.",
         "Organisations"),
    Form("Assign or revoke a role", RoleChange, change_role,
         "Roles may be scoped, e.g. service_manager:department=IT.", "Organisations"),
    Form("Create a partner API token", PartnerToken, partner_token,
         "A read-only token for a partner portal; shown once.", "Organisations"),
    Form("Revoke an API token", TokenRevocation, revoke_api_token, "The token stops working at once.",
         "Organisations"),
    Form("Import a catalog from CSV", CatalogImport, catalog_import,
         "code,label plus extra columns; errors are reported by line.", "Definitions"),
    Form("Install a template", TemplateInstall, template_install,
         "Publish a template of ui-schemas/ as a new version.", "Definitions"),
    Form("Retry a failed job", RetryJob, retry_job, "Runs a FAILED job again with a fresh budget of attempts.",
         "Automation"),
]
