"""The audit trail is hash-chained and the database refuses to rewrite it."""


from dataclasses import replace

import pytest

from models.history import entries_of, verify_chain
from models.records import HistoryRecord
from models.tables import Document, HistoryEntry

pytestmark = pytest.mark.usefixtures("demo")


async def _chain(circuit) -> list[HistoryRecord]:
    document = await circuit.submitted(total_ht=6000)
    await circuit.approved_by("bob", document["id"])
    await circuit.act("carol", document["id"], "return_for_changes", comment="Split the order")
    organisation = (await Document.select(Document.organisation).first())["organisation"]
    return await entries_of(organisation, [int(document["id"])])


async def test_history_records_actor_comment_and_a_valid_chain(circuit):
    entries = await _chain(circuit)
    assert [(e.actor_name, e.action, e.comment) for e in entries] == [
        ("alice", "create", None),
        ("alice", "submit", None),
        ("bob", "approve", None),
        ("carol", "return_for_changes", "Split the order"),
    ]
    assert verify_chain(entries).ok


@pytest.mark.parametrize(
    ("field", "value"),
    [("comment", "Looks fine"), ("actor_name", "dave"), ("to_state", "approved"), ("action", "approve")],
)
async def test_altering_any_entry_breaks_the_chain_at_that_entry(circuit, field, value):
    entries = await _chain(circuit)
    entries[3] = replace(entries[3], **{field: value})
    check = verify_chain(entries)
    assert not check.ok
    assert check.broken_at == 4


async def test_removing_an_entry_breaks_the_chain(circuit):
    entries = await _chain(circuit)
    check = verify_chain(entries[:1] + entries[2:])
    assert (check.ok, check.broken_at) == (False, 3)


async def test_rehashing_an_altered_entry_still_breaks_the_next_link(circuit):
    from models.history import entry_hash

    entries = await _chain(circuit)
    forged = replace(entries[2], actor_name="dave")
    entries[2] = replace(forged, hash=entry_hash(forged.sealed_fields(), forged.prev_hash))
    check = verify_chain(entries)
    assert (check.ok, check.broken_at) == (False, 4)


async def test_database_refuses_to_update_or_delete_history(circuit):
    await _chain(circuit)
    with pytest.raises(Exception, match="immutable"):
        await HistoryEntry.update({HistoryEntry.comment: "rewritten"}).where(HistoryEntry.seq == 4)
    with pytest.raises(Exception, match="immutable"):
        await HistoryEntry.delete().where(HistoryEntry.seq == 1)
    assert await HistoryEntry.count() == 4
    assert await Document.count() == 1


