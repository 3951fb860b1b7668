"""The Mailer seam: SmtpMailer against real aiosmtpd servers, and InMemoryMailer, held to the same behaviour."""

import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import quote

import pytest

from jobs.connectors import ConnectorError
from jobs.connectors.mail import (
    SCHEMES,
    Attachment,
    Email,
    InMemoryMailer,
    Mailer,
    MailError,
    PermanentMailError,
    SmtpMailer,
    TemporaryMailError,
    message_id_for,
)

ORDER_X = b'<?xml version="1.0" encoding="UTF-8"?>\n<rsm:SCRDMCCBDACIOMessageStructure/>\n'


def order_email(**changes) -> Email:
    email = Email(
        sender="achats@acme.example",
        to=("orders@supplier.example",),
        subject="Bon de commande BC-2026-00042 — Société Générale d'Équipement",
        html="<p>Veuillez trouver ci-joint le bon de commande <b>BC-2026-00042</b>.</p>",
        text="Veuillez trouver ci-joint le bon de commande BC-2026-00042.",
        attachments=(Attachment("BC-2026-00042.xml", ORDER_X, "application/xml"),),
        message_id=message_id_for("job:42:email_supplier", "acme.example"),
    )
    return replace(email, **changes)


@dataclass
class MailerUnderTest:
    mailer: Mailer
    received: Callable[[], list[tuple[str, str]]]  # (Message-ID, subject) of what the server or memory got


@pytest.fixture(params=["smtp", "memory"])
def under_test(request) -> MailerUnderTest:
    if request.param == "smtp":
        inbox = request.getfixturevalue("smtp_server").inbox
        port = request.getfixturevalue("smtp_server").port
        mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{port}?from=noreply@acme.example&timeout=5")
        return MailerUnderTest(mailer, lambda: [(m["Message-ID"], m["Subject"]) for m in inbox.messages])
    memory = InMemoryMailer(default_sender="noreply@acme.example")
    return MailerUnderTest(memory, lambda: [(email.message_id, email.subject) for email in memory.sent])


# --- the same behaviour from both mailers -------------------------------------------------------


async def test_send_delivers_once_and_returns_the_callers_message_id(under_test):
    email = order_email()

    message_id = await under_test.mailer.send(email)

    assert message_id == email.message_id
    assert under_test.received() == [(email.message_id, email.subject)]


async def test_resend_after_a_crash_carries_the_same_message_id(under_test):
    first = await under_test.mailer.send(order_email())
    same_key = message_id_for("job:42:email_supplier", "acme.example")
    again = await under_test.mailer.send(order_email(message_id=same_key))

    assert first == again
    assert [message_id for message_id, _ in under_test.received()] == [first, first]


@pytest.mark.parametrize(
    "changes, complaint",
    [
        ({"to": ("orders.supplier.example",)}, "recipient address 'orders.supplier.example'"),
        ({"to": ("orders@supplier",)}, "is not a valid e-mail address"),
        ({"to": ()}, "has no recipient"),
        ({"to": ("orders@supplier.example\r\nBcc: victim@example.com",)}, "contains a line break"),
        ({"sender": "achats at acme"}, "sender address 'achats at acme'"),
        ({"subject": "Order\r\nBcc: victim@example.com"}, "subject"),
        ({"message_id": "not-a-message-id"}, "Message-ID 'not-a-message-id'"),
    ],
)
async def test_bad_address_or_header_is_refused_permanently_before_anything_is_sent(under_test, changes, complaint):
    with pytest.raises(PermanentMailError) as raised:
        await under_test.mailer.send(order_email(**changes))

    assert complaint in str(raised.value)
    assert raised.value.retryable is False
    assert under_test.received() == []


async def test_empty_sender_falls_back_to_the_default_sender(under_test):
    await under_test.mailer.send(order_email(sender=""))

    assert len(under_test.received()) == 1


async def test_display_names_are_accepted_in_addresses(under_test):
    await under_test.mailer.send(
        order_email(sender="Achats ACME <achats@acme.example>", to=("Fournisseur <orders@supplier.example>",))
    )

    assert len(under_test.received()) == 1


def test_message_id_for_is_stable_for_a_key_and_distinct_across_keys():
    assert message_id_for("job:1", "acme.example") == message_id_for("job:1", "acme.example")
    assert message_id_for("job:1", "acme.example") != message_id_for("job:2", "acme.example")
    assert message_id_for("job:1", "acme.example").endswith("@acme.example>")


# --- SMTP on the wire ---------------------------------------------------------------------------


async def test_smtp_server_receives_subject_message_id_html_text_and_attachment(smtp_server):
    mailer = SmtpMailer.from_url(f"smtp://{smtp_server.host}:{smtp_server.port}")
    email = order_email(to=("orders@supplier.example", "Compta <compta@supplier.example>"))

    await mailer.send(email)

    [envelope] = smtp_server.inbox.envelopes
    assert envelope.mail_from == "achats@acme.example"
    assert envelope.rcpt_tos == ["orders@supplier.example", "compta@supplier.example"]
    [message] = smtp_server.inbox.messages
    assert message["Subject"] == "Bon de commande BC-2026-00042 — Société Générale d'Équipement"
    assert message["Message-ID"] == email.message_id
    assert message["Date"]
    assert message.get_content_type() == "multipart/mixed"
    body = message.get_body(preferencelist=("html",))
    assert body.get_content_type() == "text/html"
    assert "<b>BC-2026-00042</b>" in body.get_content()
    assert "BC-2026-00042." in message.get_body(preferencelist=("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "BC-2026-00042.xml"
    assert attachment.get_content_type() == "application/xml"
    assert attachment.get_payload(decode=True) == ORDER_X


async def test_binary_attachment_bytes_arrive_unchanged(smtp_server):
    pdf = bytes(range(256)) * 40
    mailer = SmtpMailer.from_url(f"smtp://{smtp_server.host}:{smtp_server.port}")

    await mailer.send(order_email(attachments=(Attachment("BC-2026-00042.pdf", pdf, "application/pdf"),)))

    [attachment] = list(smtp_server.inbox.messages[0].iter_attachments())
    assert attachment.get_payload(decode=True) == pdf


async def test_recipient_refused_with_550_is_a_permanent_error_quoting_the_server(smtp_server):
    mailer = SmtpMailer.from_url(f"smtp://{smtp_server.host}:{smtp_server.port}")

    with pytest.raises(PermanentMailError, match=r"unknown@supplier\.example \(550 5\.1\.1 No such user here\)"):
        await mailer.send(order_email(to=("unknown@supplier.example",)))

    assert smtp_server.inbox.envelopes == []


async def test_recipient_deferred_with_451_is_a_temporary_error(smtp_server):
    mailer = SmtpMailer.from_url(f"smtp://{smtp_server.host}:{smtp_server.port}")

    with pytest.raises(TemporaryMailError, match="451") as raised:
        await mailer.send(order_email(to=("busy@supplier.example",)))

    assert raised.value.retryable is True


async def test_partly_refused_recipients_fail_without_retry_since_the_others_got_it(smtp_server):
    mailer = SmtpMailer.from_url(f"smtp://{smtp_server.host}:{smtp_server.port}")

    with pytest.raises(PermanentMailError, match=r"refused unknown@supplier\.example \(550"):
        await mailer.send(order_email(to=("orders@supplier.example", "unknown@supplier.example")))

    assert [envelope.rcpt_tos for envelope in smtp_server.inbox.envelopes] == [["orders@supplier.example"]]


async def test_closed_port_is_a_temporary_error(closed_port):
    mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{closed_port}?timeout=5")

    with pytest.raises(TemporaryMailError, match="could not connect to 127.0.0.1"):
        await mailer.send(order_email())


async def test_server_that_never_greets_times_out_as_a_temporary_error():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{silent.getsockname()[1]}?timeout=0.5")

        with pytest.raises(TemporaryMailError, match="did not answer in time"):
            await mailer.send(order_email())


async def test_starttls_then_login_delivers_the_email(starttls_server, tls_files, smtp_login):
    url = (
        f"smtp+starttls://{smtp_login.user}:{quote(smtp_login.password, safe='')}@127.0.0.1:{starttls_server.port}"
        f"?cafile={tls_files.certificate}&from=achats@acme.example"
    )

    await SmtpMailer.from_url(url).send(order_email(sender=""))

    assert starttls_server.inbox.logins == [smtp_login.user]
    [message] = starttls_server.inbox.messages
    assert message["From"] == "achats@acme.example"


async def test_wrong_password_is_a_permanent_error_pointing_at_the_url(starttls_server, tls_files, smtp_login):
    url = f"smtp+starttls://{smtp_login.user}:wrong@127.0.0.1:{starttls_server.port}?cafile={tls_files.certificate}"

    with pytest.raises(PermanentMailError, match="check the user and password in PARAPHEUR_SMTP_URL"):
        await SmtpMailer.from_url(url).send(order_email())

    assert starttls_server.inbox.envelopes == []


async def test_server_requiring_starttls_refuses_a_plain_session_permanently(starttls_server):
    mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{starttls_server.port}")

    with pytest.raises(PermanentMailError, match="530"):
        await mailer.send(order_email())


async def test_untrusted_certificate_is_a_permanent_error_suggesting_cafile(starttls_server, smtp_login):
    url = f"smtp+starttls://{smtp_login.user}:{quote(smtp_login.password, safe='')}@127.0.0.1:{starttls_server.port}"

    with pytest.raises(PermanentMailError, match=r"could not be verified .*\?cafile="):
        await SmtpMailer.from_url(url).send(order_email())


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the session is TLS from the start
async def test_implicit_tls_smtps_delivers_the_email(smtps_server, tls_files, smtp_login):
    context = ssl.create_default_context(cafile=str(tls_files.certificate))
    url = f"smtps://{smtp_login.user}:{quote(smtp_login.password, safe='')}@127.0.0.1:{smtps_server.port}"

    await SmtpMailer.from_url(url, tls_context=context).send(order_email())

    assert smtps_server.inbox.logins == [smtp_login.user]
    assert smtps_server.inbox.messages[0]["Message-ID"] == order_email().message_id


# --- PARAPHEUR_SMTP_URL -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, host, port, scheme, username, password, sender, timeout",
    [
        ("smtp://relay.internal:2525", "relay.internal", 2525, "smtp", None, None, None, 30.0),
        ("smtp://relay.internal", "relay.internal", 25, "smtp", None, None, None, 30.0),
        (
            "smtp+starttls://bob:p%40ss%3Aword@mail.example.com:587?from=noreply@acme.example&timeout=10",
            "mail.example.com", 587, "smtp+starttls", "bob", "p@ss:word", "noreply@acme.example", 10.0,
        ),
        ("smtps://bob:pw@mail.example.com", "mail.example.com", 465, "smtps", "bob", "pw", None, 30.0),
    ],
)  # fmt: skip
def test_smtp_url_forms_are_understood(url, host, port, scheme, username, password, sender, timeout):
    mailer = SmtpMailer.from_url(url)

    assert (mailer.host, mailer.port, mailer.security) == (host, port, SCHEMES[scheme])
    assert (mailer.username, mailer.password, mailer.default_sender, mailer.timeout) == (
        username, password, sender, timeout,
    )  # fmt: skip


@pytest.mark.parametrize(
    "url, complaint",
    [
        ("http://mail.example.com", "scheme 'http'"),
        ("mail.example.com:25", "scheme"),
        ("smtp://", "names no host"),
        ("smtp://mail.example.com:notaport", "is not valid"),
        ("smtp://mail.example.com?timeout=soon", "timeout must be a number"),
        ("smtp://mail.example.com?form=a@b.example", "unknown option(s) form"),
        ("smtp://mail.example.com?from=nobody", "default sender"),
        ("smtp://bob:hunter2@mail.example.com", "in clear; use smtp+starttls:// or smtps://"),
    ],
)
def test_bad_smtp_url_raises_value_error_showing_the_expected_format(url, complaint):
    with pytest.raises(ValueError) as raised:
        SmtpMailer.from_url(url)

    assert complaint in str(raised.value)
    assert "PARAPHEUR_SMTP_URL" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_password_is_kept_out_of_the_mailers_repr():
    assert "hunter2" not in repr(SmtpMailer.from_url("smtps://bob:hunter2@mail.example.com"))


# --- InMemoryMailer extras ----------------------------------------------------------------------


async def test_in_memory_mailer_raises_scripted_failures_in_order_then_sends():
    mailer = InMemoryMailer()
    mailer.fail_next(TemporaryMailError("server busy"))

    with pytest.raises(TemporaryMailError):
        await mailer.send(order_email())
    await mailer.send(order_email())

    assert [email.message_id for email in mailer.sent] == [order_email().message_id]


def test_mail_errors_share_the_connector_root_and_say_whether_to_retry():
    assert issubclass(MailError, ConnectorError)
    assert PermanentMailError("x").retryable is False
    assert TemporaryMailError("x").retryable is True
