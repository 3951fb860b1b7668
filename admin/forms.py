"""Custom back-office forms: what is more than editing one row."""

from datetime import timedelta
from pathlib import Path

from piccolo_admin.endpoints import FormConfig
from pydantic import BaseModel, Field
from starlette.requests import Request

from models import jobs
from models.accounts import AccountError, assign_role, create_token, create_user, organisation_by_slug, revoke_role
from models.catalog_import import CatalogImportError, import_csv
from models.document_types import DefinitionRejected
from models.templates import TemplateError, install_template

TEMPLATES = Path(__file__).resolve().parent.parent / "ui-schemas"


async def _organisation(slug: str) -> int:
    """Form errors are ValueErrors: piccolo-admin shows their message beside the form."""
    try:
        return await organisation_by_slug(slug)
    except AccountError as error:
        raise ValueError(str(error)) from None


class RetryJob(BaseModel):
    organisation: str = Field(description="Organisation slug")
    job_id: int = Field(description="Id of a FAILED job (Automation > Outbox job)")


async def retry_job(request: Request, data: RetryJob) -> str:
    retried = await jobs.retry(data.job_id, await _organisation(data.organisation))
    if retried is None:
        raise ValueError(f"Job {data.job_id} is not a FAILED job of {data.organisation}.")
    return f"Job {data.job_id} ({retried['action']}) will run again."


class PartnerToken(BaseModel):
    organisation: str = Field(description="Organisation slug")
    partner_code: str = Field(description="Partner code (e.g. ACME)")
    days: int = Field(default=365, ge=1, le=3650)
    label: str = "partner portal"


async def partner_token(request: Request, data: PartnerToken) -> str:
    try:
        token = await create_token(organisation_slug=data.organisation, partner_code=data.partner_code,
                                   lifetime=timedelta(days=data.days), label=data.label)
    except AccountError as error:
        raise ValueError(str(error)) from None
    return f"Token (shown once, store it now; read-only, sees only {data.partner_code}'s documents): {token}"


FORMS = [
    FormConfig(name="Retry a failed job", pydantic_model=RetryJob, endpoint=retry_job,
               description="Runs a FAILED job again with a fresh budget of attempts.", form_group="Automation"),
    FormConfig(name="Create a partner API token", pydantic_model=PartnerToken, endpoint=partner_token,
               description="A read-only token for a partner portal; shown once.", form_group="Organisations"),
]


class NewUser(BaseModel):
    organisation: str = Field(description="Organisation slug")
    username: str = Field(min_length=2, max_length=100)
    email: str
    password: str = Field(min_length=8, description="At least 8 characters")
    display_name: str = ""
    roles: list[str] = Field(default_factory=list, description="One per item: role or role:key=value,key=value "
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


async def new_user(request: Request, data: NewUser) -> str:
    try:
        user_id = await create_user(
            organisation_slug=data.organisation, username=data.username, email=data.email, password=data.password,
            display_name=data.display_name or data.username, roles=_role_lines("\n".join(data.roles)),
            is_admin=data.administrator,
        )
    except AccountError as error:
        raise ValueError(str(error)) from None
    return f"User {data.username} created (id {user_id})."


class RoleChange(BaseModel):
    organisation: str = Field(description="Organisation slug")
    username: str
    role: str = Field(description="role or role:key=value,key=value")
    revoke: bool = Field(default=False, description="Tick to revoke instead of assign")


async def change_role(request: Request, data: RoleChange) -> str:
    [(role, scope)] = _role_lines(data.role) or [("", None)]
    try:
        if data.revoke:
            count = await revoke_role(data.organisation, data.username, role, scope)
            return f"Revoked {count} assignment(s) of {role} from {data.username}."
        await assign_role(data.organisation, data.username, role, scope)
    except AccountError as error:
        raise ValueError(str(error)) from None
    return f"{data.username} now holds {data.role}."


class CatalogImport(BaseModel):
    organisation: str = Field(description="Organisation slug")
    catalog: str = Field(description="Catalog key, e.g. suppliers, analytic_codes, budgets")
    csv_lines: list[str] = Field(
        description="One CSV line per item, the first the header: code,label then any extra columns (email, siren…)"
    )
    deactivate_missing: bool = Field(default=False, description="Deactivate entries absent from the file")


async def catalog_import(request: Request, data: CatalogImport) -> str:
    try:
        report = await import_csv(data.organisation, data.catalog, "\n".join(data.csv_lines),
                                  deactivate_missing=data.deactivate_missing)
    except CatalogImportError as error:
        raise ValueError(str(error)) from None
    return report


class TemplateInstall(BaseModel):
    organisation: str = Field(description="Organisation slug")
    template: str = Field(description="Folder name in ui-schemas/, e.g. purchase_request")


async def template_install(request: Request, data: TemplateInstall) -> str:
    organisation = await _organisation(data.organisation)
    if not data.template.replace("_", "").isalnum():
        raise ValueError(f"{data.template!r} is not a template name.")
    try:
        version = await install_template(organisation, TEMPLATES / data.template)
    except (TemplateError, DefinitionRejected) as error:
        raise ValueError(str(error)) from None
    return f"{version.name} installed as version {version.version}."


FORMS += [
    FormConfig(name="Create a user", pydantic_model=NewUser, endpoint=new_user,
               description="A member of an organisation, with scoped roles.", form_group="Organisations"),
    FormConfig(name="Assign or revoke a role", pydantic_model=RoleChange, endpoint=change_role,
               description="Roles may be scoped, e.g. service_manager:department=IT.", form_group="Organisations"),
    FormConfig(name="Import a catalog from CSV", pydantic_model=CatalogImport, endpoint=catalog_import,
               description="code,label plus extra columns; errors are reported by line.", form_group="Definitions"),
    FormConfig(name="Install a template", pydantic_model=TemplateInstall, endpoint=template_install,
               description="Publish a template of ui-schemas/ as a new version.", form_group="Definitions"),
]
