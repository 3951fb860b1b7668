"""The invoice syntaxes reception reads: one vocabulary from detection to the received document."""

import enum


class Syntax(enum.Enum):
    """What a file was read as; a Factur-X PDF is received through the CII inside it."""

    UBL_INVOICE = "ubl-invoice"
    UBL_CREDIT_NOTE = "ubl-credit-note"
    CII = "cii"
    FACTURX_PDF = "facturx-pdf"
    PLAIN_PDF = "pdf"
