"""Errors of automated actions: whether retrying can help decides what the executor does.

`JobError` is the one root of the errors `jobs/` raises (connectors' `ConnectorError` included).
Each says whether another attempt may help through `retryable`: a `JobError` is retried unless
it says otherwise, and so is an unexpected exception (a bug or an outage we did not foresee
gets the benefit of the doubt, then fails the job with its message after the last attempt).
"""


class JobError(Exception):
    """Raised when an action cannot complete now; retried with backoff unless `retryable` is False."""

    retryable: bool = True


class PermanentJobError(JobError):
    """Raised when retrying cannot help (missing e-mail address, invalid invoice): fail at once."""

    retryable = False


def is_retryable(error: BaseException) -> bool:
    """Job errors say so themselves; anything unexpected gets the benefit of the doubt."""
    return error.retryable if isinstance(error, JobError) else True
