import pytest

from form_engine.errors import FieldError, pointer, pointer_parts


def test_field_error_as_dict_has_path_and_message() -> None:
    error = FieldError("/lines/0/quantity", "quantity is required")
    assert error.as_dict() == {"path": "/lines/0/quantity", "message": "quantity is required"}


def test_pointer_of_no_parts_is_the_root() -> None:
    assert pointer([]) == ""


def test_pointer_escapes_tilde_and_slash_as_rfc_6901_says() -> None:
    assert pointer(["a/b", "m~n", 3]) == "/a~1b/m~0n/3"


@pytest.mark.parametrize("parts", [[], ["lines", "0", "quantity"], ["a/b", "~1", "", "x~"]])
def test_pointer_parts_undo_pointer(parts: list[str]) -> None:
    assert pointer_parts(pointer(parts)) == parts
