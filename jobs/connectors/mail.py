"""Outgoing e-mail: the `Mailer` seam, its SMTP implementation and an in-memory one.

The caller chooses the Message-ID (derived from the job's idempotency key, see `message_id_for`)
so that a resend after a crash carries the same id and receivers can recognise the duplicate.
SMTP offers no exactly-once delivery: if the connection drops after the server accepted the
message but before its answer reached us, the job retries and the message goes out twice with
that same Message-ID.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from jobs.connectors import ConnectorError

URL_FORMAT = (
    "smtp://host:25, smtp+starttls://user:password@host:587 or smtps://user:password@host:465, "
    "optionally followed by ?from=sender@example.com&timeout=30&cafile=/path/to/ca.pem"
)
ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\.]+(\.[^@\s<>(),;:\"\[\]\\.]+)+")
MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")


class MailError(ConnectorError):
    """Raised when an e-mail could not be handed to the mail server."""


class PermanentMailError(MailError):
    """Raised when retrying cannot help: bad address, refused by the server (5xx), authentication failure."""

    retryable = False


class TemporaryMailError(MailError):
    """Raised when the server could not be reached or asked us to come back later (4xx, timeout, refused connection)."""

    retryable = True


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    media_type: str


@dataclass(frozen=True, kw_only=True)
class Email:
    """One message; an empty `sender` means the mailer's default sender (`?from=` in the SMTP URL)."""

    sender: str
    to: tuple[str, ...]
    subject: str
    html: str
    text: str
    attachments: tuple[Attachment, ...] = ()
    message_id: str


class Mailer(Protocol):
    async def send(self, email: Email) -> str:
        """Deliver `email` to the mail server and return its Message-ID."""
        ...


def message_id_for(key: str, domain: str) -> str:
    """A Message-ID that is the same every time for the same key (e.g. the job's idempotency key)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def check_email(email: Email, default_sender: str | None) -> str:
    """Check every address and header of `email`; return the sender to use.

    Raises PermanentMailError naming the first bad value: an address that cannot be delivered
    today cannot be delivered on retry either.
    """
    sender = email.sender or default_sender
    if not sender:
        raise PermanentMailError(
            "the e-mail has no sender: set Email.sender or add ?from=sender@example.com to PARAPHEUR_SMTP_URL"
        )
    check_address(sender, "sender")
    if not email.to:
        raise PermanentMailError(f"the e-mail {email.subject!r} has no recipient")
    for recipient in email.to:
        check_address(recipient, "recipient")
    if "\r" in email.subject or "\n" in email.subject:
        raise PermanentMailError(f"the subject {email.subject!r} contains a line break; subjects are one line")
    if not MESSAGE_ID.fullmatch(email.message_id):
        raise PermanentMailError(
            f"the Message-ID {email.message_id!r} is not of the form <unique@domain>; build it with message_id_for()"
        )
    for attachment in email.attachments:
        if "/" not in attachment.media_type or not attachment.filename:
            raise PermanentMailError(
                f"the attachment {attachment.filename!r} needs a file name and a media type such as "
                f"application/xml (got {attachment.media_type!r})"
            )
    return sender


def check_address(value: str, role: str) -> None:
    """Accept `someone@example.com` or `Name <someone@example.com>`; raise PermanentMailError otherwise."""
    if "\r" in value or "\n" in value:
        raise PermanentMailError(f"the {role} address {value!r} contains a line break")
    _, address = parseaddr(value)
    if not ADDRESS.fullmatch(address):
        raise PermanentMailError(
            f"the {role} address {value!r} is not a valid e-mail address (expected someone@example.com); "
            "correct it where it is recorded, e.g. the supplier's e-mail in the catalog"
        )


def build_message(email: Email, sender: str) -> EmailMessage:
    """The MIME message: multipart/alternative text + HTML, inside multipart/mixed when there are attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = email.message_id
    if email.text or not email.html:
        message.set_content(email.text)
        if email.html:
            message.add_alternative(email.html, subtype="html")
    else:
        message.set_content(email.html, subtype="html")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.media_type.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


@dataclass(frozen=True)
class Security:
    """How a scheme of PARAPHEUR_SMTP_URL secures the connection."""

    default_port: int
    implicit_tls: bool
    starttls: bool


SCHEMES: dict[str, Security] = {
    "smtp": Security(default_port=25, implicit_tls=False, starttls=False),
    "smtp+starttls": Security(default_port=587, implicit_tls=False, starttls=True),
    "smtps": Security(default_port=465, implicit_tls=True, starttls=False),
}


@dataclass
class SmtpMailer:
    """Sends through an SMTP server with the standard library, in a worker thread."""

    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    default_sender: str | None = None
    timeout: float = 30.0
    tls_context: ssl.SSLContext | None = None

    @classmethod
    def from_url(cls, url: str, *, tls_context: ssl.SSLContext | None = None) -> SmtpMailer:
        """Build a mailer from PARAPHEUR_SMTP_URL; a bad URL raises ValueError showing the expected format."""
        shown = redact(url)
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise ValueError(f"PARAPHEUR_SMTP_URL {shown!r} is not valid ({error}); expected {URL_FORMAT}") from None
        security = SCHEMES.get(parts.scheme)
        if security is None:
            raise ValueError(
                f"PARAPHEUR_SMTP_URL {shown!r} has scheme {parts.scheme!r}; expected one of "
                f"{', '.join(SCHEMES)}: {URL_FORMAT}"
            )
        if not parts.hostname:
            raise ValueError(f"PARAPHEUR_SMTP_URL {shown!r} names no host; expected {URL_FORMAT}")
        username = unquote(parts.username) if parts.username else None
        if username and not (security.starttls or security.implicit_tls):
            raise ValueError(
                f"PARAPHEUR_SMTP_URL {shown!r} has credentials over plain smtp://, which would send the password "
                "in clear; use smtp+starttls:// or smtps://"
            )
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"from", "timeout", "cafile"}
        if unknown:
            raise ValueError(
                f"PARAPHEUR_SMTP_URL {shown!r} has unknown option(s) {', '.join(sorted(unknown))}; "
                f"expected {URL_FORMAT}"
            )
        try:
            timeout = float(query.get("timeout", "30"))
        except ValueError:
            raise ValueError(
                f"PARAPHEUR_SMTP_URL {shown!r}: timeout must be a number of seconds, got {query['timeout']!r}"
            ) from None
        sender = query.get("from")
        if sender:
            try:
                check_address(sender, "default sender (?from=)")
            except PermanentMailError as error:
                raise ValueError(f"PARAPHEUR_SMTP_URL {shown!r}: {error}") from None
        if tls_context is None and "cafile" in query:
            tls_context = ssl.create_default_context(cafile=query["cafile"])
        return cls(
            host=parts.hostname,
            port=port or security.default_port,
            security=security,
            username=username,
            password=unquote(parts.password) if parts.password else None,
            default_sender=sender,
            timeout=timeout,
            tls_context=tls_context,
        )

    async def send(self, email: Email) -> str:
        sender = check_email(email, self.default_sender)
        message = build_message(email, sender)
        _, envelope_sender = parseaddr(sender)
        recipients = [parseaddr(recipient)[1] for recipient in email.to]
        await asyncio.to_thread(self._deliver, message, envelope_sender, recipients)
        return email.message_id

    def _deliver(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        where = f"{self.host}:{self.port}"
        context = self.tls_context or ssl.create_default_context()
        try:
            if self.security.implicit_tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except Exception as error:
            raise classify(error, where) from error
        try:
            client.ehlo()
            if self.security.starttls:
                client.starttls(context=context)
                client.ehlo()
            if self.username:
                client.login(self.username, self.password or "")
            refused = client.send_message(message, from_addr=sender, to_addrs=recipients)
        except Exception as error:
            client.close()
            raise classify(error, where) from error
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()  # the message was accepted; a failed goodbye must not cause a resend
        if refused:
            raise PermanentMailError(
                f"{where} accepted the e-mail {message['Message-ID']} for some recipients but refused "
                f"{refusals(refused)}; it is not retried, to avoid a duplicate for the others"
            )


def classify(error: BaseException, where: str) -> MailError:
    """Turn an smtplib or socket failure into a permanent or temporary MailError with a useful message."""
    for kind, explain in EXPLANATIONS:
        if isinstance(error, kind):
            return explain(error, where)
    return TemporaryMailError(f"sending through {where} failed: {error!r}")


def _by_code(code: int, text: str) -> MailError:
    return PermanentMailError(text) if code >= 500 else TemporaryMailError(text)


def _reply(error: smtplib.SMTPResponseException) -> str:
    message = error.smtp_error
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _recipients_refused(error: smtplib.SMTPRecipientsRefused, where: str) -> MailError:
    codes = [code for code, _ in error.recipients.values()]
    return _by_code(min(codes, default=550), f"{where} refused every recipient: {refusals(error.recipients)}")


def refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    """`a@x.fr (550 no such user); b@y.fr (452 mailbox full)` for an error message."""
    return "; ".join(
        f"{address} ({code} {reason.decode(errors='replace')})" for address, (code, reason) in refused.items()
    )


def _disconnected(error: smtplib.SMTPServerDisconnected, where: str) -> MailError:
    # smtplib reports a read timeout as a disconnection; the timeout is the exception it replaced
    if isinstance(error.__context__, TimeoutError):
        return TemporaryMailError(f"{where} did not answer in time ({error.__context__ or 'timeout'})")
    return TemporaryMailError(f"{where} closed the connection unexpectedly ({error})")


EXPLANATIONS: tuple[tuple[type[BaseException], Callable[..., MailError]], ...] = (
    (smtplib.SMTPRecipientsRefused, _recipients_refused),
    (
        smtplib.SMTPAuthenticationError,
        lambda error, where: PermanentMailError(
            f"{where} refused the login ({error.smtp_code} {_reply(error)}); check the user and password "
            "in PARAPHEUR_SMTP_URL"
        ),
    ),
    (
        smtplib.SMTPNotSupportedError,
        lambda error, where: PermanentMailError(
            f"{where} does not support what PARAPHEUR_SMTP_URL asks for ({error}); check the scheme "
            "(smtp, smtp+starttls, smtps) and the credentials"
        ),
    ),
    (
        smtplib.SMTPSenderRefused,
        lambda error, where: _by_code(
            error.smtp_code, f"{where} refused the sender {error.sender}: {error.smtp_code} {_reply(error)}"
        ),
    ),
    (
        smtplib.SMTPResponseException,
        lambda error, where: _by_code(error.smtp_code, f"{where} answered {error.smtp_code} {_reply(error)}"),
    ),
    (smtplib.SMTPServerDisconnected, lambda error, where: _disconnected(error, where)),
    (
        ssl.SSLCertVerificationError,
        lambda error, where: PermanentMailError(
            f"the TLS certificate of {where} could not be verified ({error.verify_message}); use the server's "
            "real host name, or trust its CA with ?cafile=/path/to/ca.pem in PARAPHEUR_SMTP_URL"
        ),
    ),
    (
        TimeoutError,
        lambda error, where: TemporaryMailError(f"{where} did not answer in time ({error or 'timeout'})"),
    ),
    (
        ConnectionError,
        lambda error, where: TemporaryMailError(f"could not connect to {where} ({error.strerror or error})"),
    ),
    (OSError, lambda error, where: TemporaryMailError(f"network error talking to {where}: {error}")),
)


def redact(url: str) -> str:
    """The URL with its password replaced by ***, for error messages and logs."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()
    except ValueError:
        return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)


@dataclass
class InMemoryMailer:
    """Keeps sent e-mails in `sent`, after the same checks as SmtpMailer; `fail_next` scripts failures."""

    default_sender: str | None = None
    sent: list[Email] = field(default_factory=list)
    failures: list[MailError] = field(default_factory=list)

    def fail_next(self, error: MailError) -> None:
        """Make the next `send` raise `error` (queued: call several times for several failures)."""
        self.failures.append(error)

    async def send(self, email: Email) -> str:
        sender = check_email(email, self.default_sender)
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(replace(email, sender=sender))
        return email.message_id
