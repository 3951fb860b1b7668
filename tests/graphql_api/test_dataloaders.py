"""Listing documents with their related data costs the same number of SQL queries for 2 rows
as for 10: every relation is batched through a per-request DataLoader."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from models.database import current_engine
from models.tables import Link

LIST = """{ documents(first: 50) { totalCount edges { node {
  id number state stateLabel typeVersion version
  documentType { key version }
  createdBy
  history { seq actor action }
  jobs { action status }
  availableActions { key }
  links { kind document { id number createdBy documentType { key } history { seq } } }
} } } }"""


@contextmanager
def counted_queries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Count every statement the bound engine runs (all piccolo queries go through here)."""
    engine_class = type(current_engine())
    original = engine_class.run_querystring
    statements: list[str] = []

    async def counting(self, querystring, *args, **kwargs):
        statements.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(engine_class, "run_querystring", counting)
        yield statements


async def _add(circuit, count: int) -> list[str]:
    """Documents in varied states (draft, waiting, approved with a job), each linked to the
    one before, like a purchase order to its request."""
    ids = []
    for index in range(count):
        if index % 3 == 0:
            ids.append((await circuit.create(total_ht=100 + index))["document"]["id"])
        else:
            ids.append((await circuit.submitted(total_ht=(300 if index % 3 == 1 else 900) + index))["id"])
    return ids


async def _link_all() -> None:
    await Link.delete().where(Link.id > 0)
    from models.tables import Document

    rows = await Document.select(Document.id, Document.organisation).order_by(Document.id)
    await Link.insert(
        *(
            Link(organisation=after["organisation"], source=before["id"], target=after["id"], kind="purchase_order")
            for before, after in zip(rows, rows[1:], strict=False)
        )
    )


async def _measure(api, monkeypatch, user: str) -> tuple[int, list[str], dict]:
    token = await api.token(user)
    await api(LIST, token=token)  # warm the per-process version cache
    with counted_queries(monkeypatch) as statements:
        body = await api(LIST, token=token)
    assert "errors" not in body, body
    return len(statements), statements, body["data"]["documents"]


@pytest.mark.parametrize("user", ["admin", "bob", "alice"])
async def test_listing_costs_the_same_queries_for_two_or_ten_documents(api, circuit, monkeypatch, user):
    await _add(circuit, 2)
    await _link_all()
    small, small_sql, page = await _measure(api, monkeypatch, user)
    assert len(page["edges"]) == page["totalCount"] == 2
    await _add(circuit, 8)
    await _link_all()
    large, large_sql, page = await _measure(api, monkeypatch, user)
    visible = page["totalCount"]
    assert len(page["edges"]) == visible >= 6
    nodes = [edge["node"] for edge in page["edges"]]
    assert all(node["history"] and node["documentType"]["key"] == "purchase_request" for node in nodes)
    assert any(node["jobs"] for node in nodes)
    assert any(node["links"] for node in nodes)
    assert large == small, "\n".join(large_sql)
    assert small <= 14, "\n".join(small_sql)
