"""Connectors: the seams through which actions reach the outside world.

Each seam is a small Protocol with a real implementation and an in-memory one beside it:
`mail` (SMTP), `platforms` (e-invoicing platforms: REST API or directory drop) and `webhooks`
(signed HTTPS callbacks). Every failure is a `ConnectorError` whose `retryable` flag tells the
actor whether to schedule another attempt or to fail the job at once with the message.
"""

from collections.abc import Iterable
from urllib.parse import urlsplit

from jobs.errors import JobError


class ConnectorError(JobError):
    """Raised when a connector could not perform its side effect; each subclass says whether
    trying again may help (`retryable`)."""


class InsecureTransport(ConnectorError):
    """Raised when a URL would carry documents or secrets in clear text: a configuration mistake."""

    retryable = False


def check_transport(url: str, allow_http_hosts: Iterable[str], what: str) -> None:
    """Refuse a URL that would send secrets or documents in clear text.

    Plain http is accepted only for hosts listed in `allow_http_hosts` (a local test server, a
    platform sandbox on the same machine); everything else must be https.
    Raises `InsecureTransport`: a bad URL is a configuration mistake, not a delivery failure.
    """
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and parts.hostname in {host.lower() for host in allow_http_hosts}:
        return
    if parts.scheme == "http":
        raise InsecureTransport(
            f"{what} {url!r} uses plain http; use an https:// URL, or list the host "
            f"{parts.hostname!r} in allow_http_hosts if it is a local or test server"
        )
    raise InsecureTransport(f"{what} {url!r} is not an absolute https:// URL (expected https://host/path)")
