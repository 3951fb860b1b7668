from form_engine.fields import field_names


def test_field_names_are_top_level_keys_in_schema_order_including_computed(schema: dict) -> None:
    assert field_names(schema) == [
        "title",
        "department",
        "supplier",
        "analytic_code",
        "needed_by",
        "justification",
        "lines",
        "total_ht",
        "total_vat",
        "total_ttc",
    ]


def test_schema_without_properties_has_no_field_names() -> None:
    assert field_names({"type": "object"}) == []
    assert field_names({"properties": ["not", "a", "mapping"]}) == []
