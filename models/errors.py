"""The one root of the errors `models/` raises, and the ones shared by several stores.

Business refusals are not errors: they are `models.outcomes` values. These are raised when a
call cannot be answered at all (an unknown id) or when the platform itself asked for
something its own rules refuse (a purchase order that would be invalid).
"""


class ModelError(Exception):
    """Raised when a store cannot do what it was asked; subclasses say why."""


class NotFound(ModelError):
    """Raised when an id names nothing this viewer may see (unknown, or another tenant's)."""


class PlatformDocumentInvalid(ModelError):
    """Raised when a document the platform creates itself (a purchase order) would break its schema."""


class PlatformActionRefused(ModelError):
    """Raised when the workflow refuses an action the platform takes (after an automated action)."""
