"""The platform status table: every spelling of a status finds its meaning; finals say what to do."""

import re
from pathlib import Path

import pytest

from rules.lifecycle import (
    BY_CODE,
    CANCELLED,
    LIFECYCLE,
    PAID,
    REFUSED,
    REJECTED,
    UNKNOWN,
    Sender,
    acknowledgement,
    label,
    meaning,
)

RULES = Path(__file__).parents[2] / "jobs" / "cdar_schemas" / "BR-FR-CDV-Schematron-CDAR.xslt"


@pytest.mark.parametrize(
    "status, key",
    [
        ("Deposee", "deposited"), ("Déposée", "deposited"), ("200", "deposited"), ("deposited", "deposited"),
        ("collected", "in_progress"), ("Mise à disposition", "in_progress"), ("MISE_A_DISPOSITION", "in_progress"),
        ("205", "approved"), ("En litige", "disputed"),
        ("Refusée", "refused"), ("210", "refused"), ("refused", "refused"),
        ("Rejetée", "rejected"), ("rejetee", "rejected"), ("213 - Rejetée", "rejected"),
        ("Encaissée", "paid"), ("Encaissee", "paid"), (" 212 ", "paid"), ("paid", "paid"),
    ],
)
def test_every_spelling_of_a_status_finds_its_meaning(status, key):
    assert meaning(status).key == key


def test_only_refused_rejected_paid_and_cancelled_are_final_and_each_names_its_workflow_action():
    finals = {found for _, _, found in LIFECYCLE if found.final}
    assert finals == {REFUSED, REJECTED, PAID, CANCELLED}
    assert (REFUSED.action, REJECTED.action, PAID.action, CANCELLED.action) == (
        "record_refusal", "record_rejection", "mark_paid", "record_cancellation",
    )  # fmt: skip


def test_every_code_the_official_cdar_rules_accept_is_known_with_a_label():
    listed = re.search(r"invoice-status-codes.*?select=\"'([\d\s]+)'\"", RULES.read_text(), re.S)
    official = set(listed.group(1).split())

    assert len(official) == 31
    assert set(BY_CODE) == official
    assert all(meaning(code) is not UNKNOWN for code in official)


@pytest.mark.parametrize(
    "code, key", [("220", "cancelled"), ("221", "in_progress"), ("501", "rejected"), ("211", "payment_sent")]
)
def test_codes_once_unknown_now_have_their_meaning(code, key):
    assert meaning(code).key == key
    assert meaning(f"{code} - {label(code)}").key == key


def test_payment_received_is_sent_by_the_seller_and_refusal_by_the_buyer():
    assert BY_CODE["212"].sender is Sender.SELLER
    assert BY_CODE["210"].sender is Sender.BUYER
    assert BY_CODE["213"].sender is Sender.PLATFORM


def test_a_status_in_no_table_is_unknown_and_polled_on():
    assert meaning("Quarantaine") == UNKNOWN
    assert meaning("999") == UNKNOWN
    assert not UNKNOWN.final and UNKNOWN.action is None


@pytest.mark.parametrize("status, key, final", [("Pending", "acknowledgement_pending", False),
                                                ("Ok", "acknowledged", True), ("Error", "acknowledgement_error", True)])
def test_an_acknowledgement_ends_polling_at_most_and_never_names_a_workflow_action(status, key, final):
    found = acknowledgement(status)

    assert (found.key, found.final, found.action) == (key, final, None)
