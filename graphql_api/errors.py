"""Deliberate API errors (with `extensions.code`) and the masking of everything else.

Authentication and lookup failures are GraphQL errors that clients can branch on; any other
exception is a bug: it is logged with a request id and the client sees only that id.
"""

import logging
import uuid

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

logger = logging.getLogger("parapheur.api")


class ApiError(Exception):
    """Raised for an error the client should see as is, with a machine-readable code."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code}


class Unauthenticated(ApiError):
    """Raised when the request carries no valid token for a field that needs one."""

    code = "UNAUTHENTICATED"


class Forbidden(ApiError):
    """Raised when the viewer is known but not allowed."""

    code = "FORBIDDEN"


class NotFoundError(ApiError):
    """Raised when an id names nothing the viewer may see."""

    code = "NOT_FOUND"


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, (ApiError, GraphQLError))


class MaskUnexpectedErrors(MaskErrors):
    """Masks bugs, keeps deliberate errors; the log line and the client share a request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = uuid.uuid4().hex[:12]
        logger.error(
            "unexpected error (request %s) at %s", request_id, error.path, exc_info=error.original_error
        )
        return GraphQLError(
            message=f"Internal error; quote request id {request_id} to support.",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_ERROR", "requestId": request_id},
        )
