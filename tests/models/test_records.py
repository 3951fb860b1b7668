"""Rows become records once, whatever the database handed back for their JSON columns."""

import json
from datetime import UTC, datetime

import pytest

from models.records import DocumentRecord, JobRecord, json_object, json_value

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _document_row(data, platform_status=None) -> dict:
    return {"id": 7, "organisation": 1, "document_type": 2, "type_version": 3, "number": "DA-2026-00001",
            "state": "draft", "data": data, "version": 4, "partner": None, "created_by": 5,
            "created_at": NOW, "updated_at": NOW, "platform_status": platform_status, "platform_polling": False}


@pytest.mark.parametrize("encoded", [True, False], ids=["sqlite text", "postgres decoded"])
def test_document_data_is_a_dict_whichever_way_the_database_returned_it(encoded):
    data = {"title": "Écrans", "lines": [{"quantity": 2}]}
    status = {"flow_id": "F1", "status": "200"}
    row = _document_row(json.dumps(data) if encoded else data, json.dumps(status) if encoded else status)

    record = DocumentRecord.of(row)

    assert (record.data, record.platform_status) == (data, status)
    assert (record.organisation_id, record.type_version_id, record.created_by) == (1, 3, 5)


def test_a_document_record_never_changes_but_gives_changed_copies():
    record = DocumentRecord.of(_document_row("{}"))

    moved = record.but(state="submitted", version=5)

    assert (record.state, record.version, moved.state, moved.version) == ("draft", 4, "submitted", 5)
    with pytest.raises(AttributeError):
        record.state = "approved"  # type: ignore[misc]


def test_a_job_record_names_the_automated_action_its_kind():
    row = {"id": 1, "organisation": 1, "document": 7, "action": "generate_purchase_order",
           "idempotency_key": "7:3:generate_purchase_order", "expected_state": "approved", "status": "PENDING",
           "attempts": 0, "last_error": None, "result": '{"number": "BC-1"}', "payload": "{}",
           "created_at": NOW, "updated_at": NOW}

    job = JobRecord.of(row)

    assert (job.kind, job.document_id, job.result, job.payload) == (
        "generate_purchase_order", 7, {"number": "BC-1"}, {})


@pytest.mark.parametrize(("raw", "value", "as_object"), [
    ('{"a": 1}', {"a": 1}, {"a": 1}), ({"a": 1}, {"a": 1}, {"a": 1}), (None, None, {}),
    ("[1, 2]", [1, 2], {}), ("null", None, {}),
])
def test_json_columns_decode_the_same_from_text_or_values(raw, value, as_object):
    assert (json_value(raw), json_object(raw)) == (value, as_object)
