"""Helpers for driving the purchase-request circuit through the API (the `circuit` fixture)."""

from typing import Any

DOCUMENT_FIELDS = """
  __typename
  ... on DocumentPayload { document { id number state version data createdBy
      availableActions { key label requiresComment }
      history { seq actor action fromState toState comment } } }
  ... on ValidationFailed { message errors { path message } }
  ... on ActionRefused { message reason }
  ... on VersionConflict { message currentVersion }
"""

CREATE = f"""mutation($input: CreateDocumentInput!) {{ createDocument(input: $input) {{ {DOCUMENT_FIELDS} }} }}"""
UPDATE = f"""mutation($input: UpdateDocumentInput!) {{ updateDocument(input: $input) {{ {DOCUMENT_FIELDS} }} }}"""
TRANSITION = f"""mutation($input: TransitionInput!) {{ transition(input: $input) {{ {DOCUMENT_FIELDS} }} }}"""


def request_data(total_ht: float = 1000, department: str = "IT", **overrides: Any) -> dict[str, Any]:
    """A valid purchase request whose single line makes `total_ht` exactly."""
    data = {
        "title": "Laptops for the new team",
        "department": department,
        "supplier": "ACME",
        "analytic_code": "IT-HW",
        "needed_by": "2026-12-15",
        "justification": "Two new developers join in December.",
        "lines": [{"description": "Laptop", "quantity": 1, "unit_price": total_ht, "vat_rate": 20}],
    }
    data.update(overrides)
    return data


class Circuit:
    """Thin verbs over the GraphQL client: create, submit, act; each returns the result object."""

    def __init__(self, api: Any):
        self.api = api

    async def create(self, user: str = "alice", submit: bool = False, **data: Any) -> dict[str, Any]:
        body = await self.api(
            CREATE,
            {"input": {"documentType": "purchase_request", "data": request_data(**data), "submit": submit}},
            user=user,
        )
        assert "errors" not in body, body
        return body["data"]["createDocument"]

    async def submitted(self, user: str = "alice", **data: Any) -> dict[str, Any]:
        result = await self.create(user, submit=True, **data)
        assert result["__typename"] == "DocumentPayload", result
        return result["document"]

    async def act(
        self, user: str, document_id: str, action: str, comment: str | None = None,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        body = await self.api(
            TRANSITION,
            {"input": {"id": document_id, "action": action, "comment": comment, "expectedVersion": expected_version}},
            user=user,
        )
        assert "errors" not in body, body
        return body["data"]["transition"]

    async def approved_by(self, user: str, document_id: str) -> dict[str, Any]:
        result = await self.act(user, document_id, "approve")
        assert result["__typename"] == "DocumentPayload", result
        return result["document"]

