"""The documents list: newest first, cursor pagination, filters and search, each viewer seeing
exactly what the visibility rule gives them."""

import pytest

from tests.circuit import request_data

LIST = """query($filter: DocumentFilter, $first: Int, $after: String) {
  documents(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id number state data } }
  }
}"""


async def _list(api, user: str = "admin", **variables) -> dict:
    body = await api(LIST, variables, user=user)
    assert "errors" not in body, body
    return body["data"]["documents"]


def _ids(page: dict) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


@pytest.fixture
async def five(circuit) -> list[dict]:
    """Five IT requests by alice, oldest first: two drafts, three submitted at various amounts."""
    documents = [
        (await circuit.create(title="Laptops for the new team"))["document"],
        await circuit.submitted(title="Office chairs", total_ht=300),
        await circuit.submitted(title="Nouveaux écrans 27 pouces", total_ht=800),
        (await circuit.create(title="Server rack, 100% redundant"))["document"],
        await circuit.submitted(title="Licences for the design_tool", total_ht=6000),
    ]
    return documents


async def test_list_is_newest_first(api, five):
    page = await _list(api)
    assert _ids(page) == [d["id"] for d in reversed(five)]
    assert page["totalCount"] == 5
    assert page["pageInfo"] == {"hasNextPage": False, "endCursor": page["edges"][-1]["cursor"]}


async def test_pages_follow_each_other_without_gaps_or_repeats(api, five):
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await _list(api, first=2, after=after)
        pages += 1
        assert page["totalCount"] == 5  # the whole filtered list, not the page
        assert len(page["edges"]) <= 2
        seen += _ids(page)
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == [d["id"] for d in reversed(five)]


async def test_exact_last_page_has_no_next_page(api, five):
    first = await _list(api, first=4)
    assert first["pageInfo"]["hasNextPage"] is True
    last = await _list(api, first=1, after=first["pageInfo"]["endCursor"])
    assert _ids(last) == [five[0]["id"]]
    assert last["pageInfo"]["hasNextPage"] is False
    empty = await _list(api, first=5, after=last["pageInfo"]["endCursor"])
    assert empty["edges"] == []
    assert empty["pageInfo"] == {"hasNextPage": False, "endCursor": None}


async def test_first_zero_gives_only_the_count(api, five):
    page = await _list(api, first=0)
    assert page["edges"] == []
    assert page["totalCount"] == 5
    assert page["pageInfo"]["hasNextPage"] is True


async def test_filter_by_state(api, five):
    drafts = await _list(api, filter={"state": "draft"})
    assert _ids(drafts) == [five[3]["id"], five[0]["id"]]
    assert drafts["totalCount"] == 2
    approved = await _list(api, filter={"state": "approved"})
    assert _ids(approved) == [five[1]["id"]]
    assert (await _list(api, filter={"state": "no_such_state"}))["totalCount"] == 0


async def test_filter_by_document_type(api, five):
    assert (await _list(api, filter={"documentType": "purchase_request"}))["totalCount"] == 5
    assert (await _list(api, filter={"documentType": "invoice"}))["totalCount"] == 0


async def test_filters_combine_and_paginate(api, five):
    page = await _list(api, filter={"documentType": "purchase_request", "state": "service_review"}, first=1)
    assert page["totalCount"] == 2
    assert _ids(page) == [five[4]["id"]]
    rest = await _list(api, filter={"documentType": "purchase_request", "state": "service_review"},
                       after=page["pageInfo"]["endCursor"])
    assert _ids(rest) == [five[2]["id"]]


async def test_search_by_number(api, five):
    number = five[2]["number"]
    assert _ids(await _list(api, filter={"search": number})) == [five[2]["id"]]
    assert _ids(await _list(api, filter={"search": number.lower()})) == [five[2]["id"]]
    assert _ids(await _list(api, filter={"search": number[-5:]})) == [five[2]["id"]]


async def test_search_by_title_text_ignores_case(api, five):
    assert _ids(await _list(api, filter={"search": "CHAIRS"})) == [five[1]["id"]]
    assert _ids(await _list(api, filter={"search": "office ch"})) == [five[1]["id"]]
    assert (await _list(api, filter={"search": "no such words"}))["totalCount"] == 0


async def test_search_finds_accented_text(api, five):
    assert _ids(await _list(api, filter={"search": "écrans"})) == [five[2]["id"]]


@pytest.mark.parametrize("field_name", ["title", "unit_price", "vat_rate", "lines"])
async def test_search_ignores_field_names(api, five, field_name):
    assert (await _list(api, filter={"search": field_name}))["totalCount"] == 0


async def test_search_looks_into_lines(api, circuit, five):
    lines = [{"description": "Ergonomic keyboard", "quantity": 2, "unit_price": 80, "vat_rate": 20}]
    document = await circuit.submitted(total_ht=160, lines=lines)
    assert _ids(await _list(api, filter={"search": "KEYBOARD"})) == [document["id"]]


@pytest.mark.parametrize(("search", "index"), [("100%", 3), ("design_tool", 4), ("%", 3), ("_", 4)])
async def test_search_wildcards_are_literal(api, five, search, index):
    assert _ids(await _list(api, filter={"search": search})) == [five[index]["id"]]


async def test_search_combines_with_state_and_paging(api, five):
    page = await _list(api, filter={"search": "for the", "state": "draft"})
    assert _ids(page) == [five[0]["id"]]


async def test_requester_sees_only_her_own_documents(api, circuit, five):
    """carol (finance) files an IT request too: alice, a requester, is not in its audience."""
    carols = await circuit.submitted(user="carol", total_ht=900, title="Finance laptop")
    alice = await _list(api, user="alice")
    assert _ids(alice) == [d["id"] for d in reversed(five)]
    bob = await _list(api, user="bob")
    assert _ids(bob) == [carols["id"], *[d["id"] for d in reversed(five)]]


async def test_service_manager_sees_his_departments_documents_only(api, circuit, five):
    ops = await circuit.submitted(user="paula", total_ht=900, department="OPS", analytic_code="OPS-GEN",
                                  title="Forklift")
    bob = await _list(api, user="bob")
    assert bob["totalCount"] == 5
    assert ops["id"] not in _ids(bob)
    assert all(edge["node"]["data"]["department"] == "IT" for edge in bob["edges"])
    paula = await _list(api, user="paula")
    assert _ids(paula) == [ops["id"]]
    assert (await _list(api, user="alice"))["totalCount"] == 5


async def test_admin_sees_every_document(api, circuit, five):
    ops = await circuit.submitted(user="paula", total_ht=900, department="OPS", analytic_code="OPS-GEN")
    carols = await circuit.create(user="carol", **{"title": "Draft by carol"})
    page = await _list(api, user="admin")
    assert page["totalCount"] == 7
    assert _ids(page)[:2] == [carols["document"]["id"], ops["id"]]


async def test_visibility_counts_match_what_is_listed(api, circuit, five):
    """totalCount is computed under the same rule as the rows, so paging never overshoots."""
    await circuit.submitted(user="paula", total_ht=900, department="OPS", analytic_code="OPS-GEN")
    for user in ("alice", "bob", "paula", "carol", "admin"):
        page = await _list(api, user=user, first=100)
        assert page["totalCount"] == len(page["edges"]), user


async def test_requester_cannot_widen_visibility_by_filter(api, circuit, five):
    await circuit.submitted(user="paula", total_ht=900, department="OPS", analytic_code="OPS-GEN",
                            title="Forklift")
    assert (await _list(api, user="alice", filter={"search": "Forklift"}))["totalCount"] == 0
    assert request_data()["department"] == "IT"
