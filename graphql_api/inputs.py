"""GraphQL input types."""

import strawberry
from strawberry.scalars import JSON


@strawberry.input
class DocumentFilter:
    document_type: str | None = None
    state: str | None = None
    search: str | None = None


@strawberry.input
class CreateDocumentInput:
    document_type: str
    data: JSON
    submit: bool | None = strawberry.field(
        default=None, description="Create and perform the workflow's submit action in one step."
    )


@strawberry.input
class UpdateDocumentInput:
    id: strawberry.ID
    expected_version: int
    data: JSON


@strawberry.input
class TransitionInput:
    id: strawberry.ID
    action: str
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version the client showed. Send it: the action is then refused with VersionConflict "
        "if the document changed since. Left out, the action applies to the document as it is now.",
    )
    comment: str | None = strawberry.field(default=None, description="At most 5,000 characters.")
