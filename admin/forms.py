"""Custom back-office forms: what is more than editing one row."""

from datetime import timedelta

from piccolo_admin.endpoints import FormConfig
from pydantic import BaseModel, Field
from starlette.requests import Request

from models import jobs
from models.accounts import AccountError, create_token
from models.tables import Organisation


class RetryJob(BaseModel):
    organisation: str = Field(description="Organisation slug")
    job_id: int = Field(description="Id of a FAILED job (Automation > Outbox job)")


async def retry_job(request: Request, data: RetryJob) -> str:
    organisation = await Organisation.select(Organisation.id).where(Organisation.slug == data.organisation).first()
    if organisation is None:
        raise ValueError(f"No organisation {data.organisation!r}.")
    retried = await jobs.retry(data.job_id, organisation["id"])
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
