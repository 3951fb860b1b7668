"""Errors of the form engine: broken definitions raise, bad data is reported as values."""

from collections.abc import Iterable
from dataclasses import dataclass


class FormError(Exception):
    """Raised when a form definition itself is unusable: bad formula, bad schema."""


@dataclass(frozen=True)
class FieldError:
    """One problem with the data, located by a JSON pointer so a screen can show it in place."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def pointer(parts: Iterable[str | int]) -> str:
    """Build an RFC 6901 pointer, so keys holding '/' or '~' still point at one place."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def pointer_parts(path: str) -> list[str]:
    """Split an RFC 6901 pointer back into keys ('' is the root, with no keys)."""
    if not path:
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")[1:]]
