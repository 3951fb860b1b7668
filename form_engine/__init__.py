"""Pure form engine: validation, computed fields, catalogs and UI-schema checks for documents.

Takes and returns plain data; imports only the standard library, jsonschema and lxml.
"""

from form_engine.catalogs import Reference, catalog_references, unknown_references
from form_engine.computed import compute, computed_fields
from form_engine.errors import FieldError, FormError
from form_engine.fields import field_names
from form_engine.ui_schema import check_ui_schema, default_ui_schema
from form_engine.validation import validate

__all__ = [
    "FieldError",
    "FormError",
    "Reference",
    "catalog_references",
    "check_ui_schema",
    "compute",
    "computed_fields",
    "default_ui_schema",
    "field_names",
    "unknown_references",
    "validate",
]
