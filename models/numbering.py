"""Gap-free document numbers (DA-2026-00042), one sequence per document type and year.

The counter row is bumped inside the document's own transaction: if the document is not
written, the number is not used either, and concurrent writers queue on the counter row.
"""

from models.tables import NumberCounter


def format_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:05d}"


async def next_number(*, organisation_id: int, document_type_id: int, prefix: str, year: int) -> str:
    """Take the next number; must run inside `write_transaction`."""
    rows = await NumberCounter.raw(
        "INSERT INTO number_counter (organisation, document_type, year, last) VALUES ({}, {}, {}, 1) "
        "ON CONFLICT (document_type, year) DO UPDATE SET last = number_counter.last + 1 "
        "RETURNING last",
        organisation_id,
        document_type_id,
        year,
    )
    return format_number(prefix, year, rows[0]["last"])
