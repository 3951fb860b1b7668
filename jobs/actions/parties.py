"""Who is on each side of a business document: the organisation and its partners, as the
Order-X and UBL builders expect them."""

from typing import Any

from jobs.errors import PermanentJobError
from models.links import catalog_entry
from models.records import OrganisationRecord

PARTY_FIELDS = ("name", "siren", "vat_number", "email", "address", "electronic_address")


def organisation_party(organisation: OrganisationRecord) -> dict[str, Any]:
    party = {"name": organisation.name, "siren": organisation.siren}
    party.update({k: v for k, v in organisation.legal.items() if k in PARTY_FIELDS})
    return {k: v for k, v in party.items() if v}


async def partner_party(organisation_id: int, catalog: str, code: Any) -> dict[str, Any]:
    """The catalog entry a document points to, as a party; a missing entry fails the job."""
    if not isinstance(code, str):
        raise PermanentJobError(f"the document names no {catalog} entry")
    entry = await catalog_entry(organisation_id, catalog, code)
    if entry is None:
        raise PermanentJobError(f"{code!r} is not an entry of catalog {catalog!r} any more")
    extra = entry["extra"] or {}
    party = {"name": extra.get("name") or entry["label"]}
    party.update({k: v for k, v in extra.items() if k in PARTY_FIELDS and k != "name"})
    return {k: v for k, v in party.items() if v}
