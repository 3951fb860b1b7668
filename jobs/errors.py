"""Errors of automated actions: whether retrying can help decides what the executor does."""


class JobError(Exception):
    """Raised when an action cannot complete now; retried with backoff unless `retryable` is False."""

    retryable = True


class PermanentJobError(JobError):
    """Raised when retrying cannot help (missing e-mail address, invalid invoice): fail at once."""

    retryable = False


def is_retryable(error: BaseException) -> bool:
    """Connector and job errors say so themselves; anything unexpected gets the benefit of the doubt."""
    return bool(getattr(error, "retryable", True))
