"""One function writes a document's change: the version moves once, and only what changed is rewritten."""

from datetime import UTC, datetime

import pytest

from models.changes import Change, apply, lock, version_conflict
from models.database import write_transaction
from models.history import entries_of, verify_chain
from models.tables import Document, OutboxJob, Task
from rules.decisions import Step

pytestmark = pytest.mark.usefixtures("demo")


async def _locked(document_id: int):
    organisation = (await Document.select(Document.organisation).where(Document.id == document_id).first())
    return await lock(organisation["organisation"], document_id)


async def _open_tasks(document_id: int) -> list[tuple]:
    rows = await Task.select(Task.id, Task.role, Task.opened_at).where(
        (Task.document == document_id) & Task.closed_at.is_null())
    return sorted((row["id"], row["role"], row["opened_at"]) for row in rows)


async def test_a_new_document_reaches_version_1_with_its_create_entry(circuit):
    created = await circuit.create()

    document = created["document"]
    assert (document["version"], [e["action"] for e in document["history"]]) == (1, ["create"])


async def test_apply_bumps_the_version_once_and_seals_one_entry_per_step(circuit):
    submitted = await circuit.submitted()
    document_id = int(submitted["id"])
    steps = [Step("note", "Noted", submitted["state"], submitted["state"], automatic=True, comment="one"),
             Step("note", "Noted", submitted["state"], submitted["state"], automatic=True, comment="two")]
    async with write_transaction():
        document, pinned = await _locked(document_id)
        updated = await apply(document, pinned, Change(steps=steps), actor=None, now=datetime.now(UTC))

    stored = await Document.select(Document.version).where(Document.id == document_id).first()
    entries = await entries_of(document.organisation_id, [document_id])
    assert updated.version == stored["version"] == submitted["version"] + 1
    assert [e.comment for e in entries[-2:]] == ["one", "two"]
    assert verify_chain(entries).ok


async def test_a_change_of_neither_state_nor_data_leaves_the_tasks_open_as_they_were(circuit):
    document_id = int((await circuit.submitted())["id"])
    before = await _open_tasks(document_id)
    async with write_transaction():
        document, pinned = await _locked(document_id)
        step = Step("platform_status", "Platform status", document.state, document.state, automatic=True)
        await apply(document, pinned, Change(steps=[step], platform_status={"status": "200"}), actor=None,
                    now=datetime.now(UTC))

    assert before and await _open_tasks(document_id) == before


async def test_a_change_of_state_closes_the_tasks_and_opens_those_of_the_new_state(circuit):
    document_id = int((await circuit.submitted(total_ht=6000))["id"])
    before = await _open_tasks(document_id)

    await circuit.approved_by("bob", str(document_id))

    after = await _open_tasks(document_id)
    assert [role for _, role, _ in before] != [role for _, role, _ in after]
    assert not {task_id for task_id, _, _ in before} & {task_id for task_id, _, _ in after}


async def test_queued_jobs_are_keyed_by_the_history_entry_that_queued_them(circuit):
    document = await circuit.submitted(total_ht=1000)  # under the DAF limit: bob approves it
    approved = await circuit.approved_by("bob", document["id"])

    jobs = await OutboxJob.select(OutboxJob.action, OutboxJob.idempotency_key).where(
        (OutboxJob.document == int(document["id"])) & (OutboxJob.action == "generate_purchase_order"))
    last_seq = approved["history"][-1]["seq"]
    assert [job["idempotency_key"] for job in jobs] == [f"{document['id']}:{last_seq}:generate_purchase_order"]


async def test_version_conflict_only_when_the_client_named_another_version(circuit):
    document_id = int((await circuit.submitted())["id"])
    document, _ = await _locked(document_id)

    assert version_conflict(document, None) is None
    assert version_conflict(document, document.version) is None
    conflict = version_conflict(document, document.version - 1)
    assert conflict is not None and conflict.current_version == document.version
    assert f"you had version {document.version - 1}, it is now {document.version}" in conflict.message
