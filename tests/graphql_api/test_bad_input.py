"""Whatever a client sends, the answer is a clear 4xx or a GraphQL error, never a 500 or a
stack trace; bugs are masked behind a request id."""

import json

import httpx
import pytest

from tests.circuit import CREATE, TRANSITION, UPDATE, request_data

BIG = 2_000_000


def assert_clean(response: httpx.Response) -> None:
    assert response.status_code != 500, response.text
    assert "Traceback" not in response.text
    assert 'File "' not in response.text


async def _post(api, query: str, variables: dict | None = None, user: str | None = "alice") -> httpx.Response:
    token = await api.token(user) if user else None
    response = await api.post(query, variables, token=token)
    assert_clean(response)
    return response


async def _error(api, query: str, variables: dict | None = None) -> dict:
    """The single GraphQL error of a request that must not run."""
    response = await _post(api, query, variables)
    assert response.status_code in (200, 400), response.text
    body = response.json()
    assert body.get("data") is None, body
    assert len(body["errors"]) >= 1, body
    return body["errors"][0]


# --- transport ------------------------------------------------------------------------------


async def test_malformed_json_is_a_400_with_a_clear_message(api):
    response = await api.http.post("/graphql", content=b'{"query": "{ viewer { username } ',
                                   headers={"Content-Type": "application/json"})
    assert_clean(response)
    assert response.status_code == 400
    assert "JSON" in response.text


async def test_body_over_the_limit_is_a_413(api):
    query = "{ viewer { username } }" + " " * BIG
    response = await api.http.post("/graphql", json={"query": query})
    assert_clean(response)
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "1000000" in error["message"]


async def test_chunked_body_over_the_limit_is_a_413(api):
    async def chunks():
        yield b'{"query": "{ viewer { username } }'
        for _ in range(BIG // 65_536 + 1):
            yield b" " * 65_536
        yield b'"}'

    request = api.http.build_request("POST", "/graphql", content=chunks(),
                                     headers={"Content-Type": "application/json"})
    assert "content-length" not in request.headers
    response = await api.http.send(request)
    assert_clean(response)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


# --- query shape ----------------------------------------------------------------------------


async def test_query_deeper_than_the_limit_is_refused(api, circuit):
    document = await circuit.submitted(total_ht=100)
    nested = "id"
    for _ in range(15):
        nested = f"links {{ kind document {{ {nested} }} }}"
    error = await _error(api, f'query Deep {{ document(id: "{document["id"]}") {{ {nested} }} }}')
    assert "depth" in error["message"]


async def test_query_with_too_many_tokens_is_refused(api):
    query = "{ viewer { " + "username " * 2_100 + "} }"
    error = await _error(api, query)
    assert "token" in error["message"].lower()


async def test_too_many_aliases_are_refused(api):
    query = "{ " + " ".join(f"a{i}: viewer {{ username }}" for i in range(40)) + " }"
    error = await _error(api, query)
    assert "alias" in error["message"].lower()


# --- values ---------------------------------------------------------------------------------


async def test_unknown_action_is_refused_by_name(api, circuit):
    document = await circuit.submitted(total_ht=800)
    refused = await circuit.act("bob", document["id"], "launch_rockets")
    assert refused["reason"] == "UNKNOWN_ACTION"
    assert "launch_rockets" in refused["message"]


async def test_unknown_document_type_is_not_found(api):
    error = await _error(api, CREATE, {"input": {"documentType": "spaceship", "data": request_data()}})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "spaceship" in error["message"]


# "{}" is the id of an existing document: spelled any other way, it names nothing.
BAD_IDS = ["abc", "-1", "0", "1.5", "99999999999999999999999999", "", " {}", "{} ", "+{}", "0{}", "{}.0",
           "{}e0", "1_{}", "\u0661"]


@pytest.mark.parametrize("bad_id", BAD_IDS)
async def test_bad_document_id_reads_as_null(api, circuit, bad_id):
    document = await circuit.submitted(total_ht=800)
    response = await _post(api, "query($id: ID!) { document(id: $id) { id } }", {"id": bad_id.format(document["id"])})
    assert response.json() == {"data": {"document": None}}


@pytest.mark.parametrize("bad_id", BAD_IDS)
async def test_bad_document_id_is_not_found_for_mutations(api, circuit, bad_id):
    document = await circuit.submitted(total_ht=800)
    bad_id = bad_id.format(document["id"])
    for query, variables in (
        (TRANSITION, {"input": {"id": bad_id, "action": "withdraw"}}),
        (UPDATE, {"input": {"id": bad_id, "expectedVersion": 1, "data": request_data()}}),
    ):
        error = await _error(api, query, variables)
        assert error["extensions"]["code"] == "NOT_FOUND", error


async def test_wrong_variable_type_is_a_graphql_error(api, circuit):
    document = await circuit.submitted(total_ht=800)
    error = await _error(api, TRANSITION, {"input": {"id": document["id"], "action": "approve",
                                                     "expectedVersion": "abc"}})
    assert "expectedVersion" in error["message"]
    assert "Int" in error["message"]


async def test_unknown_field_is_a_graphql_error(api):
    error = await _error(api, "{ documents { totalCount secrets } }")
    assert "secrets" in error["message"]


@pytest.mark.parametrize("data", ["a string", ["a", "list"], 42, True])
async def test_data_that_is_not_an_object_fails_validation_at_the_root(api, circuit, data):
    created = await _post(api, CREATE, {"input": {"documentType": "purchase_request", "data": data}})
    result = created.json()["data"]["createDocument"]
    assert result["__typename"] == "ValidationFailed"
    assert [e["path"] for e in result["errors"]] == [""]
    assert "object" in result["errors"][0]["message"]
    draft = (await circuit.create())["document"]
    updated = await _post(api, UPDATE, {"input": {"id": draft["id"], "expectedVersion": draft["version"],
                                                  "data": data}})
    result = updated.json()["data"]["updateDocument"]
    assert result["__typename"] == "ValidationFailed"
    assert [e["path"] for e in result["errors"]] == [""]


@pytest.mark.parametrize("field", ["documents", "inbox"])
@pytest.mark.parametrize("first", [1000, -1])
async def test_page_size_outside_the_limit_names_the_limit(api, field, first):
    error = await _error(api, f"{{ {field}(first: {first}) {{ totalCount }} }}")
    assert "100" in error["message"]
    assert str(first) in error["message"]


@pytest.mark.parametrize("field", ["documents", "inbox"])
@pytest.mark.parametrize("cursor", ["garbage!", "ZG9jOng=", "bm90YWRvYzox", ""])
async def test_bad_cursor_is_an_error_naming_it(api, field, cursor):
    response = await _post(api, f"query($after: String) {{ {field}(after: $after) {{ totalCount }} }}",
                           {"after": cursor})
    body = response.json()
    if cursor == "":  # no cursor: the first page
        assert body["data"][field] == {"totalCount": 0}
        return
    assert body["data"] is None
    assert repr(cursor) in body["errors"][0]["message"]
    assert "endCursor" in body["errors"][0]["message"]


# --- masking --------------------------------------------------------------------------------


async def test_unexpected_error_in_a_query_is_masked_with_a_request_id(api, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("models.queries.list_documents", broken)
    response = await _post(api, "{ documents { totalCount } }")
    assert "secret detail" not in response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    request_id = error["extensions"]["requestId"]
    assert request_id in error["message"]
    logged = [r for r in caplog.records if r.name == "parapheur.api"]
    assert logged and request_id in logged[0].getMessage()
    assert "secret detail" in str(logged[0].exc_info[1])


async def test_unexpected_error_in_a_mutation_is_masked(api, circuit, monkeypatch):
    document = await circuit.submitted(total_ht=800)

    async def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("models.documents.transition", broken)
    response = await _post(api, TRANSITION, {"input": {"id": document["id"], "action": "approve"}}, user="bob")
    assert "secret detail" not in response.text
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert body["errors"][0]["extensions"]["requestId"]
    assert json.dumps(body).count("RuntimeError") == 0
