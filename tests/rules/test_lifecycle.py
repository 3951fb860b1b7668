"""The platform status table: every spelling of a status finds its meaning; finals say what to do."""

import pytest

from rules.lifecycle import LIFECYCLE, PAID, REFUSED, REJECTED, UNKNOWN, meaning


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


def test_only_refused_rejected_and_paid_are_final_and_each_names_its_workflow_action():
    finals = {found for _, _, found in LIFECYCLE if found.final}
    assert finals == {REFUSED, REJECTED, PAID}
    assert (REFUSED.action, REJECTED.action, PAID.action) == ("record_refusal", "record_rejection", "mark_paid")


def test_a_status_in_no_table_is_unknown_and_polled_on():
    assert meaning("Quarantaine") == UNKNOWN
    assert meaning("999") == UNKNOWN
    assert not UNKNOWN.final and UNKNOWN.action is None
