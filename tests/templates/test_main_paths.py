"""Each template of the library, installed into the demo organisation, runs its main path end to
end through the GraphQL API (every step by the person whose job it is), and refuses a step to
the wrong person; on SQLite and PostgreSQL."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from piccolo.apps.user.tables import BaseUser

from models.catalogs import ensure_catalog, put_entry
from models.database import write_transaction
from models.documents import create_for_platform
from models.tables import Role, RoleAssignment
from models.templates import install_template
from tests.circuit import CREATE, TRANSITION, UPDATE

LIBRARY = Path(__file__).resolve().parents[2] / "ui-schemas"
DOCUMENT = """query($id: ID!) { document(id: $id) { id number state version data
    availableActions { key label requiresComment } history { seq actor action fromState toState comment } } }"""


@dataclass(frozen=True)
class Step:
    """One move of the main path: a workflow action, or `update` (an edit of `changes`)."""

    user: str
    action: str
    state: str  # where the document rests afterwards
    changes: dict[str, Any] = field(default_factory=dict)
    comment: str | None = None


@dataclass(frozen=True)
class MainPath:
    key: str
    creator: str
    data: dict[str, Any]
    created: str  # where the document rests once created (and submitted)
    steps: tuple[Step, ...]
    submit: bool = False
    by_platform: bool = False  # created as the platform creates it (a purchase order from its request)
    # (username, role, scope): what the demo organisation lacks for this circuit
    grants: tuple[tuple[str, str, dict[str, str] | None], ...] = ()
    # (catalog, code, label): entries the data refers to
    entries: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Refusal:
    """After the first `after` steps of `path`, `user` tries `action` and is refused `reason`."""

    path: str
    after: int
    user: str
    action: str
    reason: str
    comment: str | None = None


SUPPLIER_INVOICE = {
    "supplier": "PAPYRUS",
    "invoice_number": "F2026-0117",
    "invoice_date": "2026-03-02",
    "due_date": "2026-04-01",
    "purchase_order_number": "BC-2026-00012",
    "department": "IT",
    "lines": [
        {"description": "Printer paper A4, box of 5 reams", "quantity": 40, "unit_price": 21.5, "vat_rate": 20},
        {"description": "Delivery", "quantity": 1, "unit_price": 40, "vat_rate": 20},
    ],
}
CHECK_AND_MATCH = (
    Step("erin", "check", "matching"),
    Step("erin", "update", "matching", changes={"matched": True}),
    Step("erin", "match", "approval"),
)

PATHS = {
    "supplier_invoice": MainPath(
        key="supplier_invoice",
        creator="erin",
        data=SUPPLIER_INVOICE,
        created="received",
        steps=(
            *CHECK_AND_MATCH,
            Step("bob", "approve", "payment_approved"),
            Step("erin", "pay", "paid"),
        ),
        entries=(("suppliers", "PAPYRUS", "Papeterie Papyrus SARL"),),
    ),
    "supplier_invoice_over_the_daf_limit": MainPath(
        key="supplier_invoice",
        creator="erin",
        data={**SUPPLIER_INVOICE, "lines": [
            {"description": "Office furniture", "quantity": 1, "unit_price": 10000.01, "vat_rate": 20},
        ]},
        created="received",
        steps=(
            *CHECK_AND_MATCH,
            Step("bob", "approve", "daf_approval"),
            Step("carol", "approve", "payment_approved"),
            Step("erin", "pay", "paid"),
        ),
        entries=(("suppliers", "PAPYRUS", "Papeterie Papyrus SARL"),),
    ),
    "contract": MainPath(
        key="contract",
        creator="alice",
        submit=True,
        data={
            "title": "Maintenance of the IT equipment, 2026-2028",
            "counterparty": "ACME",
            "contract_type": "maintenance",
            "amount": 36000,
            "start_date": "2026-01-01",
            "end_date": "2028-12-31",
            "renewal": True,
            "summary": "On-site maintenance of laptops and printers, next-business-day intervention.",
        },
        created="legal_review",
        steps=(
            Step("carol", "approve", "signature"),
            Step("dave", "sign", "signed"),
            Step("erin", "archive", "archived"),
        ),
        grants=(("carol", "legal", None),),
    ),
    "contract_with_a_counterparty_outside_the_catalog": MainPath(
        key="contract",
        creator="alice",
        submit=True,
        data={
            "title": "Confidentiality agreement before the audit",
            "counterparty_name": "Cabinet Dupont Avocats",
            "contract_type": "confidentiality",
            "amount": 0,
            "start_date": "2026-02-01",
            "renewal": False,
        },
        created="legal_review",
        steps=(
            Step("carol", "request_changes", "draft", comment="Add an end date: three years."),
            Step("alice", "update", "draft", changes={"end_date": "2029-01-31"}),
            Step("alice", "submit", "legal_review"),
            Step("carol", "approve", "signature"),
            Step("dave", "sign", "signed"),
            Step("admin", "archive", "archived"),
        ),
        grants=(("carol", "legal", None),),
    ),
    "hr_document": MainPath(
        key="hr_document",
        creator="alice",
        submit=True,
        data={
            "employee_name": "Alice Martin",
            "department": "IT",
            "document_type": "leave_request",
            "start_date": "2026-08-03",
            "end_date": "2026-08-14",
            "days": 10,
            "comment": "Summer holidays.",
        },
        created="manager_review",
        steps=(
            Step("bob", "approve", "hr_review"),
            Step("erin", "approve", "approved"),
        ),
        grants=(("erin", "hr", None),),
    ),
    "hr_document_certificate": MainPath(
        key="hr_document",
        creator="alice",
        submit=True,
        data={
            "employee_name": "Alice Martin",
            "department": "IT",
            "document_type": "certificate",
            "comment": "For a flat rental.",
        },
        created="manager_review",
        steps=(
            Step("bob", "approve", "hr_review"),
            Step("erin", "approve", "approved"),
        ),
        grants=(("erin", "hr", None),),
    ),
    "expense_report": MainPath(
        key="expense_report",
        creator="alice",
        submit=True,
        data={
            "period": "2026-03",
            "department": "IT",
            "purpose": "Customer visit in Lyon.",
            "lines": [
                {"date": "2026-03-02", "category": "transport", "description": "Train Paris-Lyon",
                 "amount": 95.4, "vat_rate": 10},
                {"date": "2026-03-02", "category": "accommodation", "description": "Hotel, one night",
                 "amount": 120, "vat_rate": 10},
                {"date": "2026-03-03", "category": "meals", "description": "Lunch with the customer",
                 "amount": 23.9, "vat_rate": 10},
            ],
        },
        created="manager_review",
        steps=(
            Step("bob", "approve", "accounting_check"),
            Step("erin", "validate", "to_reimburse"),
            Step("erin", "reimburse", "reimbursed"),
        ),
    ),
    "expense_report_approved_automatically": MainPath(
        key="expense_report",
        creator="alice",
        submit=True,
        data={
            "period": "2026-03",
            "department": "IT",
            "lines": [
                {"date": "2026-03-05", "category": "parking_tolls", "description": "Parking, customer visit",
                 "amount": 49.99, "vat_rate": 20},
            ],
        },
        created="accounting_check",
        steps=(
            Step("erin", "validate", "to_reimburse"),
            Step("erin", "reimburse", "reimbursed"),
        ),
    ),
    "purchase_request": MainPath(
        key="purchase_request",
        creator="alice",
        submit=True,
        data={
            "title": "Laptops for the new team",
            "department": "IT",
            "supplier": "ACME",
            "lines": [{"description": "Laptop", "quantity": 2, "unit_price": 750, "vat_rate": 20}],
        },
        created="service_review",
        steps=(
            Step("bob", "approve", "approved"),
            Step("erin", "order", "ordered"),
            Step("erin", "close", "closed"),
        ),
    ),
    "purchase_order": MainPath(
        key="purchase_order",
        creator="admin",
        by_platform=True,
        data={
            "title": "Toner cartridges",
            "supplier": "ACME",
            "lines": [{"description": "Toner, black", "quantity": 4, "unit_price": 62.5, "vat_rate": 20}],
        },
        created="issued",
        steps=(
            Step("erin", "acknowledge", "acknowledged"),
            Step("erin", "receive", "received"),
        ),
    ),
    "customer_invoice": MainPath(
        key="customer_invoice",
        creator="erin",
        data={
            "customer": "LEA",
            "issue_date": "2026-03-31",
            "due_date": "2026-04-30",
            "lines": [{"description": "Consulting, March", "quantity": 3, "unit_price": 800,
                       "vat_category": "S", "vat_rate": 20}],
        },
        created="draft",
        steps=(
            Step("erin", "validate", "validated"),
            Step("erin", "mark_sent", "sent"),
            Step("erin", "mark_paid", "paid"),
        ),
    ),
}

REFUSALS = [
    # the finance director sees the invoice but the first approval is the department manager's
    Refusal("supplier_invoice", after=3, user="carol", action="approve", reason="NOT_PERMITTED"),
    # the accountant who registered it holds no approving role
    Refusal("supplier_invoice", after=3, user="erin", action="approve", reason="NOT_PERMITTED"),
    # matching is not done until `matched` is ticked
    Refusal("supplier_invoice", after=1, user="erin", action="match", reason="CONDITION_FAILED"),
    Refusal("supplier_invoice", after=1, user="erin", action="dispute", reason="COMMENT_REQUIRED"),
    # the general manager signs, but only once the legal department approved
    Refusal("contract", after=0, user="dave", action="approve", reason="NOT_PERMITTED"),
    Refusal("contract", after=0, user="dave", action="sign", reason="NOT_AVAILABLE_IN_STATE"),
    Refusal("contract", after=1, user="carol", action="sign", reason="NOT_PERMITTED"),
    # HR decides after the manager, not instead
    Refusal("hr_document", after=0, user="erin", action="approve", reason="NOT_PERMITTED"),
    Refusal("hr_document", after=0, user="bob", action="reject", reason="COMMENT_REQUIRED"),
    Refusal("expense_report", after=0, user="erin", action="approve", reason="NOT_PERMITTED"),
    Refusal("expense_report", after=1, user="bob", action="validate", reason="NOT_PERMITTED"),
    Refusal("purchase_request", after=0, user="carol", action="approve", reason="NOT_PERMITTED"),
    Refusal("purchase_order", after=0, user="admin", action="acknowledge", reason="NOT_PERMITTED"),
    Refusal("customer_invoice", after=0, user="admin", action="validate", reason="NOT_PERMITTED"),
]


def _meta(key: str) -> dict[str, Any]:
    return json.loads((LIBRARY / key / "type.json").read_text(encoding="utf-8"))


async def _user_id(username: str) -> int:
    row = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    assert row is not None, f"no demo user {username}"
    return row["id"]


async def _prepare(organisation: int, path: MainPath) -> None:
    """Install the template, then give the demo what it lacks: catalog entries and role grants."""
    await install_template(organisation, LIBRARY / path.key, published_by=await _user_id("admin"))
    catalogs = _meta(path.key).get("catalogs", {})
    for catalog, code, label in path.entries:
        catalog_id = await ensure_catalog(organisation, catalog, catalogs.get(catalog, catalog))
        await put_entry(organisation, catalog_id, code, label)
    for username, role, scope in path.grants:
        await _grant(organisation, username, role, scope)


async def _grant(organisation: int, username: str, role: str, scope: dict[str, str] | None = None) -> None:
    row = await Role.select(Role.id).where((Role.organisation == organisation) & (Role.key == role)).first()
    assert row is not None, f"the organisation has no role {role}"
    await RoleAssignment.insert(
        RoleAssignment(organisation=organisation, user=await _user_id(username), role=row["id"], scope=scope)
    )


async def _create(api: Any, organisation: int, path: MainPath) -> dict[str, Any]:
    if path.by_platform:
        async with write_transaction():
            row = await create_for_platform(organisation, path.key, path.data, created_by=await _user_id(path.creator))
        body = await api(DOCUMENT, {"id": str(row.id)}, user=path.creator)
        assert "errors" not in body, body
        return body["data"]["document"]
    body = await api(
        CREATE, {"input": {"documentType": path.key, "data": path.data, "submit": path.submit}}, user=path.creator
    )
    assert "errors" not in body, body
    result = body["data"]["createDocument"]
    assert result["__typename"] == "DocumentPayload", result
    return result["document"]


async def _perform(api: Any, document: dict[str, Any], step: Step) -> dict[str, Any]:
    if step.action == "update":
        data = {**document["data"], **step.changes}
        variables = {"input": {"id": document["id"], "expectedVersion": document["version"], "data": data}}
        body = await api(UPDATE, variables, user=step.user)
        result = body.get("data", {}).get("updateDocument") if "errors" not in body else body
    else:
        variables = {"input": {"id": document["id"], "action": step.action, "comment": step.comment}}
        body = await api(TRANSITION, variables, user=step.user)
        result = body.get("data", {}).get("transition") if "errors" not in body else body
    assert result and result.get("__typename") == "DocumentPayload", f"{step}: {result}"
    return result["document"]


async def _started(api: Any, organisation: int, name: str, steps: int | None = None) -> dict[str, Any]:
    """A document of path `name`, created and moved through its first `steps` steps (all by default)."""
    path = PATHS[name]
    await _prepare(organisation, path)
    document = await _create(api, organisation, path)
    assert document["state"] == path.created
    for step in path.steps[:steps]:
        document = await _perform(api, document, step)
        assert document["state"] == step.state, f"after {step}"
    return document


@pytest.mark.parametrize("name", list(PATHS))
async def test_the_main_path_runs_end_to_end(api, demo, name):
    path = PATHS[name]
    document = await _started(api, demo, name)
    prefix = _meta(path.key)["number_prefix"]
    assert document["number"].startswith(f"{prefix}-")
    workflow = json.loads((LIBRARY / path.key / "workflow.json").read_text(encoding="utf-8"))
    final = path.steps[-1].state
    assert workflow["states"][final].get("final") is True
    assert document["state"] == final
    assert document["availableActions"] == []
    moves = [(h["actor"], h["action"], h["toState"]) for h in document["history"] if h["action"] != "update"]
    expected = [(step.user, step.action, step.state) for step in path.steps if step.action != "update"]
    assert moves[-len(expected):] == expected


@pytest.mark.parametrize(
    "refusal", REFUSALS, ids=[f"{r.path}-{r.user}-{r.action}-{r.reason}" for r in REFUSALS]
)
async def test_the_wrong_person_or_a_missing_condition_is_refused(api, demo, refusal):
    before = await _started(api, demo, refusal.path, refusal.after)
    variables = {"input": {"id": before["id"], "action": refusal.action, "comment": refusal.comment}}
    body = await api(TRANSITION, variables, user=refusal.user)
    assert "errors" not in body, body
    result = body["data"]["transition"]
    assert (result["__typename"], result["reason"]) == ("ActionRefused", refusal.reason), result
    after = (await api(DOCUMENT, {"id": before["id"]}, user=PATHS[refusal.path].creator))["data"]["document"]
    assert (after["state"], after["version"]) == (before["state"], before["version"])


async def test_the_registering_accountant_never_approves_the_invoice_even_as_manager(api, demo):
    await _grant(demo, "erin", "service_manager", {"department": "IT"})
    document = await _started(api, demo, "supplier_invoice", 3)
    body = await api(TRANSITION, {"input": {"id": document["id"], "action": "approve"}}, user="erin")
    assert body["data"]["transition"]["reason"] == "SELF_APPROVAL"


@pytest.mark.parametrize(("key", "role"), [("contract", "legal"), ("hr_document", "hr")])
async def test_installing_creates_the_role_the_circuit_needs(demo, key, role):
    assert not await Role.exists().where((Role.organisation == demo) & (Role.key == role))
    await install_template(demo, LIBRARY / key)
    assert await Role.exists().where((Role.organisation == demo) & (Role.key == role))


async def test_a_contract_names_one_counterparty_only(api, demo):
    await _prepare(demo, PATHS["contract"])
    data = {**PATHS["contract"].data, "counterparty_name": "ACME Fournitures"}
    body = await api(CREATE, {"input": {"documentType": "contract", "data": data}}, user="alice")
    result = body["data"]["createDocument"]
    assert result["__typename"] == "ValidationFailed"
    assert [error["path"] for error in result["errors"]] == ["/counterparty_name"]
