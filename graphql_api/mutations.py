"""Write side of the API. Business refusals come back as result types, never as errors."""

import strawberry
from strawberry.types import Info

from graphql_api.context import ADMIN_SESSION_COOKIE, SESSION_COOKIE, request_token
from graphql_api.errors import ApiError, Forbidden, NotFoundError
from graphql_api.inputs import CreateDocumentInput, TransitionInput, UpdateDocumentInput
from graphql_api.types import (
    ActionRefused,
    ChangePasswordResult,
    Document,
    DocumentPayload,
    DocumentResult,
    FieldError,
    Job,
    LoginFailed,
    LoginResult,
    LoginSuccess,
    PasswordChanged,
    PasswordRejected,
    ValidationFailed,
    VersionConflict,
    Viewer,
    WebhookEndpoint,
    WebhookRegistration,
)
from models import documents, jobs, throttle, webhook_endpoints
from models.accounts import AccountError, change_password
from models.errors import NotFound
from models.outcomes import Conflict, Invalid, Outcome, Refusal, Saved
from models.sessions import HashedSessions
from models.viewers import login as open_session
from models.viewers import revoke_token


def result(outcome: Outcome) -> DocumentResult:
    """Map a store outcome to its GraphQL result type (one place, so every mutation agrees)."""
    if isinstance(outcome, Saved):
        return DocumentPayload(document=Document(record=outcome.document))
    if isinstance(outcome, Invalid):
        return ValidationFailed(message=outcome.message, errors=[FieldError.of(e) for e in outcome.errors])
    if isinstance(outcome, Conflict):
        return VersionConflict(message=outcome.message, current_version=outcome.current_version)
    assert isinstance(outcome, Refusal)
    return ActionRefused(message=outcome.message, reason=outcome.reason)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def login(
        self, info: Info, username: str, password: str, session_cookie: bool = False
    ) -> LoginResult:
        """With sessionCookie the token is also set as an HttpOnly cookie (the portal page)."""
        if len(username) > 150 or len(password) > 1_000:
            return LoginFailed(message="Unknown username or wrong password.")
        request = info.context.request
        address = request.client.host if request is not None and request.client else None
        refused = await throttle.blocked(username, address)
        if refused:
            return LoginFailed(message=refused.message)
        lifetime = info.context.token_lifetime
        session = await open_session(username, password, lifetime)
        if session is None:
            await throttle.record_failure(username, address, throttle.ThrottlePolicy())
            return LoginFailed(message="Unknown username or wrong password.")
        await throttle.record_success(username)
        token, viewer = session
        if session_cookie and info.context.response is not None:
            info.context.response.set_cookie(
                SESSION_COOKIE, token, max_age=int(lifetime.total_seconds()), httponly=True, samesite="strict",
                secure=info.context.request is not None and info.context.request.url.scheme == "https", path="/",
            )
        return LoginSuccess(token=token, viewer=Viewer.of(viewer))

    @strawberry.mutation(description="End the session: the token stops working and the cookie is cleared.")
    async def logout(self, info: Info) -> bool:
        request = info.context.request
        token = request_token(request) if request is not None else None
        if token:
            await revoke_token(token)
        admin_session = request.cookies.get(ADMIN_SESSION_COOKIE) if request is not None else None
        if admin_session:  # signed in through /admin/: that session ends too
            await HashedSessions.remove_session(admin_session)
        if info.context.response is not None:
            info.context.response.delete_cookie(SESSION_COOKIE, path="/")
            if admin_session:
                info.context.response.delete_cookie(ADMIN_SESSION_COOKIE, path="/")
        return token is not None or bool(admin_session)

    @strawberry.mutation(description="Replace your password; your other sessions end.")
    async def change_password(self, info: Info, current_password: str, new_password: str) -> ChangePasswordResult:
        viewer = info.context.require_viewer()
        if viewer.is_partner:
            raise Forbidden("A partner token has no password.")
        if len(current_password) > 1_000 or len(new_password) > 1_000:
            return PasswordRejected(message="Passwords are at most 1,000 characters.")
        request = info.context.request
        try:
            await change_password(viewer.user_id, viewer.username, current_password, new_password,
                                  keep_token=request_token(request) if request is not None else None,
                                  keep_admin_session=request.cookies.get(ADMIN_SESSION_COOKIE) if request else None)
        except AccountError as error:
            return PasswordRejected(message=f"Password not changed: {error}.")
        return PasswordChanged(message="Password changed; your other sessions are closed.")

    @strawberry.mutation
    async def create_document(self, info: Info, input: CreateDocumentInput) -> DocumentResult:
        viewer = info.context.require_viewer()
        try:
            outcome = await documents.create_document(viewer, input.document_type, input.data, bool(input.submit))
        except NotFound as error:
            raise NotFoundError(str(error)) from None
        return result(outcome)

    @strawberry.mutation
    async def update_document(self, info: Info, input: UpdateDocumentInput) -> DocumentResult:
        viewer = info.context.require_viewer()
        try:
            outcome = await documents.update_document(
                viewer, documents.parse_id(input.id), input.expected_version, input.data
            )
        except NotFound as error:
            raise NotFoundError(str(error)) from None
        return result(outcome)

    @strawberry.mutation(description="Run a FAILED job again with a fresh budget of attempts (administrators).")
    async def retry_job(self, info: Info, id: strawberry.ID) -> Job:
        viewer = info.context.require_viewer()
        if not viewer.actor.is_admin:
            raise Forbidden("Only administrators may retry jobs.")
        try:
            job_id = documents.parse_id_of("job", id)
        except NotFound as error:
            raise NotFoundError(str(error)) from None
        existing = await jobs.find(job_id, viewer.organisation_id)
        if existing is None:
            raise NotFoundError(f"no job with id {id!r}")
        retried = await jobs.retry(job_id, viewer.organisation_id)
        if retried is None:
            raise ApiError(f"job {id} is {existing.status}, only FAILED jobs can be retried")
        return Job.of(retried)

    @strawberry.mutation(description="Register an HTTPS endpoint for document events (administrators).")
    async def register_webhook(
        self, info: Info, url: str, events: list[str] | None = None
    ) -> WebhookRegistration:
        viewer = info.context.require_viewer()
        if not viewer.actor.is_admin:
            raise Forbidden("Only administrators may register webhooks.")
        try:
            endpoint, secret = await webhook_endpoints.register(
                viewer.organisation_id, url, events or ["*"], info.context.webhook_allow_http_hosts
            )
        except webhook_endpoints.EndpointRefused as error:
            raise ApiError(str(error)) from None
        return WebhookRegistration(
            endpoint=WebhookEndpoint(id=strawberry.ID(str(endpoint["id"])), url=endpoint["url"],
                                     events=endpoint["events"], active=True),
            secret=secret,
        )

    @strawberry.mutation(description="Stop sending events to an endpoint (administrators).")
    async def deactivate_webhook(self, info: Info, id: strawberry.ID) -> bool:
        viewer = info.context.require_viewer()
        if not viewer.actor.is_admin:
            raise Forbidden("Only administrators may change webhooks.")
        try:
            endpoint_id = documents.parse_id_of("webhook", id)
        except NotFound as error:
            raise NotFoundError(str(error)) from None
        if not await webhook_endpoints.deactivate(viewer.organisation_id, endpoint_id):
            raise NotFoundError(f"no webhook with id {id!r}")
        return True

    @strawberry.mutation
    async def transition(self, info: Info, input: TransitionInput) -> DocumentResult:
        viewer = info.context.require_viewer()
        try:
            outcome = await documents.transition(
                viewer, documents.parse_id(input.id), input.action, input.expected_version, input.comment
            )
        except NotFound as error:
            raise NotFoundError(str(error)) from None
        return result(outcome)
