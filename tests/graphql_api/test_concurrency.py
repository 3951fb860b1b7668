"""Concurrent writers on one document (or one number sequence) serialise: one wins, the rest
are told why, and nothing is written twice."""

import asyncio

from tests.circuit import CREATE, TRANSITION, request_data

RACERS = 20


async def _race(api, document_id: str, expected_version: int | None) -> list[dict]:
    token = await api.token("bob")
    variables = {"input": {"id": document_id, "action": "approve", "expectedVersion": expected_version}}
    bodies = await asyncio.gather(*(api(TRANSITION, variables, token=token) for _ in range(RACERS)))
    for body in bodies:
        assert "errors" not in body, body
    return [body["data"]["transition"] for body in bodies]


async def _after(api, document_id: str) -> dict:
    body = await api("query($id: ID!) { document(id: $id) { state version history { action } } }",
                     {"id": document_id}, user="alice")
    return body["data"]["document"]


async def test_concurrent_approvals_with_the_same_expected_version_change_the_document_once(api, circuit):
    document = await circuit.submitted(total_ht=800)
    assert document["state"] == "service_review"
    results = await _race(api, document["id"], document["version"])
    kinds = [r["__typename"] for r in results]
    assert kinds.count("DocumentPayload") == 1, kinds
    losers = [r for r in results if r["__typename"] != "DocumentPayload"]
    assert len(losers) == RACERS - 1
    for loser in losers:
        assert loser["__typename"] in ("VersionConflict", "ActionRefused"), loser
        if loser["__typename"] == "VersionConflict":
            assert loser["currentVersion"] == document["version"] + 1
        else:
            assert loser["reason"] == "NOT_AVAILABLE_IN_STATE"
    after = await _after(api, document["id"])
    assert after["state"] == "approved"
    assert after["version"] == document["version"] + 1
    assert [h["action"] for h in after["history"]].count("approve") == 1


async def test_concurrent_approvals_without_expected_version_refuse_all_but_one(api, circuit):
    document = await circuit.submitted(total_ht=800)
    results = await _race(api, document["id"], None)
    winners = [r for r in results if r["__typename"] == "DocumentPayload"]
    losers = [r for r in results if r["__typename"] != "DocumentPayload"]
    assert len(winners) == 1
    assert [(r["__typename"], r["reason"]) for r in losers] == [
        ("ActionRefused", "NOT_AVAILABLE_IN_STATE")
    ] * (RACERS - 1)
    after = await _after(api, document["id"])
    assert after["version"] == document["version"] + 1
    assert [h["action"] for h in after["history"]].count("approve") == 1


async def test_concurrent_creations_get_distinct_gap_free_numbers(api):
    token = await api.token("alice")
    variables = {"input": {"documentType": "purchase_request", "data": request_data()}}
    bodies = await asyncio.gather(*(api(CREATE, variables, token=token) for _ in range(RACERS)))
    results = [body["data"]["createDocument"] for body in bodies]
    assert [r["__typename"] for r in results] == ["DocumentPayload"] * RACERS, results
    numbers = sorted(r["document"]["number"] for r in results)
    year = numbers[0].split("-")[1]
    assert numbers == [f"DA-{year}-{n:05d}" for n in range(1, RACERS + 1)]
    listed = await api("{ documents(first: 100) { totalCount } }", user="alice")
    assert listed["data"]["documents"]["totalCount"] == RACERS
